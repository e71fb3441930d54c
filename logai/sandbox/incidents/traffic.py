"""When things happen: user traffic that follows the day, and jobs that run on a timer."""

from __future__ import annotations

import random
from collections.abc import Iterator

from logai.sandbox.incidents.clock import HOUR

# Share of the peak request rate, by UTC hour (the shop sells in Europe): a
# night trough at half the peak, a lunch rush and a higher evening rush. The
# trough is kept at a half so that a window at night still holds the volume
# tests and benchmarks rely on.
_DAILY = (
    0.60, 0.55, 0.52, 0.50, 0.50, 0.53, 0.58, 0.65,
    0.72, 0.77, 0.81, 0.88, 0.97, 0.92, 0.83, 0.80,
    0.82, 0.88, 0.95, 1.00, 0.96, 0.86, 0.75, 0.66,
)


def daily_load(ts_ms: int) -> float:
    """The share of the peak rate at `ts_ms`, interpolated between the hours."""
    hours = (ts_ms % (24 * HOUR)) / HOUR
    hour = int(hours)
    weight = hours - hour
    return _DAILY[hour] * (1 - weight) + _DAILY[(hour + 1) % 24] * weight


def arrivals(rng: random.Random, start_ms: int, end_ms: int, peak_per_s: float) -> Iterator[int]:
    """Request times between `start_ms` and `end_ms`: a Poisson process whose rate is
    `peak_per_s` times the daily load (drawn at the peak rate, then thinned)."""
    mean_gap_ms = 1000.0 / peak_per_s
    ts = float(start_ms)
    while True:
        ts += rng.expovariate(1.0) * mean_gap_ms
        if ts >= end_ms:
            return
        if rng.random() < daily_load(int(ts)):
            yield int(ts)


def ticks(rng: random.Random, start_ms: int, end_ms: int, period_ms: int, jitter_ms: int = 0) -> Iterator[int]:
    """The run times of a job on a timer: one per `period_ms` from a random phase, each
    late by up to `jitter_ms`. Its rate is the same at every hour of the day."""
    ts = start_ms + rng.randrange(period_ms)
    while ts < end_ms:
        yield ts + (rng.randint(0, jitter_ms) if jitter_ms else 0)
        ts += period_ms
