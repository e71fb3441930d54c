"""What the metrics store hands back: counters, histograms and the session count, per series.

Histograms come two ways. Read per session (`MetricsStore.totals`), they are
the observations themselves, so percentiles are exact. Read as running
totals (`MetricsStore.running_totals`, what a scrape serves), they are counts
per bucket kept as the store writes, so a scrape costs the same whatever the
store has received.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from logai.figures import shortened
from logai.metrics.collector import LabelKey, MetricsCollector, SeriesKey, label_key

# Label values come from outside (log group names, a model's tool names): a
# value longer than this is cut wherever labels are written or served.
MAX_LABEL_CHARS = 64


def capped(value: str) -> str:
    return shortened(value, MAX_LABEL_CHARS)


def capped_key(labels: LabelKey) -> LabelKey:
    return tuple((capped(name), capped(value)) for name, value in labels)


def encode_labels(labels: LabelKey) -> str:
    """Labels as canonical JSON text (sorted keys), readable with the sqlite3 shell."""
    return json.dumps(dict(labels), sort_keys=True, separators=(",", ":"))


def decode_labels(text: str) -> LabelKey:
    return label_key(json.loads(text))


@dataclass(frozen=True, slots=True)
class BucketCounts:
    """A histogram series as running totals: how many observations fell in each bucket
    of `buckets.buckets_for(name)` (+Inf last, not cumulative), and their sum."""

    counts: tuple[int, ...]
    total: float

    @property
    def count(self) -> int:
        return sum(self.counts)

    def plus(self, other: BucketCounts) -> BucketCounts:
        return BucketCounts(tuple(a + b for a, b in zip(self.counts, other.counts, strict=True)), self.total + other.total)


@dataclass
class StoreTotals:
    """Counters summed, observations gathered (`samples`) or bucketed (`histograms`)
    per (name, labels), and the session count."""

    counters: dict[SeriesKey, float] = field(default_factory=dict)
    samples: dict[SeriesKey, list[float]] = field(default_factory=dict)
    sessions: int = 0
    histograms: dict[SeriesKey, BucketCounts] = field(default_factory=dict)

    @classmethod
    def from_collector(cls, collector: MetricsCollector, sessions: int = 1) -> StoreTotals:
        """The in-memory metrics of one process, shaped like the store's totals."""
        return cls(counters=collector.counters(), samples=collector.histograms(), sessions=sessions)

    def is_empty(self) -> bool:
        return not (self.counters or self.samples or self.histograms or self.sessions)

    def matching(self, selectors: Mapping[str, str]) -> StoreTotals:
        """Only the series whose labels include every `name=value` in `selectors`."""
        wanted = set(label_key(selectors))

        def keep(key: SeriesKey) -> bool:
            return wanted.issubset(key[1])

        return StoreTotals(
            counters={k: v for k, v in self.counters.items() if keep(k)},
            samples={k: list(v) for k, v in self.samples.items() if keep(k)},
            sessions=self.sessions,
            histograms={k: v for k, v in self.histograms.items() if keep(k)},
        )

    def grouped(self, by: Sequence[str]) -> StoreTotals:
        """Series merged so that only the labels named in `by` remain (counters summed)."""
        kept = set(by)

        def regroup(key: SeriesKey) -> SeriesKey:
            return key[0], tuple(pair for pair in key[1] if pair[0] in kept)

        counters: dict[SeriesKey, float] = {}
        for key, value in self.counters.items():
            new_key = regroup(key)
            counters[new_key] = counters.get(new_key, 0.0) + value
        samples: dict[SeriesKey, list[float]] = {}
        for key, values in self.samples.items():
            samples.setdefault(regroup(key), []).extend(values)
        histograms: dict[SeriesKey, BucketCounts] = {}
        for key, buckets in self.histograms.items():
            new_key = regroup(key)
            histograms[new_key] = histograms[new_key].plus(buckets) if new_key in histograms else buckets
        return StoreTotals(counters=counters, samples=samples, sessions=self.sessions, histograms=histograms)
