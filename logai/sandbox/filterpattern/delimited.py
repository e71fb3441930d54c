"""Space-delimited patterns: `[ip, user, ..., status_code = 4* || status_code = 5*, bytes > 1000]`.

The event is split on whitespace, except that text between `[` and `]` or
between double quotes is one field (its brackets or quotes dropped, as in the
fields the docs show extracted). Each slot of the pattern takes one field: a
bare name, or a condition on that name (`=`, `!=` with strings, `*` wildcards,
numbers or `%regex%`; `<` `<=` `>` `>=` with numbers), or several joined with
`&&`/`||`. `...` takes any number of fields.

Without a `...`, an event with fewer fields than the pattern has slots does not
match, and in one with more the last slot takes the rest of the line. The docs
say so in their way: `[w1=ERROR, w2]` "returns log events where the first word
is ERROR" over seven-word lines, and "you must include a blank w2 indicator
after the w1 term"; and `[timestamp=*Z, request_id="*-*", event]`, long a
subscription-filter default for Lambda lines, relies on it.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from .cursor import Cursor
from .errors import invalid_pattern
from .expressions import compile_expression, conditions, parse_expression
from .pattern import FilterPattern
from .values import (
    ORDER_TESTS,
    NumberValue,
    RegexValue,
    Value,
    check_operator,
    parse_number,
    read_operator,
    read_value,
    regex_test,
    text_test,
)

MAX_REGEXES = 2
_SYNTAX = "[],=!<>&|\"%*+-_.()"
_NAME = frozenset(string.ascii_letters + string.digits + "_")
# A quoted or bracketed run is one field; an unclosed `"` or `[` is an ordinary character.
_FIELD = re.compile(r'"[^"]*"|\[[^\]]*\]|\S+')

FieldTest = Callable[[str], bool]


@dataclass(frozen=True, slots=True)
class FieldCondition:
    name: str
    operator: str
    value: Value


@dataclass(frozen=True, slots=True)
class Slot:
    """One position of the pattern: `...` (any number of fields) or one field with an optional test."""

    ellipsis: bool
    test: FieldTest | None
    regexes: int = 0


_ELLIPSIS = Slot(ellipsis=True, test=None)


def compile_delimited(text: str) -> FilterPattern:
    """The pattern for a text that starts with `[`."""
    cursor = Cursor(text)
    cursor.skip_spaces()
    cursor.expect("[", _SYNTAX)
    cursor.skip_spaces()
    if cursor.take("]"):
        raise invalid_pattern(cursor.pos - 1)
    slots: list[Slot] = []
    while True:
        slots.append(_parse_slot(cursor))
        cursor.skip_spaces()
        if cursor.take(","):
            continue
        if cursor.take("]"):
            break
        raise cursor.unexpected(_SYNTAX)
    cursor.skip_spaces()
    if not cursor.at_end():
        raise cursor.unexpected(_SYNTAX)
    if sum(slot.regexes for slot in slots) > MAX_REGEXES:
        raise invalid_pattern(None)
    if sum(slot.ellipsis for slot in slots) > 1:
        return _SeveralEllipses(text, tuple(slots))
    return DelimitedPattern(text, tuple(slots))


def _parse_slot(cursor: Cursor) -> Slot:
    cursor.skip_spaces()
    if cursor.take("..."):
        return _ELLIPSIS
    start = cursor.pos
    if cursor.at_end() or cursor.peek() in ",]":
        # An empty slot is an unnamed field: the docs' `[..., request=*.html*, status_code=4*,]`.
        return Slot(ellipsis=False, test=None)
    if cursor.read_while(_NAME):
        cursor.skip_spaces()
        if cursor.at_end() or cursor.peek() in ",]":
            return Slot(ellipsis=False, test=None)
        cursor.pos = start
    expression = parse_expression(cursor, _parse_condition, _SYNTAX)
    found = list(conditions(expression))
    # A slot's conditions test its own field; a second name would test some
    # other field, which the docs never show (their old `status_code = 4* &&
    # bytes > 1000` example was replaced by one that repeats the name).
    if len({condition.name for condition in found}) > 1:
        raise invalid_pattern(start)
    regexes = sum(isinstance(condition.value, RegexValue) for condition in found)
    return Slot(ellipsis=False, test=compile_expression(expression, _compile_condition), regexes=regexes)


def _parse_condition(cursor: Cursor) -> FieldCondition:
    cursor.skip_spaces()
    name = cursor.read_while(_NAME)
    if not name:
        raise cursor.unexpected(_SYNTAX)
    cursor.skip_spaces()
    at = cursor.pos
    symbol = read_operator(cursor)
    if symbol is None:
        raise cursor.unexpected(_SYNTAX)
    value = read_value(cursor, _SYNTAX)
    check_operator(symbol, value, at)
    return FieldCondition(name, symbol, value)


def _compile_condition(condition: FieldCondition) -> FieldTest:
    value = condition.value
    negate = condition.operator == "!="
    if isinstance(value, NumberValue):
        if condition.operator in ORDER_TESTS:
            compare, bound = ORDER_TESTS[condition.operator], value.number

            def ordered(field: str) -> bool:
                number = parse_number(field)
                return number is not None and compare(number, bound)

            return ordered
        number, literal = value.number, value.text

        def equal_number(field: str) -> bool:
            # A field that is not a number compares as the text written in the pattern.
            parsed = parse_number(field)
            equal = field == literal if parsed is None else parsed == number
            return equal is not negate

        return equal_number
    matches = regex_test(value.regex) if isinstance(value, RegexValue) else text_test(value.text)
    if negate:
        return lambda field: not matches(field)
    return matches


def _unwrap(field: str) -> str:
    """A field's value: a quoted or bracketed field without its quotes or brackets."""
    if len(field) >= 2 and ((field[0] == '"' and field[-1] == '"') or (field[0] == "[" and field[-1] == "]")):
        return field[1:-1]
    return field


class DelimitedPattern(FilterPattern):
    """A space-delimited pattern with at most one `...`: each tested slot has a fixed index from the start or end."""

    __slots__ = ("_count", "_exact", "_checks")

    def __init__(self, text: str, slots: tuple[Slot, ...]) -> None:
        super().__init__(text)
        ellipsis_at = next((index for index, slot in enumerate(slots) if slot.ellipsis), None)
        self._exact = ellipsis_at is None
        self._count = len(slots) - (0 if ellipsis_at is None else 1)
        checks: list[tuple[int, FieldTest]] = []
        for index, slot in enumerate(slots):
            if slot.test is not None:
                # Slots after the `...` are counted from the end of the event.
                after_ellipsis = ellipsis_at is not None and index > ellipsis_at
                checks.append((index - len(slots) if after_ellipsis else index, slot.test))
        self._checks = tuple(checks)

    def matches(self, message: str) -> bool:
        fields = _FIELD.findall(message)
        count = self._count
        if len(fields) < count:
            return False
        last_takes_rest = self._exact and len(fields) > count
        for index, test in self._checks:
            if last_takes_rest and index == count - 1:
                value = _rest_of_line(message, index)
            else:
                value = _unwrap(fields[index])
            if not test(value):
                return False
        return True


def _rest_of_line(message: str, skipped: int) -> str:
    """The message from its field number `skipped` (zero-based) on, as written."""
    for number, field in enumerate(_FIELD.finditer(message)):
        if number == skipped:
            return message[field.start() :].rstrip()
    raise ValueError("the message has fewer fields than were counted")


class _SeveralEllipses(FilterPattern):
    """A pattern with two or more `...`: tries every way of sharing the fields among them."""

    __slots__ = ("_slots",)

    def __init__(self, text: str, slots: tuple[Slot, ...]) -> None:
        super().__init__(text)
        self._slots = slots

    def matches(self, message: str) -> bool:
        fields = [_unwrap(field) for field in _FIELD.findall(message)]
        slots = self._slots

        @lru_cache(maxsize=None)
        def fits(slot_index: int, field_index: int) -> bool:
            if slot_index == len(slots):
                return field_index == len(fields)
            slot = slots[slot_index]
            if slot.ellipsis:
                return any(fits(slot_index + 1, start) for start in range(field_index, len(fields) + 1))
            if field_index == len(fields):
                return False
            if slot.test is not None and not slot.test(fields[field_index]):
                return False
            return fits(slot_index + 1, field_index + 1)

        return fits(0, 0)
