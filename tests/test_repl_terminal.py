"""`logai chat` on a real terminal: Tab completion, Alt-Enter, the waiting indicator, wrapped tool lines, /last."""

from __future__ import annotations

import sys
import time

import pytest

from tests.llm_server import call, held, text, tool_calls
from tests.seed import put_events
from tests.test_e2e_chat_signals import Terminal


def fresh(term: Terminal, log: list[bytes]) -> None:
    """Forget what was seen so far (kept in `log`): the next expect looks at new output only."""
    log.append(term.seen)
    term.seen = b""


LONG_GROUP = "/aws/lambda/a-rather-long-function-name-that-does-not-exist-anywhere"


def test_the_terminal_repl(aws, llm, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    put_events(aws.client(), "/svc/api", "web-1", [(int(time.time() * 1000) - 60_000, "ERROR boom")])
    llm.enqueue(
        held(text("Answer one.")),
        tool_calls(call("search_logs", {"log_groups": [LONG_GROUP], "start": "1h"})),
        text("No such group."),
    )
    monkeypatch.setenv("PAGER", "cat")  # /last pages its output; the test reads it straight
    term = Terminal([sys.executable, "-m", "logai", "chat"])
    log: list[bytes] = []
    try:
        term.expect(b"logai>")
        fresh(term, log)
        term.send_key(b"/he\t")  # Tab completes the slash command (completions arrive asynchronously)
        term.expect(b"/help")
        term.send(b"\r")
        term.expect(b"Alt-Enter")
        term.expect(b"logai>")
        fresh(term, log)
        term.send_key(b"/groups /svc/a\t")  # …and a log group name
        term.expect(b"pi")
        term.send(b"\r")
        term.expect(b"/svc/api\r\n")

        term.send_key(b"first line\x1b\rsecond line\r")  # Esc-Enter (Alt-Enter) starts a new line
        llm.wait_for_requests(1)
        term.expect(b"waiting for the model")  # a slow model is not a frozen screen
        llm.release()
        term.expect(b"Answer one.")
        assert llm.requests[0].body["messages"][-1]["content"] == "first line\nsecond line"

        term.expect(b"logai>")
        term.send_key(b"where is it?\r")
        term.expect(b"No such group.")
        # The failed call's line wraps instead of being cut: its reason is on screen.
        assert b"not found" in term.text.split(b"search_logs", 1)[1]
        term.expect(b"logai>")
        term.send_key(b"/last\r")
        term.expect(b"Error: ")  # the full result the model was sent
        term.expect(b"logai>")
        term.send_key(b"\x04")
        term.expect(b"Session metrics")
    finally:
        code = term.close()
    assert code == 0
    assert b"Traceback" not in b"".join(log) + term.seen


def test_ctrl_c_at_the_prompt_warns_once_and_a_second_leaves() -> None:
    """Keys from a pipe, read by prompt-toolkit as from a terminal (the session's end, summary
    included, is the one Ctrl-D takes in the test above)."""
    import io

    from logai.ui.console import SafeConsole
    from tests.repl_keys import questions_asked

    shown = io.StringIO()
    asked = questions_asked("first\r\x03second\r\x03\x03third\r", SafeConsole(file=shown))
    # A question in between resets the count; two in a row end the loop before "third".
    assert asked == ["first", "second"]
    assert shown.getvalue().count("Ctrl-C again or Ctrl-D to leave") == 2
