"""The typed syntax tree of a Logs Insights query: expressions and the commands that hold them.

Every node keeps its `[start, end)` span in the query text: errors point at it,
and an unnamed expression's result column is named by its text (`count(*)`,
`bin(5m)`, `abs(f3-f4)`), as the service names it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal as TypingLiteral

from .periods import Period


@dataclass(frozen=True, slots=True)
class Node:
    start: int
    end: int


# --- expressions ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Literal(Node):
    """A string or number constant."""

    value: str | int | float


@dataclass(frozen=True, slots=True)
class RegexLiteral(Node):
    """A `/regex/`, compiled (already translated to Python's dialect)."""

    source: str
    pattern: re.Pattern[str]


@dataclass(frozen=True, slots=True)
class PeriodLiteral(Node):
    """A time period argument (`5m`), only valid where a datetime function takes one."""

    period: Period


@dataclass(frozen=True, slots=True)
class Star(Node):
    """The `*` of `count(*)`."""


@dataclass(frozen=True, slots=True)
class FieldRef(Node):
    """A field, by the name it has in the query (backticks removed)."""

    name: str


@dataclass(frozen=True, slots=True)
class ListLiteral(Node):
    """The `[a, b, c]` after `in`."""

    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Unary(Node):
    op: TypingLiteral["-", "not"]
    operand: Expr


BinaryOp = TypingLiteral["+", "-", "*", "/", "%", "^", "=", "!=", "<", "<=", ">", ">=", "and", "or"]


@dataclass(frozen=True, slots=True)
class Binary(Node):
    op: BinaryOp
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Like(Node):
    """`like`, `not like` and `=~`: substring match for a string, search for a regex."""

    operand: Expr
    pattern: Literal | RegexLiteral
    negated: bool


@dataclass(frozen=True, slots=True)
class In(Node):
    """`in [..]` and `not in [..]`: whole-value equality with any item."""

    operand: Expr
    items: ListLiteral
    negated: bool


@dataclass(frozen=True, slots=True)
class Call(Node):
    """A function call; `name` is the canonical (documented) spelling, `aggregate` marks stats functions."""

    name: str
    args: tuple[Expr, ...]
    aggregate: bool


@dataclass(frozen=True, slots=True)
class Index(Node):
    """`list[index]` on a value from `jsonParse`."""

    base: Expr
    index: Expr


@dataclass(frozen=True, slots=True)
class Member(Node):
    """`map.key` on a value from `jsonParse`, where the key could not be part of a field name."""

    base: Expr
    key: str


Expr = Literal | RegexLiteral | PeriodLiteral | Star | FieldRef | ListLiteral | Unary | Binary | Like | In | Call | Index | Member


# --- commands -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Projection(Node):
    """One item of `fields`, `display`, `stats` or `by`: an expression and the column name it gets."""

    expr: Expr
    name: str
    aliased: bool


@dataclass(frozen=True, slots=True)
class Fields(Node):
    items: tuple[Projection, ...]


@dataclass(frozen=True, slots=True)
class Display(Node):
    items: tuple[Projection, ...]


@dataclass(frozen=True, slots=True)
class Filter(Node):
    condition: Expr


@dataclass(frozen=True, slots=True)
class Parse(Node):
    """`parse FIELD "glob" as a, b` or `parse FIELD /(?<a>..)/`: field `names[i]` is regex group `groups[i]`."""

    source: Expr
    pattern: re.Pattern[str]
    names: tuple[str, ...]
    groups: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Stats(Node):
    items: tuple[Projection, ...]
    by: tuple[Projection, ...]


@dataclass(frozen=True, slots=True)
class SortKey(Node):
    expr: Expr
    descending: bool


@dataclass(frozen=True, slots=True)
class Sort(Node):
    keys: tuple[SortKey, ...]


@dataclass(frozen=True, slots=True)
class Limit(Node):
    count: int


@dataclass(frozen=True, slots=True)
class Dedup(Node):
    fields: tuple[FieldRef, ...]


@dataclass(frozen=True, slots=True)
class PatternCommand(Node):
    source: Expr


Command = Fields | Display | Filter | Parse | Stats | Sort | Limit | Dedup | PatternCommand


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed query: its text and its commands in pipeline order."""

    text: str
    commands: tuple[Command, ...]
