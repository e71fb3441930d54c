"""Time in the evidence: bucket sizes for a range, and what a histogram says in words.

A range is cut into 20-40 buckets of a round size (30 s, 1 min, 5 min…),
aligned to the epoch as Logs Insights' `bin()` aligns them. The shape of a
histogram is read as a person would: when matches began, whether they were
there all along and rose sharply later, where they peaked, and whether they
are still coming or stopped.
"""

from __future__ import annotations

from dataclasses import dataclass

from logai.evidence.model import Histogram

# Bucket sizes in seconds, with the unit `bin()` spells them in.
_STEPS: tuple[tuple[int, str], ...] = (
    (1, "1s"), (5, "5s"), (10, "10s"), (30, "30s"), (60, "1m"), (120, "2m"), (300, "5m"), (600, "10m"),
    (900, "15m"), (1800, "30m"), (3600, "1h"), (7200, "2h"), (10800, "3h"), (21600, "6h"), (43200, "12h"),
    (86400, "1d"),
)
MOST_BUCKETS = 40
# A bucket "rises sharply" when it holds this many times the mean of the buckets before it (and a few events more).
RISE_FACTOR = 3.0
RISE_MIN_EVENTS = 5


def bucket_size(span_ms: int, most: int = MOST_BUCKETS) -> tuple[int, str]:
    """The smallest round bucket (ms, `bin()` text) that cuts `span_ms` into at most `most` buckets."""
    for seconds, text in _STEPS:
        if -(-span_ms // (seconds * 1000)) <= most:
            return seconds * 1000, text
    seconds, text = _STEPS[-1]
    return seconds * 1000, text


def aligned_start(start_ms: int, bucket_ms: int) -> int:
    return start_ms - start_ms % bucket_ms


@dataclass(frozen=True, slots=True)
class Shape:
    """The histogram read out: onset and rise (epoch ms), peak, and the end."""

    first_ms: int | None
    rise_ms: int | None  # a later sharp rise, when matches were there before it
    peak_ms: int | None
    peak_count: int
    last_bucket_count: int
    last_ms: int | None


def read_shape(
    histogram: Histogram,
    first_ms: int | None,
    last_ms: int | None,
    range_start_ms: int | None = None,
    background: float | None = None,
) -> Shape:
    """The shape of `histogram`; a first bucket that began before `range_start_ms` holds only part of
    its span, so it is left out of the background a rise is measured against. `background` (matches
    per bucket before the rise, known from a coarser count) replaces the mean of the buckets before."""
    counts = histogram.counts
    if not counts or not any(counts):
        return Shape(None, None, None, 0, 0, None)
    peak_index = max(range(len(counts)), key=lambda i: (counts[i], -i))
    rise_ms = None
    first_index = next(i for i, n in enumerate(counts) if n)
    if first_index == 0 and range_start_ms is not None and histogram.start_ms < range_start_ms and len(counts) > 2:
        first_index = 1 if counts[1] else first_index
    for index in range(first_index + 1, len(counts)):
        before = counts[first_index:index]
        mean = background if background is not None else sum(before) / len(before)
        if counts[index] >= max(RISE_FACTOR * mean, mean + RISE_MIN_EVENTS) and mean > 0:
            # The rise began where the counts first left the background, maybe a bucket or two earlier.
            above = 1.5 * mean if background is not None else 2 * mean
            while index - 1 > first_index and counts[index - 1] > above:
                index -= 1
            first_in_bucket = histogram.firsts[index] if index < len(histogram.firsts) else None
            rise_ms = first_in_bucket if first_in_bucket is not None else histogram.start_ms + index * histogram.bucket_ms
            break
    return Shape(
        first_ms=first_ms,
        rise_ms=rise_ms,
        peak_ms=histogram.start_ms + peak_index * histogram.bucket_ms,
        peak_count=counts[peak_index],
        last_bucket_count=counts[-1],
        last_ms=last_ms,
    )
