"""Seeded log events for the Logs Insights tests, the helpers that run queries over them,
and the tests of what every query reports: statistics, the time range and the row cap.

The events mix the log shapes the docs' sample queries are written for: an
application's text lines (levels, exceptions, the `user=…, method:…` and
`[ERROR] {…} The error was: …` lines of the parse examples), JSON lines with
nested objects and arrays, Lambda START/END/REPORT lines and VPC flow
records, over several streams and three log groups, shuffled. Tests compute
their expected rows from these same events with plain Python.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from typing import Any

from logai.sandbox.insights import QueryOutput, execute, parse_query
from logai.sandbox.records import StoredEvent

ACCOUNT = "123456789012"
BASE_MS = 1_790_000_000_000  # 2026-09-21 14:13:20 UTC
APP_GROUP, LAMBDA_GROUP, VPC_GROUP = "/app/orders", "/aws/lambda/checkout", "/vpc/flow"
LEVELS = ("INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR")
USERS = ("alice", "bob", "carol")


def _app_events(rng: random.Random, count: int) -> list[StoredEvent]:
    events = []
    for index in range(count):
        at = BASE_MS + index * 8_017
        stream = rng.choice(("web-1", "web-2", "worker-1"))
        kind = rng.random()
        if kind < 0.40:
            level = rng.choice(LEVELS)
            message = f"2026-09-21T14:00:00Z {level} [exec-{rng.randrange(4)}] OrderService: order {rng.randrange(900)} handled in {rng.randrange(2, 400)} ms"
        elif kind < 0.70:
            document: dict[str, Any] = {
                "level": rng.choice(LEVELS).lower(),
                "status": rng.choice((200, 200, 201, 404, 500, 503)),
                "latencyMs": rng.randrange(1, 2500),
                "userIdentity": {"type": "IAMUser", "userName": rng.choice(USERS)},
                "requestParameters": {"instancesSet": {"items": [{"instanceId": f"i-{rng.randrange(16):04x}"}]}},
                "srcIp": f"10.{rng.randrange(3)}.{rng.randrange(4)}.{rng.randrange(1, 255)}",
            }
            if rng.random() < 0.3:
                document["retries"] = rng.randrange(1, 4)
            message = json.dumps(document)
        elif kind < 0.82:
            message = f"user={rng.choice(USERS)}, method:{rng.choice(('GET', 'PUT'))}, latency := {rng.randrange(5, 300)}"
        elif kind < 0.92:
            message = f"25 May 2019 10:24:39,474 [ERROR] {{foo={rng.randrange(5)}, bar=data}} The error was: {rng.choice(('DataIntegrityException', 'TimeoutException'))}"
        else:
            message = f"java.lang.IllegalStateException: cart {rng.randrange(50)} is locked"
        events.append(StoredEvent(at, message, APP_GROUP, stream, at + rng.randrange(50, 900), f"app-{index}"))
    return events


def _lambda_events(rng: random.Random, invocations: int) -> list[StoredEvent]:
    events = []
    for index in range(invocations):
        at = BASE_MS + index * 97_003
        request = f"{index:08x}-3c1f-4a1e-9c7d-{rng.randrange(16**12):012x}"
        stream = f"2026/09/21/[$LATEST]{index % 2:032x}"
        duration = round(rng.uniform(20, 2200), 2)
        init = f"\tInit Duration: {round(rng.uniform(100, 400), 2)} ms" if index % 5 == 0 else ""
        lines = (
            f"START RequestId: {request} Version: $LATEST",
            f"2026-09-21T14:00:00.000Z\t{request}\tINFO\tcharged {rng.randrange(5, 90)} EUR",
            f"END RequestId: {request}",
            f"REPORT RequestId: {request}\tDuration: {duration} ms\tBilled Duration: {int(duration) + 1} ms\t"
            f"Memory Size: 512 MB\tMax Memory Used: {rng.randrange(60, 300)} MB{init}",
        )
        for offset, message in enumerate(lines):
            events.append(StoredEvent(at + offset, message, LAMBDA_GROUP, stream, at + offset + 20, f"fn-{index}-{offset}"))
    return events


def _vpc_events(rng: random.Random, count: int) -> list[StoredEvent]:
    events = []
    for index in range(count):
        at = BASE_MS + index * 61_001
        source = f"{rng.choice(('192.0.2', '198.51.100', '10.0.1'))}.{rng.randrange(1, 30)}"
        action = "REJECT" if rng.random() < 0.2 else "ACCEPT"
        status = "SKIPDATA" if rng.random() < 0.05 else "OK"
        message = (
            f"2 {ACCOUNT} eni-0a1b2c3d {source} 172.31.16.{rng.randrange(1, 9)} {rng.randrange(1024, 65535)} "
            f"{rng.choice((22, 443, 5432))} {rng.choice((6, 17))} {rng.randrange(1, 60)} {rng.randrange(40, 90000)} "
            f"{at // 1000} {at // 1000 + 60} {action} {status}"
        )
        events.append(StoredEvent(at, message, VPC_GROUP, "eni-0a1b2c3d-all", at + 5_000, f"vpc-{index}"))
    return events


def seeded_events(seed: int = 11) -> list[StoredEvent]:
    rng = random.Random(seed)
    events = _app_events(rng, 420) + _lambda_events(rng, 30) + _vpc_events(rng, 60)
    rng.shuffle(events)
    return events


EVENTS = seeded_events()
APP = [event for event in EVENTS if event.log_group == APP_GROUP]
END_MS = max(event.timestamp_ms for event in EVENTS)


def run(text: str, events: list[StoredEvent] | None = None, **options: Any) -> QueryOutput:
    """Run a query over the seeded events (or `events`), over their whole time range by default."""
    options.setdefault("start_ms", BASE_MS)
    options.setdefault("end_ms", END_MS)
    return execute(parse_query(text), EVENTS if events is None else events, account_id=ACCOUNT, **options)


def table(output: QueryOutput, *, pointers: bool = False) -> list[dict[str, str]]:
    """The result rows as dicts (`@ptr` left out unless asked for)."""
    return [{name: value for name, value in row if pointers or name != "@ptr"} for row in output.rows]


def newest_first(events: list[StoredEvent]) -> list[StoredEvent]:
    return sorted(events, key=lambda event: event.timestamp_ms, reverse=True)


def stamp(ms: int) -> str:
    """A timestamp as GetQueryResults prints it, worked out with datetime."""
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{ms % 1000:03d}"


def json_of(event: StoredEvent) -> dict[str, Any] | None:
    return json.loads(event.message) if event.message.startswith("{") else None


# --- statistics, time range and row cap ---------------------------------------------------


def test_statistics_count_the_events_in_range_and_those_the_filters_keep() -> None:
    start, end = BASE_MS + 600_000, BASE_MS + 1_800_000
    in_range = [event for event in EVENTS if start <= event.timestamp_ms <= end]
    matched = [event for event in in_range if "ERROR" in event.message]
    output = run('filter @message like "ERROR" | stats count(*)', start_ms=start, end_ms=end)
    assert output.records_scanned == len(in_range)
    assert output.records_matched == len(matched)
    assert output.bytes_scanned == sum(len(event.message.encode()) for event in in_range)
    assert table(output) == [{"count(*)": str(len(matched))}]


def test_bytes_scanned_counts_utf8_bytes() -> None:
    events = [StoredEvent(BASE_MS, "héllo wörld ✓", APP_GROUP, "s", BASE_MS, "1")]
    assert run("fields @message", events).bytes_scanned == len("héllo wörld ✓".encode())


def test_the_time_range_includes_both_ends() -> None:
    first, last = sorted(EVENTS, key=lambda event: event.timestamp_ms)[10], sorted(EVENTS, key=lambda e: e.timestamp_ms)[20]
    expected = [event for event in EVENTS if first.timestamp_ms <= event.timestamp_ms <= last.timestamp_ms]
    output = run("fields @message", start_ms=first.timestamp_ms, end_ms=last.timestamp_ms)
    assert output.records_scanned == len(expected)
    assert len(output.rows) == len(expected)


def test_at_most_10000_rows_come_back_without_a_limit() -> None:
    events = [StoredEvent(BASE_MS + i, f"line {i}", APP_GROUP, "s", BASE_MS + i, str(i)) for i in range(10_050)]
    output = run("fields @message", events, end_ms=BASE_MS + 20_000)
    assert len(output.rows) == 10_000
    assert output.records_matched == 10_050
    # The newest events are the ones kept.
    assert table(output)[0] == {"@message": "line 10049"}
    assert table(output)[-1] == {"@message": "line 50"}


def test_a_limit_command_can_ask_for_more_than_10000_rows() -> None:
    events = [StoredEvent(BASE_MS + i, f"line {i}", APP_GROUP, "s", BASE_MS + i, str(i)) for i in range(10_050)]
    assert len(run("fields @message | limit 10020", events, end_ms=BASE_MS + 20_000).rows) == 10_020


def test_the_callers_limit_caps_the_rows() -> None:
    assert len(run("fields @message", limit=7).rows) == 7
    assert len(run("fields @message | limit 20", limit=7).rows) == 7


def test_the_seed_is_deterministic_and_covers_every_shape() -> None:
    assert seeded_events() == EVENTS
    groups = {event.log_group for event in EVENTS}
    assert groups == {APP_GROUP, LAMBDA_GROUP, VPC_GROUP}
    assert any(json_of(event) for event in APP) and any(event.message.startswith("REPORT") for event in EVENTS)
    assert EVENTS != sorted(EVENTS, key=lambda event: event.timestamp_ms)  # the engine gets them in any order
