"""Numeric functions and conversions, as the "Numeric operators" table documents them.

Where the docs are silent: `round` rounds halves up (as Java's `Math.round`
does), `log` and `sqrt` of numbers outside their domain give no value, and
`toInt`/`toLong` truncate and give no value outside 32/64 bits.
"""

from __future__ import annotations

import math

from ..values import Value, to_number
from .base import Function

_INT32 = 2**31
_INT64 = 2**63


def _whole(number: float) -> int | float:
    return int(number) if math.isfinite(number) and number.is_integer() else number


def _abs(value: Value) -> Value:
    number = to_number(value)
    return None if number is None else abs(number)


def _ceil(value: Value) -> Value:
    number = to_number(value)
    return None if number is None else math.ceil(number)


def _floor(value: Value) -> Value:
    number = to_number(value)
    return None if number is None else math.floor(number)


def _numbers(values: tuple[Value, ...]) -> list[int | float]:
    return [number for number in map(to_number, values) if number is not None]


def _greatest(*values: Value) -> Value:
    numbers = _numbers(values)
    return max(numbers) if numbers else None


def _least(*values: Value) -> Value:
    numbers = _numbers(values)
    return min(numbers) if numbers else None


def _log(value: Value) -> Value:
    number = to_number(value)
    return math.log(number) if number is not None and number > 0 else None


def _sqrt(value: Value) -> Value:
    number = to_number(value)
    return math.sqrt(number) if number is not None and number >= 0 else None


def _round(value: Value, digits: Value = 0) -> Value:
    number, places = to_number(value), to_number(digits)
    if number is None or places is None:
        return None
    scale = 10 ** int(places)
    rounded = math.floor(number * scale + 0.5) / scale
    return int(rounded) if int(places) <= 0 else rounded


def _haversine(lat1: Value, lon1: Value, lat2: Value, lon2: Value) -> Value:
    coordinates = _numbers((lat1, lon1, lat2, lon2))
    if len(coordinates) != 4:
        return None
    phi1, lambda1, phi2, lambda2 = map(math.radians, coordinates)
    half = math.sin((phi2 - phi1) / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin((lambda2 - lambda1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(half))  # kilometres, mean Earth radius


def _to_number(value: Value) -> Value:
    return to_number(value)


def _to_int(value: Value) -> Value:
    number = to_number(value)
    return int(number) if number is not None and -_INT32 <= int(number) < _INT32 else None


def _to_long(value: Value) -> Value:
    number = to_number(value)
    return int(number) if number is not None and -_INT64 <= int(number) < _INT64 else None


def _to_double(value: Value) -> Value:
    number = to_number(value)
    return None if number is None else float(number)


FUNCTIONS: tuple[Function, ...] = (
    Function("abs", 1, 1, _abs),
    Function("ceil", 1, 1, _ceil),
    Function("floor", 1, 1, _floor),
    Function("greatest", 1, None, _greatest, takes_absent=True),
    Function("least", 1, None, _least, takes_absent=True),
    Function("log", 1, 1, _log),
    Function("round", 1, 2, _round),
    Function("sqrt", 1, 1, _sqrt),
    Function("haversine", 4, 4, _haversine),
    Function("toNumber", 1, 1, _to_number),
    Function("toInt", 1, 1, _to_int),
    Function("toLong", 1, 1, _to_long),
    Function("toDouble", 1, 1, _to_double),
)
