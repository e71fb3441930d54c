"""The triage on a terminal: a chart of matches over time per group, onsets, top templates, what is new.

Everything shown from the logs (template text) goes through the terminal
sanitiser. The layout keeps to one line per group and per template, so a
dozen groups fit a screen.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from logai.evidence.report import moment, span_text
from logai.evidence.triage import Triage
from logai.figures import dollars, human_bytes, shortened
from logai.logs.timeparse import iso

_BARS = " ▁▂▃▄▅▆▇█"


def sparkline(counts: tuple[int, ...]) -> str:
    """Counts as block characters, scaled to the largest (an empty bucket is a space, any match at least ▁)."""
    top = max(counts, default=0)
    if not top:
        return " " * len(counts)
    return "".join(_BARS[0] if n == 0 else _BARS[max(1, round(n / top * (len(_BARS) - 1)))] for n in counts)


def show(result: Triage, console: Console, *, price_per_gb: float) -> None:
    from logai.ui.sanitize import sanitize

    timeline = result.timeline
    end = timeline.end_ms
    bucket = span_text(timeline.bucket_ms)
    what = result.where.describe()
    if len(what) > 50:
        what = what[:49].rsplit(",", 1)[0] + ", …"
    console.print(
        Text(f"Triage of {what} from {iso(timeline.start_ms)[:16]}Z to {iso(end)[:16]}Z (a bar per {bucket}, UTC)", style="bold")
    )
    if not timeline.groups:
        console.print(Text(f"No match in {', '.join(timeline.quiet) or 'any group'}."))
    else:
        table = Table(box=None, pad_edge=False, show_header=True, header_style="dim")
        for column in ("group", "over time", "matches", "first", "rose", "peak"):
            table.add_column(column, no_wrap=column != "group", overflow="fold")
        for group in timeline.groups:
            shape = group.shape
            table.add_row(
                sanitize(group.group),
                Text(sparkline(group.counts), style="red"),
                f"{group.total:,}",
                moment(shape.first_ms or 0, end)[:8],
                moment(shape.rise_ms, end)[:8] if shape.rise_ms is not None else "-",
                f"{shape.peak_count:,} at {moment(shape.peak_ms or 0, end)[:5]}",
            )
        console.print(table)
        if timeline.quiet:
            console.print(Text(f"No match in: {', '.join(sanitize(g) for g in timeline.quiet)}", style="dim"))
    if result.templates:
        console.print(Text("Top templates", style="bold"))
        for template in result.templates:
            console.print(Text(f"{template.count:>7,}  ") + Text(_one_line(sanitize(template.template), console.width - 10)))
    comparison = result.comparison
    if comparison is not None:
        fresh = [c for c in comparison.changes if c.kind in ("new", "rose")]
        console.print(Text(f"New or rising against {comparison.baseline_name} ({len(fresh)})", style="bold"))
        for change in fresh[:6]:
            label = f"{change.kind:>4} {change.window_count:>6,} vs {change.baseline_count:<6,} "
            console.print(Text(label, style="yellow") + Text(_one_line(sanitize(change.template), console.width - len(label) - 1)))
    cost = result.bytes_scanned / 1024**3 * price_per_gb
    console.print(Text(f"Logs Insights scanned {human_bytes(result.bytes_scanned)} (about {dollars(cost)}).", style="dim"))


def _one_line(text: str, width: int) -> str:
    return shortened(" ".join(text.split()), max(width, 2))


def as_document(result: Triage, *, price_per_gb: float) -> dict[str, Any]:
    """The triage as JSON-ready data."""
    timeline = result.timeline
    comparison = result.comparison
    return {
        "filter": result.where.describe(),
        "start": iso(timeline.start_ms),
        "end": iso(timeline.end_ms),
        "bucket_seconds": timeline.bucket_ms / 1000,
        "groups": [
            {
                "group": g.group,
                "matches": g.total,
                "first": iso(g.shape.first_ms) if g.shape.first_ms is not None else None,
                "rose": iso(g.shape.rise_ms) if g.shape.rise_ms is not None else None,
                "peak": {"count": g.shape.peak_count, "at": iso(g.shape.peak_ms) if g.shape.peak_ms is not None else None},
                "still_going": bool(g.shape.last_bucket_count),
                "counts": list(g.counts),
            }
            for g in timeline.groups
        ],
        "quiet_groups": list(timeline.quiet),
        "templates": [{"template": t.template, "count": t.count} for t in result.templates],
        "changes": (
            [
                {"kind": c.kind, "template": c.template, "count": c.window_count, "baseline_count": c.baseline_count}
                for c in comparison.changes
            ]
            if comparison is not None
            else None
        ),
        "baseline": comparison.baseline_name if comparison is not None else None,
        "bytes_scanned": result.bytes_scanned,
        "cost_usd": result.bytes_scanned / 1024**3 * price_per_gb,
    }
