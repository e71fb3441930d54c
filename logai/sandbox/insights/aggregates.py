"""The functions of `stats`: one accumulator class per function, fed one row at a time.

Where the docs are silent: `count_distinct` is exact (the service
approximates it for high cardinality); `stddev` is the sample standard
deviation (0 for a single value); `pct(field, p)` is the nearest-rank
percentile, an actual value of the field; `min` and `max` compare numbers
when there are any, else text in the natural sort order; absent values are
skipped by every function but `count(*)`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .compiler import Reader, Row
from .values import SortKey, Value, sort_key, to_number

TimestampReader = Callable[[Row], int | None]


class Accumulator:
    """Collects one aggregate for one group: `add` each row, then read `result`."""

    __slots__ = ()

    def add(self, row: Row) -> None:
        raise NotImplementedError

    def result(self) -> Value:
        raise NotImplementedError


class CountAll(Accumulator):
    """`count(*)` and `count()`: every row."""

    __slots__ = ("count",)

    def __init__(self) -> None:
        self.count = 0

    def add(self, row: Row) -> None:
        self.count += 1

    def result(self) -> Value:
        return self.count


class FieldAccumulator(Accumulator):
    """An aggregate over one expression's value, read from each row with `read`."""

    __slots__ = ("read",)

    def __init__(self, read: Reader) -> None:
        self.read = read


class CountPresent(FieldAccumulator):
    __slots__ = ("count",)

    def __init__(self, read: Reader) -> None:
        super().__init__(read)
        self.count = 0

    def add(self, row: Row) -> None:
        if self.read(row) is not None:
            self.count += 1

    def result(self) -> Value:
        return self.count


class CountDistinct(FieldAccumulator):
    __slots__ = ("seen",)

    def __init__(self, read: Reader) -> None:
        super().__init__(read)
        self.seen: set[Any] = set()

    def add(self, row: Row) -> None:
        value = self.read(row)
        if value is not None:
            self.seen.add(json.dumps(value, sort_keys=True) if isinstance(value, dict | list) else value)

    def result(self) -> Value:
        return len(self.seen)


class Sum(FieldAccumulator):
    __slots__ = ("total", "count")

    def __init__(self, read: Reader) -> None:
        super().__init__(read)
        self.total: int | float = 0
        self.count = 0

    def add(self, row: Row) -> None:
        number = to_number(self.read(row))
        if number is not None:
            self.total += number
            self.count += 1

    def result(self) -> Value:
        return self.total if self.count else None


class Average(Sum):
    __slots__ = ()

    def result(self) -> Value:
        return self.total / self.count if self.count else None


class StandardDeviation(FieldAccumulator):
    __slots__ = ("count", "mean", "squares")

    def __init__(self, read: Reader) -> None:
        super().__init__(read)
        self.count = 0
        self.mean = 0.0
        self.squares = 0.0

    def add(self, row: Row) -> None:
        number = to_number(self.read(row))
        if number is not None:  # Welford's update: stable for long runs of close values
            self.count += 1
            delta = number - self.mean
            self.mean += delta / self.count
            self.squares += delta * (number - self.mean)

    def result(self) -> Value:
        if not self.count:
            return None
        return math.sqrt(self.squares / (self.count - 1)) if self.count > 1 else 0.0


class Extreme(FieldAccumulator):
    """`min` or `max`: the best number seen, else the best text."""

    __slots__ = ("sign", "number", "best_number", "text_key", "best_text")

    def __init__(self, read: Reader, sign: int) -> None:
        super().__init__(read)
        self.sign = sign
        self.number: int | float | None = None
        self.best_number: Value = None
        self.text_key: SortKey | None = None
        self.best_text: Value = None

    def add(self, row: Row) -> None:
        value = self.read(row)
        if value is None:
            return
        number = to_number(value)
        if number is not None:
            if self.number is None or (number - self.number) * self.sign > 0:
                self.number, self.best_number = number, value
            return
        key = sort_key(value)
        if self.text_key is None or (key > self.text_key if self.sign > 0 else key < self.text_key):
            self.text_key, self.best_text = key, value

    def result(self) -> Value:
        return self.best_number if self.number is not None else self.best_text


class SortsExtreme(FieldAccumulator):
    """`sortsFirst` or `sortsLast`: the value first or last in the natural sort order."""

    __slots__ = ("last", "key", "best")

    def __init__(self, read: Reader, last: bool) -> None:
        super().__init__(read)
        self.last = last
        self.key: SortKey | None = None
        self.best: Value = None

    def add(self, row: Row) -> None:
        value = self.read(row)
        if value is None:
            return
        key = sort_key(value)
        if self.key is None or (key > self.key if self.last else key < self.key):
            self.key, self.best = key, value

    def result(self) -> Value:
        return self.best


class Percentile(FieldAccumulator):
    __slots__ = ("percent", "numbers")

    def __init__(self, read: Reader, percent: float) -> None:
        super().__init__(read)
        self.percent = percent
        self.numbers: list[int | float] = []

    def add(self, row: Row) -> None:
        number = to_number(self.read(row))
        if number is not None:
            self.numbers.append(number)

    def result(self) -> Value:
        if not self.numbers:
            return None
        ordered = sorted(self.numbers)
        rank = math.ceil(self.percent / 100 * len(ordered))
        return ordered[min(max(rank, 1), len(ordered)) - 1]


class TimeExtreme(FieldAccumulator):
    """`earliest` or `latest`: the value from the row with the lowest or highest `@timestamp`."""

    __slots__ = ("timestamp", "latest", "at", "best")

    def __init__(self, read: Reader, timestamp: TimestampReader, latest: bool) -> None:
        super().__init__(read)
        self.timestamp = timestamp
        self.latest = latest
        self.at: int | None = None
        self.best: Value = None

    def add(self, row: Row) -> None:
        value = self.read(row)
        at = self.timestamp(row)
        if value is None or at is None:
            return
        if self.at is None or (at > self.at if self.latest else at < self.at):
            self.at, self.best = at, value

    def result(self) -> Value:
        return self.best


@dataclass(frozen=True, slots=True)
class Aggregate:
    """A `stats` function: documented name, arity, and how to make its accumulator.

    `make(read, constants, timestamp)` builds an accumulator; `read` is None
    for `count(*)`; `constants` are the literal values of the arguments after
    the first (the `95` of `pct(x, 95)`), checked by the parser to be numbers.
    """

    name: str
    min_args: int
    max_args: int
    make: Callable[[Reader | None, tuple[float, ...], TimestampReader], Accumulator]
    star: bool = False  # takes `*` (count)
    needs_timestamp: bool = False


def _count(read: Reader | None, constants: tuple[float, ...], timestamp: TimestampReader) -> Accumulator:
    return CountAll() if read is None else CountPresent(read)


def _field(read: Reader | None) -> Reader:
    assert read is not None, "only count takes *"
    return read


AGGREGATES: dict[str, Aggregate] = {
    entry.name.lower(): entry
    for entry in (
        Aggregate("count", 0, 1, _count, star=True),
        Aggregate("count_distinct", 1, 1, lambda read, c, t: CountDistinct(_field(read))),
        Aggregate("sum", 1, 1, lambda read, c, t: Sum(_field(read))),
        Aggregate("avg", 1, 1, lambda read, c, t: Average(_field(read))),
        Aggregate("min", 1, 1, lambda read, c, t: Extreme(_field(read), -1)),
        Aggregate("max", 1, 1, lambda read, c, t: Extreme(_field(read), 1)),
        Aggregate("stddev", 1, 1, lambda read, c, t: StandardDeviation(_field(read))),
        Aggregate("pct", 2, 2, lambda read, c, t: Percentile(_field(read), c[0])),
        Aggregate("earliest", 1, 1, lambda read, c, t: TimeExtreme(_field(read), t, False), needs_timestamp=True),
        Aggregate("latest", 1, 1, lambda read, c, t: TimeExtreme(_field(read), t, True), needs_timestamp=True),
        Aggregate("sortsFirst", 1, 1, lambda read, c, t: SortsExtreme(_field(read), False)),
        Aggregate("sortsLast", 1, 1, lambda read, c, t: SortsExtreme(_field(read), True)),
    )
}
