"""Figures written for people: counts with their noun, seconds, bytes, dollars, text cut to a width.

One formatter per kind of figure, shared by the tools, the terminal and the
summaries, so the same quantity reads the same everywhere.
"""

from __future__ import annotations

import math


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """`1 event`, `2,000 events`; `nouns` for plurals that are not noun + s (`queries`)."""
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {nouns or noun + 's'}"


def seconds_text(value: float) -> str:
    """`12 ms`, `470 ms`, `2.5 s`, `118 s`: short and readable."""
    if value < 1:
        return f"{value * 1000:.0f} ms"
    if value >= 10:
        return f"{value:.0f} s"
    return f"{value:.2g} s"


def human_bytes(size: float) -> str:
    """A byte count for people: `512 B`, `1.5 KB`, `3.2 GB` (powers of 1024)."""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


def dollars(amount: float) -> str:
    """`$0`, `$0.000023`, `$0.0042`, `$0.1234`, `$12.50`: two significant digits below a cent,
    so a small cost never reads `$0.0000`."""
    if amount <= 0:
        return "$0"
    if amount >= 1:
        return f"${amount:,.2f}"
    if amount >= 0.01:
        return f"${amount:.4f}"
    if amount < 1e-8:
        return "under $0.00000001"
    rounded = float(f"{amount:.2g}")
    decimals = 1 - math.floor(math.log10(rounded))
    return f"${rounded:.{decimals}f}"


def shortened(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, the last one an ellipsis when it was cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
