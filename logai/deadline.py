"""Deadlines on the injected clock, and the one a tool call is running under.

A `Deadline` is a moment on `runtime.clock`, so tests drive it with a fake
clock. The deadline of the running tool call travels in a context variable:
`asyncio.to_thread` copies the context into the worker thread, so the
CloudWatch source and botocore's retry hook, deep below the tool, can stop
making calls once it has passed without every signature carrying it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from logai.figures import seconds_text


@dataclass(frozen=True, slots=True)
class Deadline:
    """`seconds` after the clock read `started`; `setting` is what raises it (for messages)."""

    started: float
    seconds: float
    setting: str
    clock: Callable[[], float]

    @classmethod
    def after(cls, seconds: float, setting: str, clock: Callable[[], float]) -> Deadline:
        return cls(clock(), seconds, setting, clock)

    @property
    def expires_at(self) -> float:
        return self.started + self.seconds

    def left(self) -> float:
        """Seconds left (never below 0)."""
        return max(0.0, self.expires_at - self.clock())

    def passed(self) -> bool:
        return self.clock() >= self.expires_at

    def message(self, what: str) -> str:
        """`<what> timed out after 90 s (tool_timeout)`."""
        return f"{what} timed out after {seconds_text(self.seconds)} ({self.setting})"

    def tighter(self, other: Deadline | None) -> Deadline:
        """Whichever of the two expires first."""
        return other if other is not None and other.expires_at < self.expires_at else self


_current: ContextVar[Deadline | None] = ContextVar("logai_deadline", default=None)


def current() -> Deadline | None:
    """The deadline of the work running in this context (a tool call), if any."""
    return _current.get()


@contextmanager
def within(deadline: Deadline | None) -> Iterator[None]:
    """Run the block (and threads started from it with `asyncio.to_thread`) under `deadline`."""
    token = _current.set(deadline)
    try:
        yield
    finally:
        _current.reset(token)
