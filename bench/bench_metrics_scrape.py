"""A scrape of the metrics store as it grows: 10k observations against 1M.

Run: .venv/bin/python bench/bench_metrics_scrape.py [--sizes 10000 1000000]
Budget: a scrape of a store that has received 1M observations within 2x of one
that has received 10k. Each store is filled the way sessions fill it (one
flush per session of 1,000 observations over the usual series); a scrape is
the Prometheus text of the running totals, opened read-only as `logai
metrics --prometheus` and `--serve` do. The per-session read (the old scrape,
still what `--since` and the table use) is timed beside it for comparison.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from logai.metrics import names
from logai.metrics.collector import MetricsCollector
from logai.metrics.exposition import render_prometheus
from logai.metrics.store import MetricsStore

PER_SESSION = 1_000
SERIES = [
    (names.TOOL_DURATION_SECONDS, {"tool": tool}) for tool in ("search_logs", "read_log_stream", "run_insights_query", "list_log_groups")
] + [(names.LLM_REQUEST_SECONDS, {}), (names.TURN_DURATION_SECONDS, {}), (names.RETRY_BACKOFF_SECONDS, {"attempt": "1"})]


def fill(home: Path, observations: int) -> None:
    rng = random.Random(7)
    with MetricsStore(home) as store:
        for _ in range(observations // PER_SESSION):
            collector = MetricsCollector()
            collector.inc(names.TURNS, {"outcome": "answered"})
            collector.inc(names.TOOL_CALLS, {"tool": "search_logs", "outcome": "ok"}, 3)
            for _ in range(PER_SESSION):
                name, labels = SERIES[rng.randrange(len(SERIES))]
                collector.observe(name, rng.expovariate(2.0), labels)
            session = store.start_session("query")
            store.flush(session, collector)
            store.end_session(session)


def best_of(repeat: int, action) -> float:  # type: ignore[no-untyped-def]
    timings = []
    for _ in range(repeat):
        began = time.perf_counter()
        action()
        timings.append(time.perf_counter() - began)
    return min(timings)


def scrape(home: Path) -> str:
    with MetricsStore(home, read_only=True) as store:
        return render_prometheus(store.running_totals())


def per_session_read(home: Path) -> str:
    with MetricsStore(home, read_only=True) as store:
        return render_prometheus(store.totals())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    args = parser.parse_args()
    results: dict[int, float] = {}
    print(f"{'observations':>12} {'fill s':>8} {'scrape ms':>10} {'per-session read ms':>20}")
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as folder:
            home = Path(folder)
            began = time.perf_counter()
            fill(home, size)
            filled = time.perf_counter() - began
            results[size] = best_of(20, lambda: scrape(home))
            old = best_of(3, lambda: per_session_read(home))
            print(f"{size:>12,} {filled:>8.1f} {results[size] * 1000:>10.1f} {old * 1000:>20.1f}")
    smallest, largest = min(results), max(results)
    ratio = results[largest] / results[smallest]
    print(f"scrape at {largest:,} / at {smallest:,}: {ratio:.2f}x (budget 2x)")


if __name__ == "__main__":
    main()
