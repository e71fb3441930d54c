"""What can go wrong with the metrics file, said in one sentence with a hint.

SQLite reports a full disk, a read-only home and a foreign file in several
ways (result codes, and for some writes a plain I/O error); `unusable` looks
at the code, the words and the file system to tell the user which it was.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

# SQLite's primary result codes.
_READONLY = 8
_IOERR = 10
_FULL = 13
_CANTOPEN = 14
# Less free space than this when a write failed: the disk is full (a page or two is all SQLite needs).
_NEARLY_FULL = 64 * 1024


class MetricsStoreError(Exception):
    """The metrics file cannot be used; `str()` is one sentence, `hint` says what to do."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


def unusable(path: Path, exc: sqlite3.Error) -> MetricsStoreError:
    """The sentence for `exc`, raised while using the metrics file at `path`."""
    text = str(exc)
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
    # SQLite says SQLITE_FULL only for some writes; others (the WAL index) fail
    # as a plain I/O error. The free space says which it was.
    if code == _FULL or "disk is full" in text or (code == _IOERR and _disk_full(path.parent)):
        return MetricsStoreError(
            f"The disk holding the metrics file {path} is full.",
            hint="Free some space, or set LOGAI_HOME to another disk; `logai metrics --prune` drops old detail.",
        )
    # On a read-only home SQLite cannot make its WAL files and says it cannot open the file.
    if code == _READONLY or "readonly" in text or (code == _CANTOPEN and not os.access(path.parent, os.W_OK)):
        return MetricsStoreError(
            f"The metrics file {path} is read-only here.",
            hint="Set LOGAI_HOME to a writable directory to record metrics; `logai metrics` still reads this one.",
        )
    if "locked" in text or "busy" in text:
        return MetricsStoreError(
            f"The metrics file {path} is locked by another process.",
            hint="Try again when the other logai finishes.",
        )
    if isinstance(exc, sqlite3.DatabaseError) and ("not a database" in text or "malformed" in text):
        return MetricsStoreError(
            f"The metrics file {path} is not a logai metrics database ({text}).",
            hint=f"Move {path} aside; logai starts a new one.",
        )
    return MetricsStoreError(f"The metrics file {path} cannot be used: {text}.")


def _disk_full(folder: Path) -> bool:
    try:
        return shutil.disk_usage(folder).free < _NEARLY_FULL
    except OSError:
        return False
