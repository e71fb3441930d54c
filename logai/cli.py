"""The `logai` command: a thin Typer app that wires commands to the core.

Each command lives in `logai/commands/<name>.py` and registers itself. Those
modules import only Typer at load time; anything slow (litellm, boto3, moto,
prometheus_client) is imported inside the command that needs it, so
`logai --help` stays fast.
"""

from __future__ import annotations

import importlib
import sys

import typer

from logai import __version__
from logai.commands.common import EXIT_INTERRUPTED

_COMMAND_MODULES = ("query", "chat", "logs", "patterns", "metrics", "config", "demo")

app = typer.Typer(
    name="logai",
    help="Ask questions about AWS CloudWatch Logs in plain words.",
    no_args_is_help=True,
    add_completion=False,
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


for _name in _COMMAND_MODULES:
    importlib.import_module(f"logai.commands.{_name}").register(app)


def main() -> None:
    # Typer turns Ctrl-C inside a command into exit code 130 itself; this
    # covers the moment before it takes over (start-up).
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(EXIT_INTERRUPTED)


if __name__ == "__main__":
    main()
