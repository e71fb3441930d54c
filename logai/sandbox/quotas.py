"""Per-action request quotas: a token bucket per API action, on the sandbox clock.

Each action may burst up to its per-second rate and then gets that many
requests per second, like CloudWatch's "transactions per second per account
and Region" quotas; a request beyond them is answered with ThrottlingException.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping


class RequestQuotas:
    """Whether a request for an action may go through now."""

    def __init__(self, rates: Mapping[str, float], clock: Callable[[], float]) -> None:
        self._rates = dict(rates)
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # action -> (tokens, when last refilled)

    def allow(self, action: str) -> bool:
        """Take one request from `action`'s bucket; False when it is empty (unlimited actions always pass)."""
        rate = self._rates.get(action)
        if rate is None or rate <= 0:
            return True
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.get(action, (rate, now))
            tokens = min(rate, tokens + (now - last) * rate)
            if tokens < 1.0:
                self._buckets[action] = (tokens, now)
                return False
            self._buckets[action] = (tokens - 1.0, now)
            return True

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()
