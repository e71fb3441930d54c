"""When to retry a model request and how long to wait: pure functions, no I/O.

`delay` is the backoff schedule, `parse_retry_after` reads the provider's
`Retry-After`, and `classify` sorts an exception from litellm (or the OpenAI
SDK, httpx, the socket layer underneath) into transient or not, and why.
litellm is imported lazily: importing it takes seconds.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Literal

TransientReason = Literal["rate_limited", "server_error", "timeout", "connection", "stream_broken"]
PermanentReason = Literal["context_window", "auth", "permission", "not_found", "bad_request", "error"]
ErrorReason = TransientReason | PermanentReason

TRANSIENT_REASONS: frozenset[str] = frozenset(
    {"rate_limited", "server_error", "timeout", "connection", "stream_broken"}
)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How one model request is retried.

    `base` is the first wait; each later wait doubles, up to `cap`.
    `max_attempts` counts the first try. `deadline` bounds the seconds all
    attempts of one request may take, waits included. `jitter` is the
    fraction by which a wait may be shortened at random.
    """

    base: float = 0.5
    cap: float = 30.0
    max_attempts: int = 5
    deadline: float = 120.0
    jitter: float = 0.1

    def __post_init__(self) -> None:
        if not self.base > 0:
            raise ValueError(f"backoff base must be above 0, not {self.base}")
        if not self.cap >= self.base:
            raise ValueError(f"backoff cap ({self.cap}) must be at least the base ({self.base})")
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, not {self.max_attempts}")
        if not self.deadline > 0:
            raise ValueError(f"the retry deadline must be above 0, not {self.deadline}")
        if not 0 <= self.jitter < 1:
            raise ValueError(f"jitter is a fraction in [0, 1), not {self.jitter}")


def delay(attempt: int, policy: RetryPolicy, rng: Callable[[], float] = random.random) -> float:
    """Seconds to wait after failed attempt number `attempt` (1 → `base`).

    The schedule is base·2^(attempt-1) capped at `cap` (0.5, 1, 2, 4, 8 … by
    default), then shortened by up to `jitter` of itself: wait·(1 − jitter·rng()).
    Jitter only ever shortens, so the cap stays a true maximum and clients that
    all reach the cap still spread out instead of retrying in lockstep; a
    proportional (not "full") jitter keeps each wait near its doubling step,
    so a rate-limited provider still gets the breathing room it needs.
    `rng()` returns [0, 1); pin it to 0 for the exact schedule.
    """
    if attempt < 1:
        raise ValueError(f"attempt counts from 1, not {attempt}")
    # Past 2^64 the cap has long won; the bound keeps the float finite.
    exponential = policy.base * 2.0 ** min(attempt - 1, 64)
    return min(policy.cap, exponential) * (1.0 - policy.jitter * rng())


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds a `Retry-After` value asks for: delta-seconds or an HTTP date; None if absent or unreadable.

    A date in the past means 0. Naive datetimes are taken as UTC.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


@dataclass(frozen=True, slots=True)
class ErrorClass:
    """What went wrong with a model request.

    `transient` says whether trying again may help; `reason` says why;
    `status` is the HTTP status when there was one; `retry_after` is the
    provider's requested wait in seconds; `detail` is the provider's own
    message, stripped of litellm's class-name prefixes.
    """

    transient: bool
    reason: ErrorReason
    status: int | None = None
    retry_after: float | None = None
    detail: str = ""


class StreamBroken(Exception):
    """A streamed answer stopped before it finished (raised by the client, classified as transient)."""


_PREFIX = re.compile(r"^(?:(?:litellm\.)?\w+(?:Error|Exception)(?::| -)\s*)+")
_CONTEXT_WINDOW_TEXT = ("context_length_exceeded", "maximum context length", "context window")


def provider_detail(exc: BaseException, limit: int = 240) -> str:
    """The provider's message in `exc`, without litellm's "litellm.XError: XError: OpenAIException - " chain."""
    body = getattr(exc, "body", None)
    if isinstance(body, Mapping) and isinstance(body.get("message"), str):
        text = body["message"]
    else:
        message = getattr(exc, "message", None)
        text = message if isinstance(message, str) and message else str(exc)
    text = _PREFIX.sub("", text.strip())
    text = text.split(" Original exception:")[0].strip()
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text or type(exc).__name__


def error_chain(exc: BaseException, depth: int = 12) -> Iterator[BaseException]:
    """`exc`, then what caused it: `original_exception`, `__cause__`, `__context__` (no cycles)."""
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending and len(seen) < depth:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        for link in (getattr(current, "original_exception", None), current.__cause__, current.__context__):
            if isinstance(link, BaseException):
                pending.append(link)


def status_of(exc: BaseException) -> int | None:
    """The HTTP status carried by `exc`, if any."""
    for name in ("status_code", "status"):
        value = getattr(exc, name, None)
        if isinstance(value, int) and not isinstance(value, bool) and 100 <= value <= 599:
            return value
    return None


def response_headers(exc: BaseException) -> Mapping[str, str] | None:
    """Response headers litellm or the OpenAI SDK attached to `exc`."""
    for candidate in error_chain(exc, depth=4):
        headers = getattr(candidate, "litellm_response_headers", None)
        if headers:
            return headers
        response = getattr(candidate, "response", None)
        headers = getattr(response, "headers", None)
        if headers:
            return headers
    return None


def header(headers: Mapping[str, str] | None, name: str) -> str | None:
    """Case-insensitive header lookup over any mapping."""
    if not headers:
        return None
    wanted = name.lower()
    for key, value in headers.items():
        if str(key).lower() == wanted:
            return str(value)
    return None


def retry_after_of(exc: BaseException, now: datetime) -> float | None:
    """The provider's requested wait: `retry-after-ms` (OpenAI) or `Retry-After`."""
    headers = response_headers(exc)
    millis = header(headers, "retry-after-ms")
    if millis is not None:
        parsed = parse_retry_after(millis, now)
        if parsed is not None:
            return parsed / 1000.0
    return parse_retry_after(header(headers, "retry-after"), now)


_PERMANENT_BY_STATUS: dict[int, PermanentReason] = {
    400: "bad_request",
    401: "auth",
    403: "permission",
    404: "not_found",
    422: "bad_request",
}


def classify(exc: BaseException, *, now: datetime | None = None) -> ErrorClass:
    """Whether a failed model request may be retried, and why.

    Transient: 429 (`rate_limited`), 5xx (`server_error`), timeouts and 408
    (`timeout`), connection failures (`connection`), a stream that broke
    before it finished (`stream_broken`). Never retried: context-window errors,
    400/401/403/404/422 and anything unrecognised. Works from litellm's
    exception classes, the OpenAI SDK and httpx errors in the cause chain, and
    status codes. `now` (default: the current UTC time) resolves HTTP-date
    `Retry-After` values.
    """
    import os

    import httpx
    import openai

    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no price-table download at import
    from litellm.exceptions import ContextWindowExceededError, MidStreamFallbackError

    when = now or datetime.now(UTC)
    status = status_of(exc)
    detail = provider_detail(exc)
    retry_after = retry_after_of(exc, when)

    def made(transient: bool, reason: ErrorReason) -> ErrorClass:
        # litellm stamps 500/408 on failures that never got an HTTP answer; do not show those.
        shown = None if reason in ("timeout", "connection", "stream_broken") else status
        return ErrorClass(transient, reason, shown, retry_after if transient else None, detail)

    chain = list(error_chain(exc))
    lowered = str(exc).lower()
    code = getattr(exc, "code", None)
    if isinstance(exc, ContextWindowExceededError) or code == "context_length_exceeded" or (
        status == 400 and any(text in lowered for text in _CONTEXT_WINDOW_TEXT)
    ):
        return made(False, "context_window")
    if isinstance(exc, StreamBroken | MidStreamFallbackError):
        original = getattr(exc, "original_exception", None)
        if isinstance(original, BaseException) and not isinstance(original, MidStreamFallbackError):
            inner = classify(original, now=when)
            if not inner.transient:
                return inner
        return made(True, "stream_broken")
    timeout_types = (openai.APITimeoutError, httpx.TimeoutException, TimeoutError)
    if status == 408 or any(isinstance(link, timeout_types) for link in chain):
        return made(True, "timeout")
    # litellm reports a refused or dropped connection as a 500 whose cause is
    # the SDK's APIConnectionError: look at the cause before the status.
    connection_types = (openai.APIConnectionError, httpx.TransportError, ConnectionError)
    if any(isinstance(link, connection_types) for link in chain):
        return made(True, "connection")
    if status == 429:
        return made(True, "rate_limited")
    if status is not None and status >= 500:
        return made(True, "server_error")
    if status in _PERMANENT_BY_STATUS:
        return made(False, _PERMANENT_BY_STATUS[status])
    return made(False, "error")


def describe_reason(reason: str) -> str:
    """A few words for people: "rate limited", "server error"…"""
    return {
        "rate_limited": "rate limited",
        "server_error": "server error",
        "timeout": "timed out",
        "connection": "connection failed",
        "stream_broken": "the answer stream broke off",
        "context_window": "context window exceeded",
        "auth": "authentication failed",
        "permission": "permission denied",
        "not_found": "not found",
        "bad_request": "request rejected",
    }.get(reason, "request failed")


def seconds_text(value: float) -> str:
    """`0.47 s`, `2 s`, `118 s`: short and readable."""
    if value >= 10:
        return f"{value:.0f} s"
    return f"{value:.2g} s"


def is_transient(reason: str) -> bool:
    return reason in TRANSIENT_REASONS
