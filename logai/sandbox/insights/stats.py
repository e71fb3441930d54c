"""The `stats` command: group rows by the `by` values, run the aggregates, then compute each item.

An item may wrap aggregates in arithmetic or functions (`sum(x) / 1024 as mb`)
and name earlier items of the same command (`a - b as overProvisioned`, from
the docs' Lambda sample). Without a `sort`, groups come newest first: ordered
by the latest `@timestamp` among their events, so `by bin(5m)` lists the
latest bucket first. A second `stats` keeps its groups in order of first
appearance. Nothing matched means no rows, not a row of zeros.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from . import ast
from .aggregates import AGGREGATES, Accumulator
from .compiler import Reader, Row, Scope, compile_expr, field_reader, timestamp_reader
from .validate import walk
from .values import Value, hashable

_NO_TIME = -(2**63)


class _Group:
    __slots__ = ("key", "accumulators", "latest", "order")

    def __init__(self, key: Any, accumulators: list[Accumulator], order: int) -> None:
        self.key = key
        self.accumulators = accumulators
        self.latest = _NO_TIME
        self.order = order


class StatsStage:
    """One compiled `stats` command; `run` consumes rows and returns one row per group."""

    def __init__(self, stats: ast.Stats, scope: Scope) -> None:
        self.events = scope.events
        self.by_names = [item.name for item in stats.by]
        by_readers = [compile_expr(item.expr, scope) for item in stats.by]
        self.key = _key_reader(by_readers)
        self.timestamp = timestamp_reader(scope)
        calls = [
            node for item in stats.items for node in walk(item.expr) if isinstance(node, ast.Call) and node.aggregate
        ]
        self.makers = [_maker(call, scope, self.timestamp) for call in calls]
        self.slots = {call: f"\0aggregate{index}" for index, call in enumerate(calls)}
        self.output_names = [*self.by_names, *(item.name for item in stats.items)]
        out_scope = Scope(False, frozenset([*self.output_names, *self.slots.values()]), scope.account_id, scope.context)
        results = {call: field_reader(slot, out_scope) for call, slot in self.slots.items()}
        self.items = [(item.name, compile_expr(item.expr, out_scope, results)) for item in stats.items]

    def run(self, rows: Iterable[Row]) -> list[Row]:
        groups: dict[Any, _Group] = {}
        key_of, makers, timestamp, events = self.key, self.makers, self.timestamp, self.events
        for row in rows:
            key = key_of(row)
            group = groups.get(key)
            if group is None:
                group = groups[key] = _Group(key, [make() for make in makers], len(groups))
            for accumulator in group.accumulators:
                accumulator.add(row)
            if events:
                at = timestamp(row)
                if at is not None and at > group.latest:
                    group.latest = at
        ordered = sorted(groups.values(), key=lambda group: (-group.latest, group.order))
        return [self.output(group) for group in ordered]

    def output(self, group: _Group) -> Row:
        values: dict[str, Value] = {}
        keys = group.key if len(self.by_names) > 1 else (group.key,)
        for name, value in zip(self.by_names, keys, strict=False):
            values[name] = value
        for (_, slot), accumulator in zip(self.slots.items(), group.accumulators, strict=True):
            values[slot] = accumulator.result()
        row = Row(None, values)
        for name, compute in self.items:
            values[name] = compute(row)
        for slot in self.slots.values():
            del values[slot]
        return row


def _key_reader(readers: list[Reader]) -> Callable[[Row], Any]:
    if not readers:
        return lambda row: None
    if len(readers) == 1:
        only = readers[0]
        return lambda row: hashable(only(row))
    return lambda row: tuple(hashable(read(row)) for read in readers)


def _maker(call: ast.Call, scope: Scope, timestamp: Callable[[Row], int | None]) -> Callable[[], Accumulator]:
    spec = AGGREGATES[call.name.lower()]
    if not call.args or isinstance(call.args[0], ast.Star):
        read: Reader | None = None
    else:
        read = compile_expr(call.args[0], scope)
    constants = tuple(float(arg.value) for arg in call.args[1:] if isinstance(arg, ast.Literal))
    make = spec.make
    return lambda: make(read, constants, timestamp)
