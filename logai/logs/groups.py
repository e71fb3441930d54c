"""Log group names: which existing names a mistyped or partial one most likely meant."""

from __future__ import annotations

import difflib
from collections.abc import Sequence

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
