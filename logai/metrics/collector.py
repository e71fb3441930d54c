"""In-process metrics: labelled counters and histograms, cheap when disabled.

Names are bare (`retry_attempts`, `tool_duration_seconds`); the `logai_`
prefix and the `_total` suffix are added at exposition. See `names.py` for the
catalogue.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

LabelKey = tuple[tuple[str, str], ...]
SeriesKey = tuple[str, LabelKey]


def label_key(labels: Mapping[str, Any] | None) -> LabelKey:
    """Labels as a hashable, order-independent key."""
    if not labels:
        return ()
    return tuple(sorted((str(k), str(v)) for k, v in labels.items()))


def percentile(sorted_values: list[float], q: float) -> float:
    """Linear-interpolated percentile (q in 0..100) of already sorted values."""
    if not sorted_values:
        return math.nan
    if len(sorted_values) == 1:
        return sorted_values[0]
    rank = (len(sorted_values) - 1) * q / 100.0
    low = math.floor(rank)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (rank - low)


def describe(values: list[float]) -> dict[str, float]:
    """count, sum, min, max, mean, p50, p95, p99 of a list of observations."""
    ordered = sorted(values)
    total = math.fsum(ordered)
    count = len(ordered)
    return {
        "count": count,
        "sum": total,
        "min": ordered[0] if ordered else math.nan,
        "max": ordered[-1] if ordered else math.nan,
        "mean": total / count if count else math.nan,
        "p50": percentile(ordered, 50),
        "p95": percentile(ordered, 95),
        "p99": percentile(ordered, 99),
    }


@dataclass
class MetricsDelta:
    """What was recorded since the previous `take_delta` call."""

    counters: dict[SeriesKey, float] = field(default_factory=dict)
    samples: dict[SeriesKey, list[float]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.counters or self.samples)

    def merge(self, other: MetricsDelta) -> None:
        """Add `other` into this delta (counters summed, observations appended)."""
        for key, value in other.counters.items():
            self.counters[key] = self.counters.get(key, 0.0) + value
        for key, values in other.samples.items():
            self.samples.setdefault(key, []).extend(values)


class MetricsCollector:
    """Labelled counters and histograms, safe across threads and tasks.

    When `enabled` is false every recording method returns at once.
    """

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self._lock = threading.Lock()
        self._counters: dict[SeriesKey, float] = {}
        self._samples: dict[SeriesKey, list[float]] = {}
        # Flush cursors: counter values and sample counts already handed out.
        self._flushed_counters: dict[SeriesKey, float] = {}
        self._flushed_samples: dict[SeriesKey, int] = {}

    def inc(self, name: str, labels: Mapping[str, Any] | None = None, value: float = 1.0) -> None:
        """Add `value` (finite, not negative: counters only go up) to one counter series."""
        if not self.enabled:
            return
        # One chained comparison rejects negatives, NaN and infinity alike; a
        # counter that goes down or turns NaN would poison every later total.
        if not 0.0 <= value < math.inf:
            raise ValueError(f"counter {name} cannot be increased by {value!r}")
        key = (name, label_key(labels))
        with self._lock:
            self._counters[key] = self._counters.get(key, 0.0) + value

    def observe(self, name: str, value: float, labels: Mapping[str, Any] | None = None) -> None:
        """Record one finite observation in a histogram series."""
        if not self.enabled:
            return
        value = float(value)
        # NaN would make every later percentile of the series meaningless.
        if not -math.inf < value < math.inf:
            raise ValueError(f"histogram {name} cannot observe {value!r}")
        key = (name, label_key(labels))
        with self._lock:
            self._samples.setdefault(key, []).append(value)

    def counter_value(self, name: str, labels: Mapping[str, Any] | None = None) -> float:
        """Current value of one counter series (0 when never incremented)."""
        with self._lock:
            return self._counters.get((name, label_key(labels)), 0.0)

    def counter_total(self, name: str) -> float:
        """Sum of a counter over all its label sets."""
        with self._lock:
            return math.fsum(v for (n, _), v in self._counters.items() if n == name)

    def samples(self, name: str, labels: Mapping[str, Any] | None = None) -> list[float]:
        """Observations of one histogram series; all label sets when `labels` is None."""
        with self._lock:
            if labels is None:
                return [v for (n, _), vs in self._samples.items() if n == name for v in vs]
            return list(self._samples.get((name, label_key(labels)), []))

    def counters(self) -> dict[SeriesKey, float]:
        with self._lock:
            return dict(self._counters)

    def histograms(self) -> dict[SeriesKey, list[float]]:
        with self._lock:
            return {k: list(v) for k, v in self._samples.items()}

    def take_delta(self) -> MetricsDelta:
        """Everything recorded since the last call, and move the cursor past it."""
        delta = MetricsDelta()
        with self._lock:
            for key, value in self._counters.items():
                change = value - self._flushed_counters.get(key, 0.0)
                if change:
                    delta.counters[key] = change
                    self._flushed_counters[key] = value
            for key, values in self._samples.items():
                seen = self._flushed_samples.get(key, 0)
                if len(values) > seen:
                    delta.samples[key] = values[seen:]
                    self._flushed_samples[key] = len(values)
        return delta

    def export_summary(self) -> dict[str, Any]:
        """Counters by series, and count/sum/min/max/mean/p50/p95/p99 per histogram series.

        `histograms_by_name` holds the same figures with all label sets of a
        name merged (percentiles of separate series cannot be combined later).
        """
        with self._lock:
            counters = dict(self._counters)
            samples = {k: list(v) for k, v in self._samples.items()}
        merged: dict[str, list[float]] = {}
        for (name, _), values in samples.items():
            merged.setdefault(name, []).extend(values)
        return {
            "counters": [
                {"name": name, "labels": dict(labels), "value": value}
                for (name, labels), value in sorted(counters.items())
            ],
            "histograms": [
                {"name": name, "labels": dict(labels), **describe(values)}
                for (name, labels), values in sorted(samples.items())
            ],
            "histograms_by_name": [{"name": name, **describe(values)} for name, values in sorted(merged.items())],
        }
