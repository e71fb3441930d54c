"""Values as Logs Insights treats them: loosely typed, compared as numbers when both sides are numbers,
printed the way GetQueryResults prints them, and sorted by the service's natural order.

A value is None (the field is absent), a string, a number, a boolean (printed
`1`/`0`, as the docs say `ispresent` gives), a `Timestamp`, or a map or list
from `jsonParse`. Numbers inside log text stay strings until an operator or
function needs a number.
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime
from typing import Any

Value = str | int | float | bool | dict[str, Any] | list[Any] | None


class Timestamp(int):
    """Epoch milliseconds that print as a date (`2026-11-27 14:05:00.000`, UTC)."""

    __slots__ = ()


_NUMBER = re.compile(r"\s*[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?\s*")
_INTEGER = re.compile(r"\s*[-+]?\d+\s*")
# What sort calls a number value: "values that include only numbers".
_SORT_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def to_number(value: Value) -> int | float | None:
    """The number a value stands for (`"42"` is 42), or None when it is not one."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return value if math.isfinite(value) else None
    if isinstance(value, str) and _NUMBER.fullmatch(value):
        return int(value) if _INTEGER.fullmatch(value) else float(value)
    return None


def is_number_text(text: str) -> bool:
    return _NUMBER.fullmatch(text) is not None


def to_text(value: Value) -> str | None:
    """The string a value reads as in string functions and comparisons; None for absent, maps and lists."""
    if value is None or isinstance(value, dict | list):
        return None
    if isinstance(value, str):
        return value
    return format_value(value)


def format_value(value: Value) -> str | None:
    """The value as GetQueryResults prints it, or None when the row has no such field."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Timestamp):
        return format_timestamp(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        # Whole numbers print without a fraction (an avg of 3 is "3"), others in full precision.
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def format_timestamp(ms: int) -> str:
    try:
        moment = datetime.fromtimestamp(ms // 1000, UTC)
    except (OverflowError, OSError, ValueError):
        return str(int(ms))
    return f"{moment:%Y-%m-%d %H:%M:%S}.{ms % 1000:03d}"


def is_true(value: Value) -> bool:
    """Whether a filter keeps a row for this value: true, a non-zero number, a non-empty string."""
    if value is None or value is False:
        return False
    if value is True:
        return True
    if isinstance(value, int | float):
        return value != 0
    return bool(value)


def compare(op: str, left: Value, right: Value) -> bool | None:
    """`left op right`: numerically when both are numbers, else as text; None when a side is absent.

    Maps and lists compare false with anything, as the structure-types docs say.
    """
    if left is None or right is None:
        return None
    if isinstance(left, dict | list) or isinstance(right, dict | list):
        return False
    a: Any = to_number(left)
    b: Any = to_number(right)
    if a is None or b is None:
        a, b = to_text(left), to_text(right)
    if op == "=":
        return bool(a == b)
    if op == "!=":
        return bool(a != b)
    if op == "<":
        return bool(a < b)
    if op == "<=":
        return bool(a <= b)
    if op == ">":
        return bool(a > b)
    return bool(a >= b)


def equals(left: Value, right: Value) -> bool:
    """Equality as `=` and `in` test it; an absent value equals nothing."""
    return compare("=", left, right) is True


def hashable(value: Value) -> Value:
    """A value usable as a grouping key: maps and lists (unsupported in stats) count as absent."""
    return None if isinstance(value, dict | list) else value


# --- the natural sort order of the `sort` docs -----------------------------------------

_CHUNK = re.compile(r"\d+|[^\W\d_]+|.", re.DOTALL)
SortKey = tuple[Any, ...]


def sort_key(value: Value) -> SortKey:
    """A key ordering values as `sort … asc` does: non-numbers first, numbers after, by value.

    Non-numbers compare chunk by chunk: runs of digits by length then value,
    runs of letters and single other characters by Unicode order. A digit run
    meets a non-digit chunk through its first character, so `2345_` sorts before `@`.
    """
    if isinstance(value, str):
        if _SORT_NUMBER.fullmatch(value):
            # Equal numbers keep a stable order by their text: the docs list "01" before "1".
            return (1, float(value), value)
        text = value
    else:
        number = to_number(value)
        if number is not None:
            return (1, number, "")
        text = to_text(value) or ""
    chunks: list[tuple[str, int, int]] = []
    for chunk in _CHUNK.findall(text):
        if chunk.isdigit() and chunk.isascii():
            chunks.append(("0", len(chunk), int(chunk)))
        else:
            chunks.append((chunk, 0, 0))
    return (0, tuple(chunks), text)
