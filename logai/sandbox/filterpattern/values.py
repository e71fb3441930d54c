"""The right-hand side of a JSON or space-delimited condition, and the tests built from it.

A value is a number (`400`, `-1.5`, `1e+3`), a string, quoted or bare, in which a
leading and/or trailing `*` is a wildcard, or a `%regex%`. Both pattern kinds
compare with `=` `!=` `<` `<=` `>` `>=`; only numbers go with the ordering ones.
"""

from __future__ import annotations

import operator
import re
import string
from collections.abc import Callable
from dataclasses import dataclass

from .cursor import Cursor
from .errors import invalid_pattern
from .regex import compile_regex

NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
# Bare (unquoted) values: the docs' examples use digits, letters, `_`, `.` and `*`
# (`123.123.*`, `*.html*`, `4*`) and signed numbers (`+1000`, `1e-3`).
_BARE_VALUE = frozenset(string.ascii_letters + string.digits + "_.*+-")

# Longest first, so `!=` is not read as `!` and `<=` not as `<`.
OPERATORS = ("!=", "<=", ">=", "=", "<", ">")
ORDER_TESTS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


@dataclass(frozen=True, slots=True)
class TextValue:
    text: str


@dataclass(frozen=True, slots=True)
class NumberValue:
    text: str
    number: float


@dataclass(frozen=True, slots=True)
class RegexValue:
    regex: re.Pattern[str]


Value = TextValue | NumberValue | RegexValue


def read_operator(cursor: Cursor) -> str | None:
    for symbol in OPERATORS:
        if cursor.take(symbol):
            return symbol
    return None


def read_value(cursor: Cursor, syntax: str) -> Value:
    """The value at the cursor; `syntax` is the pattern kind's structural characters."""
    cursor.skip_spaces()
    char = cursor.peek()
    if char == '"':
        return TextValue(cursor.read_quoted())
    if char == "%":
        body, at = cursor.read_percent_delimited()
        return RegexValue(compile_regex(body, at))
    start = cursor.pos
    bare = cursor.read_while(_BARE_VALUE)
    if not bare:
        raise cursor.unexpected(syntax)
    if NUMBER.fullmatch(bare):
        return NumberValue(bare, float(bare))
    if bare.strip("*+-.") == "" and bare != "*":
        raise invalid_pattern(start)
    return TextValue(bare)


def check_operator(symbol: str, value: Value, position: int) -> None:
    """Ordering operators compare numbers only; the service rejects `< abc` or `> 4*`."""
    if symbol in ORDER_TESTS and not isinstance(value, NumberValue):
        raise invalid_pattern(position)


def text_test(pattern: str) -> Callable[[str], bool]:
    """Equality with a string value: exact, or with a leading and/or trailing `*` wildcard.

    A `*` anywhere else is literal: the docs say `Ev*ent` "will only match the
    actual string Ev*ent".
    """
    if pattern == "*":
        return _always
    leading = pattern.startswith("*")
    trailing = pattern.endswith("*")
    core = wildcard_core(pattern)
    if leading and trailing:
        return lambda text: core in text
    if leading:
        return lambda text: text.endswith(core)
    if trailing:
        return lambda text: text.startswith(core)
    return core.__eq__


def regex_test(regex: re.Pattern[str]) -> Callable[[str], bool]:
    search = regex.search
    return lambda text: search(text) is not None


def parse_number(text: str) -> float | None:
    """The number a field holds, if it is written as one (no `nan`, `inf` or `1_000` as `float()` allows)."""
    if NUMBER.fullmatch(text) is None:
        return None
    return float(text)


def wildcard_core(pattern: str) -> str:
    """The literal part a wildcard string value requires (`*.html*` → `.html`)."""
    core = pattern[1:] if pattern.startswith("*") else pattern
    return core[:-1] if core.endswith("*") and core else core


def _always(text: str) -> bool:
    return True
