"""The two consoles: answers on stdout, activity and errors on stderr."""

from __future__ import annotations

import os
import sys
from functools import cache

from rich.console import Console


def _no_color() -> bool:
    return bool(os.environ.get("NO_COLOR"))


@cache
def stdout_console() -> Console:
    return Console(no_color=_no_color(), soft_wrap=False)


@cache
def stderr_console() -> Console:
    # Off a terminal (a log file, CI) activity lines are not wrapped at 80 columns.
    return Console(stderr=True, no_color=_no_color(), soft_wrap=not sys.stderr.isatty())
