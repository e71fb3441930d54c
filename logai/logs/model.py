"""The log event as every part of logai sees it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class LogEvent:
    """One CloudWatch Logs event. `message` is untrusted text from the log."""

    timestamp_ms: int
    message: str
    log_group: str | None = None
    log_stream: str | None = None
    event_id: str | None = None
