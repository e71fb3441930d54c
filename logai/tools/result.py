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
    """A failed call as the model reads it: `Error: <sentence> Parameters used: {…}` and an optional hint.

    Long parameter values are shortened in the echo: the model sent them and
    needs only to recognise them, and the sentence must stay readable.
    """
    sentence = message.strip().rstrip(".") + "."
    echoed = json.dumps(_shortened(dict(parameters)), default=str, ensure_ascii=False)
    text = f"Error: {sentence} Parameters used: {echoed}"
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


# The longest string and the most list items echoed back per parameter.
ECHO_CHARS = 200
ECHO_ITEMS = 12


def _shortened(value: Any, depth: int = 0) -> Any:
    """`value` with long strings cut and long lists (and deep nesting) summarised."""
    if isinstance(value, str):
        return value if len(value) <= ECHO_CHARS else f"{value[:ECHO_CHARS]}…[{len(value) - ECHO_CHARS:,} more characters]"
    if depth >= 3 and isinstance(value, Mapping | list | tuple):
        return f"[{type(value).__name__} of {len(value)} items]"
    if isinstance(value, Mapping):
        items = list(value.items())
        shown = {str(_shortened(k, depth + 1)): _shortened(v, depth + 1) for k, v in items[:ECHO_ITEMS]}
        if len(items) > ECHO_ITEMS:
            shown["…"] = f"{len(items) - ECHO_ITEMS} more parameters"
        return shown
    if isinstance(value, list | tuple):
        shown_list = [_shortened(v, depth + 1) for v in value[:ECHO_ITEMS]]
        if len(value) > ECHO_ITEMS:
            shown_list.append(f"…and {len(value) - ECHO_ITEMS} more")
        return shown_list
    return value
