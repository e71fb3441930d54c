"""Gathering the evidence: Logs Insights first, FilterLogEvents for samples, FilterLogEvents alone as the fallback.

Insights runs where the logs live, over the whole range, whatever its volume:
the counts, the histogram, the onsets and the templates it returns are exact.
Two queries run at once (counts over time, templates), then one more for the
breakdowns and when each top template was first and last seen. FilterLogEvents (5
requests a second per account) only fetches a few samples: the newest
matches and the first ones. When Insights cannot serve (the credentials may
not run queries; Infrequent Access groups have no `pattern`) the evidence
comes from the newest events FilterLogEvents returns, and says what that
costs in certainty.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from logai.evidence import queries as q
from logai.evidence.filter import LogFilter
from logai.evidence.model import Breakdown, Evidence, GroupCount, Histogram, Provenance, TemplateCount
from logai.evidence.timeline import aligned_start, bucket_size, read_shape
from logai.logs.errors import AccessDenied, InvalidQuery, SourceError
from logai.logs.insights import MAX_ROWS, QueryOutcome, run_queries
from logai.logs.model import LogEvent
from logai.logs.source import CloudWatchSource

SAMPLES = 8
# Samples are read from the newest buckets holding about this many matches.
SAMPLE_WINDOW_EVENTS = 200
TEMPLATE_ROWS = 50
FALLBACK_EVENTS = 2000


@dataclass(frozen=True, slots=True)
class Limits:
    """What one evidence call may spend: Insights time, bytes per query, and the price that turns bytes into dollars."""

    timeout_s: float = 60.0
    max_bytes_per_query: float | None = None
    price_per_gb: float = 0.005


class EvidenceCollector:
    """Builds an `Evidence` for groups, a time range and a filter, from one source."""

    def __init__(self, source: CloudWatchSource, limits: Limits = Limits()) -> None:
        self._source = source
        self._limits = limits

    def collect(self, groups: Sequence[str], start_ms: int, end_ms: int, where: LogFilter) -> Evidence:
        """Insights evidence; the FilterLogEvents fallback when Insights is refused."""
        try:
            return self._from_insights(tuple(groups), start_ms, end_ms, where)
        except AccessDenied as exc:
            return self._from_filter_events(tuple(groups), start_ms, end_ms, where, f"Logs Insights was refused ({exc.message})")

    # -- Insights ---------------------------------------------------------------

    def _from_insights(self, groups: tuple[str, ...], start_ms: int, end_ms: int, where: LogFilter) -> Evidence:
        bucket_ms, bin_text = bucket_size(end_ms - start_ms)
        command = where.insights()
        caveats: list[str] = []
        counting = (q.histogram_query(command, bin_text), MAX_ROWS)
        try:
            histogram_rows, pattern_outcome = self._run([counting, (q.pattern_query(command), TEMPLATE_ROWS)], groups, start_ms, end_ms)
        except InvalidQuery as exc:
            if "pattern" not in exc.message.lower():
                raise
            # Infrequent Access log groups run every command but `pattern`.
            (histogram_rows,) = self._run([counting], groups, start_ms, end_ms)
            pattern_outcome = None
            caveats.append("Logs Insights has no `pattern` for these groups; templates are mined from the samples only")
        ran = [o for o in (histogram_rows, pattern_outcome) if o is not None]
        per_group, histogram = _read_histogram(histogram_rows, groups, start_ms, end_ms, bucket_ms)
        total = sum(g.count for g in per_group)

        samples, onset, calls = self._samples(histogram, per_group, where, start_ms, end_ms)
        templates = _read_templates(pattern_outcome) if pattern_outcome is not None else _mined(samples + onset)
        breakdowns: list[Breakdown] = []
        if total:
            fields = q.json_field_candidates(e.message for e in samples)
            chunks = [chunk for t in templates[: q.TEMPLATE_FLAGS] if (chunk := q.literal_chunk(t.template, t.example))]
            (detail,) = self._run([(q.detail_query(command, chunks, fields), MAX_ROWS)], groups, start_ms, end_ms)
            ran.append(detail)
            templates = _with_times(templates, chunks, detail)
            if len(templates) == 1:
                templates = [_replace_times(templates[0], _first(per_group), _last(per_group))]
            breakdowns = _read_breakdowns(detail, fields, len(groups) > 1)
            if len(detail.rows) >= MAX_ROWS:
                caveats.append("the breakdowns hit the 10,000-row limit: the smallest streams are left out")
        for outcome in ran:
            if not outcome.complete:
                caveats.append(f"a query ended as {outcome.status} before finishing: its figures are partial")
        statistics = [o.statistics for o in ran]
        return Evidence(
            groups=groups,
            start_ms=start_ms,
            end_ms=end_ms,
            filter=where,
            total=total,
            exact=histogram_rows.complete,
            per_group=tuple(per_group),
            histogram=histogram,
            templates=tuple(templates),
            breakdowns=tuple(breakdowns),
            samples=tuple(samples),
            onset_samples=tuple(onset),
            provenance=Provenance(
                method="insights",
                queries=len(ran),
                filter_calls=calls,
                records_scanned=max((s.get("recordsScanned", 0.0) for s in statistics), default=0.0),
                bytes_scanned=sum(s.get("bytesScanned", 0.0) for s in statistics),
                price_per_gb=self._limits.price_per_gb,
                caveats=tuple(caveats),
            ),
        )

    def _run(self, batch: list[tuple[str, int]], groups: Sequence[str], start_ms: int, end_ms: int) -> list[QueryOutcome]:
        return run_queries(
            self._source,
            groups,
            batch,
            start_ms,
            end_ms,
            timeout_s=self._limits.timeout_s,
            max_bytes_per_query=self._limits.max_bytes_per_query,
        )

    # -- samples ------------------------------------------------------------------

    def _samples(
        self, histogram: Histogram, per_group: Sequence[GroupCount], where: LogFilter, start_ms: int, end_ms: int
    ) -> tuple[list[LogEvent], list[LogEvent], int]:
        """The newest matches (from the last buckets holding about SAMPLE_WINDOW_EVENTS), and the first ones:
        of the sharp rise when matches rose out of a background, else the first of all."""
        matched = [g for g in per_group if g.count]
        if not matched:
            return [], [], 0
        pattern = where.filter_pattern() or None
        calls = 0
        window_start = histogram.start_ms
        held = 0
        for index in range(len(histogram.counts) - 1, -1, -1):
            held += histogram.counts[index]
            if held >= SAMPLE_WINDOW_EVENTS:
                window_start = histogram.start_ms + index * histogram.bucket_ms
                break
        samples: list[LogEvent] = []
        for group in matched:
            found, pages = self._source.first_events(
                group.group, max(window_start, 0), end_ms, pattern, min(held + SAMPLE_WINDOW_EVENTS // 4, 10_000)
            )
            calls += pages
            samples += [e for e in found if where.matches(e.message)]
        samples.sort(key=lambda e: e.timestamp_ms)
        shape = read_shape(histogram, _first(per_group), _last(per_group), start_ms)
        onset_ms = shape.rise_ms if shape.rise_ms is not None else shape.first_ms
        onset: list[LogEvent] = []
        if onset_ms is not None and onset_ms < window_start:
            # FilterLogEvents reads one group a call: the group whose matches came first around then.
            candidates = [g for g in matched if g.first_ms is not None and g.first_ms <= onset_ms + histogram.bucket_ms]
            group = min(candidates or matched, key=lambda g: g.first_ms or end_ms)
            found, pages = self._source.first_events(group.group, onset_ms, onset_ms + histogram.bucket_ms, pattern, 20)
            calls += pages
            onset = [e for e in found if where.matches(e.message)]
        return samples, onset, calls

    # -- the fallback -----------------------------------------------------------------

    def _from_filter_events(
        self, groups: tuple[str, ...], start_ms: int, end_ms: int, where: LogFilter, why: str
    ) -> Evidence:
        pattern = where.filter_pattern() or None
        found = self._source.filter_events(list(groups), start_ms, end_ms, pattern, FALLBACK_EVENTS)
        events = [e for e in found.events if where.matches(e.message)]
        bucket_ms, _ = bucket_size(end_ms - start_ms)
        origin = aligned_start(start_ms, bucket_ms)
        size = (end_ms - origin) // bucket_ms + 1
        counts = [0] * size
        by_group: dict[str, list[int]] = defaultdict(lambda: [0] * size)
        for event in events:
            index = min(size - 1, max(0, (event.timestamp_ms - origin) // bucket_ms))
            counts[index] += 1
            by_group[event.log_group or ""][index] += 1
        per_group = []
        for group in groups:
            mine = [e.timestamp_ms for e in events if e.log_group == group]
            per_group.append(GroupCount(group, len(mine), min(mine, default=None), max(mine, default=None)))
        caveats = [f"{why}; computed from FilterLogEvents instead"]
        if found.truncated:
            caveats.append(
                f"only the newest {len(found.events):,} matching events were read: counts are lower bounds "
                "and the first match may be earlier than shown"
            )
        streams = Counter(f"{e.log_group} › {e.log_stream}" if len(groups) > 1 else str(e.log_stream) for e in events)
        levels = Counter(_level_of(e.message) for e in events)
        return Evidence(
            groups=groups,
            start_ms=start_ms,
            end_ms=end_ms,
            filter=where,
            total=len(events),
            exact=not found.truncated,
            per_group=tuple(per_group),
            histogram=Histogram(origin, bucket_ms, tuple(counts), {g: tuple(c) for g, c in by_group.items()}),
            templates=tuple(_mined(events)),
            breakdowns=(Breakdown("stream", tuple(streams.most_common())), Breakdown("level", tuple(levels.most_common()))),
            samples=tuple(events[-100:]),
            onset_samples=tuple(events[:20]) if not found.truncated else (),
            provenance=Provenance(
                method="filter_log_events",
                filter_calls=found.pages_read,
                price_per_gb=self._limits.price_per_gb,
                caveats=tuple(caveats),
            ),
        )


def _read_histogram(
    outcome: QueryOutcome, groups: Sequence[str], start_ms: int, end_ms: int, bucket_ms: int
) -> tuple[list[GroupCount], Histogram]:
    origin = aligned_start(start_ms, bucket_ms)
    size = (end_ms - origin) // bucket_ms + 1
    counts = [0] * size
    bucket_firsts: list[int | None] = [None] * size
    per: dict[str, list[int]] = {group: [0] * size for group in groups}
    firsts: dict[str, int] = {}
    lasts: dict[str, int] = {}
    bin_field = next((name for row in outcome.rows for name in row if name.startswith("bin(")), None)
    for row in outcome.rows:
        group = q.group_of(row.get("@log", ""))
        at = q.insights_time(row.get(bin_field or "", ""))
        n = q.count(row)
        if at is None or not n:
            continue
        index = min(size - 1, max(0, (at - origin) // bucket_ms))
        counts[index] += n
        per.setdefault(group, [0] * size)[index] += n
        first, last = q.insights_time(row.get("first")), q.insights_time(row.get("last"))
        if first is not None:
            firsts[group] = min(first, firsts.get(group, first))
            known = bucket_firsts[index]
            bucket_firsts[index] = first if known is None else min(known, first)
        if last is not None:
            lasts[group] = max(last, lasts.get(group, last))
    per_group = [GroupCount(g, sum(per.get(g, [])), firsts.get(g), lasts.get(g)) for g in dict.fromkeys([*groups, *per])]
    histogram = Histogram(origin, bucket_ms, tuple(counts), {g: tuple(c) for g, c in per.items()}, tuple(bucket_firsts))
    return per_group, histogram


def _read_breakdowns(outcome: QueryOutcome, fields: Sequence[str], several_groups: bool) -> list[Breakdown]:
    """By level, by stream, and by the JSON field that splits the matches most unevenly."""
    streams: Counter[str] = Counter()
    levels: Counter[str] = Counter()
    by_field: dict[str, Counter[str]] = {field: Counter() for field in fields}
    for row in outcome.rows:
        n = q.count(row)
        stream = row.get("@logStream", "")
        streams[f"{q.group_of(row.get('@log', ''))} › {stream}" if several_groups else stream] += n
        levels[q.normal_level(row.get("level"))] += n
        for field, counts in by_field.items():
            value = row.get(field)
            if value not in (None, ""):
                counts[str(value)] += n
    found = [Breakdown("level", tuple(levels.most_common())), Breakdown("stream", tuple(streams.most_common()))]
    splits = [Breakdown(f, tuple(c.most_common())) for f, c in by_field.items() if 2 <= len(c) <= 20]
    # The field that splits the matches most unevenly says the most.
    splits.sort(key=lambda b: -(b.counts[0][1] / max(1, sum(n for _, n in b.counts))))
    return found + splits[:1]


def _read_templates(outcome: QueryOutcome) -> list[TemplateCount]:
    return [TemplateCount(template, n, example) for template, n, example in q.pattern_rows(outcome.rows)]


def _with_times(templates: list[TemplateCount], chunks: list[str], detail: QueryOutcome) -> list[TemplateCount]:
    """Each top template's first and last seen, from the rows where its flag is set."""
    chunk_of = {t.template: q.literal_chunk(t.template, t.example) for t in templates}
    dated = []
    for template in templates:
        chunk = chunk_of[template.template]
        if chunk not in chunks:
            dated.append(template)
            continue
        flag = f"t{chunks.index(chunk)}"
        rows = [row for row in detail.rows if row.get(flag) in ("1", "true")]
        firsts = [t for row in rows if (t := q.insights_time(row.get("first"))) is not None]
        lasts = [t for row in rows if (t := q.insights_time(row.get("last"))) is not None]
        dated.append(_replace_times(template, min(firsts, default=None), max(lasts, default=None)))
    return dated


def _replace_times(template: TemplateCount, first_ms: int | None, last_ms: int | None) -> TemplateCount:
    return TemplateCount(template.template, template.count, template.example, first_ms, last_ms)


def _first(per_group: Sequence[GroupCount]) -> int | None:
    return min((g.first_ms for g in per_group if g.first_ms is not None), default=None)


def _last(per_group: Sequence[GroupCount]) -> int | None:
    return max((g.last_ms for g in per_group if g.last_ms is not None), default=None)


def _mined(events: Sequence[LogEvent]) -> list[TemplateCount]:
    """Templates of fetched events, by logai's miner: counts within what was fetched, first and last seen exact."""
    from logai.logs.patterns import PatternMiner

    miner = PatternMiner()
    ids = [miner.add(event.message) for event in events]
    seen: dict[int, list[LogEvent]] = defaultdict(list)
    for event, template_id in zip(events, ids, strict=True):
        seen[miner.resolve(template_id)].append(event)
    out = []
    for template in miner.templates():
        members = seen.get(template.id, [])
        out.append(
            TemplateCount(
                template.template,
                template.count,
                template.example,
                min((e.timestamp_ms for e in members), default=None),
                max((e.timestamp_ms for e in members), default=None),
            )
        )
    return out


def _level_of(message: str) -> str:
    import re

    match = re.search(q.LEVEL_REGEX.replace("(?<level>", "(?P<level>"), message)
    return q.normal_level(match.group("level") if match else None)
