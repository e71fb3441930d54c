"""Opening a session and running turns: shared by `query`, `chat` and `demo`."""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from logai.commands.common import EXIT_FAILURE, EXIT_USAGE, fail
from logai.events import (
    Event,
    EventBus,
    ModelRequestFinished,
    NudgeInjected,
    RetryScheduled,
    ToolCallFinished,
    TurnDone,
    WarningIssued,
    event_to_dict,
)

if TYPE_CHECKING:
    from rich.console import Console

    from logai.runtime import Runtime
    from logai.session import Session
    from logai.settings import Settings
    from logai.ui.render import TurnView


class TurnRecord:
    """What a turn did, from its events, for `query --json`: tool calls, retries, nudges, warnings, requests."""

    def __init__(self) -> None:
        self.tool_calls: list[dict[str, Any]] = []
        self.retries: list[dict[str, Any]] = []
        self.nudges: list[dict[str, Any]] = []
        self.warnings: list[str] = []
        self.model_requests: list[dict[str, Any]] = []

    def __call__(self, event: Event) -> None:
        if isinstance(event, ToolCallFinished):
            entry = event_to_dict(event)
            entry.pop("result")
            self.tool_calls.append(entry)
        elif isinstance(event, RetryScheduled):
            self.retries.append(event_to_dict(event))
        elif isinstance(event, NudgeInjected):
            self.nudges.append({"reason": event.reason, "attempt": event.attempt})
        elif isinstance(event, WarningIssued):
            self.warnings.append(event.message)
        elif isinstance(event, ModelRequestFinished):
            self.model_requests.append(asdict(event))

    def as_dict(self) -> dict[str, Any]:
        return {
            "tool_calls": self.tool_calls,
            "retries": self.retries,
            "nudges": self.nudges,
            "model_requests": self.model_requests,
            "warnings": self.warnings,
        }


def print_warnings(console: Console) -> Any:
    """An event subscriber that shows each warning on `console` (stderr) as it happens."""
    from rich.text import Text

    from logai.ui.sanitize import sanitize

    def show(event: Event) -> None:
        if isinstance(event, WarningIssued):
            console.print(Text(f"warning: {sanitize(event.message)}", style="yellow"), highlight=False)

    return show


def open_or_exit(settings: Settings, *, command: str, runtime: Runtime, bus: EventBus, **inject: Any) -> Session:
    """A Session, or one clear sentence and the right exit code."""
    from logai.logs.errors import SourceError
    from logai.session import open_session
    from logai.settings import ConfigError

    try:
        if "llm" not in inject:
            settings.require_model()
        return open_session(settings, command=command, bus=bus, runtime=runtime, **inject)
    except ConfigError as exc:
        fail(str(exc), EXIT_USAGE)
    except SourceError as exc:
        # A missing region, profile or credentials is set-up (2); anything else happened at run time (1).
        fail(str(exc), EXIT_USAGE if exc.config else EXIT_FAILURE, hint=exc.hint)


def turn_view(*, show: bool) -> TurnView | None:
    if not show:
        return None
    from logai.ui.console import stderr_console, stdout_console
    from logai.ui.render import TurnView

    out = stdout_console()
    return TurnView(out, stderr_console(), stream_answer=out.is_terminal)


async def consume_turn(session: Session, question: str, view: TurnView | None) -> TurnDone:
    """Run one turn, show its events, and return how it ended."""
    done: TurnDone | None = None
    try:
        async for event in session.ask(question):
            if view is not None:
                view.handle(event)
            if isinstance(event, TurnDone):
                done = event
    finally:
        if view is not None:
            view.close()
    assert done is not None, "a turn always ends with TurnDone"
    return done


def run_turn(session: Session, question: str, *, show: bool) -> TurnDone:
    return asyncio.run(consume_turn(session, question, turn_view(show=show)))
