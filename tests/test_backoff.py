"""Backoff schedule, Retry-After parsing and error classification (pure functions)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from logai.figures import seconds_text
from logai.llm.backoff import RetryPolicy, delay, parse_retry_after
from logai.llm.failures import FAILURES, PROVIDER_HINTS, classify, failure_kind, provider_detail

NOW = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
REQUEST = httpx.Request("POST", "http://127.0.0.1:9/v1/chat/completions")


@pytest.fixture(scope="module")
def litellm():
    from logai.llm.client import warm_up

    warm_up()
    import litellm as module

    return module


def response(status: int, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, headers=headers or {}, request=REQUEST)


# --- delay ---------------------------------------------------------------------


def test_delay_doubles_from_half_a_second_when_rng_is_pinned() -> None:
    policy = RetryPolicy()
    assert [delay(n, policy, rng=lambda: 0.0) for n in range(1, 6)] == [0.5, 1.0, 2.0, 4.0, 8.0]


def test_delay_is_capped() -> None:
    policy = RetryPolicy(cap=30.0)
    assert [delay(n, policy, rng=lambda: 0.0) for n in (6, 7, 50, 10_000)] == [16.0, 30.0, 30.0, 30.0]


def test_jitter_only_shortens_within_the_fraction() -> None:
    policy = RetryPolicy(jitter=0.1)
    assert delay(3, policy, rng=lambda: 0.5) == pytest.approx(2.0 * 0.95)
    assert delay(3, policy, rng=lambda: 0.999999) == pytest.approx(1.8, abs=1e-5)
    assert delay(100, policy, rng=lambda: 0.999999) >= 27.0  # spread below the cap, never above


def test_jitter_spreads_concurrent_clients() -> None:
    import random

    source = random.Random(7)
    waits = {delay(4, RetryPolicy(), rng=source.random) for _ in range(50)}
    assert len(waits) > 40
    assert all(3.6 <= w <= 4.0 for w in waits)


def test_no_jitter_is_exact() -> None:
    assert delay(2, RetryPolicy(jitter=0.0), rng=lambda: 0.9) == 1.0


@pytest.mark.parametrize("attempt", [0, -1])
def test_attempts_count_from_one(attempt: int) -> None:
    with pytest.raises(ValueError, match="counts from 1"):
        delay(attempt, RetryPolicy())


@pytest.mark.parametrize(
    "fields",
    [
        {"base": 0},
        {"base": 2, "cap": 1},
        {"max_attempts": 0},
        {"deadline": 0},
        {"jitter": 1.0},
        {"jitter": -0.1},
    ],
)
def test_policy_rejects_nonsense(fields: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        RetryPolicy(**fields)


def test_policy_defaults() -> None:
    assert RetryPolicy() == RetryPolicy(base=0.5, cap=30.0, max_attempts=5, deadline=120.0, jitter=0.1)


# --- Retry-After -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("3", 3.0),
        (" 1.5 ", 1.5),
        ("0", 0.0),
        (format_datetime(NOW + timedelta(seconds=7), usegmt=True), 7.0),
        (format_datetime(NOW - timedelta(seconds=30), usegmt=True), 0.0),
        ("Wed, 02 Jan 2030 03:05:05 GMT", 60.0),
        (None, None),
        ("", None),
        ("-4", None),
        ("soon", None),
        ("nan", None),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, NOW) == expected


def test_parse_retry_after_accepts_naive_now() -> None:
    assert parse_retry_after("Wed, 02 Jan 2030 03:04:15 GMT", NOW.replace(tzinfo=None)) == 10.0


# --- classify -------------------------------------------------------------------


def test_rate_limit_is_transient_with_retry_after(litellm) -> None:
    exc = litellm.RateLimitError("slow down", "openai", "gpt", response=response(429, {"Retry-After": "12"}))
    got = classify(exc, now=NOW)
    assert (got.retried, got.reason, got.status, got.retry_after) == (True, "rate_limited", 429, 12.0)


def test_rate_limit_reads_http_date_and_retry_after_ms(litellm) -> None:
    dated = litellm.RateLimitError(
        "x", "openai", "gpt", response=response(429, {"retry-after": format_datetime(NOW + timedelta(seconds=9))})
    )
    assert classify(dated, now=NOW).retry_after == 9.0
    millis = litellm.RateLimitError("x", "openai", "gpt", response=response(429, {"retry-after-ms": "250"}))
    assert classify(millis, now=NOW).retry_after == 0.25


@pytest.mark.parametrize(
    ("build", "status"),
    [
        (lambda l: l.InternalServerError("boom", "openai", "gpt", response=response(500)), 500),
        (lambda l: l.ServiceUnavailableError("busy", "openai", "gpt", response=response(503)), 503),
        (lambda l: l.BadGatewayError("bad gw", "openai", "gpt", response=response(502)), 502),
    ],
)
def test_5xx_is_a_transient_server_error(litellm, build, status: int) -> None:
    got = classify(build(litellm), now=NOW)
    assert (got.retried, got.reason, got.status) == (True, "server_error", status)


def test_timeouts_are_transient(litellm) -> None:
    assert classify(litellm.Timeout("took too long", "gpt", "openai"), now=NOW).reason == "timeout"
    assert classify(httpx.ReadTimeout("slow"), now=NOW).reason == "timeout"
    assert classify(TimeoutError(), now=NOW).reason == "timeout"


def test_connection_errors_are_transient_even_when_litellm_says_500(litellm) -> None:
    import openai

    try:
        try:
            raise ConnectionRefusedError(111, "Connection refused")
        except ConnectionRefusedError as low:
            raise openai.APIConnectionError(request=REQUEST) from low
    except openai.APIConnectionError as sdk:
        wrapped = litellm.InternalServerError("Connection error.", "openai", "gpt")
        wrapped.__cause__ = sdk
    got = classify(wrapped, now=NOW)
    assert (got.retried, got.reason, got.status) == (True, "connection", None)
    assert classify(litellm.APIConnectionError("refused", "openai", "gpt"), now=NOW).reason == "connection"
    assert classify(ConnectionResetError(), now=NOW).reason == "connection"


def test_broken_stream_is_transient_unless_its_cause_is_not(litellm) -> None:
    cut = litellm.exceptions.MidStreamFallbackError(
        "Connection error.", "gpt", "openai", original_exception=litellm.APIConnectionError("x", "openai", "gpt")
    )
    assert classify(cut, now=NOW).reason == "stream_broken"
    denied = litellm.exceptions.MidStreamFallbackError(
        "denied", "gpt", "openai", original_exception=litellm.AuthenticationError("bad key", "openai", "gpt")
    )
    assert (classify(denied, now=NOW).retried, classify(denied, now=NOW).reason) == (False, "auth")


@pytest.mark.parametrize(
    ("build", "reason", "status"),
    [
        (lambda l: l.BadRequestError("bad", "gpt", "openai"), "bad_request", 400),
        (lambda l: l.AuthenticationError("no key", "openai", "gpt"), "auth", 401),
        (lambda l: l.PermissionDeniedError("nope", "openai", "gpt", response=response(403)), "permission", 403),
        (lambda l: l.NotFoundError("no model", "gpt", "openai"), "not_found", 404),
        (lambda l: l.ContextWindowExceededError("too long", "gpt", "openai"), "context_window", 400),
        (lambda l: l.BadRequestError("This model's maximum context length is 8192 tokens", "gpt", "openai"),
         "context_window", 400),
    ],
)
def test_client_errors_are_never_retried(litellm, build, reason: str, status: int) -> None:
    got = classify(build(litellm), now=NOW)
    assert (got.retried, got.reason, got.status, got.retry_after) == (False, reason, status, None)


def test_a_429_retry_after_is_ignored_on_permanent_errors(litellm) -> None:
    exc = litellm.BadRequestError("bad", "gpt", "openai", response=response(400, {"retry-after": "5"}))
    assert classify(exc, now=NOW).retry_after is None


def test_status_codes_alone_classify_unknown_exceptions() -> None:
    class ProviderError(Exception):
        def __init__(self, status_code: int) -> None:
            super().__init__(f"status {status_code}")
            self.status_code = status_code

    assert classify(ProviderError(503), now=NOW).reason == "server_error"
    assert classify(ProviderError(429), now=NOW).reason == "rate_limited"
    assert classify(ProviderError(408), now=NOW).reason == "timeout"
    assert classify(ProviderError(401), now=NOW).reason == "auth"
    assert classify(ProviderError(418), now=NOW).retried is False


def test_unknown_errors_are_not_retried() -> None:
    got = classify(ValueError("bad json from a plugin"), now=NOW)
    assert (got.retried, got.reason) == (False, "error")


def test_provider_detail_strips_litellm_prefixes(litellm) -> None:
    exc = litellm.NotFoundError("NotFoundError: OpenAIException - The model `x` does not exist.", "x", "openai")
    assert provider_detail(exc) == "The model `x` does not exist."
    assert provider_detail(ValueError("a\n  b" * 200), limit=20).endswith("…")


def test_seconds_text() -> None:
    assert [seconds_text(v) for v in (0.012, 0.5, 0.4737, 2.0, 9.5, 118.4, 300.0)] == [
        "12 ms", "500 ms", "474 ms", "2 s", "9.5 s", "118 s", "300 s",
    ]


def test_every_failure_reason_says_what_happened_and_what_to_do() -> None:
    for reason, kind in FAILURES.items():
        assert kind.reason == reason
        assert kind.words and kind.told and kind.hint.endswith("."), reason
    transient = {reason for reason, kind in FAILURES.items() if kind.retried}
    assert transient == {"rate_limited", "overloaded", "server_error", "timeout", "connection", "stream_broken"}
    for (provider, reason), hint in PROVIDER_HINTS.items():
        assert reason in FAILURES and hint.endswith("."), (provider, reason)
    assert failure_kind("no such reason") is FAILURES["error"]
