"""What changed: templates new in a window, or much more or less frequent than in a baseline.

Like Logs Insights' `diff`, but built on `pattern` run over both windows in
one batch, so it works wherever `pattern` does. The baseline is the previous
period of the same length (`prev`), or the same window a day (`1d`) or a
week (`7d`) earlier. Rates are compared per hour, so windows of any length
compare fairly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from logai.evidence import queries as q
from logai.evidence.filter import LogFilter
from logai.figures import dollars
from logai.logs.insights import QueryOutcome, run_queries
from logai.logs.source import CloudWatchSource

BASELINES = {"prev": None, "1d": 86_400_000, "7d": 7 * 86_400_000}
# A template "rose" when its hourly rate grew this many times (and by a few events at least); "fell" likewise.
CHANGE_FACTOR = 3.0
CHANGE_MIN_EVENTS = 5
PATTERN_ROWS = 100


@dataclass(frozen=True, slots=True)
class Change:
    """One template's counts in the window and in the baseline, and what that makes it."""

    template: str
    kind: str  # "new", "rose", "fell", "gone"
    window_count: int
    baseline_count: int
    example: str


@dataclass(frozen=True, slots=True)
class Comparison:
    groups: tuple[str, ...]
    window: tuple[int, int]
    baseline: tuple[int, int]
    baseline_name: str
    window_total: int
    baseline_total: int
    changes: tuple[Change, ...]
    bytes_scanned: float
    complete: bool


def baseline_range(start_ms: int, end_ms: int, name: str) -> tuple[int, int]:
    """The baseline window for `name` (prev, 1d, 7d)."""
    if name not in BASELINES:
        raise ValueError(f"the baseline is one of {', '.join(BASELINES)}, not {name!r}")
    shift = BASELINES[name]
    if shift is None:
        return start_ms - (end_ms - start_ms), start_ms - 1
    return start_ms - shift, end_ms - shift


def compare(
    source: CloudWatchSource,
    groups: Sequence[str],
    start_ms: int,
    end_ms: int,
    baseline: str,
    where: LogFilter,
    *,
    timeout_s: float = 60.0,
) -> Comparison:
    """Run `pattern` over the window and the baseline and say which templates changed."""
    base_start, base_end = baseline_range(start_ms, end_ms, baseline)
    query = (q.pattern_query(where.insights()), PATTERN_ROWS)
    window, base = run_queries(
        source, groups, [query, query], start_ms, end_ms, timeout_s=timeout_s, ranges=[(start_ms, end_ms), (base_start, base_end)]
    )
    now_rows, then_rows = _templates(window), _templates(base)
    hours_now = max((end_ms - start_ms) / 3_600_000, 1e-9)
    hours_then = max((base_end - base_start) / 3_600_000, 1e-9)
    changes = []
    for template, (count, example) in now_rows.items():
        before = then_rows.get(template, (0, ""))[0]
        rate_now, rate_then = count / hours_now, before / hours_then
        if before == 0:
            changes.append(Change(template, "new", count, 0, example))
        elif rate_now >= CHANGE_FACTOR * rate_then and count - before * hours_now / hours_then >= CHANGE_MIN_EVENTS:
            changes.append(Change(template, "rose", count, before, example))
        elif rate_then >= CHANGE_FACTOR * rate_now and before * hours_now / hours_then - count >= CHANGE_MIN_EVENTS:
            changes.append(Change(template, "fell", count, before, example))
    for template, (before, example) in then_rows.items():
        if template not in now_rows and before >= CHANGE_MIN_EVENTS:
            changes.append(Change(template, "gone", 0, before, example))
    order = {"new": 0, "rose": 1, "fell": 2, "gone": 3}
    changes.sort(key=lambda c: (order[c.kind], -max(c.window_count, c.baseline_count)))
    return Comparison(
        groups=tuple(groups),
        window=(start_ms, end_ms),
        baseline=(base_start, base_end),
        baseline_name=baseline,
        window_total=sum(count for count, _ in now_rows.values()),
        baseline_total=sum(count for count, _ in then_rows.values()),
        changes=tuple(changes),
        bytes_scanned=window.statistics.get("bytesScanned", 0.0) + base.statistics.get("bytesScanned", 0.0),
        complete=window.complete and base.complete,
    )


def _templates(outcome: QueryOutcome) -> dict[str, tuple[int, str]]:
    return {template: (n, example) for template, n, example in q.pattern_rows(outcome.rows)}


def render_comparison(result: Comparison, where: LogFilter, price_per_gb: float, *, budget_tokens: int) -> str:
    """The changes as the model reads them: figures first, templates (log text) framed, within the budget."""
    from logai.evidence.report import condensed, moment, span_text
    from logai.figures import human_bytes
    from logai.logs.redact import Redactor
    from logai.logs.shaping import UNTRUSTED_NOTE, as_data, estimate_tokens

    start, end = result.window
    base_start, base_end = result.baseline
    names = {"prev": "the period before", "1d": "the same time a day earlier", "7d": "the same time a week earlier"}
    cost = result.bytes_scanned / 1024**3 * price_per_gb
    lines = [
        f"Compared {', '.join(result.groups)} for {where.describe()}: {moment(start, end)} to {moment(end, end)} "
        f"({span_text(end - start)}, {result.window_total:,} matches) against {names[result.baseline_name]}, "
        f"{moment(base_start, end)} to {moment(base_end, end)} ({result.baseline_total:,} matches).",
        f"How computed: Logs Insights `pattern` over both windows ({human_bytes(result.bytes_scanned)} scanned, about {dollars(cost)})."
        + ("" if result.complete else " Note: a query did not finish: counts are partial."),
    ]
    if not result.changes:
        lines.append("No template is new, and none rose or fell sharply.")
        return "\n".join(lines)
    counted = {kind: sum(1 for c in result.changes if c.kind == kind) for kind in ("new", "rose", "fell", "gone")}
    lines.append("Changes: " + ", ".join(f"{n} {kind}" for kind, n in counted.items() if n) + " (count now vs in the baseline):")
    redactor = Redactor()
    body: list[str] = []
    room = budget_tokens - estimate_tokens("\n".join(lines)) - estimate_tokens(UNTRUSTED_NOTE) - 12
    for change in result.changes:
        line = f"{change.kind.upper()} {change.window_count:,} vs {change.baseline_count:,}: {as_data(condensed(change.template), redactor, 240)}"
        if estimate_tokens("\n".join([*body, line])) > room:
            break
        body.append(line)
    return "\n".join([*lines, UNTRUSTED_NOTE, "<log_data>", *body, "</log_data>"])
