"""How long to wait before retrying a model request: pure functions, no I/O.

`delay` is the backoff schedule and `parse_retry_after` reads the provider's
`Retry-After`. Which failures are retried is decided in `failures.py`.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


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
