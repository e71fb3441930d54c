"""A safe terminal: nothing from logs, the model or the store drives the terminal.

Property tests render random text through the turn view; the end-to-end
tests run `query` piped and on a pseudo-terminal, the `logs` commands and
`logai metrics`, with OSC 52 (clipboard), OSC 8 (hidden link), OSC 0 (title),
ESC[2J (clear), SGR 8 (hidden text) and 8-bit CSI planted in what they print.
"""

from __future__ import annotations

import io
import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from hypothesis import given, settings, strategies as st
from typer.testing import CliRunner

from logai.cli import app
from logai.events import RetryScheduled, TextDelta, ToolCallFinished, TurnDone
from logai.metrics import names
from logai.metrics.collector import MetricsCollector
from logai.metrics.store import MetricsStore
from logai.ui.console import SafeConsole
from logai.ui.render import TurnView
from tests.llm_server import call, text, tool_calls

REPO = Path(__file__).resolve().parent.parent
HOSTILE = (
    "Pool exhausted.\x1b]52;c;ZWNobyBwd25lZA==\x07 Read \x1b]8;;https://evil.example/run\x1b\\the runbook\x1b]8;;\x1b\\"
    " or [the docs](https://evil.example/docs).\x1b]0;owned\x07\x1b[2J\x1b[8mhidden text\x1b[0m\x9b2J\x08\x08end"
)
SEQUENCES = [
    "\x1b]52;c;ZWNobyBwd25lZA==\x07",
    "\x1b]8;;https://evil.example/\x1b\\",
    "\x1b]0;owned\x07",
    "\x1b[2J",
    "\x1b[8m",
    "\x9b2J",
    "\x9d0;t\x9c",
    "\r",
    "\x1bP1$r\x1b\\",
]
OBEYED = {chr(c) for c in [*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0)]}


def obeyed(output: str) -> set[str]:
    return set(output) & OBEYED


def plain_console() -> tuple[SafeConsole, io.StringIO]:
    buffer = io.StringIO()
    return SafeConsole(file=buffer, force_terminal=False, color_system=None, width=100), buffer


HOSTILE_TEXT = st.lists(st.sampled_from(SEQUENCES) | st.text(max_size=12), max_size=10).map("".join)


@settings(max_examples=150, deadline=None)
@given(answer=HOSTILE_TEXT, name=HOSTILE_TEXT, argument=HOSTILE_TEXT, summary=HOSTILE_TEXT, streamed=st.booleans())
def test_nothing_from_the_model_or_the_tools_reaches_the_terminal_raw(
    answer: str, name: str, argument: str, summary: str, streamed: bool
) -> None:
    out, out_buffer = plain_console()
    status, status_buffer = plain_console()
    view = TurnView(out, status, stream_answer=streamed)
    view.handle(ToolCallFinished("c1", name, {"q": argument}, ok=False, duration_s=0.1, summary=summary, result=""))
    view.handle(RetryScheduled(attempt=1, delay_s=0.5, reason="server_error", message=summary))
    view.handle(TextDelta(answer))
    view.handle(TurnDone(answer=answer, stop_reason="answered"))
    view.handle(TurnDone(answer="", stop_reason="error", error=summary))
    view.close()
    assert not obeyed(out_buffer.getvalue()) and not obeyed(status_buffer.getvalue())


def test_a_piped_answer_shows_payloads_and_obeys_nothing(aws, llm) -> None:  # type: ignore[no-untyped-def]
    llm.enqueue(text(HOSTILE))
    result = CliRunner().invoke(app, ["query", "why?"], catch_exceptions=False)
    assert result.exit_code == 0
    assert not obeyed(result.stdout.rstrip("\n"))
    assert "␛]52;c;ZWNobyBwd25lZA==␇" in result.stdout and "hidden text" in result.stdout


def test_query_json_escapes_what_json_leaves_raw(aws, llm) -> None:  # type: ignore[no-untyped-def]
    llm.enqueue(text(HOSTILE))
    result = CliRunner().invoke(app, ["query", "--json", "why?"], catch_exceptions=False)
    assert not obeyed(result.stdout.rstrip("\n"))
    assert json.loads(result.stdout)["answer"] == HOSTILE  # escaped, not changed


def run_on_terminal(argv: list[str], timeout: float = 60.0) -> bytes:
    """Run a real process on a pseudo-terminal (stdout and stderr) and return all it wrote."""
    controller, terminal = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120"}
    process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=terminal, stderr=terminal, env=env, cwd=REPO)
    os.close(terminal)
    seen = b""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([controller], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(controller, 65536)
                except OSError:
                    break  # the process closed the terminal
                if not chunk:
                    break
                seen += chunk
            elif process.poll() is not None:
                break
        process.wait(timeout=30)
    finally:
        process.kill()
        os.close(controller)
    return seen


def test_an_answer_on_a_terminal_obeys_nothing(aws, llm) -> None:  # type: ignore[no-untyped-def]
    # Before: OSC 52/8/0, ESC[2J and SGR 8 reached the terminal as the model sent them.
    bad_name = "search_logs\x1b]0;pwned\x07"
    llm.enqueue(tool_calls(call(bad_name, {"q": "\x1b[2Jx\x1b]52;c;Y2xpcA==\x07"})), text(HOSTILE))
    seen = run_on_terminal([sys.executable, "-m", "logai", "query", "why?"]).decode("utf-8", "replace")
    assert "Pool exhausted." in seen
    for sequence in ("\x1b]52", "\x1b]8;", "\x1b]0;", "\x1b[2J", "\x1bP"):
        assert sequence not in seen, repr(sequence)
    assert not any(0x80 <= ord(c) <= 0x9F for c in seen)
    assert "\x08" not in seen
    sgr_parameters = [p for chunk in seen.split("\x1b[")[1:] for p in chunk.split("m")[0].split(";")]
    assert "8" not in sgr_parameters  # no concealed text
    assert "https://evil.example/docs" in seen  # a Markdown link shows its target
    assert "␛]0;pwned␇" in seen  # the made-up tool name, shown harmless on its tool line


def seed(aws: Any, messages: list[str], stream: str = "app/\x1b]0;title\x07/1") -> str:  # type: ignore[no-untyped-def]
    client = aws.client()
    group = "/aws/lambda/hostile"
    client.create_log_group(logGroupName=group)
    client.create_log_stream(logGroupName=group, logStreamName=stream)
    now = int(time.time() * 1000)
    client.put_log_events(
        logGroupName=group, logStreamName=stream, logEvents=[{"timestamp": now - 5_000 + i, "message": m} for i, m in enumerate(messages)]
    )
    return group


def test_the_logs_commands_print_log_text_harmlessly(aws) -> None:  # type: ignore[no-untyped-def]
    group = seed(aws, [HOSTILE, "plain line"])
    runner = CliRunner()
    for args in (
        ["logs", "search", group, "--since", "5m"],
        ["logs", "tail", group, "--since", "5m"],
        ["logs", "search", group, "--since", "5m", "--json"],
        ["logs", "insights", group, "--since", "5m", "--query", "fields @timestamp, @logStream, @message"],
    ):
        result = runner.invoke(app, args, catch_exceptions=False)
        assert result.exit_code == 0, (args, result.output)
        assert "Pool exhausted" in result.stdout, args
        assert not obeyed(result.stdout.replace("\n", "")), args


def test_metrics_tables_obey_nothing(isolated_env: Path) -> None:
    collector = MetricsCollector()
    collector.inc(names.INTENT_DETECTION_HITS, {"intent_type": "search\x1b]0;owned\x07\x1b[2J", "confidence_bucket": "high"})
    collector.observe(names.TOOL_DURATION_SECONDS, 0.2, {"tool": "x\x9b2J"})
    with MetricsStore(isolated_env) as store:
        session = store.start_session("query")
        store.flush(session, collector)
        store.end_session(session)
    for args in (["metrics"], ["metrics", "--prometheus"]):
        result = CliRunner().invoke(app, args, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        assert "owned" in result.stdout
        assert not obeyed(result.stdout.replace("\n", "")), args
