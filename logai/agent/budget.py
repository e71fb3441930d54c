"""Spending limits: model tokens and cost per turn and per session, and CloudWatch cost per session.

`Spending` adds up what a session spent: the agent feeds it each request's
`Usage`; the CloudWatch source reports Insights scans on the event bus, from
tool threads, so it is locked. Before each model request the agent asks
`Budgets.reached` whether a limit is spent; the answer is one sentence naming
the budget and the setting that raises it. A turn's CloudWatch calls and cost
are counted where they are made, by the turn's `CloudWatchAllowance` (`Budgets.allowance`).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace

from logai.allowance import GB, CloudWatchAllowance, budget_sentence
from logai.events import Event, InsightsScanned, Usage


@dataclass(frozen=True, slots=True)
class Spent:
    tokens: int = 0
    model_usd: float = 0.0
    scanned_bytes: float = 0.0

    def __sub__(self, other: Spent) -> Spent:
        return Spent(self.tokens - other.tokens, self.model_usd - other.model_usd, self.scanned_bytes - other.scanned_bytes)


class Spending:
    """A session's running totals; `observe` is an event-bus subscriber for Insights scans."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._spent = Spent()

    def add_usage(self, usage: Usage) -> None:
        with self._lock:
            s = self._spent
            self._spent = replace(
                s, tokens=s.tokens + usage.prompt_tokens + usage.completion_tokens, model_usd=s.model_usd + (usage.cost_usd or 0.0)
            )

    def observe(self, event: Event) -> None:
        if isinstance(event, InsightsScanned):
            with self._lock:
                self._spent = replace(self._spent, scanned_bytes=self._spent.scanned_bytes + event.bytes_scanned)

    def snapshot(self) -> Spent:
        with self._lock:
            return self._spent


@dataclass(frozen=True, slots=True)
class Budgets:
    """The limits (settings of the same names); costs in US dollars."""

    turn_token_budget: int = 250_000
    session_token_budget: int = 2_000_000
    turn_cost_budget: float = 0.50
    session_cost_budget: float = 5.00
    turn_cloudwatch_budget: float = 0.10
    session_cloudwatch_budget: float = 1.00
    turn_cloudwatch_calls: int = 300
    insights_price_per_gb: float = 0.005

    def allowance(self, who: str) -> CloudWatchAllowance:
        """What one turn (or one MCP tool call, `who` saying which) may spend on CloudWatch."""
        return CloudWatchAllowance(
            who, calls=self.turn_cloudwatch_calls, usd=self.turn_cloudwatch_budget, price_per_gb=self.insights_price_per_gb
        )

    def reached(self, session: Spent, turn: Spent) -> tuple[str, str] | None:
        """(budget name, sentence) for the first limit spent, or None (a turn's CloudWatch limits: its allowance)."""
        cloudwatch_session = session.scanned_bytes / GB * self.insights_price_per_gb
        checks = (
            ("turn_tokens", "This turn", turn.tokens, self.turn_token_budget, "model tokens", "turn_token_budget"),
            ("session_tokens", "This session", session.tokens, self.session_token_budget, "model tokens", "session_token_budget"),
            ("turn_cost", "This turn", turn.model_usd, self.turn_cost_budget, "model cost", "turn_cost_budget"),
            ("session_cost", "This session", session.model_usd, self.session_cost_budget, "model cost", "session_cost_budget"),
            (
                "session_cloudwatch_cost",
                "This session",
                cloudwatch_session,
                self.session_cloudwatch_budget,
                "CloudWatch cost",
                "session_cloudwatch_budget",
            ),
        )
        for name, who, used, limit, what, setting in checks:
            if used >= limit:
                return name, budget_sentence(who, used, limit, what, setting)
        return None

