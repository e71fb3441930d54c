"""LOGAI_HOME stays private: folders 0700, files 0600, whatever the umask.

What logai keeps there quotes the user's logs and questions: metrics labels,
transcripts, the chat prompt's history (which has held a typed password).
New files are made private where they are created (`logai.home.open_private`,
the metrics store); `tighten` runs when a command starts and takes group and
other access away from whatever an older logai or a loose umask left, with a
warning. It never fails: on a read-only home it warns and the command goes on.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

# A home holds a few files and the transcripts a retention limit keeps; a walk
# past this many entries is not worth the start-up time.
_MAX_ENTRIES = 5_000
_NAMED = 3


def tighten(home: Path) -> list[str]:
    """Remove group and other access under `home`; one warning sentence per outcome (none when all was private)."""
    try:
        entries = [home, *_walk(home)]
    except OSError:
        return []  # no home yet (it is made private when created) or not a folder: nothing to tighten
    tightened: list[str] = []
    refused: list[str] = []
    why = ""
    for path in entries:
        try:
            info = path.lstat()
        except OSError:
            continue  # gone meanwhile
        if stat.S_ISLNK(info.st_mode) or not info.st_mode & 0o077:
            continue
        wanted = 0o700 if stat.S_ISDIR(info.st_mode) else 0o600
        shown = f"{_name(home, path)} ({stat.S_IMODE(info.st_mode):04o} → {wanted:04o})"
        try:
            os.chmod(path, wanted)
        except OSError as exc:
            refused.append(shown)
            why = exc.strerror or str(exc)
            continue
        tightened.append(shown)
    warnings = []
    if tightened:
        warnings.append(f"LOGAI_HOME ({home}) was open to other users; tightened {_listed(tightened)}.")
    if refused:
        warnings.append(
            f"LOGAI_HOME ({home}) is open to other users and logai cannot change that ({why}): {_listed(refused)}; "
            f"run chmod -R go-rwx {home}."
        )
    return warnings


def _walk(home: Path) -> list[Path]:
    found: list[Path] = []
    for root, dirs, files in os.walk(home, onerror=_raise):
        base = Path(root)
        found.extend(base / name for name in (*dirs, *files))
        if len(found) >= _MAX_ENTRIES:
            break
    return found[:_MAX_ENTRIES]


def _raise(error: OSError) -> None:
    raise error


def _name(home: Path, path: Path) -> str:
    return "the folder" if path == home else str(path.relative_to(home))


def _listed(items: list[str]) -> str:
    shown = ", ".join(items[:_NAMED])
    return shown + (f" and {len(items) - _NAMED} more" if len(items) > _NAMED else "")
