"""Typed events: what the core tells the caller while a turn runs.

The core (agent, LLM adapter) never prints. It yields these; the terminal UI
renders them and `query --json` serialises them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal


@dataclass(frozen=True, slots=True)
class TextDelta:
    """A piece of the model's answer, as it streams."""

    text: str


@dataclass(frozen=True, slots=True)
class ToolCall:
    """One tool call the model asked for; `arguments` is the raw JSON text."""

    id: str
    name: str
    arguments: str


@dataclass(frozen=True, slots=True)
class AssistantMessage:
    """The model's whole reply for one request, assembled from the stream."""

    content: str
    tool_calls: tuple[ToolCall, ...] = ()
    finish_reason: str | None = None


@dataclass(frozen=True, slots=True)
class Usage:
    """Tokens and cost of one model request."""

    model: str
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None = None


RetryReason = Literal["rate_limited", "server_error", "timeout", "connection", "stream_broken"]


@dataclass(frozen=True, slots=True)
class RetryScheduled:
    """A transient model failure; logai waits `delay_s` and tries again.

    `discard_text` is true when text of the failed attempt was already
    yielded: the caller must drop it, the retry streams the answer anew.
    """

    attempt: int
    delay_s: float
    reason: RetryReason
    message: str
    discard_text: bool = False


@dataclass(frozen=True, slots=True)
class ToolCallStarted:
    call_id: str
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ToolCallFinished:
    """A tool ran. `result` is exactly what the model sees; `summary` is one line for people."""

    call_id: str
    name: str
    arguments: dict[str, Any]
    ok: bool
    duration_s: float
    summary: str
    result: str


NudgeReason = Literal["empty_logs", "log_group_not_found", "intent_without_action"]


@dataclass(frozen=True, slots=True)
class NudgeInjected:
    """logai told the model to keep going; `message` is what the model was told."""

    reason: NudgeReason
    attempt: int
    message: str


@dataclass(frozen=True, slots=True)
class NudgeLimitReached:
    """The per-turn nudge budget for `reason` is spent; the model answers with what it has."""

    reason: NudgeReason


StopReason = Literal["answered", "max_rounds", "error", "cancelled"]


@dataclass(frozen=True, slots=True)
class TurnDone:
    """The turn ended. `answer` is the final text, shown once."""

    answer: str
    stop_reason: StopReason
    error: str | None = None
    tool_rounds: int = 0
    usage: dict[str, float] = field(default_factory=dict)


Event = (
    TextDelta
    | AssistantMessage
    | Usage
    | RetryScheduled
    | ToolCallStarted
    | ToolCallFinished
    | NudgeInjected
    | NudgeLimitReached
    | TurnDone
)


def event_to_dict(event: Event) -> dict[str, Any]:
    """JSON-ready form of an event, with its type name."""
    data = asdict(event)
    data["type"] = type(event).__name__
    return data
