"""Histogram bucket bounds per metric, shared by the store's running totals and the exposition.

The store keeps each histogram as counts per bucket as it writes, so a
scrape never reads the observations; both sides must agree on the bounds.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable

from logai.metrics import names

# Retry waits double from 0.5 s up to the cap; one bucket per doubling.
BACKOFF_BUCKETS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0)
# Time to first token: streaming servers answer within a second or two, slow ones take tens.
TTFT_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 20.0, 30.0)
# Tool calls, model requests and whole turns: from tens of milliseconds to minutes.
DURATION_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)
DEFAULT_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0)

BUCKETS: dict[str, tuple[float, ...]] = {
    names.RETRY_BACKOFF_SECONDS: BACKOFF_BUCKETS,
    names.LLM_TIME_TO_FIRST_TOKEN_SECONDS: TTFT_BUCKETS,
    names.LLM_REQUEST_SECONDS: DURATION_BUCKETS,
    names.TOOL_DURATION_SECONDS: DURATION_BUCKETS,
    names.TURN_DURATION_SECONDS: DURATION_BUCKETS,
}


def buckets_for(name: str) -> tuple[float, ...]:
    """Upper bounds (without +Inf) of the histogram buckets for metric `name`."""
    if name in BUCKETS:
        return BUCKETS[name]
    return DURATION_BUCKETS if name.endswith("_seconds") else DEFAULT_BUCKETS


def bucket_counts(name: str, values: Iterable[float]) -> list[int]:
    """How many of `values` fall in each bucket of `name` (value <= bound), +Inf last; not cumulative."""
    bounds = buckets_for(name)
    counts = [0] * (len(bounds) + 1)
    for value in values:
        counts[bisect.bisect_left(bounds, value)] += 1
    return counts
