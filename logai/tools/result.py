"""What a tool hands back: text for the model, a line for people, facts for recovery."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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
    # The parameters actually used (resolved groups, ISO start/end, filter…),
    # so a nudge can say what was searched.
    searched: dict[str, Any] = field(default_factory=dict)
