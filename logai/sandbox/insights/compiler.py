"""Expressions compiled to Python closures over rows, so a query costs a few calls per event.

A `Row` is a log event (fields read straight from the `StoredEvent`, JSON and
Lambda fields discovered on first use and cached on the row) plus the values
earlier commands computed; after `stats` or `pattern` a row is values only.
Which of these a field name reads is settled at compile time from the
`Scope`, so a filter on `@message` is one attribute read and one regex search.

Semantics where the docs are silent: an absent field makes a comparison,
`like` or arithmetic absent too, and a filter keeps only rows whose condition
is true (so `x != "a"` skips rows without `x`); `and`/`or`/`not` follow
three-valued logic; division or modulo by zero is absent.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..records import StoredEvent
from . import ast
from .discovery import discover, system_field_reader
from .functions import FUNCTIONS, QueryContext
from .values import Value, compare, equals, is_true, to_number, to_text


class Row:
    """One row flowing through the pipeline: an event (or None after stats) and computed values."""

    __slots__ = ("event", "values", "discovered")

    def __init__(self, event: StoredEvent | None, values: dict[str, Value] | None = None) -> None:
        self.event = event
        self.values = values
        self.discovered: dict[str, Value] | None = None


Reader = Callable[[Row], Value]

# Operators whose result is already True, False or None (absent).
_TRUTH_VALUED = frozenset({"=", "!=", "<", "<=", ">", ">=", "and", "or"})


@dataclass(frozen=True, slots=True)
class Scope:
    """What a field name can mean where an expression runs.

    `events` is true while rows are log events; `assigned` holds the names
    earlier commands may have stored in `Row.values` (they win over a log field
    of the same name).
    """

    events: bool
    assigned: frozenset[str]
    account_id: str
    context: QueryContext

    def with_names(self, names: tuple[str, ...] | list[str]) -> Scope:
        return Scope(self.events, self.assigned | frozenset(names), self.account_id, self.context)


def field_reader(name: str, scope: Scope) -> Reader:
    """How to read field `name` from a row in `scope`."""
    if name in scope.assigned:
        fallback = _event_reader(name, scope) if scope.events else None

        def read_value(row: Row) -> Value:
            values = row.values
            if values is not None and name in values:
                return values[name]
            return fallback(row) if fallback is not None else None

        return read_value
    nested = _nested_reader(name, scope)
    if nested is not None:
        return nested
    if scope.events:
        return _event_reader(name, scope)
    return lambda row: row.values.get(name) if row.values is not None else None


def timestamp_reader(scope: Scope) -> Callable[[Row], int | None]:
    """The `@timestamp` of a row in epoch milliseconds (for `earliest`, `latest` and group order)."""
    if scope.events and "@timestamp" not in scope.assigned:
        return lambda row: row.event.timestamp_ms  # type: ignore[union-attr]
    read = field_reader("@timestamp", scope)

    def read_millis(row: Row) -> int | None:
        number = to_number(read(row))
        return None if number is None else int(number)

    return read_millis


def compile_expr(expr: ast.Expr, scope: Scope, aggregates: Mapping[ast.Call, Reader] | None = None) -> Reader:
    """A closure computing `expr` for a row; aggregate calls read their results from `aggregates`."""
    return _Compiler(scope, aggregates or {}).compile(expr)


def compile_condition(expr: ast.Expr, scope: Scope) -> Callable[[Row], Any]:
    """A closure whose result is truthy exactly when a filter on `expr` keeps the row."""
    read = compile_expr(expr, scope)
    truth_valued = isinstance(expr, ast.Binary) and expr.op in _TRUTH_VALUED
    if isinstance(expr, ast.Like | ast.In) or truth_valued or (isinstance(expr, ast.Unary) and expr.op == "not"):
        return read
    return lambda row: is_true(read(row))


def _event_reader(name: str, scope: Scope) -> Reader:
    if name == "@message":
        return lambda row: row.event.message  # type: ignore[union-attr]
    system = system_field_reader(name, scope.account_id)
    if system is not None:
        read_system = system
        return lambda row: read_system(row.event)  # type: ignore[arg-type]

    def read_discovered(row: Row) -> Value:
        found = row.discovered
        if found is None:
            found = row.discovered = discover(row.event.message)  # type: ignore[union-attr]
        return found.get(name)

    return read_discovered


def _nested_reader(name: str, scope: Scope) -> Reader | None:
    """`map.key.key` where `map` is a computed value (from `jsonParse`), or None when no prefix is one."""
    parts = name.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        prefix = ".".join(parts[:cut])
        if prefix in scope.assigned:
            read = field_reader(prefix, scope)
            keys = parts[cut:]

            def read_nested(row: Row) -> Value:
                value = read(row)
                for key in keys:
                    value = _member(value, key)
                return value

            return read_nested
    return None


def _member(value: Value, key: Any) -> Value:
    if isinstance(value, dict):
        found = value.get(str(key))
    elif isinstance(value, list):
        number = to_number(key)
        index = int(number) if number is not None else -1
        found = value[index] if 0 <= index < len(value) else None
    else:
        return None
    if isinstance(found, bool):
        return "true" if found else "false"  # JSON's spelling, as for discovered fields
    return found


def _constant(value: Any) -> Reader:
    return lambda row: value


def _arithmetic(op: str, left: Value, right: Value) -> Value:
    a, b = to_number(left), to_number(right)
    if a is None or b is None:
        return None
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        return a / b if b else None
    if op == "%":
        if not b:
            return None
        # The sign follows the dividend, as with Java's %.
        if isinstance(a, int) and isinstance(b, int):
            return abs(a) % abs(b) * (1 if a >= 0 else -1)
        return math.fmod(a, b)
    try:
        # Exact integers for small whole powers; floats otherwise, so 2 ^ 99999999 cannot stall a query.
        result: Any = a**b if isinstance(a, int) and isinstance(b, int) and 0 <= b <= 64 else float(a) ** float(b)
    except (OverflowError, ZeroDivisionError):
        return None
    return result if isinstance(result, int | float) else None


class _Compiler:
    def __init__(self, scope: Scope, aggregates: Mapping[ast.Call, Reader]) -> None:
        self.scope = scope
        self.aggregates = aggregates

    def compile(self, expr: ast.Expr) -> Reader:
        if isinstance(expr, ast.Literal):
            constant = expr.value
            return lambda row: constant
        if isinstance(expr, ast.FieldRef):
            return field_reader(expr.name, self.scope)
        if isinstance(expr, ast.Unary):
            return self.unary(expr)
        if isinstance(expr, ast.Binary):
            return self.binary(expr)
        if isinstance(expr, ast.Like):
            return self.like(expr)
        if isinstance(expr, ast.In):
            return self.membership(expr)
        if isinstance(expr, ast.Call):
            return self.aggregates[expr] if expr.aggregate else self.call(expr)
        if isinstance(expr, ast.Index | ast.Member):
            base = self.compile(expr.base)
            if isinstance(expr, ast.Member):
                key: Any = expr.key
                return lambda row: _member(base(row), key)
            index = self.compile(expr.index)
            return lambda row: _member(base(row), index(row))
        raise AssertionError(f"{type(expr).__name__} is not a value here")  # the validator rejects these

    def unary(self, expr: ast.Unary) -> Reader:
        operand = self.compile(expr.operand)
        if expr.op == "not":

            def negate(row: Row) -> Value:
                value = operand(row)
                return None if value is None else not is_true(value)

            return negate

        def minus(row: Row) -> Value:
            number = to_number(operand(row))
            return None if number is None else -number

        return minus

    def binary(self, expr: ast.Binary) -> Reader:
        left, right = self.compile(expr.left), self.compile(expr.right)
        op = expr.op
        if op == "and":

            def both(row: Row) -> Value:
                a = left(row)
                if a is not None and not is_true(a):
                    return False
                b = right(row)
                if b is not None and not is_true(b):
                    return False
                return None if a is None or b is None else True

            return both
        if op == "or":

            def either(row: Row) -> Value:
                a = left(row)
                if a is not None and is_true(a):
                    return True
                b = right(row)
                if b is not None and is_true(b):
                    return True
                return None if a is None or b is None else False

            return either
        if op in _TRUTH_VALUED:
            return lambda row: compare(op, left(row), right(row))
        return lambda row: _arithmetic(op, left(row), right(row))

    def like(self, expr: ast.Like) -> Reader:
        negated = expr.negated
        if isinstance(expr.pattern, ast.RegexLiteral):
            search = expr.pattern.pattern.search
            if isinstance(expr.operand, ast.FieldRef) and expr.operand.name == "@message" and self._is_log_message():
                if negated:
                    return lambda row: search(row.event.message) is None  # type: ignore[union-attr]
                return lambda row: search(row.event.message) is not None  # type: ignore[union-attr]
            matches: Callable[[str], bool] = lambda text: search(text) is not None  # noqa: E731
        else:
            needle = str(expr.pattern.value)
            matches = lambda text: needle in text  # noqa: E731
        operand = self.compile(expr.operand)

        def like(row: Row) -> Value:
            text = to_text(operand(row))
            if text is None:
                return None
            return matches(text) is not negated

        return like

    def _is_log_message(self) -> bool:
        return self.scope.events and "@message" not in self.scope.assigned

    def membership(self, expr: ast.In) -> Reader:
        operand = self.compile(expr.operand)
        items = [self.compile(item) for item in expr.items.items]
        negated = expr.negated

        def member(row: Row) -> Value:
            value = operand(row)
            if value is None:
                return None
            found = any(equals(value, item(row)) for item in items)
            return found is not negated

        return member

    def call(self, call: ast.Call) -> Reader:
        spec = FUNCTIONS[call.name.lower()]
        args: list[Reader] = []
        if spec.implicit_timestamp:
            args.append(field_reader("@timestamp", self.scope))
        for position, arg in enumerate(call.args):
            if position in spec.period_args:
                assert isinstance(arg, ast.PeriodLiteral)
                args.append(_constant(arg.period))
            else:
                args.append(self.compile(arg))
        impl = spec.impl
        if spec.context:
            context = self.scope.context
            return lambda row: impl(context, *[arg(row) for arg in args])
        if spec.takes_absent:
            return lambda row: impl(*[arg(row) for arg in args])
        if len(args) == 1:
            only = args[0]

            def call_one(row: Row) -> Value:
                value = only(row)
                return None if value is None else impl(value)

            return call_one

        def call_many(row: Row) -> Value:
            values = [arg(row) for arg in args]
            return None if None in values else impl(*values)

        return call_many
