"""A client-side rate limit per CloudWatch Logs action, shared by every call the process makes.

CloudWatch Logs caps most actions at a few requests per second per account
and Region (FilterLogEvents and the Insights calls at 5). Several tool calls
running at once would exceed that and be throttled; waiting here first keeps
throttling rare, and botocore's retries stay for what slips through.
Each action has a token bucket that holds up to one second of requests;
a caller that finds it empty reserves the next token and sleeps until it is
due, so concurrent callers queue in order instead of racing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from types import MappingProxyType

# Requests per second per account and Region, as CloudWatch Logs documents
# them (Service Quotas, "CloudWatch Logs quotas").
CLOUDWATCH_QUOTAS: Mapping[str, float] = MappingProxyType(
    {
        "FilterLogEvents": 5.0,
        "GetLogEvents": 10.0,
        "DescribeLogGroups": 5.0,
        "DescribeLogStreams": 5.0,
        "StartQuery": 5.0,
        "GetQueryResults": 5.0,
        "StopQuery": 5.0,
    }
)


class RateLimiter:
    """`acquire(action)` before each call; it returns the seconds it waited (0 when under the rate)."""

    def __init__(self, rates: Mapping[str, float], *, clock: Callable[[], float], sleep: Callable[[float], None]) -> None:
        self._rates = {action: rate for action, rate in rates.items() if rate > 0}
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # action -> (tokens, when counted)

    def acquire(self, action: str) -> float:
        rate = self._rates.get(action)
        if rate is None:
            return 0.0
        with self._lock:
            now = self._clock()
            tokens, counted = self._buckets.get(action, (rate, now))
            tokens = min(rate, tokens + (now - counted) * rate) - 1.0
            self._buckets[action] = (tokens, now)
        wait = -tokens / rate if tokens < 0 else 0.0
        if wait > 0:
            self._sleep(wait)
        return wait
