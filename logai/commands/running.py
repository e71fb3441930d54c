"""Opening a session and running turns: shared by `query`, `chat` and `demo`."""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from logai.commands.common import EXIT_FAILURE, EXIT_USAGE, fail

if TYPE_CHECKING:
    from logai.events import TurnDone
    from logai.session import Session
    from logai.settings import Settings
    from logai.ui.render import TurnView


def open_or_exit(settings: Settings, *, command: str, **inject: Any) -> Session:
    """A Session, or one clear sentence and the right exit code."""
    from logai.logs.errors import SourceError
    from logai.session import open_session
    from logai.settings import ConfigError

    try:
        if "llm" not in inject:
            settings.require_model()
        return open_session(settings, command=command, **inject)
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


async def consume_turn(session: Session, question: str, view: TurnView | None) -> tuple[TurnDone, dict[str, Any]]:
    """Run one turn, show its events, and keep a record of what it did."""
    from logai.events import NudgeInjected, RetryScheduled, ToolCallFinished, TurnDone

    record: dict[str, list[dict[str, Any]]] = {"tool_calls": [], "retries": [], "nudges": []}
    done: TurnDone | None = None
    try:
        async for event in session.ask(question):
            if view is not None:
                view.handle(event)
            if isinstance(event, ToolCallFinished):
                entry = asdict(event)
                entry.pop("result")
                record["tool_calls"].append(entry)
            elif isinstance(event, RetryScheduled):
                record["retries"].append(asdict(event))
            elif isinstance(event, NudgeInjected):
                record["nudges"].append({"reason": event.reason, "attempt": event.attempt})
            elif isinstance(event, TurnDone):
                done = event
    finally:
        if view is not None:
            view.close()
    assert done is not None, "a turn always ends with TurnDone"
    return done, record


def run_turn(session: Session, question: str, *, show: bool) -> tuple[TurnDone, dict[str, Any]]:
    return asyncio.run(consume_turn(session, question, turn_view(show=show)))
