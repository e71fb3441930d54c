"""`logai mcp`: logai's read-only evidence tools for any MCP client, over stdio or Streamable HTTP."""

from __future__ import annotations

import importlib.util
import os
import sys
import time
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING

import typer

from logai.commands.common import (
    EXIT_FAILURE,
    EXIT_OK,
    EXIT_USAGE,
    fail,
    runtime_of,
    settings_or_exit,
)

if TYPE_CHECKING:
    from logai.metrics.recording import Recording

INSTALL_HINT = "pip install 'logai[mcp]' (or '.[mcp]' in a checkout; pipx: pipx install 'logai[mcp]')"


def mcp(
    ctx: typer.Context,
    http: bool = typer.Option(False, "--http", help="Serve Streamable HTTP on 127.0.0.1 instead of stdio."),
    port: int = typer.Option(8765, "--port", min=0, max=65535, help="With --http: the port (0: a free one)."),
    profile: str | None = typer.Option(None, "--profile", help="AWS profile."),
    region: str | None = typer.Option(None, "--region", help="AWS region."),
) -> None:
    """logai's read-only evidence tools for any MCP client, over stdio or Streamable HTTP.

    An MCP client (Claude Code, Claude Desktop, Cursor, Kiro…) starts
    `logai mcp` and speaks the Model Context Protocol on its stdin and
    stdout; nothing else is written to stdout. With --http the server
    listens on 127.0.0.1 only, at http://127.0.0.1:PORT/mcp.
    """
    if importlib.util.find_spec("mcp") is None:
        fail("logai mcp needs the MCP SDK, which is not installed.", EXIT_USAGE, hint=INSTALL_HINT)
    settings = settings_or_exit(aws_profile=profile, aws_region=region)
    import anyio

    from logai.events import Event, EventBus, WarningIssued
    from logai.logs.errors import SourceError
    from logai.mcp.calls import interruptible_sleep, open_calls
    from logai.mcp.server import build_server, loopback_socket, serve_http, serve_stdio
    from logai.ui.sanitize import sanitize

    def warn(event: Event) -> None:
        if isinstance(event, WarningIssued):
            print(sanitize(f"logai: warning: {event.message}"), file=sys.stderr)

    runtime = runtime_of(ctx)
    if runtime.sleep is time.sleep:
        # A cancelled call's thread must not sit out its wait before stopping its queries.
        runtime = replace(runtime, sleep=interruptible_sleep)
    try:
        opened = open_calls(settings, bus=EventBus(warn), runtime=runtime)
    except SourceError as exc:
        fail(exc.message, EXIT_USAGE if exc.config else EXIT_FAILURE, exc.hint)
    server = build_server(opened.calls, region=opened.region)
    try:
        if not http:
            if sys.stdin.isatty():
                print("logai mcp speaks the Model Context Protocol on stdin and stdout: add it to an MCP client (see the README).", file=sys.stderr)
            anyio.run(serve_stdio, server, opened.calls, partial(_terminate, opened.recording))
        else:
            try:
                sock = loopback_socket(port)
            except OSError as exc:
                fail(f"logai mcp cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}.", EXIT_FAILURE, hint="pick another --port")
            print(f"logai mcp: Streamable HTTP at http://127.0.0.1:{sock.getsockname()[1]}/mcp (Ctrl-C stops it)", file=sys.stderr, flush=True)
            anyio.run(serve_http, server, sock)
    except KeyboardInterrupt:
        pass  # Ctrl-C is how a person stops a server: a clean exit
    finally:
        opened.recording.close()
    raise typer.Exit(EXIT_OK)


def _terminate(recording: Recording) -> None:
    """End the process at once after SIGTERM (its running calls are stopped by then): a clean exit, metrics kept."""
    recording.close()
    sys.stderr.flush()
    os._exit(EXIT_OK)


def register(app: typer.Typer) -> None:
    app.command("mcp")(mcp)
