"""Time periods (`5m`, `1h`, `2qtrs`) and the time buckets `bin`, `datefloor` and `dateceil` make of them.

Units and abbreviations are the ones the `stats` and datetime-function pages
list; every abbreviation longer than one character also takes a plural `s`
(`hrs`, `mins`). The datetime page says CloudWatch caps the amount by unit
(1000 for `ms`, 60 for `s` and `m`, 24 for `h`; `bin(300s)` runs as `bin(60s)`),
and that is what happens here. Buckets are UTC; weeks start on Monday
(the docs do not say), months, quarters and years follow the calendar.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

_UNIT_NAMES: dict[str, tuple[str, ...]] = {
    "ms": ("millisecond", "ms", "msec"),
    "s": ("second", "s", "sec"),
    "m": ("minute", "m", "min"),
    "h": ("hour", "h", "hr"),
    "d": ("day", "d"),
    "w": ("week", "w"),
    "mo": ("month", "mo", "mon"),
    "q": ("quarter", "q", "qtr"),
    "y": ("year", "y", "yr"),
}
UNITS: dict[str, str] = {
    spelling: unit
    for unit, names in _UNIT_NAMES.items()
    for name in names
    for spelling in ((name, name + "s") if len(name) > 1 else (name,))
}
_CAPS = {"ms": 1000, "s": 60, "m": 60, "h": 24}
_UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 7 * 86_400_000}
_UNIT_MONTHS = {"mo": 1, "q": 3, "y": 12}
# 1969-12-29 was a Monday: week buckets are counted from there.
_WEEK_ORIGIN_MS = -3 * 86_400_000


@dataclass(frozen=True, slots=True)
class Period:
    """A length of time as written in a query; `millis` for fixed units, `months` for calendar ones."""

    text: str
    millis: int | None
    months: int | None

    def floor(self, ms: int) -> int:
        """The start of the bucket holding `ms` (epoch milliseconds)."""
        if self.millis is not None:
            origin = _WEEK_ORIGIN_MS if self.millis % _UNIT_MS["w"] == 0 else 0
            return ms - (ms - origin) % self.millis
        assert self.months is not None
        index = _month_index(ms)
        return _month_start(index - index % self.months)

    def ceil(self, ms: int) -> int:
        """`ms` itself on a bucket boundary, else the start of the next bucket."""
        start = self.floor(ms)
        if start == ms:
            return ms
        if self.millis is not None:
            return start + self.millis
        assert self.months is not None
        return _month_start(_month_index(start) + self.months)


def period(amount: int, unit_text: str, text: str) -> Period | None:
    """The period `amount unit_text` (unit spelled as in a query), or None for an unknown unit."""
    unit = UNITS.get(unit_text)
    if unit is None or amount <= 0:
        return None
    amount = min(amount, _CAPS.get(unit, amount))
    if unit in _UNIT_MS:
        return Period(text, amount * _UNIT_MS[unit], None)
    return Period(text, None, amount * _UNIT_MONTHS[unit])


def _month_index(ms: int) -> int:
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    return moment.year * 12 + moment.month - 1


def _month_start(index: int) -> int:
    year, month = divmod(index, 12)
    return int(datetime(year, month + 1, 1, tzinfo=UTC).timestamp()) * 1000
