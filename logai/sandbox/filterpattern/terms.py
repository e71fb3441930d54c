"""Patterns over unstructured events: terms, quoted phrases, `?optional` and `-excluded` terms.

A term matches when it occurs anywhere in the message, case-sensitively (the docs:
`ERROR` matches "Exiting with ERRORCODE: -1"). All plain terms must occur and no
excluded one may. `?` terms match when any of them occurs, but only in a pattern
of nothing else: "If you combine "?" with other filter patterns, all question
mark terms will be ignored."
"""

from __future__ import annotations

import string

from .cursor import SPACES, Cursor
from .errors import invalid_character, invalid_pattern
from .pattern import FilterPattern, MatchAll

# "Metric filter terms that include characters other than alphanumeric or
# underscore must be placed inside double quotes"; the service rejects the rest
# with "Invalid character(s) in term '<c>'". Alphanumeric means ASCII here, as
# in the regex section's definition.
_TERM_CHARS = frozenset(string.ascii_letters + string.digits + "_")


def compile_terms(text: str) -> FilterPattern:
    """The pattern for a text of whitespace-separated terms (already known not to be JSON, delimited or regex)."""
    required: list[str] = []
    excluded: list[str] = []
    optional: list[str] = []
    cursor = Cursor(text)
    while True:
        cursor.skip_spaces()
        if cursor.at_end():
            break
        if cursor.take("-"):
            # The docs' `"ERROR" - "Exiting"` puts a space between the minus and its term.
            cursor.skip_spaces()
            bucket = excluded
        elif cursor.take("?"):
            if cursor.at_end() or cursor.peek() in SPACES:
                raise invalid_character("?", cursor.pos - 1)
            bucket = optional
        else:
            bucket = required
        term = _read_term(cursor)
        # `""` and `" "` match everything, per the docs ("Match everything"): a
        # blank phrase is a term every event contains, so `-" "` matches none.
        bucket.append(term if term.strip() else "")
    if required or excluded:
        if not any(required) and not excluded:
            return MatchAll(text)
        return _AllTerms(text, tuple(term for term in required if term), tuple(excluded))
    return _AnyTerm(text, tuple(optional))


def _read_term(cursor: Cursor) -> str:
    if cursor.at_end():
        raise invalid_pattern(cursor.pos)
    if cursor.peek() == '"':
        phrase = cursor.read_quoted()
        if not cursor.at_end() and cursor.peek() not in SPACES:
            raise invalid_pattern(cursor.pos)
        return phrase
    start = cursor.pos
    end = start
    text = cursor.text
    while end < len(text) and text[end] not in SPACES:
        if text[end] not in _TERM_CHARS:
            raise invalid_character(text[end], end)
        end += 1
    cursor.pos = end
    return text[start:end]


class _AllTerms(FilterPattern):
    __slots__ = ("_required", "_excluded")

    def __init__(self, text: str, required: tuple[str, ...], excluded: tuple[str, ...]) -> None:
        super().__init__(text)
        self._required = required
        self._excluded = excluded

    def matches(self, message: str) -> bool:
        for term in self._required:
            if term not in message:
                return False
        for term in self._excluded:
            if term in message:
                return False
        return True


class _AnyTerm(FilterPattern):
    __slots__ = ("_optional",)

    def __init__(self, text: str, optional: tuple[str, ...]) -> None:
        super().__init__(text)
        self._optional = optional

    def matches(self, message: str) -> bool:
        for term in self._optional:
            if term in message:
                return True
        return False
