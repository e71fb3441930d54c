"""Measure the sandbox's Logs Insights engine against a bare Python loop doing the same work.

    .venv/bin/python bench/bench_insights.py               # 1,000,000 events, median of 3 runs
    .venv/bin/python bench/bench_insights.py --events 200000 --runs 5

Two queries over the same synthetic events (plain text and JSON lines, eight
streams, 2% ERROR lines, one day):

- `filter @message like /ERROR/ | stats count(*) by bin(5m)`, against a loop
  that checks the time range, runs the same regex and counts 5-minute buckets;
- `filter @message like /ERROR/ | pattern @message`, against a loop that runs
  the regex and feeds the matching lines to logai's PatternMiner.

Both sides run in the same process on the same events; each figure is the
median of the runs, as events per second and as engine time / loop time.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from logai.logs.patterns import PatternMiner  # noqa: E402
from logai.sandbox.insights import execute, parse_query  # noqa: E402
from logai.sandbox.records import StoredEvent  # noqa: E402

START_MS = 1_790_000_000_000
DAY_MS = 86_400_000
BUCKET_MS = 300_000

_PLAIN = (
    "INFO  [http-nio-8080-exec-{n}] c.e.api.OrderController: GET /orders/{id} 200 in {ms} ms",
    "DEBUG [pool-2-thread-{n}] c.e.cache.RedisCache: cache hit for key order:{id}",
    "WARN  [http-nio-8080-exec-{n}] c.e.api.RateLimiter: client 10.0.{n}.{m} near its limit ({ms} req/min)",
    "INFO  [scheduler-1] c.e.jobs.Cleanup: removed {m} expired sessions",
)
_ERRORS = (
    "ERROR [http-nio-8080-exec-{n}] c.e.db.Pool: connection to db-{m}.internal:5432 timed out after {ms} ms",
    "ERROR [pool-2-thread-{n}] c.e.pay.Client: payment {id} failed: upstream returned 503",
)


def synthetic_events(count: int, seed: int = 7) -> list[StoredEvent]:
    """`count` events over one day: 70% plain text, 30% JSON, 2% of lines with ERROR, in time order."""
    rng = random.Random(seed)
    events: list[StoredEvent] = []
    for index in range(count):
        at = START_MS + index * DAY_MS // count
        n, m, ms, order = rng.randrange(40), rng.randrange(250), rng.randrange(2, 900), rng.randrange(10**6)
        error = rng.random() < 0.02
        if rng.random() < 0.3:
            level = "ERROR" if error else rng.choice(("INFO", "DEBUG", "WARN"))
            message = (
                f'{{"level":"{level}","service":"orders","requestId":"r-{order:06d}",'
                f'"latencyMs":{ms},"msg":"{"payment failed" if error else "handled request"}"}}'
            )
        else:
            template = rng.choice(_ERRORS if error else _PLAIN)
            message = "2026-09-21 10:00:00.000 " + template.format(n=n, m=m, ms=ms, id=order)
        events.append(StoredEvent(at, message, "/app/orders", f"orders-{index % 8}", at + 40, str(index)))
    return events


def bare_stats(events: list[StoredEvent], start: int, end: int) -> dict[int, int]:
    search = re.compile("ERROR").search
    counts: dict[int, int] = {}
    for event in events:
        at = event.timestamp_ms
        if start <= at <= end and search(event.message) is not None:
            bucket = at - at % BUCKET_MS
            counts[bucket] = counts.get(bucket, 0) + 1
    return counts


def bare_pattern(events: list[StoredEvent], start: int, end: int) -> int:
    search = re.compile("ERROR").search
    miner = PatternMiner(strip_headers=False)
    for event in events:
        if start <= event.timestamp_ms <= end and search(event.message) is not None:
            miner.add(event.message)
    return len(miner.templates())


def median_seconds(work: Callable[[], object], runs: int) -> float:
    timings = []
    for _ in range(runs):
        began = time.perf_counter()
        work()
        timings.append(time.perf_counter() - began)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    events = synthetic_events(args.events)
    start, end = START_MS, START_MS + DAY_MS
    cases = (
        ("filter | stats count(*) by bin(5m)", "filter @message like /ERROR/ | stats count(*) by bin(5m)", bare_stats),
        ("filter | pattern @message", "filter @message like /ERROR/ | pattern @message", bare_pattern),
    )
    print(f"{args.events:,} events, median of {args.runs} runs")
    print(f"{'query':38} {'engine ev/s':>14} {'loop ev/s':>14} {'ratio':>7}")
    for label, text, bare in cases:
        query = parse_query(text)
        engine = median_seconds(lambda: execute(query, events, start_ms=start, end_ms=end), args.runs)
        loop = median_seconds(lambda: bare(events, start, end), args.runs)
        print(f"{label:38} {len(events) / engine:14,.0f} {len(events) / loop:14,.0f} {engine / loop:7.2f}")
    output = execute(parse_query(cases[0][1]), events, start_ms=start, end_ms=end)
    assert len(output.rows) == len(bare_stats(events, start, end)), "engine and loop disagree"


if __name__ == "__main__":
    main()
