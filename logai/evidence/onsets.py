"""Which group broke first: one timeline of when each group's matches began, rose and peaked.

One Logs Insights query per 50 groups counts the matches by time and group
(`stats … by bin(), @log`), so a question over many services costs one scan.
Groups are ordered by when their matches rose sharply, or began when they
never rose, so the first line is the likeliest place to look. When several
groups broke within the same bucket, a second count with buckets about 40
times finer, over just those minutes, tells them apart: a cheap scan, since
it covers a few buckets, not the whole range.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from logai.evidence import queries as q
from logai.evidence.filter import LogFilter
from logai.evidence.model import Histogram
from logai.evidence.report import moment, span_text
from logai.evidence.timeline import Shape, aligned_start, bucket_size, read_shape
from logai.figures import dollars, human_bytes
from logai.logs.insights import MAX_GROUPS, MAX_ROWS, run_queries
from logai.logs.source import CloudWatchSource


@dataclass(frozen=True, slots=True)
class GroupOnset:
    group: str
    total: int
    shape: Shape
    counts: tuple[int, ...]
    origin_ms: int = 0

    @property
    def key_ms(self) -> int | None:
        """When this group "broke": its sharp rise, else its first match."""
        return self.shape.rise_ms if self.shape.rise_ms is not None else self.shape.first_ms


@dataclass(frozen=True, slots=True)
class Onsets:
    start_ms: int
    end_ms: int
    bucket_ms: int
    groups: tuple[GroupOnset, ...]  # groups with matches, in the order they broke
    quiet: tuple[str, ...]  # groups without a match
    bytes_scanned: float
    complete: bool


def onsets(
    source: CloudWatchSource, groups: Sequence[str], start_ms: int, end_ms: int, where: LogFilter, *, timeout_s: float = 60.0
) -> Onsets:
    names = list(dict.fromkeys(groups))
    found, quiet, bucket_ms, scanned, complete = _count(source, names, start_ms, end_ms, where, timeout_s)
    earliest = found[0].key_ms if found else None
    tied = [g for g in found if g.key_ms is not None and earliest is not None and g.key_ms - earliest <= 2 * bucket_ms]
    if len(tied) > 1 and earliest is not None:
        # Which broke first within those buckets? Count again, finely, around them.
        zoom_start, zoom_end = max(start_ms, earliest - bucket_ms), min(end_ms, earliest + 4 * bucket_ms)
        fine_bucket, _ = bucket_size(zoom_end - zoom_start)
        backgrounds = {g.group: _background(g, bucket_ms) * fine_bucket / bucket_ms for g in tied}
        fine, _, _, more, done = _count(
            source, [g.group for g in tied], zoom_start, zoom_end, where, timeout_s, backgrounds=backgrounds
        )
        scanned += more
        complete = complete and done
        fine_keys = {g.group: g.key_ms for g in fine}
        refined = {
            g.group: GroupOnset(g.group, g.total, _with_key(g.shape, fine_keys.get(g.group)), g.counts, g.origin_ms) for g in tied
        }
        found = sorted((refined.get(g.group, g) for g in found), key=lambda g: (g.key_ms or end_ms, g.group))
    return Onsets(start_ms, end_ms, bucket_ms, tuple(found), quiet, scanned, complete)


def _with_key(shape: Shape, key_ms: int | None) -> Shape:
    """The coarse shape, its rise placed where the fine count found it."""
    if key_ms is None or shape.rise_ms is None:
        return shape
    return Shape(shape.first_ms, key_ms, shape.peak_ms, shape.peak_count, shape.last_bucket_count, shape.last_ms)


def _background(group: GroupOnset, bucket_ms: int) -> float:
    """Matches per bucket before the group's rise (0 when it had none): what the rise rose from."""
    if group.shape.rise_ms is None or group.shape.first_ms is None:
        return 0.0
    before = [n for i, n in enumerate(group.counts) if group.shape.first_ms <= _bucket_end(group, i, bucket_ms) <= group.shape.rise_ms]
    return sum(before) / len(before) if before else 0.0


def _bucket_end(group: GroupOnset, index: int, bucket_ms: int) -> int:
    return group.origin_ms + (index + 1) * bucket_ms


def _count(
    source: CloudWatchSource,
    names: list[str],
    start_ms: int,
    end_ms: int,
    where: LogFilter,
    timeout_s: float,
    *,
    backgrounds: dict[str, float] | None = None,
) -> tuple[list[GroupOnset], tuple[str, ...], int, float, bool]:
    """Groups with matches in the order they broke, groups without, the bucket, bytes scanned, whether complete.

    `backgrounds` gives a group's matches per bucket before its rise when a coarser count knows it.
    """
    bucket_ms, bin_text = bucket_size(end_ms - start_ms)
    origin = aligned_start(start_ms, bucket_ms)
    size = (end_ms - origin) // bucket_ms + 1
    query = (q.histogram_query(where.insights(), bin_text), MAX_ROWS)
    counts: dict[str, list[int]] = {group: [0] * size for group in names}
    bucket_firsts: dict[str, list[int | None]] = {group: [None] * size for group in names}
    firsts: dict[str, int] = {}
    lasts: dict[str, int] = {}
    scanned = 0.0
    complete = True
    for batch_start in range(0, len(names), MAX_GROUPS):
        batch = names[batch_start : batch_start + MAX_GROUPS]
        (outcome,) = run_queries(source, batch, [query], start_ms, end_ms, timeout_s=timeout_s)
        scanned += outcome.statistics.get("bytesScanned", 0.0)
        complete = complete and outcome.complete
        bin_field = next((name for row in outcome.rows for name in row if name.startswith("bin(")), "")
        for row in outcome.rows:
            group, at = q.group_of(row.get("@log", "")), q.insights_time(row.get(bin_field))
            if at is None or group not in counts:
                continue
            index = min(size - 1, max(0, (at - origin) // bucket_ms))
            counts[group][index] += q.count(row)
            first, last = q.insights_time(row.get("first")), q.insights_time(row.get("last"))
            if first is not None:
                firsts[group] = min(first, firsts.get(group, first))
                known = bucket_firsts[group][index]
                bucket_firsts[group][index] = first if known is None else min(known, first)
            if last is not None:
                lasts[group] = max(last, lasts.get(group, last))
    found = []
    for group in names:
        histogram = Histogram(origin, bucket_ms, tuple(counts[group]), firsts=tuple(bucket_firsts[group]))
        if any(counts[group]):
            background = (backgrounds or {}).get(group)
            shape = read_shape(histogram, firsts.get(group), lasts.get(group), start_ms, background or None)
            found.append(GroupOnset(group, sum(counts[group]), shape, tuple(counts[group]), origin))
    found.sort(key=lambda g: (g.key_ms or end_ms, g.group))
    return found, tuple(g for g in names if not any(counts[g])), bucket_ms, scanned, complete


def render_onsets(result: Onsets, where: LogFilter, price_per_gb: float) -> str:
    end = result.end_ms
    lines = [
        f"When each group's matches for {where.describe()} began, from {moment(result.start_ms, end)} to "
        f"{moment(end, end)} ({span_text(end - result.start_ms)}), in the order the groups broke:"
    ]
    for index, group in enumerate(result.groups, 1):
        shape = group.shape
        said = [f"{group.total:,} matches", f"first {moment(shape.first_ms or 0, end)}"]
        if shape.rise_ms is not None:
            said.append(f"rose sharply {moment(shape.rise_ms, end)}")
        if shape.peak_ms is not None:
            said.append(f"peak {shape.peak_count:,} per {span_text(result.bucket_ms)} at {moment(shape.peak_ms, end)}")
        said.append("still going" if shape.last_bucket_count else f"last {moment(shape.last_ms or 0, end)}")
        lines.append(f"{index}. {group.group}: {', '.join(said)}.")
    if result.quiet:
        lines.append(f"No match in: {', '.join(result.quiet)}.")
    cost = result.bytes_scanned / 1024**3 * price_per_gb
    lines.append(
        f"How computed: one Logs Insights count by time and group per 50 groups ({human_bytes(result.bytes_scanned)} "
        f"scanned, about {dollars(cost)})." + ("" if result.complete else " Note: a query did not finish: figures are partial.")
    )
    return "\n".join(lines)
