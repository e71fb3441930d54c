"""Recovery end to end: empty searches, misspelt groups, announced-but-not-made searches,
and a rate-limited model, through `logai query` against moto and the scripted server."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from logai.cli import app
from logai.runtime import Runtime
from logai.sandbox.incidents.pool_shrink import CHECKOUT
from tests.llm_server import call, error, text, tool_calls
from tests.stats import counter


@pytest.fixture
def incident(pool_shrink):  # type: ignore[no-untyped-def]
    return pool_shrink


class Waits:
    """The sleep logai's retries wait with: recorded, never waited."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


def ask(question: str, waits: Waits | None = None) -> dict[str, Any]:
    runtime = Runtime(async_sleep=waits or Waits())
    result = CliRunner().invoke(app, ["query", "--json", "--stats", question], catch_exceptions=False, obj=runtime)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def nudges_seen_by_model(llm) -> list[str]:  # type: ignore[no-untyped-def]
    last = llm.requests[-1].body["messages"]
    return [m["content"] for m in last if m["role"] == "user" and m["content"].startswith("[automatic note from logai")]


def test_empty_search_is_widened_and_answered(incident, llm) -> None:  # type: ignore[no-untyped-def]
    llm.enqueue(
        tool_calls(call("search_logs", {"log_groups": [CHECKOUT], "all_words": ["OutOfMemoryError"], "start": "15m"})),
        tool_calls(call("search_logs", {"log_groups": [CHECKOUT], "all_words": ["ERROR"], "start": "1h"})),
        text("No OOM; checkout errors are payment timeouts."),
    )
    payload = ask("is checkout running out of memory?")
    assert payload["answer"] == "No OOM; checkout errors are payment timeouts."
    assert [c["ok"] for c in payload["tool_calls"]] == [True, True]
    assert payload["nudges"] == [{"reason": "empty_logs", "attempt": 1}]
    (nudge,) = nudges_seen_by_model(llm)
    assert "The search found no events" in nudge and "OutOfMemoryError" in nudge
    assert "A wider time range: start=" in nudge and "/ecs/payments-service" in nudge
    assert counter(payload, "retry_attempts", reason="empty_logs") == 1
    assert counter(payload, "retry_prompt_injected", reason="empty_logs") == 1


def test_misspelt_group_gets_the_closest_names(incident, llm) -> None:  # type: ignore[no-untyped-def]
    llm.enqueue(
        tool_calls(call("search_logs", {"log_groups": ["/aws/lambda/checkout"], "all_words": ["ERROR"]})),
        tool_calls(call("search_logs", {"log_groups": [CHECKOUT], "all_words": ["ERROR"]})),
        text("checkout-api fails on payment timeouts."),
    )
    payload = ask("why does checkout fail?")
    assert payload["answer"] == "checkout-api fails on payment timeouts."
    assert [c["ok"] for c in payload["tool_calls"]] == [False, True]
    (nudge,) = nudges_seen_by_model(llm)
    assert "'/aws/lambda/checkout' was not found. Closest existing names: /aws/lambda/checkout-api" in nudge
    assert counter(payload, "retry_attempts", reason="log_group_not_found") == 1
    assert counter(payload, "tool_calls", tool="search_logs", outcome="error") == 1


def test_announced_search_is_made(incident, llm) -> None:  # type: ignore[no-untyped-def]
    llm.enqueue(
        text("Let me search the checkout-api logs for errors in the last hour."),
        tool_calls(call("search_logs", {"log_groups": [CHECKOUT], "all_words": ["ERROR"], "start": "1h"})),
        text("Checkout errors started about 30 minutes ago: payment timeouts."),
    )
    payload = ask("why does checkout fail?")
    assert payload["answer"].startswith("Checkout errors started")
    (nudge,) = nudges_seen_by_model(llm)
    assert "made no tool call" in nudge
    assert counter(payload, "retry_attempts", reason="intent_without_action") == 1
    hits = [c for c in payload["metrics"]["counters"] if c["name"] == "intent_detection_hits"]
    assert hits and hits[0]["labels"]["intent_type"] == "search_logs"


def test_rate_limited_model_waits_and_answers(incident, llm) -> None:  # type: ignore[no-untyped-def]
    """Retry-After: 1 is honoured: the wait goes through the runtime's sleep."""
    llm.enqueue(error(429, retry_after=1), text("Answer after waiting."))
    waits = Waits()
    payload = ask("q", waits)
    assert payload["answer"] == "Answer after waiting."
    assert len(llm.requests) == 2  # litellm's and the SDK's own retries are off
    (retry,) = payload["retries"]
    assert retry["reason"] == "rate_limited" and retry["delay_s"] >= 1.0
    assert waits.seconds == [retry["delay_s"]]
    assert counter(payload, "retry_attempts", reason="llm_error") == 1
    backoff = [h for h in payload["metrics"]["histograms"] if h["name"] == "retry_backoff_seconds"]
    assert backoff and backoff[0]["count"] == 1 and backoff[0]["min"] >= 1.0


def test_a_stream_cut_after_text_is_retried_and_the_answer_printed_once(incident, llm) -> None:  # type: ignore[no-untyped-def]
    from tests.llm_server import cut

    llm.enqueue(cut(text("Checkout fails because the payments pool", chunks=4), after_events=3), text("Checkout fails: payments pool exhausted."))
    result = CliRunner().invoke(app, ["query", "why?"], catch_exceptions=False, obj=Runtime(async_sleep=Waits()))
    assert result.exit_code == 0, result.output
    assert result.stdout == "Checkout fails: payments pool exhausted.\n"
    assert "answer stream broke; retrying in" in result.stderr
    assert "discarding the partial answer" in result.stderr
    assert len(llm.requests) == 2
