"""How `logai logs` prints what CloudWatch returns: short, detailed or JSON Lines.

`detailed` (the default) is `aws logs tail`'s: time, [group,] stream,
message. `short` drops the stream and the milliseconds. `json` prints one
JSON object per event (JSON Lines), for jq and scripts. On a terminal, and
unless NO_COLOR is set, the time is dim, the stream cyan and the level word
(ERROR, WARN, DEBUG…) coloured; a pipe or a file gets plain text. Log text
is sanitised first, so the colours are the only escape sequences printed.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, TextIO

from logai.logs.model import LogEvent
from logai.logs.redact import redact as redacted
from logai.logs.timeparse import iso
from logai.ui.sanitize import json_safe, sanitize

_RESET = "\x1b[0m"
_DIM = "\x1b[2m"
_CYAN = "\x1b[36m"
_LEVEL_COLOURS = {
    "FATAL": "\x1b[1;31m",
    "CRITICAL": "\x1b[1;31m",
    "PANIC": "\x1b[1;31m",
    "ERROR": "\x1b[31m",
    "SEVERE": "\x1b[31m",
    "WARN": "\x1b[33m",
    "WARNING": "\x1b[33m",
    "DEBUG": _DIM,
    "TRACE": _DIM,
}
_LEVEL = re.compile(r"\b(" + "|".join(_LEVEL_COLOURS) + r")\b")


def colour_wanted(stream: TextIO) -> bool:
    """Colour for a terminal, unless NO_COLOR says otherwise (https://no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def json_line(document: dict[str, Any]) -> str:
    """One JSON object on one line, with nothing in it a terminal would act on."""
    return json_safe(json.dumps(document, ensure_ascii=False, default=str))


def event_document(event: LogEvent) -> dict[str, Any]:
    return {
        "timestamp": iso(event.timestamp_ms),
        "message": event.message,
        "logGroupName": event.log_group,
        "logStreamName": event.log_stream,
        "eventId": event.event_id,
    }


@dataclass(frozen=True, slots=True)
class EventFormat:
    """`style` is `short`, `detailed` or `json`; `show_group` when several groups are read; `local` for local times;
    `redact` replaces secrets in the message and the names as logai does for the model."""

    style: str = "detailed"
    show_group: bool = False
    local: bool = False
    colour: bool = False
    redact: bool = False

    def line(self, event: LogEvent) -> str:
        if self.redact:
            event = replace(
                event,
                message=redacted(event.message),
                log_group=redacted(event.log_group or "") or None,
                log_stream=redacted(event.log_stream or "") or None,
            )
        if self.style == "json":
            return json_line(event_document(event))
        message = sanitize(event.message.rstrip())
        if self.colour:
            message = _LEVEL.sub(lambda m: f"{_LEVEL_COLOURS[m.group()]}{m.group()}{_RESET}", message, count=1)
        parts = [self._paint(self.time_text(event.timestamp_ms), _DIM)]
        if self.style == "detailed":
            where = sanitize(event.log_stream or "-")
            if self.show_group:
                where = f"{sanitize(event.log_group or '-')} {where}"
            parts.append(self._paint(where, _CYAN))
        parts.append(message)
        return " ".join(parts)

    def time_text(self, epoch_ms: int) -> str:
        if not self.local and self.style == "detailed":
            return iso(epoch_ms)
        moment = datetime.fromtimestamp(epoch_ms / 1000, UTC)
        if self.local:
            moment = moment.astimezone()
        if self.style == "short":
            return moment.strftime("%Y-%m-%dT%H:%M:%S")
        return moment.isoformat(timespec="milliseconds")

    def _paint(self, text: str, colour: str) -> str:
        return f"{colour}{text}{_RESET}" if self.colour else text
