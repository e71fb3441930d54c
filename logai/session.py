"""A conversation with logai: the agent wired to its model, tools and metrics.

This is the one place that turns settings into live objects. `chat`, `query`
and `demo` open a Session, ask it questions and close it; the metrics of
every turn reach the store when the turn ends.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, TypeVar

from logai.events import Event
from logai.metrics import names
from logai.metrics.collector import MetricsCollector

if TYPE_CHECKING:
    from logai.agent.loop import Agent, ModelClient
    from logai.logs.source import CloudWatchSource
    from logai.metrics.store import MetricsStore
    from logai.settings import Settings


T = TypeVar("T")


class Session:
    """Asks questions, keeps the conversation, records metrics per turn."""

    def __init__(
        self,
        agent: Agent,
        metrics: MetricsCollector,
        *,
        command: str,
        store: MetricsStore | None = None,
    ) -> None:
        self.agent = agent
        self.metrics = metrics
        self.store = store
        self.command = command
        self.warnings: list[str] = []
        self._session_id: str | None = None
        metrics.inc(names.SESSIONS, {"command": command})
        if store is not None:
            self._session_id = self._guard(lambda: store.start_session(command))

    async def ask(self, question: str) -> AsyncIterator[Event]:
        """Run one turn; its metrics are stored when it ends, however it ends."""
        try:
            async for event in self.agent.run_turn(question):
                yield event
        finally:
            self.flush()

    def clear(self) -> None:
        self.agent.clear()

    def flush(self) -> None:
        if self.store is not None and self._session_id is not None:
            session_id = self._session_id
            self._guard(lambda: self.store.flush(session_id, self.metrics))  # type: ignore[union-attr]

    def close(self) -> None:
        self.flush()
        if self.store is not None and self._session_id is not None:
            session_id = self._session_id
            self._guard(lambda: self.store.end_session(session_id))  # type: ignore[union-attr]
            self._session_id = None

    def _guard(self, action: Callable[[], T]) -> T | None:
        """Metrics must never end a session: a store failure becomes one warning."""
        from logai.metrics.store import MetricsStoreError

        try:
            return action()
        except MetricsStoreError as exc:
            message = f"metrics were not saved: {exc}"
            if message not in self.warnings:
                self.warnings.append(message)
            return None


def open_session(
    settings: Settings,
    *,
    command: str,
    llm: ModelClient | None = None,
    source: CloudWatchSource | None = None,
) -> Session:
    """Build a Session from settings. `llm` and `source` may be injected (tests, demo)."""
    from logai.agent.intent import IntentDetector
    from logai.agent.loop import Agent
    from logai.agent.prompt import system_prompt
    from logai.agent.recovery import RecoveryPolicy
    from logai.logs.source import CloudWatchSource
    from logai.tools.cloudwatch import LogTools
    from logai.tools.registry import ToolRegistry

    metrics = MetricsCollector(enabled=settings.metrics_enabled)
    store = None
    if settings.metrics_enabled:
        from logai.metrics.store import MetricsStore, MetricsStoreError

        try:
            store = MetricsStore(settings.home)
        except MetricsStoreError as exc:
            hint = f" ({exc.hint})" if exc.hint else ""
            metrics_warning = f"metrics are off for this session: {exc}{hint}"
        else:
            metrics_warning = None
    else:
        metrics_warning = None

    if source is None:
        source = CloudWatchSource.from_settings(settings)
    if llm is None:
        from logai.llm.client import LLMClient

        llm = LLMClient.from_settings(settings, metrics=metrics)
    tools = LogTools(
        source,
        budget_tokens=settings.tool_result_tokens,
        max_events=settings.max_search_events,
        insights_timeout=settings.insights_timeout,
    )
    agent = Agent(
        llm=llm,
        tools=ToolRegistry(tools.functions()),
        system_prompt=system_prompt(region=source.region),
        metrics=metrics,
        max_tool_rounds=settings.max_tool_rounds,
        recovery=RecoveryPolicy(
            auto_retry_enabled=settings.auto_retry_enabled,
            intent_detection_enabled=settings.intent_detection_enabled,
            max_nudges_per_reason=settings.max_nudges_per_reason,
            widen_factor=settings.widen_factor,
        ),
        detector=IntentDetector() if settings.intent_detection_enabled else None,
        known_groups=source.group_names,
        clock=time.perf_counter,
    )
    session = Session(agent, metrics, command=command, store=store)
    if metrics_warning:
        session.warnings.append(metrics_warning)
    return session
