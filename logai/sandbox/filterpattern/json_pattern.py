"""JSON patterns: `{ $.a.b = "x" && ($.n > 5 || $.list[*] = %re%) }` against events that are JSON objects.

Selectors start at `$`, step into fields with `.name` (letters, digits, `-`, `_`)
or `['name.with.dots']`, into arrays with `[N]`, and into any child with `*`
(`$.*`, `$.list[*]`; at most one per selector and three per pattern). A
condition compares with `=`/`!=` (strings with `*` wildcards, numbers, regexes)
or `<` `<=` `>` `>=` (numbers), or tests `IS NULL`/`IS TRUE`/`IS FALSE`/
`NOT EXISTS`. A selector that finds nothing, or finds an array or object, fails
every comparison, `!=` included ("both {$.users = 1} and {$.users != 1} will fail
to match a log event where users is an array").
"""

from __future__ import annotations

import json
import string
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from .cursor import SPACES, Cursor
from .errors import invalid_character, invalid_pattern
from .expressions import AllOf, AnyOf, Expression, Leaf, compile_expression, conditions, parse_expression
from .pattern import FilterPattern
from .values import (
    ORDER_TESTS,
    NumberValue,
    RegexValue,
    TextValue,
    Value,
    check_operator,
    read_operator,
    read_value,
    regex_test,
    text_test,
    wildcard_core,
)

MAX_REGEXES = 2
MAX_WILDCARDS = 3
# Characters that belong to JSON pattern syntax; anything else where a token is
# due is named in the error. A comma is not one: the service answers
# `{ $.a = "x", $.b = "y" }` with "Invalid character(s) in term ','".
_SYNTAX = "{}()[]$.=!<>&|\"'%*+-_"
_NAME = frozenset(string.ascii_letters + string.digits + "-_")
_DIGITS = frozenset(string.digits)
_LETTERS = frozenset(string.ascii_letters)
_MISSING = object()

#: One step of a selector: a field name, an array index, or None for the `*` wildcard.
PathStep = str | int | None
Node = object
NodeTest = Callable[[Node], bool]


@dataclass(frozen=True, slots=True)
class JsonCondition:
    """`path` compared by `test` (an operator, `IS NULL`, `IS TRUE`, `IS FALSE` or `NOT EXISTS`) with `value`."""

    path: tuple[PathStep, ...]
    test: str
    value: Value | None


def compile_json(text: str) -> FilterPattern:
    """The pattern for a text that starts with `{`."""
    cursor = Cursor(text)
    cursor.skip_spaces()
    cursor.expect("{", _SYNTAX)
    expression = parse_expression(cursor, _parse_condition, _SYNTAX)
    cursor.skip_spaces()
    cursor.expect("}", _SYNTAX)
    cursor.skip_spaces()
    if not cursor.at_end():
        raise cursor.unexpected(_SYNTAX)
    found = list(conditions(expression))
    if sum(isinstance(condition.value, RegexValue) for condition in found) > MAX_REGEXES:
        raise invalid_pattern(None)
    if sum(condition.path.count(None) for condition in found) > MAX_WILDCARDS:
        raise invalid_pattern(None)
    # Keys occur in nearly every event of a shape, values seldom: test values first.
    keys = {step for condition in found for step in condition.path if isinstance(step, str)}
    needed = sorted(_needed_substrings(expression), key=lambda substring: (substring in keys, -len(substring)))
    return JsonPattern(text, compile_expression(expression, _compile_condition), tuple(needed))


class JsonPattern(FilterPattern):
    """Matches JSON-object events whose parsed body satisfies the compiled expression."""

    __slots__ = ("_test", "_needed")

    def __init__(self, text: str, test: Callable[[dict[str, object]], bool], needed: tuple[str, ...]) -> None:
        super().__init__(text)
        self._test = test
        self._needed = needed

    def matches(self, message: str) -> bool:
        if message[:1] != "{" and message.lstrip()[:1] != "{":
            return False
        # Without a backslash the raw text holds every key and string exactly as
        # parsed, so an event lacking a required one cannot match: skip json.loads.
        if self._needed and "\\" not in message:
            for substring in self._needed:
                if substring not in message:
                    return False
        try:
            root = json.loads(message)
        except (ValueError, RecursionError):
            return False
        return self._test(root)


def _parse_condition(cursor: Cursor) -> JsonCondition:
    cursor.skip_spaces()
    start = cursor.pos
    if not cursor.take("$"):
        raise cursor.unexpected(_SYNTAX)
    path = _parse_path(cursor, start)
    cursor.skip_spaces()
    at = cursor.pos
    symbol = read_operator(cursor)
    if symbol is not None:
        value = read_value(cursor, _SYNTAX)
        check_operator(symbol, value, at)
        return JsonCondition(path, symbol, value)
    first = cursor.read_while(_LETTERS).upper()
    cursor.skip_spaces()
    second = cursor.read_while(_LETTERS).upper()
    # Keywords are read case-insensitively; the docs only ever write them in capitals.
    # `IS NOT` and `EXISTS` are documented as unsupported.
    if first == "IS" and second in ("NULL", "TRUE", "FALSE"):
        return JsonCondition(path, f"IS {second}", None)
    if first == "NOT" and second == "EXISTS":
        return JsonCondition(path, "NOT EXISTS", None)
    if first:
        raise invalid_pattern(at)
    raise cursor.unexpected(_SYNTAX)


def _parse_path(cursor: Cursor, start: int) -> tuple[PathStep, ...]:
    steps: list[PathStep] = []
    while True:
        if cursor.take("."):
            if cursor.take("*"):
                steps.append(None)
            elif cursor.peek() == "[":
                steps.append(_parse_bracket(cursor))
            else:
                name = cursor.read_while(_NAME)
                if not name:
                    if cursor.at_end() or cursor.peek() in SPACES:
                        raise invalid_pattern(cursor.pos)
                    # What the service says for `$."sc-status"`: "Invalid character(s) in term '$."'".
                    raise invalid_character(cursor.text[start : cursor.pos + 1], cursor.pos)
                steps.append(name)
        elif cursor.peek() == "[":
            steps.append(_parse_bracket(cursor))
        else:
            break
    if not steps or steps.count(None) > 1:
        raise invalid_pattern(start)
    return tuple(steps)


def _parse_bracket(cursor: Cursor) -> PathStep:
    at = cursor.pos
    cursor.advance()
    step: PathStep
    if cursor.take("*"):
        step = None
    elif cursor.peek() == "'":
        end = cursor.text.find("'", cursor.pos + 1)
        if end < 0:
            raise invalid_pattern(at)
        step = cursor.text[cursor.pos + 1 : end]
        cursor.pos = end + 1
    else:
        digits = cursor.read_while(_DIGITS)
        if not digits:
            raise invalid_pattern(at)
        step = int(digits)
    if not cursor.take("]"):
        raise invalid_pattern(at)
    return step


def _compile_condition(condition: JsonCondition) -> Callable[[dict[str, object]], bool]:
    path = condition.path
    if None in path:
        split = path.index(None)
        resolve_children = _resolve_children(path[:split], path[split + 1 :])
        if condition.test == "NOT EXISTS":
            return lambda root: not resolve_children(root)
        test = _node_test(condition)
        return lambda root: any(test(node) for node in resolve_children(root))
    resolve = _resolve(path)
    if condition.test == "NOT EXISTS":
        return lambda root: resolve(root) is _MISSING
    node_test = _node_test(condition)
    return lambda root: node_test(resolve(root))


def _resolve(path: tuple[PathStep, ...]) -> Callable[[object], object]:
    """The node at `path` under a root, or _MISSING."""
    if len(path) == 1 and isinstance(path[0], str):
        key = path[0]
        return lambda root: root.get(key, _MISSING) if type(root) is dict else _MISSING

    def resolve(node: object) -> object:
        for step in path:
            if type(step) is str:
                if type(node) is not dict:
                    return _MISSING
                node = node.get(step, _MISSING)
                if node is _MISSING:
                    return _MISSING
            else:
                if type(node) is not list or not isinstance(step, int) or step >= len(node):
                    return _MISSING
                node = node[step]
        return node

    return resolve


def _resolve_children(prefix: tuple[PathStep, ...], suffix: tuple[PathStep, ...]) -> Callable[[object], list[object]]:
    """Every node reached through the wildcard: each child of the node at `prefix`, then `suffix`."""
    resolve_parent = _resolve(prefix) if prefix else _identity
    resolve_rest = _resolve(suffix) if suffix else _identity

    def resolve_children(root: object) -> list[object]:
        parent = resolve_parent(root)
        if type(parent) is dict:
            children: list[object] = list(parent.values())
        elif type(parent) is list:
            children = parent
        else:
            return []
        found = [resolve_rest(child) for child in children]
        return [node for node in found if node is not _MISSING]

    return resolve_children


def _identity(node: object) -> object:
    return node


def _node_test(condition: JsonCondition) -> NodeTest:
    """The test one resolved node must pass; _MISSING, arrays and objects fail all but NOT EXISTS."""
    if condition.test == "IS NULL":
        return lambda node: node is None
    if condition.test == "IS TRUE":
        return lambda node: node is True
    if condition.test == "IS FALSE":
        return lambda node: node is False
    value = condition.value
    negate = condition.test == "!="
    if isinstance(value, NumberValue):
        if condition.test in ORDER_TESTS:
            return _number_order_test(ORDER_TESTS[condition.test], value.number)
        return _number_equality_test(value, negate)
    assert value is not None
    text_matches = regex_test(value.regex) if isinstance(value, RegexValue) else text_test(value.text)
    return _text_equality_test(text_matches, negate)


def _number_order_test(compare: Callable[[float, float], bool], number: float) -> NodeTest:
    def test(node: Node) -> bool:
        kind = type(node)
        return (kind is int or kind is float) and compare(cast(float, node), number)

    return test


def _number_equality_test(value: NumberValue, negate: bool) -> NodeTest:
    number, text = value.number, value.text

    def test(node: Node) -> bool:
        kind = type(node)
        if kind is int or kind is float:
            return (node == number) is not negate
        if kind is str:
            # A number compared with a string field compares the text as written.
            return (node == text) is not negate
        return False

    return test


def _text_equality_test(text_matches: Callable[[str], bool], negate: bool) -> NodeTest:
    def test(node: Node) -> bool:
        kind = type(node)
        if kind is str:
            return text_matches(cast(str, node)) is not negate
        if kind is int or kind is float:
            return text_matches(str(node)) is not negate
        return False

    return test


def _needed_substrings(expression: Expression[JsonCondition]) -> set[str]:
    """Substrings the raw text of any matching event must contain (when it has no backslash)."""
    if isinstance(expression, Leaf):
        return _condition_substrings(expression.condition)
    parts = [_needed_substrings(item) for item in expression.items]
    if isinstance(expression, AllOf):
        return set().union(*parts)
    assert isinstance(expression, AnyOf)
    return set.intersection(*parts)


def _condition_substrings(condition: JsonCondition) -> set[str]:
    if condition.test == "NOT EXISTS":
        return set()
    needed = {step for step in condition.path if isinstance(step, str) and step}
    if condition.test.startswith("IS "):
        needed.add(condition.test[3:].lower())
    elif condition.test == "=" and isinstance(condition.value, TextValue):
        core = wildcard_core(condition.value.text)
        # A number node is compared by its text, which need not be the raw text
        # (`1e3` reads as 1000.0), so only a core no number could spell is required.
        if any(char not in "0123456789.eE+-" for char in core):
            needed.add(core)
    return needed
