"""What every command shares: loading settings, the runtime, failing with one clear sentence."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, NoReturn

import typer

if TYPE_CHECKING:
    from logai.runtime import Runtime
    from logai.settings import Settings

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def fail(message: str, code: int = EXIT_FAILURE, hint: str | None = None) -> NoReturn:
    """Print one sentence (and a hint) on stderr and exit with `code`.

    The sentence may quote a group name or a server's words: it is sanitised.
    """
    from logai.ui.sanitize import sanitize

    text = f"logai: {message}"
    if hint:
        text += f"\n  hint: {hint}"
    print(sanitize(text), file=sys.stderr)
    raise typer.Exit(code)


def settings_or_exit(**flags: Any) -> Settings:
    """Settings from flags, environment and file; a config problem exits 2."""
    from logai.settings import ConfigError, load_settings

    try:
        return load_settings(**flags)
    except ConfigError as exc:
        fail(str(exc), EXIT_USAGE)


def runtime_of(ctx: typer.Context) -> Runtime:
    """The clocks and sleeps a command runs with: the real ones, or a test's (`invoke(…, obj=Runtime(…))`)."""
    from logai.runtime import REAL, Runtime

    obj = ctx.find_root().obj
    return obj if isinstance(obj, Runtime) else REAL
