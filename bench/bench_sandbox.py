"""The sandbox on a million events: Insights filter+stats and pattern, a FilterLogEvents JSON scan, memory.

    .venv/bin/python bench/bench_sandbox.py [--events 1000000] [--repeat 3]

Every figure goes through the sandbox's HTTP front with boto3, as logai
reaches it. Each is reported as events/s and as a ratio to a bare Python
loop, timed in the same run over the same events, that does the same
regular-expression test and 5-minute bucketing (`ratio` > 1: slower than
the bare loop). Resident memory is read after seeding (ru_maxrss).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from logai.sandbox.server import SandboxServer  # noqa: E402

GROUPS = ("/bench/api", "/bench/worker", "/bench/db", "/bench/edge")
LEVELS = ("INFO",) * 12 + ("DEBUG",) * 4 + ("WARN",) * 2 + ("ERROR",)


def events(count: int, now_ms: int) -> list[tuple[str, str, int, str]]:
    """`count` events over the last 6 hours in 4 groups of 8 streams: plain lines and JSON."""
    rng = random.Random(7)
    span = 6 * 3600 * 1000
    out = []
    for i in range(count):
        group = GROUPS[i % len(GROUPS)]
        stream = f"{group.rsplit('/', 1)[1]}/task/{i % 8:02d}"
        level = rng.choice(LEVELS)
        ts = now_ms - span + (i * span) // count
        if i % 3 == 0:
            message = json.dumps({"level": level, "route": f"/v1/items/{rng.randrange(50)}", "status": rng.choice((200, 200, 404, 500)), "ms": rng.randrange(900)})
        else:
            message = f"{level} [req-{rng.randrange(10**6):06d}] handled /v1/items/{rng.randrange(50)} in {rng.randrange(900)} ms"
        out.append((group, stream, ts, message))
    return out


def bare_loop(messages: list[tuple[int, str]]) -> float:
    """The reference: a regex test and 5-minute buckets, in plain Python."""
    started = time.perf_counter()
    pattern = re.compile(r"ERROR")
    buckets: Counter[int] = Counter()
    for ts, message in messages:
        if pattern.search(message):
            buckets[ts - ts % 300_000] += 1
    return time.perf_counter() - started


def bare_pattern(messages: list[tuple[int, str]]) -> float:
    """The reference for `pattern`: the same regex test, then logai's miner over the matches alone."""
    from logai.logs.patterns import PatternMiner

    started = time.perf_counter()
    pattern = re.compile(r"ERROR")
    miner = PatternMiner(strip_headers=False)
    for _, message in messages:
        if pattern.search(message):
            miner.add(message)
    miner.templates()
    return time.perf_counter() - started


def bare_miner(matches: list[str]) -> float:
    """The miner alone over the matches (what the `pattern` stage adds to the filter's scan)."""
    from logai.logs.patterns import PatternMiner

    started = time.perf_counter()
    miner = PatternMiner(strip_headers=False)
    for message in matches:
        miner.add(message)
    miner.templates()
    return time.perf_counter() - started


def run_query(logs: Any, query: str, start_s: int, end_s: int) -> tuple[float, dict[str, Any]]:
    started = time.perf_counter()
    query_id = logs.start_query(logGroupNames=list(GROUPS), startTime=start_s, endTime=end_s, queryString=query)["queryId"]
    while True:
        answer = logs.get_query_results(queryId=query_id)
        if answer["status"] == "Complete":
            return time.perf_counter() - started, answer
        time.sleep(0.01)


def filter_scan(logs: Any, pattern: str) -> tuple[float, int]:
    started = time.perf_counter()
    found = 0
    for group in GROUPS:
        params: dict[str, Any] = {"logGroupName": group, "filterPattern": pattern}
        while True:
            page = logs.filter_log_events(**params)
            found += len(page["events"])
            if "nextToken" not in page:
                break
            params["nextToken"] = page["nextToken"]
    return time.perf_counter() - started, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    server = SandboxServer()
    server.start()
    now_ms = int(time.time() * 1000)
    seeded = events(args.events, now_ms)
    started = time.perf_counter()
    server.app.store.seed(server.region, seeded)
    seed_s = time.perf_counter() - started
    references = [(ts, message) for _, _, ts, message in seeded]
    del seeded
    logs = server.client()
    start_s, end_s = now_ms // 1000 - 7 * 3600, now_ms // 1000 + 1
    # The first query converts moto's events to the engines' records once; time the steady state.
    run_query(logs, "stats count(*)", start_s, end_s)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    rows = []
    for name, measure, reference in (
        (
            "filter like /ERROR/ | stats count(*) by bin(5m)",
            lambda: run_query(logs, "filter @message like /ERROR/ | stats count(*) by bin(5m)", start_s, end_s)[0],
            bare_loop,
        ),
        (
            "filter like /ERROR/ | pattern @message",
            lambda: run_query(logs, "filter @message like /ERROR/ | pattern @message", start_s, end_s)[0],
            bare_pattern,
        ),
        ("FilterLogEvents { $.status = 500 }", lambda: filter_scan(logs, "{ $.status = 500 }")[0], bare_loop),
    ):
        timings, refs = [], []
        for _ in range(args.repeat):
            refs.append(reference(references))
            timings.append(measure())
        took, ref = statistics.median(timings), statistics.median(refs)
        rows.append((name, args.events / took, took / ref, reference.__name__))
    # The pattern stage alone: the pattern query less the same filter with a plain count,
    # against the miner alone over the same matches.
    matches = [message for _, message in references if "ERROR" in message]
    stages, miners = [], []
    for _ in range(args.repeat):
        miners.append(bare_miner(matches))
        with_pattern = run_query(logs, "filter @message like /ERROR/ | pattern @message", start_s, end_s)[0]
        counted = run_query(logs, "filter @message like /ERROR/ | stats count(*)", start_s, end_s)[0]
        stages.append(with_pattern - counted)
    stage, miner_alone = statistics.median(stages), statistics.median(miners)
    server.stop()

    print(f"{args.events:,} events seeded in {seed_s:.1f} s; peak resident memory {rss_mb:,.0f} MB")
    print("bare_loop: a regex test and 5-minute buckets; bare_pattern: the regex test, then the miner on the matches")
    print(f"{'what':50} {'events/s':>12} {'ratio':>7}  reference")
    for name, rate, ratio, against in rows:
        print(f"{name:50} {rate:12,.0f} {ratio:7.1f}  {against}")
    print(
        f"the pattern stage over {len(matches):,} matches: {stage:.2f} s; the miner alone on them: {miner_alone:.2f} s "
        f"(ratio {stage / miner_alone:.2f})"
    )


if __name__ == "__main__":
    main()
