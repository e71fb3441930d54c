"""A session's transcript, written from its events as they happen.

`Transcript` subscribes to a session's event bus and appends one JSON line
per exchange step to `LOGAI_HOME/sessions/<id>.jsonl`: the question, each
tool call (arguments, outcome, the one-line summary of its result), the
answer with its usage, and retries and nudges. Everything is redacted
(`logai.logs.redact`) before it is written, because questions and answers
quote log lines. The file is created (0600, in a 0700 folder) with the first
question, so a chat opened and closed without one leaves nothing behind;
a failing disk costs the transcript one warning, never the session.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from logai.events import (
    Event,
    EventSink,
    NudgeInjected,
    RetryScheduled,
    SessionStarted,
    ToolCallFinished,
    TurnDone,
    TurnStarted,
    Usage,
    WarningIssued,
)
from logai.figures import shortened
from logai.history.store import SESSIONS_DIR
from logai.home import open_private
from logai.logs.redact import Redactor


def new_session_id(now: float) -> str:
    """Sortable by time, unique enough for one person's sessions: `20261127-140512-3fa9`."""
    return time.strftime("%Y%m%d-%H%M%S", time.gmtime(now)) + "-" + secrets.token_hex(2)


# The longest tool name kept for a tool that does not exist (the model chose it).
NAME_CHARS = 64


class Transcript:
    """An event subscriber that keeps the session's transcript (see the module docstring)."""

    def __init__(self, home: Path, *, model: str | None, wall_clock: Callable[[], float] = time.time, warn: EventSink | None = None) -> None:
        self.home = home
        self.model = model
        self.wall_clock = wall_clock
        self.warn = warn
        self.id = new_session_id(wall_clock())
        self.records: list[dict[str, Any]] = []
        self._command = "chat"
        self._file: IO[str] | None = None
        self._failed = False
        self._redactor = Redactor()

    @property
    def path(self) -> Path:
        return self.home / SESSIONS_DIR / f"{self.id}.jsonl"

    def __call__(self, event: Event) -> None:
        record = self._record(event)
        if record is not None:
            self._write(record)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def _record(self, event: Event) -> dict[str, Any] | None:
        if isinstance(event, SessionStarted):
            self._command = event.command
            return None
        if isinstance(event, TurnStarted):
            return {"type": "question", "text": self._clean(event.question)}
        if isinstance(event, ToolCallFinished):
            return {
                "type": "tool",
                # The model chose the name: a tool that does not exist may be called anything, at any length.
                "name": self._clean(event.name if event.known else shortened(event.name, NAME_CHARS)),
                "arguments": self._clean(event.arguments),
                "ok": event.ok,
                "summary": self._clean(event.summary),
                "duration_s": round(event.duration_s, 3),
            }
        if isinstance(event, RetryScheduled):
            return {"type": "retry", "message": event.message}
        if isinstance(event, NudgeInjected):
            return {"type": "nudge", "reason": event.reason, "attempt": event.attempt}
        if isinstance(event, Usage):
            self.model = event.model
            return None
        if isinstance(event, TurnDone):
            return {
                "type": "answer",
                "text": self._clean(event.answer),
                "stop_reason": event.stop_reason,
                "error": self._clean(event.error),
                "usage": dict(event.usage),
                "duration_s": round(event.duration_s, 3),
            }
        return None

    def _clean(self, value: Any) -> Any:
        if isinstance(value, str):
            return self._redactor.redact(value)
        if isinstance(value, dict):
            return {key: self._clean(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self._clean(item) for item in value]
        return value

    def _write(self, record: dict[str, Any]) -> None:
        record["at"] = round(self.wall_clock(), 3)
        fresh = [record]
        if not self.records:
            fresh.insert(0, {"type": "session", "id": self.id, "command": self._command, "model": self.model, "at": record["at"]})
        self.records.extend(fresh)
        if self._failed:
            return
        try:
            if self._file is None:
                self._file = open_private(self.path, "a")
            self._file.write("".join(json.dumps(r, ensure_ascii=False, default=str) + "\n" for r in fresh))
            self._file.flush()
        except OSError as exc:
            self._failed = True
            if self.warn is not None:
                self.warn(WarningIssued(f"the session transcript was not saved: {exc.strerror or exc}"))
