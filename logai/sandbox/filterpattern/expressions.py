"""Compound conditions: `&&`, `||` and parentheses, shared by JSON and space-delimited patterns.

Precedence follows the docs: `()` > `&&` > `||`. A condition (a leaf) is parsed
by the pattern kind; this module builds the tree around it and compiles the tree
into one predicate.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

from .cursor import Cursor

C = TypeVar("C")
X = TypeVar("X")


@dataclass(frozen=True, slots=True)
class Leaf(Generic[C]):
    condition: C


@dataclass(frozen=True, slots=True)
class AllOf(Generic[C]):
    items: tuple[Expression[C], ...]


@dataclass(frozen=True, slots=True)
class AnyOf(Generic[C]):
    items: tuple[Expression[C], ...]


Expression = Leaf[C] | AllOf[C] | AnyOf[C]


def parse_expression(cursor: Cursor, parse_condition: Callable[[Cursor], C], syntax: str) -> Expression[C]:
    """An `||` of `&&`s of conditions or parenthesised expressions, read up to whatever follows it."""
    alternatives = [_parse_conjunction(cursor, parse_condition, syntax)]
    while _take_operator(cursor, "||"):
        alternatives.append(_parse_conjunction(cursor, parse_condition, syntax))
    return alternatives[0] if len(alternatives) == 1 else AnyOf(tuple(alternatives))


def _parse_conjunction(cursor: Cursor, parse_condition: Callable[[Cursor], C], syntax: str) -> Expression[C]:
    terms = [_parse_primary(cursor, parse_condition, syntax)]
    while _take_operator(cursor, "&&"):
        terms.append(_parse_primary(cursor, parse_condition, syntax))
    return terms[0] if len(terms) == 1 else AllOf(tuple(terms))


def _parse_primary(cursor: Cursor, parse_condition: Callable[[Cursor], C], syntax: str) -> Expression[C]:
    cursor.skip_spaces()
    if cursor.take("("):
        inner = parse_expression(cursor, parse_condition, syntax)
        cursor.skip_spaces()
        cursor.expect(")", syntax)
        return inner
    return Leaf(parse_condition(cursor))


def _take_operator(cursor: Cursor, symbol: str) -> bool:
    cursor.skip_spaces()
    return cursor.take(symbol)


def conditions(expression: Expression[C]) -> Iterator[C]:
    """Every condition in the tree, left to right."""
    if isinstance(expression, Leaf):
        yield expression.condition
    else:
        for item in expression.items:
            yield from conditions(item)


def compile_expression(expression: Expression[C], compile_condition: Callable[[C], Callable[[X], bool]]) -> Callable[[X], bool]:
    """One predicate for the whole tree; `&&` and `||` short-circuit left to right."""
    if isinstance(expression, Leaf):
        return compile_condition(expression.condition)
    parts = [compile_expression(item, compile_condition) for item in expression.items]
    combined = parts[0]
    for part in parts[1:]:
        combined = _both(combined, part) if isinstance(expression, AllOf) else _either(combined, part)
    return combined


def _both(first: Callable[[X], bool], second: Callable[[X], bool]) -> Callable[[X], bool]:
    return lambda subject: first(subject) and second(subject)


def _either(first: Callable[[X], bool], second: Callable[[X], bool]) -> Callable[[X], bool]:
    return lambda subject: first(subject) or second(subject)
