"""What the evidence about a set of events is: plain frozen dataclasses, built by `collect`, read by `report`."""

from __future__ import annotations

from dataclasses import dataclass, field

from logai.evidence.filter import LogFilter
from logai.logs.model import LogEvent

GB = 1024**3


@dataclass(frozen=True, slots=True)
class GroupCount:
    """How many events of one group matched, and the first and last of them (epoch ms)."""

    group: str
    count: int
    first_ms: int | None
    last_ms: int | None


@dataclass(frozen=True, slots=True)
class Histogram:
    """Matches per bucket of `bucket_ms`, from `start_ms` (aligned down to a bucket) to the end of the range;
    `firsts` holds each bucket's earliest match (epoch ms) when the query gave it."""

    start_ms: int
    bucket_ms: int
    counts: tuple[int, ...]
    per_group: dict[str, tuple[int, ...]] = field(default_factory=dict)
    firsts: tuple[int | None, ...] = ()


@dataclass(frozen=True, slots=True)
class TemplateCount:
    """A message template, how many events it covers, one example, and when it was seen (when known)."""

    template: str
    count: int
    example: str
    first_ms: int | None = None
    last_ms: int | None = None


@dataclass(frozen=True, slots=True)
class Breakdown:
    """Counts of matches by the values of one dimension (stream, level, a JSON field)."""

    name: str
    counts: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class Provenance:
    """How the evidence was computed and what it cost; `caveats` say what is less than exact."""

    method: str  # "insights" or "filter_log_events"
    queries: int = 0
    filter_calls: int = 0
    records_scanned: float = 0.0
    bytes_scanned: float = 0.0
    price_per_gb: float = 0.005
    caveats: tuple[str, ...] = ()

    @property
    def cost_usd(self) -> float:
        return self.bytes_scanned / GB * self.price_per_gb


@dataclass(frozen=True, slots=True)
class Evidence:
    """Everything gathered about the events that match `filter` in `groups` from start to end."""

    groups: tuple[str, ...]
    start_ms: int
    end_ms: int
    filter: LogFilter
    total: int
    exact: bool
    per_group: tuple[GroupCount, ...]
    histogram: Histogram
    templates: tuple[TemplateCount, ...]
    breakdowns: tuple[Breakdown, ...]
    samples: tuple[LogEvent, ...]
    onset_samples: tuple[LogEvent, ...]
    provenance: Provenance

    @property
    def first_ms(self) -> int | None:
        firsts = [g.first_ms for g in self.per_group if g.first_ms is not None]
        return min(firsts) if firsts else None

    @property
    def last_ms(self) -> int | None:
        lasts = [g.last_ms for g in self.per_group if g.last_ms is not None]
        return max(lasts) if lasts else None
