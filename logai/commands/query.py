"""`logai query "…"`: one question, one answer."""

from __future__ import annotations

import sys
from typing import Any

import typer

from logai.commands.common import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, fail, runtime_of, settings_or_exit

QUESTION_HELP = 'The question, in plain words ("-" reads it from stdin).'


def query(
    ctx: typer.Context,
    question: str = typer.Argument(..., help=QUESTION_HELP, show_default=False),
    json_output: bool = typer.Option(False, "--json", help="Print one JSON object: answer, tool calls, usage."),
    stats: bool = typer.Option(False, "--stats", help="Print a metrics summary on stderr after the answer."),
    model: str | None = typer.Option(None, "--model", "-m", help="litellm model string (overrides LOGAI_MODEL)."),
    profile: str | None = typer.Option(None, "--profile", help="AWS profile."),
    region: str | None = typer.Option(None, "--region", help="AWS region."),
    max_rounds: int | None = typer.Option(None, "--max-rounds", min=1, max=50, help="Tool rounds before the model must answer."),
) -> None:
    """Ask one question; the answer goes to stdout, tool activity to stderr."""
    if question == "-":
        question = sys.stdin.read()
    if not question.strip():
        fail("the question is empty.", 2, hint='logai query "why did checkout fail at 14:05?"')
    settings = settings_or_exit(model=model, aws_profile=profile, aws_region=region, max_tool_rounds=max_rounds)
    if settings.model:
        # litellm takes seconds to import: import it while the AWS client and
        # the metrics store are set up, not after.
        import threading

        from logai.llm.client import warm_up

        threading.Thread(target=warm_up, name="litellm-warm-up", daemon=True).start()
    from logai.commands.running import TurnRecord, open_or_exit, print_warnings, run_turn
    from logai.events import EventBus
    from logai.ui.console import stderr_console, stdout_console

    err = stderr_console()
    record = TurnRecord()
    bus = EventBus(record, print_warnings(err))
    session = open_or_exit(settings, command="query", runtime=runtime_of(ctx), bus=bus)
    try:
        done = run_turn(session, question, show=not json_output)
    finally:
        session.close()
    if json_output:
        import json

        payload: dict[str, Any] = {
            "answer": done.answer,
            "stop_reason": done.stop_reason,
            "error": done.error,
            "model": settings.model,
            **record.as_dict(),
            "usage": done.usage,
        }
        if stats:
            payload["metrics"] = session.metrics.export_summary()
        from logai.ui.sanitize import json_safe

        stdout_console().file.write(json_safe(json.dumps(payload, ensure_ascii=False, default=str)) + "\n")
    elif stats:
        from logai.ui.summary import session_summary

        err.print(session_summary(session.metrics.export_summary()))
    if done.stop_reason != "error":
        raise typer.Exit(EXIT_OK)
    raise typer.Exit(EXIT_USAGE if done.setup_error else EXIT_FAILURE)


def register(app: typer.Typer) -> None:
    app.command("query")(query)
