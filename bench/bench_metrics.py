"""Cost of recording one metric, enabled and disabled.

Run: .venv/bin/python bench/bench_metrics.py
Budget: a few microseconds per call enabled, well under one disabled.
"""

from __future__ import annotations

import timeit

from logai.metrics import names
from logai.metrics.collector import MetricsCollector

LABELS = {"tool": "search_logs", "outcome": "ok"}


def nanoseconds_per_call(statement: str, metrics: MetricsCollector, number: int = 200_000) -> float:
    """Best of five runs, in nanoseconds per execution of `statement`."""
    scope = {"metrics": metrics, "names": names, "LABELS": LABELS}
    best = min(timeit.repeat(statement, globals=scope, number=number, repeat=5))
    return best / number * 1e9


def main() -> None:
    cases = {
        "inc (2 labels)": "metrics.inc(names.TOOL_CALLS, LABELS)",
        "inc (no labels)": "metrics.inc(names.TURNS)",
        "observe (1 label)": "metrics.observe(names.TOOL_DURATION_SECONDS, 0.25, {'tool': 'search_logs'})",
        "timer block": "with metrics.timer(names.TOOL_DURATION_SECONDS, {'tool': 'search_logs'}): pass",
    }
    print(f"{'operation':<20} {'enabled ns/op':>14} {'disabled ns/op':>15}")
    for label, statement in cases.items():
        enabled = nanoseconds_per_call(statement, MetricsCollector(enabled=True))
        disabled = nanoseconds_per_call(statement, MetricsCollector(enabled=False))
        print(f"{label:<20} {enabled:>14.0f} {disabled:>15.0f}")


if __name__ == "__main__":
    main()
