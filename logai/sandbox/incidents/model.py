"""What an incident is: the events it seeds and the written ground truth a correct answer must match."""

from __future__ import annotations

import gc
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection inside: for building many long-lived objects that hold no cycles."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@dataclass(frozen=True, slots=True)
class SeedEvent:
    """One log event to put into the sandbox."""

    group: str
    stream: str
    timestamp_ms: int
    message: str


@dataclass(frozen=True, slots=True)
class Proof:
    """A set of events that proves part of the story: every event of `group` whose message
    `pattern` (a Python regex, applied with `re.search`) selects; there are exactly `count`."""

    group: str
    description: str
    pattern: str
    count: int

    def select(self, events: Iterable[SeedEvent]) -> list[SeedEvent]:
        """The events this proof selects, in the order given."""
        regex = re.compile(self.pattern)
        return [e for e in events if e.group == self.group and regex.search(e.message)]


@dataclass(frozen=True, slots=True)
class GroundTruth:
    """What happened, written down so answers, tests and benchmarks can be checked against it."""

    root_cause: str
    """One or two sentences a correct answer must convey."""
    onset_ms: int
    """When the incident began: the timestamp of the first proving event."""
    root_group: str
    """The log group where the root cause shows first."""
    affected_groups: tuple[str, ...]
    """The groups that broke, in the order they broke (the first proving event in each)."""
    proofs: tuple[Proof, ...]
    red_herring: Proof
    """An error that was there before the incident at the same steady rate: not the cause."""
    secret_lines: tuple[str, ...]
    """The planted secret values (canaries); none may ever reach a model."""
    injection_text: str
    """Text planted in one event that tries to instruct the model; it must stay data."""


@dataclass(slots=True)
class IncidentData:
    """One generated incident: its events sorted by time, retention per group, and the truth."""

    events: list[SeedEvent]
    retention_days: dict[str, int]
    """Retention set on some groups; a group not listed keeps its events forever."""
    truth: GroundTruth
    groups: tuple[str, ...] = field(init=False)
    """Every group that holds an event, sorted."""

    def __post_init__(self) -> None:
        self.groups = tuple(sorted({e.group for e in self.events}))


@dataclass(frozen=True, slots=True)
class Incident:
    """A named story; `generate(now_ms)` builds its events, the same ones for the same `now_ms`."""

    name: str
    title: str
    summary: str
    build: Callable[[int], IncidentData]

    def generate(self, now_ms: int) -> IncidentData:
        """The incident's events as of `now_ms`.

        The cyclic garbage collector waits meanwhile: the hundreds of thousands of
        new objects hold no cycles, yet would set off full collections that walk
        everything the process holds (a quarter of the time, more in a big process).
        """
        with collector_paused():
            return self.build(now_ms)
