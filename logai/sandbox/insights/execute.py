"""Running a parsed query over stored events: the pipeline, the result rows and the statistics.

The commands become stages. Runs of `fields`, `display`, `filter` and `parse`
are fused into one function per row; `stats`, `pattern`, `sort`, `dedup` and
`limit` take the rows so far. The first run of row stages is applied while
scanning, so a `filter | stats` query streams events straight into the groups.

Result shape, as GetQueryResults gives it: one list of (field, value) pairs
per row, values as strings, fields without a value left out, and `@ptr` last
on rows that are log events. Columns are the last `display`, else every field
named by `fields`, else `@timestamp`, `@message` and the fields `parse`
extracted; after `stats` or `pattern`, their own columns. Log events come
newest first unless the query sorts them (also before `dedup` and `limit`,
as the dedup page says). At most 10,000 rows come back unless `limit` asks
for more (up to 100,000) or the caller's `limit` asks for fewer.

Statistics: `records_scanned` counts the events in the time range,
`records_matched` those that got through the row stages before the first
`stats`, `pattern`, `sort`, `dedup` or `limit`, and `bytes_scanned` is the
UTF-8 size of the scanned messages (the API says "the total number of bytes in
the log events scanned"; any per-event overhead the service adds is not
documented, so none is added here).
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..records import StoredEvent
from . import ast
from .compiler import Reader, Row, Scope, compile_condition, compile_expr, field_reader, timestamp_reader
from .discovery import record_pointer
from .functions import QueryContext
from .pattern import PATTERN_FIELDS, PatternStage
from .stats import StatsStage
from .values import Value, format_value, hashable, sort_key

DEFAULT_ROW_LIMIT = 10_000
DEFAULT_COLUMNS = ("@timestamp", "@message")


@dataclass(frozen=True, slots=True)
class QueryOutput:
    """What GetQueryResults returns for a finished query: rows of (field, value) and the statistics."""

    rows: list[list[tuple[str, str]]]
    records_matched: float
    records_scanned: float
    bytes_scanned: float


class _Stage(Protocol):
    def run(self, rows: Iterable[Row]) -> list[Row]: ...


RowStep = Callable[[Row], Any]


@dataclass
class _RowStages:
    """Fused `fields`/`display`/`filter`/`parse`: each step returns whether the row stays."""

    steps: list[RowStep] = field(default_factory=list)

    def keep(self) -> RowStep:
        steps = list(self.steps)
        if len(steps) == 1:
            return steps[0]

        def keep_all(row: Row) -> bool:
            for step in steps:
                if not step(row):
                    return False
            return True

        return keep_all

    def run(self, rows: Iterable[Row]) -> list[Row]:
        keep = self.keep()
        return [row for row in rows if keep(row)]


@dataclass
class _Plan:
    stages: list[_RowStages | _Stage] = field(default_factory=list)
    columns: list[str] | None = None
    displayed: list[str] | None = None
    parsed: list[str] = field(default_factory=list)
    ordered: bool = False
    has_limit: bool = False

    def row_stages(self) -> _RowStages:
        if not self.stages or not isinstance(self.stages[-1], _RowStages):
            self.stages.append(_RowStages())
        last = self.stages[-1]
        assert isinstance(last, _RowStages)
        return last


@dataclass
class _Counts:
    scanned: int = 0
    matched: int = 0
    bytes: int = 0


def execute(
    query: ast.Query,
    events: Iterable[StoredEvent],
    *,
    start_ms: int,
    end_ms: int,
    limit: int | None = None,
    account_id: str = "123456789012",
    now_ms: int | None = None,
) -> QueryOutput:
    """Run `query` over the events of the queried log groups (any order), keeping `start_ms <= t <= end_ms`.

    `limit` is StartQuery's `limit` (fewer rows than the default 10,000);
    `now_ms` is when the query started (for `now()`), the current time by default.
    """
    context = QueryContext(start_ms, end_ms, int(time.time() * 1000) if now_ms is None else now_ms)
    scope = Scope(True, frozenset(), account_id, context)
    plan, scope = _plan(query, scope)
    counts = _Counts()
    stages = list(plan.stages)
    first = stages[0] if stages else None
    keep = None
    if isinstance(first, _RowStages):
        keep = first.keep()
        stages.pop(0)
    rows: Iterable[Row] = _scan(events, start_ms, end_ms, keep, counts)
    for stage in stages:
        rows = stage.run(rows)
    cap = limit if limit is not None else (None if plan.has_limit else DEFAULT_ROW_LIMIT)
    if scope.events and not plan.ordered:
        rows = _newest_first(rows, cap)
    result = list(rows)[:cap] if cap is not None else list(rows)
    columns = plan.displayed or plan.columns or [*DEFAULT_COLUMNS, *plan.parsed]
    return QueryOutput(
        rows=_format(result, columns, scope),
        records_matched=float(counts.matched),
        records_scanned=float(counts.scanned),
        bytes_scanned=float(counts.bytes),
    )


def _scan(
    events: Iterable[StoredEvent], start_ms: int, end_ms: int, keep: RowStep | None, counts: _Counts
) -> Iterator[Row]:
    scanned = matched = size = 0
    for event in events:
        at = event.timestamp_ms
        if at < start_ms or at > end_ms:
            continue
        scanned += 1
        message = event.message
        size += len(message) if message.isascii() else len(message.encode())
        row = Row(event)
        if keep is None or keep(row):
            matched += 1
            yield row
    counts.scanned, counts.matched, counts.bytes = scanned, matched, size


def _event_time(row: Row) -> int:
    return row.event.timestamp_ms if row.event is not None else 0


def _newest_first(rows: Iterable[Row], count: int | None) -> list[Row]:
    """Log events by descending `@timestamp` (ties in scan order), only the first `count` when given."""
    if count is None:
        return sorted(rows, key=_event_time, reverse=True)
    return heapq.nlargest(count, rows, key=_event_time)


class _NewestFirst:
    """The default order of log events, put before `dedup` and `limit` when the query does not sort."""

    def run(self, rows: Iterable[Row]) -> list[Row]:
        return _newest_first(rows, None)


def _plan(query: ast.Query, scope: Scope) -> tuple[_Plan, Scope]:
    plan = _Plan()
    for command in query.commands:
        if isinstance(command, ast.Fields | ast.Display):
            scope = _plan_projection(plan, command, scope)
        elif isinstance(command, ast.Filter):
            plan.row_stages().steps.append(compile_condition(command.condition, scope))
        elif isinstance(command, ast.Parse):
            plan.row_stages().steps.append(_parse_step(command, compile_expr(command.source, scope)))
            scope = scope.with_names(command.names)
            plan.parsed += [name for name in command.names if name not in plan.parsed]
        elif isinstance(command, ast.Stats):
            stats = StatsStage(command, scope)
            plan.stages.append(stats)
            scope = Scope(False, frozenset(stats.output_names), scope.account_id, scope.context)
            plan.columns, plan.displayed, plan.parsed = list(stats.output_names), None, []
        elif isinstance(command, ast.PatternCommand):
            plan.stages.append(PatternStage(compile_expr(command.source, scope), timestamp_reader(scope)))
            scope = Scope(False, frozenset(PATTERN_FIELDS), scope.account_id, scope.context)
            plan.columns, plan.displayed, plan.parsed = list(PATTERN_FIELDS), None, []
        elif isinstance(command, ast.Sort):
            plan.stages.append(_SortStage([(compile_expr(key.expr, scope), key.descending) for key in command.keys]))
            plan.ordered = True
        else:
            if scope.events and not plan.ordered:
                plan.stages.append(_NewestFirst())
                plan.ordered = True
            if isinstance(command, ast.Dedup):
                plan.stages.append(_DedupStage([field_reader(ref.name, scope) for ref in command.fields]))
            else:
                plan.stages.append(_LimitStage(command.count))
                plan.has_limit = True
    return plan, scope


def _plan_projection(plan: _Plan, command: ast.Fields | ast.Display, scope: Scope) -> Scope:
    assignments: list[tuple[str, Reader]] = []
    for item in command.items:
        if item.aliased or not isinstance(item.expr, ast.FieldRef):
            assignments.append((item.name, compile_expr(item.expr, scope)))
            scope = scope.with_names([item.name])
    if assignments:
        plan.row_stages().steps.append(_assign_step(assignments))
    names = [item.name for item in command.items]
    if isinstance(command, ast.Display):
        plan.displayed = names
    else:
        plan.columns = [*(plan.columns or []), *(name for name in names if name not in (plan.columns or []))]
    return scope


def _assign_step(assignments: list[tuple[str, Reader]]) -> RowStep:
    def assign(row: Row) -> bool:
        values = row.values
        if values is None:
            values = row.values = {}
        for name, read in assignments:
            values[name] = read(row)
        return True

    return assign


def _parse_step(command: ast.Parse, source: Reader) -> RowStep:
    search = command.pattern.search
    targets = list(zip(command.names, command.groups, strict=True))

    def parse(row: Row) -> bool:
        text = source(row)
        match = search(text) if isinstance(text, str) else None
        if match is not None:  # a row that does not match stays, without the fields
            values = row.values
            if values is None:
                values = row.values = {}
            for name, group in targets:
                values[name] = match.group(group)
        return True

    return parse


class _SortStage:
    """`sort`: stable, one key at a time from the last; absent values go last either way."""

    def __init__(self, keys: list[tuple[Reader, bool]]) -> None:
        self.keys = keys

    def run(self, rows: Iterable[Row]) -> list[Row]:
        ordered = list(rows)
        for read, descending in reversed(self.keys):
            keyed = [(_presence_key(read(row), descending), index) for index, row in enumerate(ordered)]
            keyed.sort(key=lambda pair: pair[0], reverse=descending)
            ordered = [ordered[index] for _, index in keyed]
        return ordered


def _presence_key(value: Value, descending: bool) -> tuple[Any, ...]:
    if value is None:
        return (0,) if descending else (1,)
    return (1, sort_key(value)) if descending else (0, sort_key(value))


class _DedupStage:
    """`dedup`: the first row of each combination of values; rows missing any of them all stay."""

    def __init__(self, readers: list[Reader]) -> None:
        self.readers = readers

    def run(self, rows: Iterable[Row]) -> list[Row]:
        seen: set[tuple[Value, ...]] = set()
        kept: list[Row] = []
        for row in rows:
            key = tuple(hashable(read(row)) for read in self.readers)
            if None not in key:
                if key in seen:
                    continue
                seen.add(key)
            kept.append(row)
        return kept


class _LimitStage:
    def __init__(self, count: int) -> None:
        self.count = count

    def run(self, rows: Iterable[Row]) -> list[Row]:
        return list(rows)[: self.count]


def _format(rows: list[Row], columns: list[str], scope: Scope) -> list[list[tuple[str, str]]]:
    readers = [(name, field_reader(name, scope)) for name in columns if name != "@ptr"]
    formatted: list[list[tuple[str, str]]] = []
    for row in rows:
        cells: list[tuple[str, str]] = []
        for name, read in readers:
            text = format_value(read(row))
            if text is not None:
                cells.append((name, text))
        if row.event is not None:
            cells.append(("@ptr", record_pointer(row.event)))
        formatted.append(cells)
    return formatted
