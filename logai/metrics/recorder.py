"""Metrics from events: the one place that knows which event counts where.

Nothing outside `logai/metrics/` increments a counter. The core emits events
(`logai.events`); a `MetricsRecorder` subscribed to the event bus turns each
into counters and observations. Adding a metric means a line in `names.py`
and a line here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from logai.events import (
    BudgetReached,
    CloudWatchCall,
    CloudWatchRetry,
    Event,
    InsightsScanned,
    IntentDetected,
    ModelRequestFinished,
    NudgeInjected,
    NudgeLimitReached,
    RateLimitWait,
    RetryGaveUp,
    RetryScheduled,
    SessionStarted,
    ToolCallFinished,
    ToolCallsSkipped,
    TurnDone,
    Usage,
)
from logai.metrics import names
from logai.metrics.collector import MetricsCollector
from logai.metrics.totals import capped

# A model picks tool names: only the registry's own are label values, so made-up
# names cannot create series (nor carry their text into the store and a scrape).
UNKNOWN_TOOL = "unknown"


class MetricsRecorder:
    """Subscribe an instance to an `EventBus`; it records every event it understands."""

    def __init__(self, collector: MetricsCollector) -> None:
        self.collector = collector
        self._handlers: dict[type[Any], Callable[[Any], None]] = {
            ModelRequestFinished: self._model_request,
            Usage: self._usage,
            RetryScheduled: self._retry,
            RetryGaveUp: self._gave_up,
            NudgeInjected: self._nudge,
            NudgeLimitReached: self._nudge_limit,
            IntentDetected: self._intent,
            ToolCallFinished: self._tool_call,
            ToolCallsSkipped: self._skipped,
            BudgetReached: self._budget,
            InsightsScanned: self._scanned,
            TurnDone: self._turn,
            SessionStarted: self._session,
            CloudWatchCall: self._cloudwatch_call,
            CloudWatchRetry: self._cloudwatch_retry,
            RateLimitWait: self._rate_limit_wait,
        }

    def __call__(self, event: Event) -> None:
        handler = self._handlers.get(type(event))
        if handler is not None:
            handler(event)

    def _model_request(self, event: ModelRequestFinished) -> None:
        self.collector.inc(names.LLM_REQUESTS, {"outcome": event.outcome})
        self.collector.observe(names.LLM_REQUEST_SECONDS, event.duration_s)
        if event.first_token_s is not None:
            self.collector.observe(names.LLM_TIME_TO_FIRST_TOKEN_SECONDS, event.first_token_s)

    def _usage(self, event: Usage) -> None:
        self.collector.inc(names.LLM_TOKENS, {"direction": "input"}, event.prompt_tokens)
        self.collector.inc(names.LLM_TOKENS, {"direction": "output"}, event.completion_tokens)
        if event.cached_tokens:
            self.collector.inc(names.LLM_TOKENS, {"direction": "cached"}, event.cached_tokens)
        if event.cache_write_tokens:
            self.collector.inc(names.LLM_TOKENS, {"direction": "cache_write"}, event.cache_write_tokens)
        if event.cost_usd is not None:
            self.collector.inc(names.LLM_COST_USD, None, event.cost_usd)
        if event.uncached_cost_usd is not None:
            self.collector.inc(names.LLM_UNCACHED_COST_USD, None, event.uncached_cost_usd)

    def _retry(self, event: RetryScheduled) -> None:
        self.collector.inc(names.RETRY_ATTEMPTS, {"reason": "llm_error"})
        self.collector.observe(names.RETRY_BACKOFF_SECONDS, event.delay_s, {"attempt": event.attempt})

    def _gave_up(self, event: RetryGaveUp) -> None:
        self.collector.inc(names.RETRY_MAX_ATTEMPTS_REACHED, {"reason": "llm_error"})

    def _nudge(self, event: NudgeInjected) -> None:
        self.collector.inc(names.RETRY_ATTEMPTS, {"reason": event.reason})
        self.collector.inc(names.RETRY_PROMPT_INJECTED, {"reason": event.reason})

    def _nudge_limit(self, event: NudgeLimitReached) -> None:
        self.collector.inc(names.RETRY_MAX_ATTEMPTS_REACHED, {"reason": event.reason})

    def _intent(self, event: IntentDetected) -> None:
        labels = {"intent_type": event.intent_type, "confidence_bucket": event.confidence_bucket}
        self.collector.inc(names.INTENT_DETECTION_HITS, labels)

    def _tool_call(self, event: ToolCallFinished) -> None:
        tool = capped(event.name) if event.known else UNKNOWN_TOOL
        self.collector.inc(names.TOOL_CALLS, {"tool": tool, "outcome": "ok" if event.ok else "error"})
        self.collector.observe(names.TOOL_DURATION_SECONDS, event.duration_s, {"tool": tool})

    def _skipped(self, event: ToolCallsSkipped) -> None:
        if event.merged:
            self.collector.inc(names.TOOL_CALLS_SKIPPED, {"reason": "merged"}, event.merged)
        if event.over_limit:
            self.collector.inc(names.TOOL_CALLS_SKIPPED, {"reason": f"{event.limit}_limit"}, event.over_limit)

    def _budget(self, event: BudgetReached) -> None:
        self.collector.inc(names.BUDGET_REACHED, {"budget": event.budget})

    def _scanned(self, event: InsightsScanned) -> None:
        self.collector.inc(names.CLOUDWATCH_BYTES_SCANNED, None, event.bytes_scanned)

    def _turn(self, event: TurnDone) -> None:
        self.collector.inc(names.TURNS, {"outcome": event.stop_reason})
        self.collector.observe(names.TURN_DURATION_SECONDS, event.duration_s)

    def _session(self, event: SessionStarted) -> None:
        self.collector.inc(names.SESSIONS, {"command": event.command})

    def _cloudwatch_call(self, event: CloudWatchCall) -> None:
        self.collector.inc(names.CLOUDWATCH_API_CALLS, {"action": event.action, "outcome": event.outcome})
        self.collector.observe(names.CLOUDWATCH_CALL_SECONDS, event.duration_s, {"action": event.action})

    def _cloudwatch_retry(self, event: CloudWatchRetry) -> None:
        self.collector.inc(names.CLOUDWATCH_RETRIES, {"action": event.action})
        self.collector.observe(names.CLOUDWATCH_BACKOFF_SECONDS, event.delay_s)

    def _rate_limit_wait(self, event: RateLimitWait) -> None:
        self.collector.observe(names.CLOUDWATCH_RATE_LIMIT_WAIT_SECONDS, event.seconds, {"action": event.action})
