"""The two consoles: answers on stdout, activity and errors on stderr.

Both sanitise every plain string they are given to print (table cells
included) before Rich reads it, so text from logs, the model or the store
cannot drive the terminal (see `logai.ui.sanitize`). `Text` and `Markdown`
objects are built from sanitised text where they are made.
"""

from __future__ import annotations

import os
import sys
from functools import cache
from typing import Any

from rich.console import Console
from rich.text import Text

from logai.ui.sanitize import sanitize


class SafeConsole(Console):
    """A Rich console that sanitises the strings it renders."""

    def render_str(self, text: str, **kwargs: Any) -> Text:
        return super().render_str(sanitize(text), **kwargs)

    def on_broken_pipe(self) -> None:
        # Rich exits 1 when the reader went away (`logai … | head`); the CLI
        # ends such a run quietly with 0 (see `logai.cli`), so hand it on.
        self.quiet = True
        raise BrokenPipeError


def _no_color() -> bool:
    return bool(os.environ.get("NO_COLOR"))


@cache
def stdout_console() -> Console:
    return SafeConsole(no_color=_no_color(), soft_wrap=False)


@cache
def stderr_console() -> Console:
    # Off a terminal (a log file, CI) activity lines are not wrapped at 80 columns.
    return SafeConsole(stderr=True, no_color=_no_color(), soft_wrap=not sys.stderr.isatty())
