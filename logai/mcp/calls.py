"""An MCP client's tool calls, run as the chat agent runs its model's.

The same `ToolRegistry` parses and validates the arguments once and runs the
tool in a worker thread; its result is already redacted, framed as untrusted
data and fitted to `tool_result_tokens`. MCP has no turns, so the limits that
bound a turn bound a call and the server session instead: each call runs
within `tool_timeout` and the turn's CloudWatch budgets (`logai.allowance`), at
most `max_calls_per_reply` at once (as one reply's calls do); the server runs at most `mcp_max_calls` calls, and none once
`session_cloudwatch_budget` is spent. A refused call is a tool error whose
sentence is the one chat prints for the same budget. Every call goes on the
event bus as `ToolCallStarted`/`ToolCallFinished` (and `BudgetReached`), so
the metrics recording counts it like the agent's.

A client may cancel a call, or leave, while its tool runs in a thread that
asyncio cannot stop. The call's deadline therefore reads a clock that jumps
to infinity once the call is cancelled: the CloudWatch source then refuses
every further request but StopQuery, and `interruptible_sleep` (the source's
sleep) wakes at once, so a running Insights query is stopped at its next poll.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import threading
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from logai.agent.budget import Budgets, Spending, Spent
from logai.deadline import Deadline
from logai.events import (
    BudgetReached,
    EventBus,
    ToolCall,
    ToolCallFinished,
    ToolCallStarted,
)
from logai.figures import plural
from logai.tools.registry import PreparedCall, ToolRegistry
from logai.tools.result import ToolResult, error_result

if TYPE_CHECKING:
    from logai.metrics.recording import Recording
    from logai.runtime import Runtime
    from logai.settings import Settings


class CallScope:
    """One tool call's cancellation, seen from its worker thread."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._cancelled = threading.Event()

    def clock(self) -> float:
        """The call's time: the real clock's, or infinity once the call is cancelled (so its deadline has passed)."""
        return math.inf if self._cancelled.is_set() else self._clock()

    def cancel(self) -> None:
        self._cancelled.set()

    def wait(self, seconds: float) -> None:
        """Sleep `seconds`, or less if the call is cancelled meanwhile."""
        self._cancelled.wait(seconds)


_scope: ContextVar[CallScope | None] = ContextVar("logai_mcp_call", default=None)


def interruptible_sleep(seconds: float) -> None:
    """`Runtime.sleep` for the server's CloudWatch source: inside a tool call, a cancellation ends the wait."""
    scope = _scope.get()  # worker threads see the call's context (asyncio.to_thread copies it)
    if scope is None:
        time.sleep(seconds)
    else:
        scope.wait(seconds)


@dataclass(frozen=True, slots=True)
class CallLimits:
    """What bounds a client's calls: per call (`tool_timeout`), at once, and per server session."""

    tool_timeout: float | None = 90.0
    at_once: int = 8
    max_calls: int = 500
    budgets: Budgets = field(default_factory=Budgets)

    @classmethod
    def from_settings(cls, settings: Settings) -> CallLimits:
        from logai.session import budgets

        return cls(
            tool_timeout=settings.tool_timeout,
            at_once=settings.max_calls_per_reply,
            max_calls=settings.mcp_max_calls,
            budgets=budgets(settings),
        )


class ToolCalls:
    """The registry's tools for MCP clients: one `run` per client call; never raises for a tool's problem."""

    def __init__(
        self,
        registry: ToolRegistry,
        bus: EventBus,
        spending: Spending,
        limits: CallLimits,
        *,
        clock: Callable[[], float] = time.monotonic,
        after_call: Callable[[], None] = lambda: None,
    ) -> None:
        """`spending` must observe `bus` (Insights scans arrive there); `after_call` runs when each call ends (the recording's flush)."""
        self.registry = registry
        self._bus = bus
        self._spending = spending
        self._limits = limits
        self._clock = clock
        self._after_call = after_call
        self._gate = asyncio.Semaphore(limits.at_once)
        self._ids = itertools.count(1)
        self._admitted = 0
        # The tools running now (each until its worker thread is done, even after its client call was cancelled).
        self._running: dict[asyncio.Future[ToolResult], CallScope] = {}

    async def run(self, name: str, arguments: dict[str, Any] | None) -> ToolResult:
        """Validate, admit against the session's budgets, and run one call; the result is what the client sees."""
        call = ToolCall(id=f"mcp-{next(self._ids)}", name=name, arguments=json.dumps(arguments or {}, default=str))
        prepared = self.registry.prepare(call)
        self._bus.emit(ToolCallStarted(call_id=call.id, name=name, arguments=prepared.arguments, known=prepared.known))
        began = self._clock()
        result: ToolResult | None = None
        try:
            if prepared.problem is None:
                prepared = self._admit(prepared)
            result = await self._run(prepared)
            return result
        finally:
            self._bus.emit(
                ToolCallFinished(
                    call_id=call.id,
                    name=name,
                    arguments=prepared.arguments,
                    ok=result is not None and result.ok,
                    duration_s=self._clock() - began,
                    summary=result.summary if result is not None else "cancelled by the client",
                    result=result.text if result is not None else "",
                    known=prepared.known,
                )
            )
            self._after_call()

    def _admit(self, prepared: PreparedCall) -> PreparedCall:
        """The call, or the call refused with the sentence of the session budget it would pass."""
        reached = self._reached()
        if reached is None:
            self._admitted += 1
            return prepared
        budget, sentence = reached
        self._bus.emit(BudgetReached(budget, sentence))
        return replace(prepared, problem=error_result(sentence, prepared.arguments, summary=f"refused: {budget}"))

    def _reached(self) -> tuple[str, str] | None:
        most = self._limits.max_calls
        if self._admitted >= most:
            return "session_tool_calls", (
                f"This session ran {plural(self._admitted, 'tool call')}, reaching its budget of {most:,}; "
                "raise mcp_max_calls (LOGAI_MCP_MAX_CALLS) to allow more."
            )
        # No turns and no model here: only the session's CloudWatch cost can be spent.
        return self._limits.budgets.reached(self._spending.snapshot(), Spent())

    async def _run(self, prepared: PreparedCall) -> ToolResult:
        if prepared.problem is not None:
            return await self.registry.run(prepared)
        async with self._gate:
            scope = CallScope(self._clock)
            seconds = self._limits.tool_timeout
            deadline = Deadline.after(seconds, "tool_timeout", scope.clock) if seconds else None
            token = _scope.set(scope)
            try:
                allowance = self._limits.budgets.allowance("This tool call")
                # The task inherits the scope.
                work = asyncio.ensure_future(self.registry.run(prepared, deadline=deadline, allowance=allowance))
                self._running[work] = scope
                work.add_done_callback(lambda done: self._running.pop(done, None))
                # Shielded: a cancelled call's tool goes on until its thread has stopped its queries.
                result = await asyncio.shield(work)
                if allowance.spent is not None:
                    self._bus.emit(BudgetReached(allowance.spent.budget, allowance.spent.message))
                return result
            finally:
                # Cancelled or done: either way the worker thread must not go on calling CloudWatch.
                scope.cancel()
                _scope.reset(token)

    async def stop_running(self, timeout: float) -> None:
        """Cancel every running call and wait (at most `timeout` seconds) until their threads have stopped."""
        for scope in self._running.values():
            scope.cancel()
        if self._running:
            await asyncio.wait(list(self._running), timeout=timeout)


@dataclass(frozen=True, slots=True)
class OpenCalls:
    """What `logai mcp` serves (`calls`), where it counts them (`recording`), and the AWS region it reads."""

    calls: ToolCalls
    recording: Recording
    region: str | None


def open_calls(settings: Settings, *, bus: EventBus, runtime: Runtime) -> OpenCalls:
    """The tools chat's model gets, on one CloudWatch source (one rate limiter), counted with command="mcp".

    Raises SourceError (config=True) when no region or no credentials can be found.
    """
    from logai.logs.source import CloudWatchSource
    from logai.metrics.recording import Recording
    from logai.session import tool_registry

    spending = Spending()
    bus.subscribe(spending.observe)  # Insights scans are reported from tool threads, on the bus
    source = CloudWatchSource.from_settings(settings, runtime=runtime, sink=bus.emit)
    recording = Recording.open(
        bus, home=settings.home, enabled=settings.metrics_enabled, command="mcp", retention_days=settings.metrics_retention_days
    )
    calls = ToolCalls(
        tool_registry(settings, source, runtime=runtime),
        bus,
        spending,
        CallLimits.from_settings(settings),
        clock=runtime.clock,
        after_call=recording.flush,
    )
    return OpenCalls(calls, recording, source.region)
