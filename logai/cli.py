"""The `logai` command: a thin Typer app that wires commands to the core.

Each command lives in `logai/commands/<name>.py` and registers itself. A
command's module is imported only when that command runs (or completes):
`logai --help` lists the commands from `COMMANDS` below, so it imports none
of them, and help is Click's plain text rather than Typer's Rich panels
(which pull in rich, markdown_it and pygments: half of `--help`'s time).
Anything slow (litellm, boto3, moto, prometheus_client) is imported inside
the command that needs it.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

import typer
from typer.core import TyperGroup

from logai import __version__
from logai.commands.common import EXIT_INTERRUPTED

# logai uses no pydantic plugin, and looking for them reads the metadata of
# every installed package (litellm brings many) before the first setting or
# option is validated.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

# Command name -> the one line `logai --help` shows. `tests/test_cli.py` checks
# each against the command's own help, so the two cannot drift apart.
COMMANDS = {
    "query": "Ask one question; the answer goes to stdout, tool activity to stderr.",
    "chat": "Chat about your CloudWatch Logs: streamed answers, tool calls as they run.",
    "logs": "CloudWatch Logs reads without a model: groups, streams, search, tail, insights.",
    "triage": "The evidence without a model: errors over time per group, onsets, top templates, what is new.",
    "history": "Past chat and query sessions: list, show, export as Markdown.",
    "patterns": "Group log lines into templates (variable parts masked) and count them.",
    "metrics": "Show the metrics every logai session recorded: retries, nudges, tool calls, tokens, timings.",
    "mcp": "logai's read-only evidence tools for any MCP client, over stdio or Streamable HTTP.",
    "config": "Show the effective settings (secrets masked) and what is missing.",
    "demo": "An embedded CloudWatch Logs sandbox with a realistic incident.",
}


@contextmanager
def _closed_pipe_ends_quietly() -> Iterator[None]:
    """A reader that went away (`logai … | head`) is a normal end: exit 0, no traceback."""
    try:
        yield
    except BrokenPipeError:
        _silence(sys.stdout)
        raise typer.Exit(0) from None


class _LazyCommands(TyperGroup):
    """The root group: commands are imported on first use; a closed pipe is not an error."""

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        return load_command(cmd_name) if cmd_name in COMMANDS else None

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        with formatter.section("Commands"):
            formatter.write_dl(list(COMMANDS.items()))

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        with _closed_pipe_ends_quietly():  # `logai --help | head -1`
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx: Any) -> Any:
        with _closed_pipe_ends_quietly():
            return super().invoke(ctx)


@cache
def load_command(name: str) -> Any:
    """The Click command for `name`, from its module's `register(app)`."""
    module = importlib.import_module(f"logai.commands.{name}")
    holder = typer.Typer(rich_markup_mode=None)
    holder.callback()(_root)  # a callback makes `holder` a group, so each command keeps its name
    module.register(holder)
    return typer.main.get_command(holder).commands[name]  # type: ignore[attr-defined]


app = typer.Typer(
    name="logai",
    cls=_LazyCommands,
    help="Ask questions about AWS CloudWatch Logs in plain words.",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        print(f"logai {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version and exit."),
) -> None:
    """Ask questions about AWS CloudWatch Logs in plain words."""


def _silence(stream: Any) -> None:
    """Point `stream`'s descriptor at /dev/null, so Python's own flush at exit cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass  # not a real file (a test's capture): nothing will flush it at exit


def _exit_code(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def main() -> None:
    try:
        app(prog_name="logai")
        code = 0
    except SystemExit as exc:
        code = _exit_code(exc.code)
    except KeyboardInterrupt:
        # Typer turns Ctrl-C inside a command into 130 itself; this covers start-up.
        code = EXIT_INTERRUPTED
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, ValueError):
            _silence(stream)
    if "litellm" in sys.modules:
        # Output and metrics are flushed by now, and a process that imported
        # litellm takes about a second to tear down: leave without it.
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    main()
