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
        self.by_length: dict[int, list[Pattern]] = {}
        self.by_text: dict[str, Pattern] = {}
        # A pattern's text with its optional values left out -> that pattern.
        self.by_skeleton: dict[str, Pattern] = {}
        # Candidates for a message: by length and first token, or by length when the first token is a variable.
        self._by_start: dict[tuple[int, str], list[Pattern]] = {}
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
        length = len(tokens)
        best: Pattern | None = None
        first = tokens[0] if tokens else ""
        keys = ((length, first), (length, WILDCARD)) if first != WILDCARD else ((length, WILDCARD),)
        for key in keys:
            for pattern in self._by_start.get(key, ()):
                if pattern.has_word and pattern.fits(tokens) and (best is None or len(pattern.fixed) > len(best.fixed)):
                    best = pattern
        return best

    def new_event(self, example: str) -> Event:
        event = Event(self.new_id(), example)
        self.events[event.id] = event
        return event

    def add_pattern(self, tokens: tuple[str, ...], event: Event, shown: tuple[str, ...] | None = None) -> Pattern:
        pattern = Pattern(tokens, event, shown)
        event.patterns.append(pattern)
        self.by_length.setdefault(len(tokens), []).append(pattern)
        self._by_start.setdefault(self._start_key(tokens), []).append(pattern)
        self.by_text[pattern.text] = pattern
        self.by_skeleton.setdefault(skeleton(tokens), pattern)
        return pattern

    def drop_pattern(self, pattern: Pattern) -> None:
        pattern.alive = False
        tokens = pattern.tokens
        _remove(self.by_length, len(tokens), pattern)
        _remove(self._by_start, self._start_key(tokens), pattern)
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

    @staticmethod
    def _start_key(tokens: tuple[str, ...]) -> tuple[int, str]:
        return (len(tokens), tokens[0] if tokens else "")


def skeleton(tokens: tuple[str, ...]) -> str:
    """The pattern's text without its optional values: patterns of one event share it."""
    return " ".join(token for token in tokens if not is_optional_value(token))


def _remove(index: dict[_K, list[Pattern]], key: _K, pattern: Pattern) -> None:
    bucket = index.get(key)
    if bucket is not None:
        bucket.remove(pattern)
        if not bucket:
            del index[key]
