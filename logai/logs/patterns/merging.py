"""When templates are one event: merges decided on evidence, not on one similarity threshold.

A line joins a template only when it fits one of its patterns exactly,
wildcards aside, so two messages that differ in one literal word start
apart: `VM Paused` and `VM Resumed` are different events, and so, at first,
are `user root` and `user guest`. What tells them apart is what comes next
(Brain's idea: a column that takes many words is a variable, one that takes
few is part of the template):

- When patterns that differ from each other at one position only show
  `variable_after` different words there, that position holds a value and
  they become one pattern with `<*>` there. A message's first word (after
  any leading values) is usually its event, so it needs twice as many.
- Two different words do it when a masked value has also been seen there
  (`device <*>` and `device lo`), or when they are `true`/`false`/`null`.
- Words that fill two different slots are entities, not states: when three
  users fill both `session opened for user _` and `session closed for user _`,
  both become variables.
- A generalised pattern takes over the patterns it covers.
- Patterns that differ only by optional masked values in brackets (`1190
  bytes (1.16 KB) sent` and `0 bytes sent`) are one template with two patterns.

A merge keeps at least one literal word: one-word messages are never
values of each other.
"""

from __future__ import annotations

from .masks import WILDCARD, is_variable_token
from .store import Pattern, TemplateStore, skeleton

__all__ = ["Merger"]

# Words that are values wherever they appear: two of them at one position make it a variable.
_VALUE_WORDS = frozenset("true false True False TRUE FALSE null NULL None nil".split())

Slot = tuple[int, int, tuple[str, ...]]  # pattern length, position, the other tokens


class Merger:
    """Merges a new pattern with the ones the evidence says are the same event."""

    def __init__(self, store: TemplateStore, *, variable_after: int) -> None:
        self._store = store
        self._variable_after = variable_after
        self._shared = _SharedValues()

    def settle(self, pattern: Pattern) -> Pattern:
        """Merge `pattern` (just added) as far as the evidence goes; the live pattern it ended in."""
        self._join_optional(pattern)
        while True:
            general = self._generalise(pattern)
            if general is None:
                return pattern
            pattern = general

    def _generalise(self, pattern: Pattern) -> Pattern | None:
        """The pattern with `<*>` where enough siblings say a value is, if they do."""
        tokens = pattern.tokens
        length = len(tokens)
        siblings: dict[int, list[Pattern]] = {}
        for other in self._store.neighbours(tokens):
            if other is not pattern:
                position = _only_difference(tokens, other.tokens)
                if position >= 0:
                    siblings.setdefault(position, []).append(other)
        lead = next((index for index, token in enumerate(tokens) if WILDCARD not in token), 0)
        for position, members in siblings.items():
            if not _keeps_a_word(tokens, position):
                continue
            values = {other.tokens[position] for other in members}
            values.add(tokens[position])
            if len(values) >= self._needed(values, position == lead):
                return self._replace([pattern, *members], position)
            other_slot = self._shared.observe((length, position, tokens[:position] + tokens[position + 1 :]), values)
            if other_slot is not None:
                self._replace_slot(other_slot)
                return self._replace([pattern, *(member for member in members if member.alive)], position)
        return None

    def _needed(self, values: set[str], leads: bool) -> int:
        """How many different words at one position make it a variable (`leads`: the message's first word)."""
        # Where masked values already appear, a word there is a value too (`device <*>`, `device lo`).
        if values <= _VALUE_WORDS or any(is_variable_token(value) for value in values):
            return 2
        # A message's first word (after any leading values) is usually its event:
        # `boot (command <*>)`, `halt (command <*>)`.
        return self._variable_after * 2 if leads else self._variable_after

    def _replace_slot(self, slot: Slot) -> None:
        """Make `slot` a variable in the patterns that fill it."""
        length, position, rest = slot
        example = (WILDCARD, *rest) if position == 0 else (*rest[:position], WILDCARD, *rest[position:])
        members = [
            other
            for other in self._store.neighbours(example)
            if other.tokens[:position] + other.tokens[position + 1 :] == rest
        ]
        if len(members) >= 2:
            self._replace(members, position)

    def _replace(self, members: list[Pattern], position: int) -> Pattern:
        """One pattern for `members`: `<*>` at `position` and wherever they disagree."""
        tokens = tuple(
            WILDCARD if index == position or len(set(column)) > 1 else column[0]
            for index, column in enumerate(zip(*(member.tokens for member in members)))
        )
        shown = tuple(
            token if token != WILDCARD else _shown_variable(column)
            for token, column in zip(tokens, zip(*(member.shown for member in members)))
        )
        store = self._store
        event = members[0].event
        for member in members[1:]:
            event = store.merge_events(event, member.event)
        general = store.by_text.get(" ".join(tokens)) or store.add_pattern(tokens, event, shown)
        store.merge_events(event, general.event)
        for member in members:
            if member is not general and member.alive:
                general.count += member.count
                store.drop_pattern(member)
        # Patterns the general one now covers are the same event too.
        for other in store.covered_by(general):
            general.count += other.count
            store.merge_events(general.event, other.event)
            store.drop_pattern(other)
        return general

    def _join_optional(self, pattern: Pattern) -> None:
        """Merge the template of `pattern` with one whose pattern differs only by optional values."""
        other = self._store.by_skeleton.get(skeleton(pattern.tokens))
        if other is not None and other is not pattern:
            self._store.merge_events(pattern.event, other.event)


class _SharedValues:
    """Which words filled which slots: words that fill two different slots are entities.

    `session opened for user cyrus` and `session closed for user cyrus`, with
    the same users in both, say that `user` is followed by a value, before
    either slot alone has seen `variable_after` of them; a state that only
    one message prints (`VM Paused`, `VM Resumed`) stays part of it. Three
    shared words are needed, because pairs (`started`/`stopped`) recur as
    states in many messages.
    """

    SHARED_WORDS = 3

    def __init__(self, limit: int = 100_000) -> None:
        self._values: dict[Slot, set[str]] = {}
        self._slots_of: dict[str, set[Slot]] = {}
        self._limit = limit

    def observe(self, slot: Slot, values: set[str]) -> Slot | None:
        """Note that `values` fill `slot`; another slot holding at least three of them, if any."""
        if len(self._values) >= self._limit:  # bounded: old evidence is dropped all at once
            self._values.clear()
            self._slots_of.clear()
        known = self._values.setdefault(slot, set())
        known.update(value for value in values if WILDCARD not in value)
        shared: dict[Slot, int] = {}
        for value in known:
            slots = self._slots_of.setdefault(value, set())
            slots.add(slot)
            for other in slots:
                if other != slot:
                    shared[other] = shared.get(other, 0) + 1
        return next((other for other, count in shared.items() if count >= self.SHARED_WORDS), None)


def _only_difference(tokens: tuple[str, ...], other: tuple[str, ...]) -> int:
    """The one position where two equal-length token tuples differ; -1 if none or several."""
    found = -1
    for index, token in enumerate(tokens):
        if other[index] != token:
            if found >= 0:
                return -1
            found = index
    return found


def _shown_variable(values: tuple[str, ...]) -> str:
    """`<*>` with the brackets and trailing punctuation all `values` share (`LOCAL(<*>),`, `<*>,` -> `<*>,`)."""
    if len(set(values)) == 1:
        return values[0]
    prefix = ""
    for chars in zip(*values):
        if len(set(chars)) > 1 or chars[0] not in "([{\"'":
            break
        prefix += chars[0]
    suffix = ""
    for chars in zip(*(value[::-1] for value in values)):
        if len(set(chars)) > 1 or chars[0] not in ",;:.)]}\"'":
            break
        suffix = chars[0] + suffix
    return prefix + WILDCARD + suffix


def _keeps_a_word(tokens: tuple[str, ...], position: int) -> bool:
    """Whether a literal word (no masked part) is left when `position` becomes a variable.

    One-word messages (`setLightsOn(true)`, `suspendAutohide`) are not values
    of each other, nor are `a overlap:<*>` and `b ret:<*>`.
    """
    return any(WILDCARD not in token for index, token in enumerate(tokens) if index != position)
