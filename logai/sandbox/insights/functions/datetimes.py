"""Datetime functions, as the "Datetime functions" table documents them.

A timestamp argument may be a timestamp (`@timestamp`, `bin(…)`), epoch
milliseconds, or an ISO-8601 string (the docs convert
`2022-01-14T13:18:31.000-08:00` with `toMillis`). `parseDate` takes a Java
`DateTimeFormatter` pattern; the common letters are translated (`yyyy MM MMM dd
HH hh mm ss SSS a EEE X Z z` and quoted literals) and others give no value.
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..periods import Period
from ..values import Timestamp, Value, to_number, to_text
from .base import Function, QueryContext


def to_millis(value: Value) -> int | None:
    """Epoch milliseconds for a timestamp, a number, or an ISO-8601 string; None otherwise."""
    if isinstance(value, str):
        number = to_number(value)
        if number is not None:
            return int(number)
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return round(moment.timestamp() * 1000)
    number = to_number(value)
    return None if number is None else int(number)


def _datefloor(value: Value, period: Value) -> Value:
    millis = to_millis(value)
    assert isinstance(period, Period)
    return None if millis is None else Timestamp(period.floor(millis))


def _dateceil(value: Value, period: Value) -> Value:
    millis = to_millis(value)
    assert isinstance(period, Period)
    return None if millis is None else Timestamp(period.ceil(millis))


def _from_millis(value: Value) -> Value:
    number = to_number(value)
    return None if number is None else Timestamp(int(number))


def _to_millis(value: Value) -> Value:
    return to_millis(value)


def _now(context: QueryContext) -> Value:
    return context.now_ms // 1000  # epoch seconds, as documented


@functools.lru_cache(maxsize=64)
def _zone(name: str) -> tzinfo | None:
    if name.upper() in ("UTC", "Z", "GMT"):
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


_JAVA_PATTERN = re.compile(r"'([^']*)'|([A-Za-z])\2*|(.)", re.DOTALL)
_JAVA_LETTERS = {
    "yyyy": "%Y",
    "yy": "%y",
    "uuuu": "%Y",
    "MM": "%m",
    "M": "%m",
    "MMM": "%b",
    "MMMM": "%B",
    "dd": "%d",
    "d": "%d",
    "HH": "%H",
    "H": "%H",
    "hh": "%I",
    "h": "%I",
    "mm": "%M",
    "m": "%M",
    "ss": "%S",
    "s": "%S",
    "a": "%p",
    "EEE": "%a",
    "EEEE": "%A",
    "z": "%Z",
}


@functools.lru_cache(maxsize=64)
def _strptime_format(java: str) -> str | None:
    out: list[str] = []
    for match in _JAVA_PATTERN.finditer(java):
        quoted, letter, other = match.group(1), match.group(2), match.group(3)
        run = match.group()
        if quoted is not None:
            out.append(quoted.replace("%", "%%") if quoted else "'")
        elif letter is not None:
            if letter == "S":
                out.append("%f")
            elif letter in "XZx":
                out.append("%z")
            elif run in _JAVA_LETTERS:
                out.append(_JAVA_LETTERS[run])
            else:
                return None
        else:
            out.append(other.replace("%", "%%"))
    return "".join(out)


def _parse_date(value: Value, pattern: Value, zone: Value = None) -> Value:
    text, java = to_text(value), to_text(pattern)
    fmt = _strptime_format(java) if java is not None else None
    if text is None or fmt is None:
        return None
    tz = _zone(to_text(zone) or "UTC")
    try:
        moment = datetime.strptime(text.replace("Z", "+0000"), fmt)
    except ValueError:
        return None
    if moment.tzinfo is None:
        if tz is None:
            return None
        moment = moment.replace(tzinfo=tz)
    return round(moment.timestamp() * 1000)


def _format_date(value: Value, pattern: Value, zone: Value = None) -> Value:
    millis, fmt = to_millis(value), to_text(pattern)
    tz = _zone(to_text(zone) or "UTC")
    if millis is None or fmt is None or tz is None:
        return None
    try:
        return datetime.fromtimestamp(millis / 1000, tz).strftime(fmt)
    except (OverflowError, OSError, ValueError):
        return None


FUNCTIONS: tuple[Function, ...] = (
    Function("bin", 1, 1, _datefloor, period_args=frozenset({0}), implicit_timestamp=True),
    Function("datefloor", 2, 2, _datefloor, period_args=frozenset({1})),
    Function("dateceil", 2, 2, _dateceil, period_args=frozenset({1})),
    Function("fromMillis", 1, 1, _from_millis),
    Function("toMillis", 1, 1, _to_millis),
    Function("now", 0, 0, _now, context=True),
    Function("parseDate", 2, 3, _parse_date),
    Function("formatDate", 2, 3, _format_date),
    Function("strftime", 2, 3, _format_date),
)
