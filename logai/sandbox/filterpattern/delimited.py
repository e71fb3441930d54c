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
from .expressions import AllOf, Expression, Leaf, compile_expression, conditions, parse_expression
from .pattern import FilterPattern
from .values import (
    ORDER_TESTS,
    NumberValue,
    RegexValue,
    TextValue,
    Value,
    check_operator,
    parse_number,
    read_operator,
    read_value,
    regex_test,
    text_test,
    wildcard_core,
)

MAX_REGEXES = 2
_SYNTAX = "[],=!<>&|\"%*+-_.()"
_NAME = frozenset(string.ascii_letters + string.digits + "_")
# A quoted or bracketed run is one field; an unclosed `"` or `[` is an ordinary character.
# Fields are split at ASCII whitespace only (a no-break space is part of a field).
_FIELD = re.compile(r'"[^"]*"|\[[^\]]*\]|\S+', re.ASCII)
_ATOMIC_FIELD = r'(?>"[^"]*+"|\[[^\]]*+\]|\S++)'
_WRAPPED_FIELD = re.compile(r'"[^"]*"|\[[^\]]*\]')

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
    #: Text the field's value must start with for the test to pass ("" when there is none).
    prefix: str = ""


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
    # A slot's conditions test its own field: the service answers the older
    # docs' `status_code = 4* && bytes > 1000` with "Invalid filter pattern".
    if len({condition.name for condition in found}) > 1:
        raise invalid_pattern(start)
    return Slot(
        ellipsis=False,
        test=compile_expression(expression, _compile_condition),
        regexes=sum(isinstance(condition.value, RegexValue) for condition in found),
        prefix=_required_prefix(expression),
    )


def _required_prefix(expression: Expression[FieldCondition]) -> str:
    """The literal a field must start with to pass: from `= text` or `= text*`, or any of them under `&&`."""
    if isinstance(expression, Leaf):
        condition = expression.condition
        if condition.operator == "=" and isinstance(condition.value, TextValue):
            text = condition.value.text
            return "" if text.startswith("*") else wildcard_core(text)
        return ""
    if isinstance(expression, AllOf):
        return max((_required_prefix(item) for item in expression.items), key=len)
    return ""


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
    """A space-delimited pattern with at most one `...`, compiled into one regex over the whole event.

    The regex splits the event into fields exactly as `_FIELD` does (each field
    an atomic group, so it is never cut differently on backtracking), checks
    their number, and captures the fields that have a test.
    """

    __slots__ = ("_match", "_checks")

    def __init__(self, text: str, slots: tuple[Slot, ...]) -> None:
        super().__init__(text)
        ellipsis_at = next((index for index, slot in enumerate(slots) if slot.ellipsis), None)
        parts = [r"\s*+"]
        checks: list[tuple[int, FieldTest, bool]] = []
        for index, slot in enumerate(slots):
            if slot.prefix:
                # Rejects in the regex engine what the test would reject later.
                parts.append(rf'(?=["\[]?{re.escape(slot.prefix)})')
            if slot.ellipsis:
                parts.append(rf"(?:{_ATOMIC_FIELD}\s*+)*")
            elif ellipsis_at is None and index == len(slots) - 1:
                # The last slot takes the rest of the line: it only has to start, unless it is tested.
                parts.append(r"\S" if slot.test is None else r"(\S[\s\S]*)")
            else:
                parts.append(rf"{_ATOMIC_FIELD}\s*+" if slot.test is None else rf"({_ATOMIC_FIELD})\s*+")
            if slot.test is not None:
                checks.append((len(checks) + 1, slot.test, ellipsis_at is None and index == len(slots) - 1))
        if ellipsis_at is not None:
            parts.append(r"\Z")
        self._match = re.compile("".join(parts), re.ASCII).match
        self._checks = tuple(checks)

    def matches(self, message: str) -> bool:
        found = self._match(message)
        if found is None:
            return False
        for group, test, takes_rest in self._checks:
            value = found.group(group)
            if takes_rest:
                # The rest of a line is taken as written, unless it is one quoted or bracketed field.
                value = value.rstrip()
                if _WRAPPED_FIELD.fullmatch(value):
                    value = value[1:-1]
            else:
                value = _unwrap(value)
            if not test(value):
                return False
        return True


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
