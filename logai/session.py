"""A conversation with logai: the agent wired to its model, tools and event bus.

This is the one place that turns settings into live objects. `chat`, `query`
and `demo` open a Session, ask it questions and close it. Every event of a
turn goes to the session's bus as it happens (the metrics recording counts
it there), and the metrics reach the store when the turn ends.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from logai.events import Event, EventBus, TurnDone, TurnStarted
from logai.metrics.collector import MetricsCollector
from logai.runtime import REAL, Runtime

if TYPE_CHECKING:
    from logai.agent.budget import Budgets
    from logai.agent.loop import Agent, ModelClient
    from logai.history.transcript import Transcript
    from logai.logs.source import CloudWatchSource
    from logai.metrics.recording import Recording
    from logai.settings import Settings
    from logai.tools.registry import ToolRegistry


class Session:
    """Asks questions, keeps the conversation, records each turn's events."""

    def __init__(
        self,
        agent: Agent,
        recording: Recording,
        *,
        runtime: Runtime = REAL,
        transcript: Transcript | None = None,
        source: CloudWatchSource | None = None,
    ) -> None:
        """`transcript` keeps the session under LOGAI_HOME (None: history is off); `source` is what the tools read (the REPL lists groups with it)."""
        self.agent = agent
        self.recording = recording
        self.bus = recording.bus
        self.transcript = transcript
        self.source = source
        self._clock = runtime.clock

    @property
    def metrics(self) -> MetricsCollector:
        """What this session counted so far."""
        return self.recording.collector

    async def ask(self, question: str) -> AsyncIterator[Event]:
        """Run one turn; its metrics are stored when it ends, however it ends."""
        started = self._clock()
        finished = False
        self.bus.emit(TurnStarted(question))
        try:
            async for event in self.agent.run_turn(question):
                self.bus.emit(event)
                finished = finished or isinstance(event, TurnDone)
                yield event
        except (asyncio.CancelledError, GeneratorExit):
            if not finished:
                self.bus.emit(TurnDone(answer="", stop_reason="cancelled", duration_s=self._clock() - started))
            raise
        finally:
            self.recording.flush()

    def clear(self) -> None:
        self.agent.clear()

    def close(self) -> None:
        self.recording.close()
        if self.transcript is not None:
            self.transcript.close()


def open_session(
    settings: Settings,
    *,
    command: str,
    bus: EventBus | None = None,
    runtime: Runtime = REAL,
    llm: ModelClient | None = None,
    source: CloudWatchSource | None = None,
) -> Session:
    """Build a Session from settings.

    Subscribe to `bus` before opening to see every event, warnings about the
    metrics store included. `llm` and `source` may be injected (tests, the
    demo); an injected source should write to the same bus.
    """
    from logai.agent.budget import Spending
    from logai.agent.intent import IntentDetector
    from logai.agent.loop import Agent
    from logai.agent.prompt import system_prompt
    from logai.agent.recovery import RecoveryPolicy
    from logai.logs.source import CloudWatchSource
    from logai.metrics.recording import Recording

    bus = bus or EventBus()
    spending = Spending()
    bus.subscribe(spending.observe)  # Insights scans are reported from tool threads, on the bus
    if source is None:
        source = CloudWatchSource.from_settings(settings, runtime=runtime, sink=bus.emit)
    if llm is None:
        from logai.llm.client import LLMClient

        llm = LLMClient.from_settings(settings, runtime=runtime)
    zone = None
    if settings.timezone:
        from zoneinfo import ZoneInfo

        zone = ZoneInfo(settings.timezone)
    agent = Agent(
        llm=llm,
        tools=tool_registry(settings, source, runtime=runtime),
        system_prompt=system_prompt(region=source.region, zone=zone),
        max_tool_rounds=settings.max_tool_rounds,
        max_calls_per_reply=settings.max_calls_per_reply,
        max_calls_per_turn=settings.max_calls_per_turn,
        recovery=RecoveryPolicy(
            auto_retry_enabled=settings.auto_retry_enabled,
            intent_detection_enabled=settings.intent_detection_enabled,
            max_nudges_per_reason=settings.max_nudges_per_reason,
            widen_factor=settings.widen_factor,
        ),
        detector=IntentDetector() if settings.intent_detection_enabled else None,
        # A nudge names a few other groups: one page of names, not the whole account.
        known_groups=lambda: [group.name for group in source.list_groups(None, 50)],
        budgets=budgets(settings),
        spending=spending,
        turn_timeout=settings.turn_timeout,
        tool_timeout=settings.tool_timeout,
        note_tokens=settings.tool_result_tokens,
        clock=runtime.clock,
    )
    transcript = None
    if settings.history_enabled:
        from logai.history.store import prune
        from logai.history.transcript import Transcript

        prune(settings.home, keep_days=settings.history_retention_days, now=runtime.wall_clock())
        transcript = Transcript(settings.home, model=settings.model, wall_clock=runtime.wall_clock, warn=bus.emit)
        bus.subscribe(transcript)  # before the recording opens, so it sees which command this is
    recording = Recording.open(
        bus, home=settings.home, enabled=settings.metrics_enabled, command=command, retention_days=settings.metrics_retention_days
    )
    return Session(agent, recording, runtime=runtime, transcript=transcript, source=source)


def tool_registry(settings: Settings, source: CloudWatchSource, *, runtime: Runtime = REAL) -> ToolRegistry:
    """The evidence tools on `source`, with the settings' limits: what chat's model and MCP clients call."""
    from logai.tools.evidence import EvidenceTools
    from logai.tools.registry import ToolRegistry

    tools = EvidenceTools(
        source,
        budget_tokens=settings.tool_result_tokens,
        max_events=settings.max_search_events,
        insights_timeout=settings.insights_timeout,
        insights_max_days=settings.insights_max_days,
        runtime=runtime,
        price_per_gb=settings.insights_price_per_gb,
        max_gb_per_query=settings.insights_max_gb_per_query,
    )
    return ToolRegistry(tools.functions(), budget_tokens=settings.tool_result_tokens)


def budgets(settings: Settings) -> Budgets:
    """The spending limits the settings name (tokens, model cost, CloudWatch cost and calls)."""
    from logai.agent.budget import Budgets

    return Budgets(
        turn_token_budget=settings.turn_token_budget,
        session_token_budget=settings.session_token_budget,
        turn_cost_budget=settings.turn_cost_budget,
        session_cost_budget=settings.session_cost_budget,
        turn_cloudwatch_budget=settings.turn_cloudwatch_budget,
        session_cloudwatch_budget=settings.session_cloudwatch_budget,
        turn_cloudwatch_calls=settings.turn_cloudwatch_calls,
        insights_price_per_gb=settings.insights_price_per_gb,
    )
