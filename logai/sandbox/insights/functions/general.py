"""General and JSON functions, as the "General functions" and "JSON functions" tables document them."""

from __future__ import annotations

import json
from typing import Any

from ..values import Value, is_number_text, is_true, to_text
from .base import Function, QueryContext


def _ispresent(value: Value) -> bool:
    return value is not None


def _coalesce(*values: Value) -> Value:
    return next((value for value in values if value is not None), None)


def _case(*args: Value) -> Value:
    pairs, default = (args, None) if len(args) % 2 == 0 else (args[:-1], args[-1])
    for index in range(0, len(pairs), 2):
        if is_true(pairs[index]):
            return pairs[index + 1]
    return default


def _if(condition: Value, when_true: Value, when_false: Value) -> Value:
    return when_true if is_true(condition) else when_false


def _is_numeric(value: Value) -> bool:
    if isinstance(value, bool) or value is None:
        return False
    return isinstance(value, int | float) or (isinstance(value, str) and is_number_text(value))


def _message_size(value: Value) -> Value:
    text = to_text(value)
    return None if text is None else len(text.encode())


def _query_start(context: QueryContext) -> Value:
    return context.start_ms


def _query_end(context: QueryContext) -> Value:
    return context.end_ms


def _query_range(context: QueryContext) -> Value:
    return context.end_ms - context.start_ms


def _json_parse(value: Value) -> Value:
    if isinstance(value, dict | list):
        return value
    text = to_text(value)
    if text is None:
        return None
    try:
        parsed: Any = json.loads(text)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict | list) else None


def _json_stringify(value: Value) -> Value:
    if not isinstance(value, dict | list):
        return None
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _json_array(value: Value) -> list[Any] | None:
    parsed = _json_parse(value)
    return parsed if isinstance(parsed, list) else None


def _json_array_size(value: Value) -> Value:
    array = _json_array(value)
    return None if array is None else len(array)


def _json_array_contains(value: Value, item: Value) -> bool:
    array, wanted = _json_array(value), to_text(item)
    if array is None or wanted is None:
        return False
    return any(
        (element if isinstance(element, str) else json.dumps(element)) == wanted
        for element in array
    )


FUNCTIONS: tuple[Function, ...] = (
    Function("ispresent", 1, 1, _ispresent, takes_absent=True),
    Function("coalesce", 1, None, _coalesce, takes_absent=True),
    Function("case", 2, 21, _case, takes_absent=True),
    Function("if", 3, 3, _if, takes_absent=True),
    Function("isNumeric", 1, 1, _is_numeric, takes_absent=True),
    Function("messageSize", 1, 1, _message_size),
    Function("queryStartTime", 0, 0, _query_start, context=True),
    Function("queryEndTime", 0, 0, _query_end, context=True),
    Function("queryTimeRange", 0, 0, _query_range, context=True),
    Function("jsonParse", 1, 1, _json_parse),
    Function("jsonStringify", 1, 1, _json_stringify),
    Function("jsonArraySize", 1, 1, _json_array_size),
    Function("jsonArrayContains", 2, 2, _json_array_contains, takes_absent=True),
)
