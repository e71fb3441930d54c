"""What a tool hands back: text for the model, a line for people, facts for recovery."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class SearchScope:
    """What a tool call looked at: groups, time range, filter or query, stream.

    Recovery reads it to tell the model what was searched and to offer a wider range.
    """

    log_groups: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None
    filter_pattern: str = ""
    query: str = ""
    log_stream: str | None = None


@dataclass(frozen=True, slots=True)
class ToolResult:
    """The outcome of one tool call.

    `text` is exactly what the model sees: already redacted, framed and shaped
    to the token budget. `summary` is one short line for the terminal. The
    remaining fields let the agent decide whether to nudge the model.
    """

    text: str
    summary: str
    ok: bool = True
    # A search that ran fine and matched nothing.
    empty: bool = False
    # The log group the call named does not exist, and the closest real names.
    missing_log_group: str | None = None
    suggestions: tuple[str, ...] = ()
    scope: SearchScope = field(default_factory=SearchScope)


def error_result(
    message: str,
    parameters: Mapping[str, Any],
    *,
    hint: str | None = None,
    scope: SearchScope | None = None,
    summary: str | None = None,
    missing_log_group: str | None = None,
    suggestions: tuple[str, ...] = (),
) -> ToolResult:
    """A failed call as the model reads it: `Error: <sentence> Parameters used: {…}` and an optional hint."""
    sentence = message.strip().rstrip(".") + "."
    text = f"Error: {sentence} Parameters used: {json.dumps(dict(parameters), default=str, ensure_ascii=False)}"
    if hint:
        text += f"\nHint: {hint.rstrip('.')}."
    return ToolResult(
        text=text,
        summary=summary or f"error: {sentence}",
        ok=False,
        missing_log_group=missing_log_group,
        suggestions=suggestions,
        scope=scope or SearchScope(),
    )
