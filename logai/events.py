"""Typed events: the only way anything leaves the core.

The core (agent, LLM adapter, CloudWatch source, session) never prints and
never records a metric. A turn yields its events; components that work
outside a turn (CloudWatch calls, the metrics store) write theirs to an
`EventBus`. The terminal renders events, `query --json` serialises them and
`logai.metrics.recorder` counts them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
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
    """Tokens and cost of one model request.

    `prompt_tokens` counts every input token; `cached_tokens` of them were read
    from the provider's prompt cache and `cache_write_tokens` written to it
    (Anthropic and Bedrock bill writes above the normal price). `cost_usd`
    prices each kind at its own rate; `uncached_cost_usd` is what the request
    would have cost without the cache (equal to `cost_usd` when it used none;
    both None for a model litellm has no price for).
    """

    model: str
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None = None
    cached_tokens: int = 0
    cache_write_tokens: int = 0
    uncached_cost_usd: float | None = None


@dataclass(frozen=True, slots=True)
class ModelRequestFinished:
    """One attempt at a model request ended.

    `outcome` is `ok` or the failure reason (a key of `logai.llm.failures.FAILURES`).
    `duration_s` runs from the request being sent to its end; `first_token_s`
    to the first streamed text or tool-call fragment (None when none came).
    """

    outcome: str
    duration_s: float
    first_token_s: float | None = None


@dataclass(frozen=True, slots=True)
class RetryScheduled:
    """A transient model failure; logai waits `delay_s` and tries again.

    `message` is the sentence to show ("rate limited (HTTP 429); retrying in
    500 ms (attempt 2 of 5)"). `discard_text` is true when text of the failed
    attempt was already yielded: the caller must drop it, the retry streams
    the answer anew.
    """

    attempt: int
    delay_s: float
    reason: str
    message: str
    discard_text: bool = False


@dataclass(frozen=True, slots=True)
class RetryGaveUp:
    """A retry budget ran out: the model request failed for good after `attempts` tries."""

    reason: str
    attempts: int


@dataclass(frozen=True, slots=True)
class ToolCallStarted:
    """`arguments` are as the model sent them (parsed once); `known` is false for a tool that does not exist."""

    call_id: str
    name: str
    arguments: dict[str, Any]
    known: bool = True


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
    known: bool = True


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


@dataclass(frozen=True, slots=True)
class IntentDetected:
    """The model's reply announced an action without taking it."""

    intent_type: str
    confidence_bucket: str


@dataclass(frozen=True, slots=True)
class ToolCallsSkipped:
    """Calls of one reply that were not run.

    `merged` repeated an earlier call of the same reply (same tool, same
    arguments) and share its result; `over_limit` went past the cap on calls
    per reply or per turn (`limit` is `reply` or `turn`, empty when none
    did). `message` is what the model was told.
    """

    merged: int
    over_limit: int
    limit: Literal["reply", "turn", ""]
    message: str


@dataclass(frozen=True, slots=True)
class BudgetReached:
    """A budget or deadline stopped the turn; `message` is the one sentence the user sees.

    `budget` names it: `turn_tokens`, `session_tokens`, `turn_cost`,
    `session_cost`, `turn_cloudwatch_cost`, `session_cloudwatch_cost`,
    `turn_time`, or `tools_withdrawn` (the model kept calling tools after
    they were taken away).
    """

    budget: str
    message: str


StopReason = Literal["answered", "max_rounds", "error", "cancelled"]


@dataclass(frozen=True, slots=True)
class TurnDone:
    """The turn ended. `answer` is the final text, shown once.

    `setup_error` is true when the error lies in the set-up (the API key, the
    base URL, the model name) rather than in this run, so a command can exit 2.
    """

    answer: str
    stop_reason: StopReason
    error: str | None = None
    tool_rounds: int = 0
    usage: dict[str, float] = field(default_factory=dict)
    duration_s: float = 0.0
    setup_error: bool = False


@dataclass(frozen=True, slots=True)
class SessionStarted:
    """A logai command began work that is counted (`chat`, `query`, `logs`…)."""

    command: str


@dataclass(frozen=True, slots=True)
class WarningIssued:
    """Something the user should know that does not stop the work (metrics not saved…)."""

    message: str


@dataclass(frozen=True, slots=True)
class CloudWatchCall:
    """One CloudWatch API call ended. `action` is the API name (`FilterLogEvents`);
    `outcome` is `ok` or what went wrong (`throttled`, `not_found`, `denied`,
    `invalid`, `unreachable`, `error`)."""

    action: str
    outcome: str
    duration_s: float


@dataclass(frozen=True, slots=True)
class InsightsScanned:
    """A Logs Insights query settled having scanned `bytes_scanned` bytes (what CloudWatch bills)."""

    bytes_scanned: float


@dataclass(frozen=True, slots=True)
class RateLimitWait:
    """logai held a CloudWatch call back `seconds` to stay within the action's rate quota."""

    action: str
    seconds: float


@dataclass(frozen=True, slots=True)
class CloudWatchRetry:
    """botocore will retry a CloudWatch call after waiting `delay_s` (throttling, a 5xx)."""

    action: str
    attempt: int
    delay_s: float


@dataclass(frozen=True, slots=True)
class TurnStarted:
    """A question was asked: the first event of every turn (transcripts begin each exchange here)."""

    question: str


@dataclass(frozen=True, slots=True)
class FollowRetry:
    """`logs tail --follow` met a transient failure and polls again after `delay_s`; `message` is the sentence to show."""

    attempt: int
    delay_s: float
    message: str


# What the model adapter yields for one request (a warning: the model map says the model cannot call tools).
ModelEvent = TextDelta | RetryScheduled | RetryGaveUp | Usage | ModelRequestFinished | AssistantMessage | WarningIssued

Event = (
    TurnStarted
    | TextDelta
    | AssistantMessage
    | Usage
    | ModelRequestFinished
    | RetryScheduled
    | RetryGaveUp
    | ToolCallStarted
    | ToolCallFinished
    | ToolCallsSkipped
    | BudgetReached
    | NudgeInjected
    | NudgeLimitReached
    | IntentDetected
    | TurnDone
    | SessionStarted
    | WarningIssued
    | CloudWatchCall
    | CloudWatchRetry
    | RateLimitWait
    | FollowRetry
    | InsightsScanned
)

EventSink = Callable[[Event], None]


class EventBus:
    """Hands every event to each subscriber, in the order they subscribed.

    Components call `emit` from any thread (tools run in worker threads);
    deliveries are serialised so subscribers need no locks of their own.
    """

    def __init__(self, *subscribers: EventSink) -> None:
        self._subscribers: list[EventSink] = list(subscribers)
        self._lock = threading.RLock()

    def subscribe(self, subscriber: EventSink) -> None:
        with self._lock:
            self._subscribers.append(subscriber)

    def emit(self, event: Event) -> None:
        with self._lock:
            for subscriber in self._subscribers:
                subscriber(event)


def event_to_dict(event: Event) -> dict[str, Any]:
    """JSON-ready form of an event, with its type name."""
    data = asdict(event)
    data["type"] = type(event).__name__
    return data
