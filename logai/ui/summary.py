"""The compact metrics panel shown when `logai chat` ends and after `logai query --stats`."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from logai.figures import dollars, seconds_text
from logai.metrics import names

NONE = "-"


def _counter_items(summary: Mapping[str, Any], name: str) -> list[tuple[dict[str, str], float]]:
    return [(item["labels"], item["value"]) for item in summary.get("counters", []) if item["name"] == name]


def _total(summary: Mapping[str, Any], name: str) -> float:
    return math.fsum(value for _, value in _counter_items(summary, name))


def _by_label(summary: Mapping[str, Any], name: str, label: str) -> dict[str, float]:
    """Counter `name` summed per value of `label` (series without it count as "other")."""
    out: dict[str, float] = {}
    for labels, value in _counter_items(summary, name):
        key = labels.get(label, "other")
        out[key] = out.get(key, 0.0) + value
    return out


def _count(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def _total_with_breakdown(parts: Mapping[str, float]) -> str:
    total = math.fsum(parts.values())
    if not total:
        return "0"
    if len(parts) == 1 and next(iter(parts)) == "other":
        return _count(total)
    shown = ", ".join(f"{key} {_count(value)}" for key, value in sorted(parts.items(), key=lambda kv: (-kv[1], kv[0])))
    return f"{_count(total)} ({shown})"


def _histogram(summary: Mapping[str, Any], name: str) -> Mapping[str, Any] | None:
    """All label sets of histogram `name` merged; None when it has no observations.

    Percentiles of separate series cannot be merged, so without the merged
    figures a name with several series is left out rather than guessed.
    """
    for item in summary.get("histograms_by_name", []):
        if item["name"] == name and item["count"]:
            return item
    series = [item for item in summary.get("histograms", []) if item["name"] == name and item["count"]]
    return series[0] if len(series) == 1 else None


def _percentiles(summary: Mapping[str, Any], name: str, quantiles: tuple[str, ...]) -> str:
    figures = _histogram(summary, name)
    if figures is None:
        return NONE
    shown = " · ".join(f"{q} {seconds_text(figures[q])}" for q in quantiles)
    return f"{shown}  (n={figures['count']})"


def _cloudwatch(summary: Mapping[str, Any]) -> str:
    total, _, breakdown = _total_with_breakdown(_by_label(summary, names.CLOUDWATCH_API_CALLS, "outcome")).partition(" ")
    retried = _total(summary, names.CLOUDWATCH_RETRIES)
    return f"{total} calls" + (f" {breakdown}" if breakdown else "") + (f"; {_count(retried)} retried" if retried else "")


def _tokens(summary: Mapping[str, Any]) -> str:
    tokens = _by_label(summary, names.LLM_TOKENS, "direction")
    cached, written = tokens.get("cached", 0), tokens.get("cache_write", 0)
    cache = ", ".join(part for part in (
        f"{_count(cached)} cached" if cached else "",
        f"{_count(written)} written to cache" if written else "",
    ) if part)
    shown_in = _count(tokens.get("input", 0)) + (f" ({cache})" if cache else "")
    return f"{shown_in} in / {_count(tokens.get('output', 0))} out"


def _cost(summary: Mapping[str, Any]) -> str:
    if not _counter_items(summary, names.LLM_COST_USD):
        return NONE
    cost = _total(summary, names.LLM_COST_USD)
    shown = dollars(cost)
    if not _counter_items(summary, names.LLM_UNCACHED_COST_USD):
        return shown
    # Writing to the cache costs more than reading it saves until a prompt is read back.
    saving = _total(summary, names.LLM_UNCACHED_COST_USD) - cost
    if saving >= 0.00005:
        return f"{shown} (the prompt cache saved {dollars(saving)})"
    if saving <= -0.00005:
        return f"{shown} (writing the prompt cache cost {dollars(-saving)} more)"
    return shown


def session_summary(summary: Mapping[str, Any], *, title: str = "Session metrics") -> Panel:
    """A Panel of the figures that matter after a session, from `MetricsCollector.export_summary()`."""
    budget_out = _total(summary, names.RETRY_MAX_ATTEMPTS_REACHED)
    retries = _total_with_breakdown(_by_label(summary, names.RETRY_ATTEMPTS, "reason"))
    if budget_out:
        retries += f"; gave up {_count(budget_out)}x"

    rows: list[tuple[str, str]] = [
        ("Turns", _total_with_breakdown(_by_label(summary, names.TURNS, "outcome"))),
        ("Tool calls", _total_with_breakdown(_by_label(summary, names.TOOL_CALLS, "outcome"))),
        ("Model requests", _total_with_breakdown(_by_label(summary, names.LLM_REQUESTS, "outcome"))),
        ("Tokens", _tokens(summary)),
        ("Cost", _cost(summary)),
        ("CloudWatch", _cloudwatch(summary)),
        ("Retries", retries),
        ("Nudges", _total_with_breakdown(_by_label(summary, names.RETRY_PROMPT_INJECTED, "reason"))),
        ("Backoff", _percentiles(summary, names.RETRY_BACKOFF_SECONDS, ("p50", "p95"))),
        ("First token", _percentiles(summary, names.LLM_TIME_TO_FIRST_TOKEN_SECONDS, ("p50",))),
    ]
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    for label, value in rows:
        grid.add_row(label, Text(value))
    return Panel(grid, title=title, title_align="left", expand=False)
