"""What a scalar function entry is, and the query-wide facts some functions read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..values import Value


@dataclass(frozen=True, slots=True)
class QueryContext:
    """The query's time range and start time, in epoch milliseconds, for `now()` and `queryStartTime()`."""

    start_ms: int
    end_ms: int
    now_ms: int


@dataclass(frozen=True, slots=True)
class Function:
    """One scalar function: its documented name, arity, and implementation.

    `impl` receives the argument values (after the `QueryContext` when
    `context` is set, after the event's `@timestamp` when `implicit_timestamp`
    is set). Unless `takes_absent` is set, a call with an absent argument is
    absent itself and `impl` never sees None. `period_args` are the argument
    positions that must be a period literal (`5m`).
    """

    name: str
    min_args: int
    max_args: int | None
    impl: Callable[..., Value]
    takes_absent: bool = False
    period_args: frozenset[int] = field(default_factory=frozenset)
    context: bool = False
    implicit_timestamp: bool = False
