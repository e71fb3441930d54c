"""Where LOGAI_HOME is, read without pydantic.

Commands that only read what earlier sessions left (`logai metrics`,
`logai history`) need this one setting, and pydantic-settings takes longer
to import than such a command takes to run. `home_dir` applies the same
order as `Settings` (environment, then the TOML file, then the default) for
this key alone; whenever the answer is not plain (a file it cannot read,
a value that is not a string) it returns None and the caller loads the
full settings, which explain the problem. `tests/test_home.py` checks that
both agree.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import IO

DEFAULT_HOME = Path("~/.local/share/logai")
DEFAULT_CONFIG_PATH = Path("~/.config/logai/config.toml")


def config_path() -> tuple[Path, bool]:
    """The TOML file to read and whether the user named it explicitly (LOGAI_CONFIG)."""
    named = os.environ.get("LOGAI_CONFIG")
    if named:
        return Path(named).expanduser(), True
    return DEFAULT_CONFIG_PATH.expanduser(), False


def home_dir() -> Path | None:
    """LOGAI_HOME as `Settings.home` resolves it, or None when only `Settings` can tell."""
    from_env = os.environ.get("LOGAI_HOME")
    if from_env is not None:
        return Path(from_env).expanduser() if from_env.strip() else None
    path, named = config_path()
    try:
        with open(path, "rb") as handle:
            value = tomllib.load(handle).get("home", str(DEFAULT_HOME))
    except FileNotFoundError:
        if named:
            return None
        value = str(DEFAULT_HOME)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    return Path(value).expanduser() if isinstance(value, str) and value.strip() else None


def private_dir(path: Path) -> Path:
    """`path` as a folder only its owner can enter (0700), made if missing.

    What logai keeps (transcripts, caches) quotes the user's logs.
    """
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def open_private(path: Path, mode: str = "a") -> IO[str]:
    """`path` opened as text, created 0600 (only its owner may read it) in a 0700 folder."""
    private_dir(path.parent)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if mode == "a" else os.O_TRUNC)
    descriptor = os.open(path, flags, 0o600)
    os.fchmod(descriptor, 0o600)
    return os.fdopen(descriptor, mode, encoding="utf-8")
