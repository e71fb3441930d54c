"""The metric catalogue: every series logai records, its kind and its help text.

Names are bare here; exposition adds the `logai_` prefix (and prometheus_client
adds `_total` to counters).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# Recovery and retries
RETRY_ATTEMPTS = "retry_attempts"  # {reason}: empty_logs, log_group_not_found, intent_without_action, llm_error
RETRY_PROMPT_INJECTED = "retry_prompt_injected"  # {reason}
RETRY_MAX_ATTEMPTS_REACHED = "retry_max_attempts_reached"  # {reason}
RETRY_BACKOFF_SECONDS = "retry_backoff_seconds"  # histogram {attempt}
INTENT_DETECTION_HITS = "intent_detection_hits"  # {intent_type, confidence_bucket}

# The model
LLM_REQUESTS = "llm_requests"  # {outcome}: ok, or a failure reason (logai.llm.failures.FAILURES): rate_limited, overloaded…
LLM_TOKENS = "llm_tokens"  # {direction}: input (all of it), output; cached and cache_write are parts of input
LLM_COST_USD = "llm_cost_usd"
LLM_UNCACHED_COST_USD = "llm_uncached_cost_usd"  # what the priced requests would have cost without the prompt cache
LLM_TIME_TO_FIRST_TOKEN_SECONDS = "llm_time_to_first_token_seconds"  # histogram
LLM_REQUEST_SECONDS = "llm_request_seconds"  # histogram

# Tools, turns, sessions
TOOL_CALLS = "tool_calls"  # {tool, outcome}: ok, error
TOOL_DURATION_SECONDS = "tool_duration_seconds"  # histogram {tool}
TURNS = "turns"  # {outcome}: answered, max_rounds, error, cancelled
TURN_DURATION_SECONDS = "turn_duration_seconds"  # histogram
SESSIONS = "sessions"  # {command}: chat, query, demo, logs
TOOL_CALLS_SKIPPED = "tool_calls_skipped"  # {reason}: merged, reply_limit, turn_limit
BUDGET_REACHED = "budget_reached"  # {budget}: turn_tokens, session_cost, turn_time, tools_withdrawn…

# CloudWatch Logs
CLOUDWATCH_API_CALLS = "cloudwatch_api_calls"  # {action, outcome}: ok, throttled, not_found, denied, invalid, unreachable, error
CLOUDWATCH_CALL_SECONDS = "cloudwatch_call_seconds"  # histogram {action}
CLOUDWATCH_RETRIES = "cloudwatch_retries"  # {action}
CLOUDWATCH_BACKOFF_SECONDS = "cloudwatch_backoff_seconds"  # histogram
CLOUDWATCH_RATE_LIMIT_WAIT_SECONDS = "cloudwatch_rate_limit_wait_seconds"  # histogram {action}
CLOUDWATCH_BYTES_SCANNED = "cloudwatch_bytes_scanned"  # Logs Insights bytes scanned (what it bills)


@dataclass(frozen=True, slots=True)
class MetricSpec:
    name: str
    kind: Literal["counter", "histogram"]
    help: str
    labels: tuple[str, ...] = ()


CATALOGUE: dict[str, MetricSpec] = {
    spec.name: spec
    for spec in (
        MetricSpec(RETRY_ATTEMPTS, "counter", "Recovery and transport retries, by reason.", ("reason",)),
        MetricSpec(RETRY_PROMPT_INJECTED, "counter", "Nudge messages injected into the conversation.", ("reason",)),
        MetricSpec(RETRY_MAX_ATTEMPTS_REACHED, "counter", "Times a retry budget ran out.", ("reason",)),
        MetricSpec(RETRY_BACKOFF_SECONDS, "histogram", "Seconds waited before an LLM retry.", ("attempt",)),
        MetricSpec(
            INTENT_DETECTION_HITS,
            "counter",
            "Replies that announced an action without taking it.",
            ("intent_type", "confidence_bucket"),
        ),
        MetricSpec(LLM_REQUESTS, "counter", "Model requests by outcome.", ("outcome",)),
        MetricSpec(
            LLM_TOKENS,
            "counter",
            "Model tokens by direction: input, output, and the input tokens read from (cached) or written to (cache_write) the prompt cache.",
            ("direction",),
        ),
        MetricSpec(LLM_COST_USD, "counter", "Model cost in US dollars (litellm's local price table)."),
        MetricSpec(
            LLM_UNCACHED_COST_USD,
            "counter",
            "What the priced model requests would have cost without the provider's prompt cache, in US dollars.",
        ),
        MetricSpec(LLM_TIME_TO_FIRST_TOKEN_SECONDS, "histogram", "Seconds from the request being sent to the first streamed token."),
        MetricSpec(LLM_REQUEST_SECONDS, "histogram", "Seconds one model request took, stream included."),
        MetricSpec(TOOL_CALLS, "counter", "Tool calls by tool and outcome.", ("tool", "outcome")),
        MetricSpec(TOOL_DURATION_SECONDS, "histogram", "Seconds a tool call took.", ("tool",)),
        MetricSpec(TURNS, "counter", "Agent turns by outcome.", ("outcome",)),
        MetricSpec(TURN_DURATION_SECONDS, "histogram", "Seconds one agent turn took."),
        MetricSpec(SESSIONS, "counter", "Sessions by command.", ("command",)),
        MetricSpec(TOOL_CALLS_SKIPPED, "counter", "Tool calls not run: merged into an identical call, or past a cap.", ("reason",)),
        MetricSpec(BUDGET_REACHED, "counter", "Turns stopped by a budget or deadline, by budget.", ("budget",)),
        MetricSpec(
            CLOUDWATCH_API_CALLS, "counter", "CloudWatch Logs API calls by action and outcome.", ("action", "outcome")
        ),
        MetricSpec(CLOUDWATCH_CALL_SECONDS, "histogram", "Seconds one CloudWatch Logs API call took.", ("action",)),
        MetricSpec(CLOUDWATCH_RETRIES, "counter", "CloudWatch Logs calls retried by botocore, by action.", ("action",)),
        MetricSpec(CLOUDWATCH_BACKOFF_SECONDS, "histogram", "Seconds waited before retrying a CloudWatch Logs call."),
        MetricSpec(
            CLOUDWATCH_RATE_LIMIT_WAIT_SECONDS,
            "histogram",
            "Seconds logai held a CloudWatch Logs call back to stay within its rate quota.",
            ("action",),
        ),
        MetricSpec(CLOUDWATCH_BYTES_SCANNED, "counter", "Bytes Logs Insights queries scanned (what CloudWatch bills)."),
    )
}
