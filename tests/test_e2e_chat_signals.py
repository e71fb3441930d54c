"""`logai chat` and `query` as real processes: questions piped in until end of input, and Ctrl-C as a
signal; `Terminal` runs a process on a pseudo-terminal (test_repl_terminal, test_hardening_terminal)."""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import subprocess
import sys
import termios
import time
from pathlib import Path

from tests.llm_server import call, held, text, tool_calls

REPO = Path(__file__).resolve().parent.parent


def wait_for(condition, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    """Poll another process's progress (not a sleep standing in for a clock)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.05)


def test_ctrl_c_cancels_the_turn_and_keeps_the_session(aws, llm) -> None:  # type: ignore[no-untyped-def]
    llm.enqueue(held(text("too late")), tool_calls(call("list_log_groups", {})), text("Second answer."))
    chat = subprocess.Popen(
        [sys.executable, "-m", "logai", "chat"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
        cwd=REPO,
    )
    try:
        assert chat.stdin is not None
        chat.stdin.write("first question\n")
        chat.stdin.flush()
        llm.wait_for_requests(1, timeout=60)
        chat.send_signal(signal.SIGINT)
        out, err = chat.communicate("second question\n", timeout=60)
    finally:
        chat.kill()
    assert chat.returncode == 0, err
    assert "cancelled" in err  # a note, not an answer: stderr when questions are piped in
    assert "Second answer." in out and "too late" not in out
    assert "list_log_groups" in err  # tool lines on stderr, answers alone on stdout
    # The cancelled question was rolled back: the model never sees it again.
    users = [m["content"] for m in llm.requests[1].body["messages"] if m["role"] == "user"]
    assert users == ["second question"]
    assert "Traceback" not in err


# CSI sequences (colours, cursor moves, modes) and the other ESC sequences prompt-toolkit writes.
_ESCAPES = re.compile(rb"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>78]")


class Terminal:
    """A process on a pseudo-terminal, read with a deadline."""

    def __init__(self, argv: list[str]) -> None:
        self.controller, terminal = pty.openpty()
        self.process = subprocess.Popen(
            argv, stdin=terminal, stdout=terminal, stderr=terminal, env={**os.environ, "TERM": "xterm", "PROMPT_TOOLKIT_NO_CPR": "1"}, cwd=REPO, close_fds=True
        )
        os.close(terminal)
        self.seen = b""

    @property
    def text(self) -> bytes:
        """What was written, without escape sequences: a redraw may split a word between two writes
        (a completion paints `/he`, then `lp`)."""
        return _ESCAPES.sub(b"", self.seen)

    def expect(self, needle: bytes, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while needle not in self.text:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{needle!r} not seen in {self.seen[-500:]!r}")
            ready, _, _ = select.select([self.controller], [], [], left)
            if ready:
                try:
                    self.seen += os.read(self.controller, 4096)
                except OSError:
                    break

    def send(self, data: bytes) -> None:
        os.write(self.controller, data)

    def send_key(self, key: bytes) -> None:
        """Send a control key once the prompt reads keys raw.

        In line mode the terminal itself would take Ctrl-D as end-of-file
        and Ctrl-C as a signal; the prompt draws itself just before it
        switches, so wait for the switch.
        """
        wait_for(lambda: not termios.tcgetattr(self.controller)[3] & termios.ICANON, timeout=30)
        self.send(key)

    def close(self) -> int:
        try:
            code = self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"still running 30 s later; last output {self.seen[-300:]!r}") from None
        finally:
            self.process.kill()
            os.close(self.controller)
        return code


def test_ctrl_c_ends_a_query_with_130_and_keeps_the_metrics(aws, llm, isolated_env: Path) -> None:  # type: ignore[no-untyped-def]
    llm.enqueue(held(text("too late")))
    query = subprocess.Popen(
        [sys.executable, "-m", "logai", "query", "why?"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
        cwd=REPO,
    )
    try:
        llm.wait_for_requests(1, timeout=60)
        query.send_signal(signal.SIGINT)
        out, err = query.communicate(timeout=60)
    finally:
        query.kill()
    assert query.returncode == 130
    assert out == ""
    assert "Traceback" not in err
    assert (isolated_env / "metrics.db").exists()
