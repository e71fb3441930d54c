"""Triage without a model: which groups have errors, since when, what they say, and what is new.

The same evidence the model gets, for a person at a terminal: one count by
time and group (the timeline), the top templates across the groups (one
`pattern` query), and, with a baseline, what changed (two `pattern` queries,
run at once). A handful of scans however many groups and events.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from logai.evidence import queries as q
from logai.evidence.compare import Comparison, compare
from logai.evidence.filter import LogFilter
from logai.evidence.model import TemplateCount
from logai.evidence.onsets import Onsets, onsets
from logai.logs.insights import run_queries
from logai.logs.source import CloudWatchSource

TOP_TEMPLATES = 8


@dataclass(frozen=True, slots=True)
class Triage:
    where: LogFilter
    timeline: Onsets
    templates: tuple[TemplateCount, ...]
    comparison: Comparison | None
    bytes_scanned: float


def triage(
    source: CloudWatchSource,
    groups: Sequence[str],
    start_ms: int,
    end_ms: int,
    where: LogFilter,
    *,
    baseline: str | None = None,
    timeout_s: float = 60.0,
) -> Triage:
    timeline = onsets(source, groups, start_ms, end_ms, where, timeout_s=timeout_s)
    broken = [g.group for g in timeline.groups]
    templates: list[TemplateCount] = []
    scanned = timeline.bytes_scanned
    comparison = None
    if broken:
        (patterns,) = run_queries(
            source, broken[:50], [(q.pattern_query(where.insights()), TOP_TEMPLATES)], start_ms, end_ms, timeout_s=timeout_s
        )
        scanned += patterns.statistics.get("bytesScanned", 0.0)
        templates = [TemplateCount(template, n, example) for template, n, example in q.pattern_rows(patterns.rows)]
        if baseline is not None:
            comparison = compare(source, broken[:50], start_ms, end_ms, baseline, where, timeout_s=timeout_s)
            scanned += comparison.bytes_scanned
    return Triage(where, timeline, tuple(templates[:TOP_TEMPLATES]), comparison, scanned)
