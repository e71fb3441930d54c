"""The events of one incident as its story emits them, with the proving ones counted on the way."""

from __future__ import annotations

from collections import Counter

from logai.sandbox.incidents.model import Proof, SeedEvent


class Timeline:
    """Collects events between `start_ms` and `now_ms`.

    Generators write whole requests and may run past "now" (a Lambda invocation
    that started a second ago has no END line yet); such events are dropped
    here, so each generator need not know where the window ends. A proving
    event is added with a `tag`; the tag's count becomes the ground truth's
    count, which tests then recompute from the proof's regex, so the story and
    the regex are checked against each other.
    """

    def __init__(self, now_ms: int, history_ms: int) -> None:
        self.now_ms = now_ms
        self.start_ms = now_ms - history_ms
        self._events: list[SeedEvent] = []
        self._counts: Counter[str] = Counter()
        self._first: dict[str, int] = {}

    def add(self, group: str, stream: str, timestamp_ms: int, message: str, tag: str | None = None) -> None:
        if not self.start_ms <= timestamp_ms <= self.now_ms:
            return
        self._events.append(SeedEvent(group, stream, timestamp_ms, message))
        if tag is not None:
            self._counts[tag] += 1
            self._first[tag] = min(timestamp_ms, self._first.get(tag, timestamp_ms))

    def proof(self, tag: str, group: str, description: str, pattern: str) -> Proof:
        """The proof for the events added with `tag`, selected by `pattern` in `group`."""
        return Proof(group, description, pattern, self._counts[tag])

    def first_ms(self, tag: str) -> int:
        """When the first event added with `tag` happened."""
        return self._first[tag]

    def events(self) -> list[SeedEvent]:
        """Every event, sorted by time (ties keep the order they were added in)."""
        return sorted(self._events, key=lambda e: e.timestamp_ms)
