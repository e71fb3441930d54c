"""What the running work may still spend on CloudWatch: requests, and Insights bytes at their price.

A chat turn, or one MCP tool call (MCP has no turns), gets a `CloudWatchAllowance`
of the turn budgets (`turn_cloudwatch_calls`, `turn_cloudwatch_budget`). Like the
deadline, it travels in a context variable into the tools' worker threads: the
CloudWatch source asks it before every request and tells it every scan. So the
calls of one reply cannot pass a turn's budget before the agent looks again at
its next model request, and one MCP call cannot spend what the session has.
Once spent, every request but StopQuery (which ends a query's billing; it is
counted, never refused) fails with `BudgetSpent`, whose sentence names the budget and the setting that raises it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from logai.figures import dollars, plural
from logai.logs.errors import SourceError

GB = 1024**3


def budget_sentence(who: str, used: float, limit: float, what: str, setting: str) -> str:
    """`This turn used 300 CloudWatch calls, reaching its budget of 300; raise … to allow more.`"""
    if what in ("model tokens", "CloudWatch calls"):
        spent, allowed = plural(int(used), what[:-1]), f"{int(limit):,}"
    else:
        spent, allowed = f"{dollars(used)} of {what}", dollars(limit)
    variable = f"LOGAI_{setting.upper()}"
    return f"{who} used {spent}, reaching its budget of {allowed}; raise {setting} ({variable}) to allow more."


class BudgetSpent(SourceError):
    """The turn's (or MCP call's) CloudWatch budget is spent: the request was not made."""

    def __init__(self, budget: str, message: str) -> None:
        super().__init__(message)
        self.budget = budget


class CloudWatchAllowance:
    """CloudWatch requests and Insights cost left to `who` ("This turn", "This tool call"); thread-safe."""

    def __init__(self, who: str, *, calls: int, usd: float, price_per_gb: float) -> None:
        self.who = who
        self._calls = calls
        self._usd = usd
        self._price_per_gb = price_per_gb
        self._lock = threading.Lock()
        self._made = 0
        self._scanned = 0.0
        self.spent: BudgetSpent | None = None  # the refusal, once there was one

    def admit(self, operation: str) -> None:
        """Count a request about to be made, or raise `BudgetSpent` (never for StopQuery: it ends a query's billing)."""
        with self._lock:
            refusal = self._refusal() if operation != "stop_query" else None
            if refusal is not None:
                self.spent = refusal
                raise refusal
            self._made += 1

    def reached(self) -> BudgetSpent | None:
        """The refusal the next request would get, if the allowance is spent."""
        with self._lock:
            return self._refusal()

    def scanned(self, bytes_scanned: float) -> None:
        """An Insights query scanned this many bytes (what Logs Insights bills)."""
        with self._lock:
            self._scanned += bytes_scanned

    def _refusal(self) -> BudgetSpent | None:
        if self._made >= self._calls:
            sentence = budget_sentence(self.who, self._made, self._calls, "CloudWatch calls", "turn_cloudwatch_calls")
            return BudgetSpent("turn_cloudwatch_calls", sentence)
        cost = self._scanned / GB * self._price_per_gb
        if cost >= self._usd:
            sentence = budget_sentence(self.who, cost, self._usd, "CloudWatch cost", "turn_cloudwatch_budget")
            return BudgetSpent("turn_cloudwatch_cost", sentence)
        return None


_current: ContextVar[CloudWatchAllowance | None] = ContextVar("logai_cloudwatch_allowance", default=None)


def current() -> CloudWatchAllowance | None:
    """The allowance of the work running in this context (a tool call), if any."""
    return _current.get()


@contextmanager
def spending_from(allowance: CloudWatchAllowance | None) -> Iterator[None]:
    """Run the block (and threads started from it with `asyncio.to_thread`) on `allowance`."""
    token = _current.set(allowance)
    try:
        yield
    finally:
        _current.reset(token)
