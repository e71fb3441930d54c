"""`logai demo`: try logai on a seeded incident, no AWS account needed."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from logai.commands.common import EXIT_FAILURE, EXIT_OK, fail, runtime_of, settings_or_exit

if TYPE_CHECKING:
    from logai.demo.sandbox import Sandbox
    from logai.session import Session
    from logai.settings import Settings

DEFAULT_QUESTION = "Why did checkout start failing about half an hour ago? Find the root cause."


def demo(
    ctx: typer.Context,
    ask: str | None = typer.Option(None, "--ask", help="Ask one question instead of opening a chat."),
    model: str | None = typer.Option(None, "--model", "-m", help="litellm model string (overrides LOGAI_MODEL)."),
    serve: bool = typer.Option(False, "--serve", help="Keep the sandbox running and print how to point logai at it."),
) -> None:
    """An embedded CloudWatch Logs sandbox with a realistic incident.

    With a model set (LOGAI_MODEL or --model) you can chat about it; without
    one, the demo shows what logai reads and what the model would be sent.
    """
    settings = settings_or_exit(model=model)
    from logai.demo.sandbox import REGION, SandboxUnavailable, running_sandbox
    from logai.ui.console import stderr_console

    err = stderr_console()
    runtime = runtime_of(ctx)
    try:
        with running_sandbox() as sandbox:
            err.print(
                f"[dim]demo sandbox: {sandbox.event_count} events in 5 log groups at {sandbox.endpoint_url} "
                f"(moto, {REGION}); nothing leaves this machine except what goes to the model[/]",
                highlight=False,
            )
            if serve:
                _serve(sandbox)
                return
            if not settings.model:
                _tour(settings, sandbox)
                raise typer.Exit(EXIT_OK)
            from logai.commands.running import open_or_exit, print_warnings
            from logai.events import EventBus

            bus = EventBus(print_warnings(err))
            source = sandbox.source(settings, runtime=runtime, sink=bus.emit)
            session = open_or_exit(settings, command="demo", runtime=runtime, bus=bus, source=source)
            if ask is not None:
                _ask(session, ask or DEFAULT_QUESTION)
            else:
                err.print(f"[dim]try: {DEFAULT_QUESTION}[/]", highlight=False)
                from logai.commands.chat import run_chat

                run_chat(session, history=None)
    except SandboxUnavailable as exc:
        fail(str(exc), EXIT_FAILURE)


def _ask(session: Session, question: str) -> None:
    from logai.commands.running import run_turn

    try:
        done = run_turn(session, question, show=True)
    finally:
        session.close()
    if done.stop_reason == "error":
        raise typer.Exit(EXIT_FAILURE)


def _serve(sandbox: Sandbox) -> None:
    import threading

    from logai.ui.console import stdout_console

    out = stdout_console()
    out.print("The sandbox runs until Ctrl-C. In another shell:", highlight=False)
    for key, value in sandbox.environment().items():
        out.print(f"  export {key}={value}", highlight=False, soft_wrap=True)
    out.print("  logai logs groups\n  logai query 'why is checkout failing?'", highlight=False)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        out.print("sandbox stopped", highlight=False)


def _tour(settings: Settings, sandbox: Sandbox) -> None:
    """No model: show the sandbox through the same tools the model would call."""
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    from logai.demo.incident import CHECKOUT
    from logai.tools.cloudwatch import LogTools
    from logai.ui.console import stdout_console

    out = stdout_console()
    source = sandbox.source(settings)
    tools = LogTools(source, budget_tokens=settings.tool_result_tokens, max_events=settings.max_search_events)
    table = Table("log group", "stored bytes", "retention", title="Log groups in the sandbox", title_justify="left")
    for group in source.list_groups():
        retention = f"{group.retention_days} d" if group.retention_days else "never expires"
        table.add_row(group.name, f"{group.stored_bytes:,}", retention)
    out.print(table)
    result = tools.search_logs([CHECKOUT], filter_pattern="ERROR", start="1h")
    out.print(
        Panel(
            Text(result.text),
            title=f"What the model is sent for search_logs({CHECKOUT!r}, 'ERROR', last 1h)",
            subtitle=result.summary,
            title_align="left",
        )
    )
    out.print(
        "No model is set, so the demo stops here. To ask questions about this incident, set one and run again:\n"
        "  LOGAI_MODEL=openai/gpt-4o-mini OPENAI_API_KEY=… logai demo\n"
        "  LOGAI_MODEL=ollama/llama3.1 logai demo          (a local model)\n"
        "The same reads work without a model: `logai demo --serve`, then `logai logs search …` in another shell.",
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
