"""`logai chat`: a conversation about your logs."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import typer

from logai.commands.common import runtime_of, settings_or_exit
from logai.session import Session


def chat(
    ctx: typer.Context,
    model: str | None = typer.Option(None, "--model", "-m", help="litellm model string (overrides LOGAI_MODEL)."),
    profile: str | None = typer.Option(None, "--profile", help="AWS profile."),
    region: str | None = typer.Option(None, "--region", help="AWS region."),
    max_rounds: int | None = typer.Option(None, "--max-rounds", min=1, max=50, help="Tool rounds per answer."),
) -> None:
    """Chat about your CloudWatch Logs: streamed answers, tool calls as they run."""
    settings = settings_or_exit(model=model, aws_profile=profile, aws_region=region, max_tool_rounds=max_rounds)
    from logai.commands.running import open_or_exit, print_warnings
    from logai.events import EventBus
    from logai.ui.console import stderr_console

    bus = EventBus(print_warnings(stderr_console()))
    session = open_or_exit(settings, command="chat", runtime=runtime_of(ctx), bus=bus)
    run_chat(session, history=settings.home / "history")


def run_chat(session: Session, *, history: Path | None) -> None:
    """The REPL around an open session; prints the session summary at the end.

    When questions were asked and every one failed, the exit code says so
    (1, or 2 when each failure was the set-up's): a script piping questions
    in must not read success.
    """
    import asyncio

    from logai.commands.common import EXIT_FAILURE, EXIT_USAGE
    from logai.commands.running import consume_turn, turn_view
    from logai.events import TurnDone
    from logai.llm.client import warm_up
    from logai.ui.console import stderr_console, stdout_console
    from logai.ui.repl import ChatLoop

    # litellm takes seconds to import: do it while the user types the first question.
    threading.Thread(target=warm_up, name="litellm-warm-up", daemon=True).start()
    console = stdout_console()

    outcomes: list[TurnDone] = []

    async def one_turn(question: str) -> object:
        done = await consume_turn(session, question, turn_view(show=True))
        outcomes.append(done)
        return done

    loop = ChatLoop(session, console, one_turn, history=history)
    try:
        asyncio.run(loop.run(interactive=sys.stdin.isatty()))
    except KeyboardInterrupt:
        pass  # Ctrl-C outside a turn ends the session like Ctrl-D
    finally:
        session.close()
        from logai.ui.summary import session_summary

        stderr_console().print(session_summary(session.metrics.export_summary()))
    if outcomes and all(done.stop_reason == "error" for done in outcomes):
        raise typer.Exit(EXIT_USAGE if all(done.setup_error for done in outcomes) else EXIT_FAILURE)


def register(app: typer.Typer) -> None:
    app.command("chat")(chat)
