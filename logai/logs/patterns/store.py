"""Templates and their token patterns: find the one a message fits, add, drop, merge.

A *template* (an `Event`) is what a caller sees: an id, a count, an example.
It owns one or more *patterns*: token tuples in which `<*>` matches any
token. A template has several patterns when one event prints messages of
several lengths (an optional `(1.16 KB)`).

Grouping splits first and merges on evidence (`merging.py`), so an id, once
handed out, only ever comes to stand for more lines, never fewer; a merged
template answers to its old ids through `resolve`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from typing import TypeVar

from .masks import WILDCARD

__all__ = ["Event", "Pattern", "TemplateStore", "is_optional_value", "skeleton"]

_K = TypeVar("_K")


class Pattern:
    """Tokens with `<*>` for variables, the template they belong to, and how many messages took them."""

    __slots__ = ("tokens", "shown", "fixed", "event", "count", "alive", "text", "has_word")

    def __init__(self, tokens: tuple[str, ...], event: Event, shown: tuple[str, ...] | None = None) -> None:
        self.tokens = tokens
        # What is displayed: a variable keeps the punctuation its values shared (`<*>,`, `(<*>)`).
        self.shown = shown or tokens
        # The (position, token) pairs a message must equal to fit.
        self.fixed = tuple((index, token) for index, token in enumerate(tokens) if token != WILDCARD)
        self.event = event
        self.count = 0
        self.alive = True
        self.text = " ".join(tokens)
        # Only a pattern with a literal word takes messages that differ at its wildcards:
        # `<*>` alone (a message that was one number) must not swallow every one-word message.
        self.has_word = any(WILDCARD not in token for token in tokens)

    def fits(self, tokens: Sequence[str]) -> bool:
        """Whether a message of the same length fits: equal at every fixed position."""
        for index, token in self.fixed:
            if tokens[index] != token:
                return False
        return True

    def covers(self, other: Pattern) -> bool:
        """Whether every message `other` (same length) takes, this one takes too."""
        return self.fits(other.tokens) and all(
            self.tokens[index] == WILDCARD for index, token in enumerate(other.tokens) if token == WILDCARD
        )


class Event:
    """One template: the id callers hold, how many lines it has, the first line seen, its patterns."""

    __slots__ = ("id", "count", "example", "patterns", "aliases", "last_seen")

    def __init__(self, event_id: int, example: str) -> None:
        self.id = event_id
        self.count = 0
        self.example = example
        self.patterns: list[Pattern] = []
        self.aliases: list[int] = []  # ids that `resolve` maps to this template
        self.last_seen = 0

    def text(self) -> str:
        """The template as shown: the pattern most lines took, adjacent variables read as one."""
        tokens = max(self.patterns, key=lambda pattern: pattern.count).shown
        return " ".join(
            token for index, token in enumerate(tokens) if token != WILDCARD or index == 0 or tokens[index - 1] != WILDCARD
        )


def is_optional_value(token: str) -> bool:
    """A masked value in brackets, which some lines of an event print and others leave out: `(<*>)`."""
    core = token.rstrip(",;:.")
    return (
        len(core) >= 5
        and core[0] in "([{"
        and core[-1] in ")]}"
        and WILDCARD in core
        and not core.replace(WILDCARD, "").strip("()[]{} ")
    )


class TemplateStore:
    """The live templates and patterns, with the indexes that find them; ids and their aliases."""

    def __init__(self) -> None:
        self.events: dict[int, Event] = {}
        self.by_text: dict[str, Pattern] = {}
        # A pattern's text with its optional values left out -> that pattern.
        self.by_skeleton: dict[str, Pattern] = {}
        # Patterns by length and first token, by length and last token, and by length alone
        # (dicts used as ordered sets: a pattern leaves in O(1)); patterns that differ at one
        # position share their first or their last token.
        self._by_start: dict[tuple[int, str], dict[Pattern, None]] = {}
        self._by_end: dict[tuple[int, str], dict[Pattern, None]] = {}
        self._by_length: dict[int, dict[Pattern, None]] = {}
        # Patterns with a variable, by length, first and last token (each maybe `<*>`): the only
        # ones a message can fit without being equal to (those are found by text).
        self._by_ends: dict[tuple[int, str, str], dict[Pattern, None]] = {}
        self._alias: dict[int, int] = {}
        self._next_id = 1

    def new_id(self) -> int:
        """A fresh id (for a template, or for a line whose template is decided later)."""
        event_id = self._next_id
        self._next_id += 1
        return event_id

    def alias(self, old_id: int, event: Event) -> None:
        """Let `old_id` resolve to `event` from now on."""
        self._alias[old_id] = event.id
        event.aliases.append(old_id)

    def resolve(self, event_id: int) -> int:
        """The id of the template that `event_id` is now part of (itself if never merged)."""
        return self._alias.get(event_id, event_id)

    def find(self, tokens: Sequence[str]) -> Pattern | None:
        """The most specific live pattern that `tokens` fit, if any."""
        exact = self.by_text.get(" ".join(tokens))
        if exact is not None:
            return exact
        if not tokens:
            return None
        length, first, last = len(tokens), tokens[0], tokens[-1]
        best: Pattern | None = None
        for key in {(length, first, last), (length, first, WILDCARD), (length, WILDCARD, last), (length, WILDCARD, WILDCARD)}:
            for pattern in self._by_ends.get(key, ()):
                if pattern.has_word and pattern.fits(tokens) and (best is None or len(pattern.fixed) > len(best.fixed)):
                    best = pattern
        return best

    def neighbours(self, tokens: tuple[str, ...], limit: int = 256) -> list[Pattern]:
        """Live patterns of the same length that share the first or the last token of `tokens`.

        At most the `limit` newest of each kind: in a stream of ever-new
        messages that all start alike, looking for siblings stays cheap.
        """
        if not tokens:
            return []
        length = len(tokens)
        found: dict[Pattern, None] = {}
        for bucket in (self._by_start.get((length, tokens[0])), self._by_end.get((length, tokens[-1]))):
            if bucket:
                found.update(dict.fromkeys(itertools.islice(reversed(bucket), limit)))
        return list(found)

    def covered_by(self, general: Pattern) -> list[Pattern]:
        """Live patterns (other than `general`) whose every message `general` takes too."""
        tokens = general.tokens
        length = len(tokens)
        if tokens and tokens[0] != WILDCARD:
            candidates: dict[Pattern, None] = self._by_start.get((length, tokens[0]), {})
        elif tokens and tokens[-1] != WILDCARD:
            candidates = self._by_end.get((length, tokens[-1]), {})
        else:
            candidates = self._by_length.get(length, {})
        return [other for other in candidates if other is not general and general.covers(other)]

    def new_event(self, example: str) -> Event:
        event = Event(self.new_id(), example)
        self.events[event.id] = event
        return event

    def add_pattern(self, tokens: tuple[str, ...], event: Event, shown: tuple[str, ...] | None = None) -> Pattern:
        pattern = Pattern(tokens, event, shown)
        event.patterns.append(pattern)
        if tokens:
            length = len(tokens)
            self._by_start.setdefault((length, tokens[0]), {})[pattern] = None
            self._by_end.setdefault((length, tokens[-1]), {})[pattern] = None
            self._by_length.setdefault(length, {})[pattern] = None
            if len(pattern.fixed) < length:
                self._by_ends.setdefault(_ends_key(tokens), {})[pattern] = None
        self.by_text[pattern.text] = pattern
        self.by_skeleton.setdefault(skeleton(tokens), pattern)
        return pattern

    def drop_pattern(self, pattern: Pattern) -> None:
        pattern.alive = False
        tokens = pattern.tokens
        if tokens:
            length = len(tokens)
            _remove(self._by_start, (length, tokens[0]), pattern)
            _remove(self._by_end, (length, tokens[-1]), pattern)
            _remove(self._by_length, length, pattern)
            _remove(self._by_ends, _ends_key(tokens), pattern)
        if self.by_text.get(pattern.text) is pattern:
            del self.by_text[pattern.text]
        key = skeleton(tokens)
        if self.by_skeleton.get(key) is pattern:
            del self.by_skeleton[key]
        pattern.event.patterns.remove(pattern)

    def merge_events(self, first: Event, second: Event) -> Event:
        """One template from two: the larger keeps its id, the other's ids resolve to it."""
        if first is second:
            return first
        keep, gone = (first, second) if (first.count, -first.id) >= (second.count, -second.id) else (second, first)
        keep.count += gone.count
        keep.last_seen = max(keep.last_seen, gone.last_seen)
        for pattern in gone.patterns:
            pattern.event = keep
        keep.patterns.extend(gone.patterns)
        for old_id in (*gone.aliases, gone.id):
            self.alias(old_id, keep)
        del self.events[gone.id]
        return keep

    def forget(self, event: Event) -> None:
        """Drop a template, its patterns and its aliases (to bound memory)."""
        for pattern in list(event.patterns):
            self.drop_pattern(pattern)
        for old_id in event.aliases:
            if self._alias.get(old_id) == event.id:
                del self._alias[old_id]
        del self.events[event.id]

    def live_events(self) -> Iterator[Event]:
        return iter(self.events.values())


def skeleton(tokens: tuple[str, ...]) -> str:
    """The pattern's text without its optional values: patterns of one event share it."""
    return " ".join(token for token in tokens if not is_optional_value(token))


def _ends_key(tokens: tuple[str, ...]) -> tuple[int, str, str]:
    return (len(tokens), tokens[0], tokens[-1])


def _remove(index: dict[_K, dict[Pattern, None]], key: _K, pattern: Pattern) -> None:
    bucket = index.get(key)
    if bucket is not None:
        bucket.pop(pattern, None)
        if not bucket:
            del index[key]
