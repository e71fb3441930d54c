"""Measure filter-pattern matching against a bare `re.search` loop over the same events.

    .venv/bin/python bench/bench_filterpattern.py                 # 1M events, median of 3
    .venv/bin/python bench/bench_filterpattern.py --events 200000 --repeat 5

The events are synthetic and mixed as a busy log group is: plain application
lines, Apache access lines and JSON objects. Each filter pattern is timed next
to the regex a person would write for the same question, in the same run, with
the same loop; the ratio is pattern time over regex time (below 1: faster).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from logai.sandbox.filterpattern import compile_pattern  # noqa: E402

Matcher = Callable[[str], bool]

LEVELS = ("INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR")
MESSAGES = (
    "request completed",
    "cache miss for key user:{n}",
    "Timeout waiting for upstream after {n} ms",
    "connection reset by peer",
    "retrying job {n}",
    "payment declined for order {n}",
)


def build_events(count: int, seed: int = 7) -> list[str]:
    """`count` events: half plain lines, a fifth access lines, the rest JSON objects."""
    rng = random.Random(seed)
    events: list[str] = []
    for number in range(count):
        roll = rng.random()
        level = rng.choice(LEVELS)
        text = rng.choice(MESSAGES).format(n=rng.randrange(100_000))
        if roll < 0.5:
            events.append(f"2024-05-01T12:{number % 60:02d}:00.000Z {level} [worker-{number % 8}] {text}")
        elif roll < 0.7:
            status = rng.choice((200, 200, 200, 301, 404, 500, 503))
            events.append(
                f'10.0.{number % 256}.{rng.randrange(256)} - frank [01/May/2024:12:00:00 +0000] '
                f'"GET /api/items/{number} HTTP/1.1" {status} {rng.randrange(50, 5000)}'
            )
        else:
            body = {"level": level, "message": text, "latency": rng.randrange(1000), "service": "checkout"}
            events.append(json.dumps(body))
    return events


def regex_matcher(expression: str) -> Matcher:
    search = re.compile(expression).search
    return lambda message: search(message) is not None


def regex_without(wanted: str, unwanted: str) -> Matcher:
    find, avoid = re.compile(wanted).search, re.compile(unwanted).search
    return lambda message: find(message) is not None and avoid(message) is None


# (label, filter pattern, the comparable regex matcher)
CASES: list[tuple[str, str, Matcher]] = [
    ("term", "ERROR", regex_matcher("ERROR")),
    ("OR", "?ERROR ?WARN", regex_matcher("ERROR|WARN")),
    ("exclusion", "ERROR -Timeout", regex_without("ERROR", "Timeout")),
    ("JSON", '{ $.level = "ERROR" && $.latency >= 500 }', regex_matcher(r'"level": "ERROR".*"latency": [5-9]\d\d\b')),
    (
        "space-delimited",
        "[ip, user, username, timestamp, request, status_code = 5*, bytes >= 1000]",
        regex_matcher(r'^\S+ \S+ \S+ \[[^\]]*\] "[^"]*" 5\S* [1-9]\d{3,}$'),
    ),
]


def seconds(matches: Matcher, events: Sequence[str]) -> tuple[float, int]:
    """Time one pass; the count of matches keeps the work from being optimised away and is checked."""
    started = time.perf_counter()
    found = 0
    for message in events:
        if matches(message):
            found += 1
    return time.perf_counter() - started, found


def median_seconds(matches: Matcher, events: Sequence[str], repeat: int) -> tuple[float, int]:
    runs = [seconds(matches, events) for _ in range(repeat)]
    return statistics.median(elapsed for elapsed, _ in runs), runs[0][1]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    events = build_events(args.events)
    print(f"{len(events):,} events, median of {args.repeat}")
    print(f"{'pattern':<16} {'matches':>9} {'events/s':>12} {'regex ev/s':>12} {'ratio':>6}")
    for label, text, regex in CASES:
        pattern = compile_pattern(text)
        ours, found = median_seconds(pattern.matches, events, args.repeat)
        theirs, regex_found = median_seconds(regex, events, args.repeat)
        if found != regex_found:
            raise SystemExit(f"{label}: the pattern matched {found:,} events but the regex {regex_found:,}")
        print(
            f"{label:<16} {found:>9,} {len(events) / ours:>12,.0f} {len(events) / theirs:>12,.0f} {ours / theirs:>6.2f}"
        )


if __name__ == "__main__":
    main()
