"""Log group names: which existing names a mistyped or partial one most likely meant."""

from __future__ import annotations

import difflib
import fnmatch
from collections.abc import Callable, Sequence

MAX_SUGGESTIONS = 5


def closest_group_names(name: str, known: Sequence[str], limit: int = MAX_SUGGESTIONS) -> list[str]:
    """Up to `limit` existing names a mistyped or partial group name most likely meant.

    Case-insensitive: exact matches first, then names containing the given
    name (or its last path segment), then names that merely look alike.
    """
    target = name.strip().lower()
    if not target:
        return []
    segment = target.rstrip("/").rsplit("/", 1)[-1]
    ranked: dict[str, float] = {}
    for candidate in known:
        lowered = candidate.lower()
        tail = lowered.rstrip("/").rsplit("/", 1)[-1]
        likeness = max(
            difflib.SequenceMatcher(None, target, lowered).ratio(),
            difflib.SequenceMatcher(None, segment, tail).ratio(),
        )
        if lowered == target:
            ranked[candidate] = 3.0
        elif target in lowered or (len(segment) >= 3 and segment in lowered):
            ranked[candidate] = 2.0 + likeness / 10
        elif len(tail) >= 3 and tail in target:
            ranked[candidate] = 1.5 + likeness / 10
        elif likeness >= 0.6:
            ranked[candidate] = likeness
    return sorted(ranked, key=lambda c: (-ranked[c], c))[:limit]


GLOB_CHARACTERS = "*?["


def expand_globs(names: Sequence[str], names_with_prefix: Callable[[str], Sequence[str]]) -> tuple[list[str], list[str]]:
    """(`names` with each glob such as `/aws/lambda/*` replaced by the groups it matches, the globs that matched none).

    `names_with_prefix(prefix)` lists the groups whose names start with the
    glob's literal beginning, so a narrow glob reads a few pages, not the account.
    """
    expanded: list[str] = []
    unmatched: list[str] = []
    for name in names:
        cut = min((name.index(c) for c in GLOB_CHARACTERS if c in name), default=-1)
        if cut < 0:
            expanded.append(name)
            continue
        matches = [group for group in names_with_prefix(name[:cut]) if fnmatch.fnmatchcase(group, name)]
        if not matches:
            unmatched.append(name)
        expanded.extend(matches)
    return list(dict.fromkeys(expanded)), unmatched
