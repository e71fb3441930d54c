"""`logai demo`: try logai on a seeded incident, no AWS account needed."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from logai.commands.common import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, fail, runtime_of, settings_or_exit

if TYPE_CHECKING:
    from logai.sandbox.config import SandboxConfig
    from logai.sandbox.server import SandboxServer
    from logai.session import Session
    from logai.settings import Settings

DEFAULT_QUESTION = "Why did checkout start failing about half an hour ago? Find the root cause."


def demo(
    ctx: typer.Context,
    ask: str | None = typer.Option(None, "--ask", help="Ask one question instead of opening a chat."),
    model: str | None = typer.Option(None, "--model", "-m", help="litellm model string (overrides LOGAI_MODEL)."),
    incident: str | None = typer.Option(None, "--incident", help="Which incident to seed (see --list)."),
    list_incidents: bool = typer.Option(False, "--list", help="List the incidents and exit."),
    serve: bool = typer.Option(False, "--serve", help="Keep the sandbox running and print how to point logai at it."),
    empty: bool = typer.Option(False, "--empty", help="With --serve: start with no log groups (seed your own)."),
    realistic: bool | None = typer.Option(
        None, "--realistic/--plain", help="CloudWatch's rate quotas, latency and query times (sandbox_realistic)."
    ),
    port: int = typer.Option(0, "--port", min=0, max=65535, help="With --serve: the port (default: a free one)."),
) -> None:
    """An embedded CloudWatch Logs sandbox with a realistic incident.

    With a model set (LOGAI_MODEL or --model) you can chat about it; without
    one, the demo shows what logai reads and what the model would be sent.
    """
    from logai.sandbox.incidents import DEFAULT, INCIDENTS

    if list_incidents:
        for name, known in INCIDENTS.items():
            print(f"{name:20} {known.title}")
        raise typer.Exit(EXIT_OK)
    if incident is not None and incident not in INCIDENTS:
        fail(f"there is no incident {incident!r}.", EXIT_USAGE, hint=f"pick one of {', '.join(INCIDENTS)}")
    if empty and (not serve or incident is not None):
        fail("--empty starts an empty sandbox for --serve; it takes no --incident.", EXIT_USAGE)
    settings = settings_or_exit(model=model, sandbox_realistic=realistic)
    from logai.sandbox.server import SandboxUnavailable, running_sandbox
    from logai.ui.console import stderr_console

    err = stderr_console()
    runtime = runtime_of(ctx)
    chosen = None if empty else incident or DEFAULT
    try:
        with running_sandbox(incident=chosen, config=sandbox_config(settings), runtime=runtime, port=port) as sandbox:
            seeded = f"incident {chosen}: {sandbox.event_count:,} events" if chosen else "no log groups yet"
            mode = "realistic" if settings.sandbox_realistic else "plain"
            err.print(
                f"[dim]demo sandbox ({mode}) at {sandbox.url}, {seeded}; nothing leaves this machine "
                "except what goes to the model[/]",
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
    except OSError as exc:
        fail(f"the sandbox cannot listen on port {port}: {exc.strerror or exc}.", EXIT_FAILURE, hint="pick another --port")


def sandbox_config(settings: Settings) -> SandboxConfig:
    """The sandbox's settings from logai's."""
    from logai.sandbox.config import SandboxConfig

    return SandboxConfig(
        realistic=settings.sandbox_realistic,
        quotas=dict(settings.sandbox_quotas),
        latency_s=settings.sandbox_latency,
        query_base_s=settings.sandbox_query_seconds,
        query_per_million_s=settings.sandbox_query_seconds_per_million,
    )


def _ask(session: Session, question: str) -> None:
    from logai.commands.running import run_turn

    try:
        done = run_turn(session, question, show=True)
    finally:
        session.close()
    if done.stop_reason == "error":
        raise typer.Exit(EXIT_FAILURE)


def _serve(sandbox: SandboxServer) -> None:
    import threading

    out = typer.echo
    out("The sandbox runs until Ctrl-C. In another shell:")
    for key, value in sandbox.environment().items():
        out(f"  export {key}={value}")
    out("  logai logs groups\n  logai query 'why is checkout failing?'")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        out("sandbox stopped")


def _tour(settings: Settings, sandbox: SandboxServer) -> None:
    """No model: the triage a person would start from, then how to ask about it."""
    import time

    from logai.commands.triage import ERROR_WORDS, run
    from logai.ui.console import stdout_console

    source = sandbox.source(settings)
    groups = [group.name for group in source.list_groups()]
    if groups:
        now_ms = int(time.time() * 1000)
        width = min(stdout_console().width, 100)
        run(source, groups, now_ms - 3_600_000, now_ms, ERROR_WORDS, "prev", False, settings, width=width)
    typer.echo(
        "\nNo model is set, so the demo stops here. To ask about this incident, set one and run again:\n"
        "  LOGAI_MODEL=openai/gpt-4o-mini OPENAI_API_KEY=… logai demo\n"
        "  LOGAI_MODEL=ollama_chat/llama3.1 logai demo      (a local model)\n"
        "Without a model: `logai demo --serve`, and in another shell\n"
        "  logai triage '/aws/*' '/ecs/*' --baseline prev      or      logai logs search … / tail …"
    )


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
