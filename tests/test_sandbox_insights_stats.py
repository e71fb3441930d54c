"""The stats command: every aggregate, `by` fields and time bins, named and unnamed columns, and a
second stats over the first, checked against the same sums done in plain Python."""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from logai.sandbox.records import StoredEvent
from tests.test_sandbox_insights_events import APP_GROUP, EVENTS, json_of, run, stamp, table

FIVE_MINUTES = 300_000


def test_count_by_five_minute_bins_newest_first() -> None:
    counts: dict[int, int] = {}
    for event in EVENTS:
        if "ERROR" in event.message:
            bucket = event.timestamp_ms - event.timestamp_ms % FIVE_MINUTES
            counts[bucket] = counts.get(bucket, 0) + 1
    expected = [{"bin(5m)": stamp(bucket), "count(*)": str(n)} for bucket, n in sorted(counts.items(), reverse=True)]
    assert table(run("filter @message like /ERROR/ | stats count(*) by bin(5m)")) == expected


def by_user() -> dict[str, list[tuple[int, dict[str, Any]]]]:
    groups: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for event in EVENTS:
        doc = json_of(event)
        if doc is not None:
            groups.setdefault(doc["userIdentity"]["userName"], []).append((event.timestamp_ms, doc))
    return groups


def nearest_rank(values: list[int], percent: float) -> int:
    ordered = sorted(values)
    return ordered[max(math.ceil(percent / 100 * len(ordered)), 1) - 1]


def latencies(rows: list[tuple[int, dict[str, Any]]]) -> list[int]:
    return [doc["latencyMs"] for _, doc in rows]


AGGREGATES: list[tuple[str, Callable[[list[tuple[int, dict[str, Any]]]], Any]]] = [
    ("count(*)", len),
    ("count()", len),
    ("count(latencyMs)", lambda rows: len(latencies(rows))),
    ("count(retries)", lambda rows: sum(1 for _, doc in rows if "retries" in doc)),
    ("count_distinct(status)", lambda rows: len({doc["status"] for _, doc in rows})),
    ("sum(latencyMs)", lambda rows: sum(latencies(rows))),
    ("avg(latencyMs)", lambda rows: statistics.fmean(latencies(rows))),
    ("min(latencyMs)", lambda rows: min(latencies(rows))),
    ("max(latencyMs)", lambda rows: max(latencies(rows))),
    ("pct(latencyMs, 50)", lambda rows: nearest_rank(latencies(rows), 50)),
    ("pct(latencyMs, 95)", lambda rows: nearest_rank(latencies(rows), 95)),
    ("stddev(latencyMs)", lambda rows: statistics.stdev(latencies(rows))),
    ("earliest(latencyMs)", lambda rows: min(rows, key=lambda row: row[0])[1]["latencyMs"]),
    ("latest(latencyMs)", lambda rows: max(rows, key=lambda row: row[0])[1]["latencyMs"]),
    ("sortsFirst(level)", lambda rows: min(doc["level"] for _, doc in rows)),
    ("sortsLast(level)", lambda rows: max(doc["level"] for _, doc in rows)),
    ("min(level)", lambda rows: min(doc["level"] for _, doc in rows)),
    ("max(srcIp)", lambda rows: max((doc["srcIp"] for _, doc in rows), key=natural)),
]


def natural(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


@pytest.mark.parametrize(("aggregate", "compute"), AGGREGATES, ids=[name for name, _ in AGGREGATES])
def test_aggregate_by_user(aggregate: str, compute: Callable[[list[tuple[int, dict[str, Any]]]], Any]) -> None:
    output = run(f"filter ispresent(latencyMs) | stats {aggregate} as v by userIdentity.userName as user | sort user asc")
    groups = by_user()
    rows = table(output)
    assert [row["user"] for row in rows] == sorted(groups)
    for row in rows:
        expected = compute(groups[row["user"]])
        if isinstance(expected, float):
            assert float(row["v"]) == pytest.approx(expected)
        else:
            assert row["v"] == str(expected)


def test_several_aggregates_with_and_without_names() -> None:
    output = run("filter ispresent(status) | stats count(*), avg(latencyMs), max(latencyMs) as worst by status "
                 "| sort status asc")
    groups: dict[int, list[int]] = {}
    for event in EVENTS:
        doc = json_of(event)
        if doc is not None:
            groups.setdefault(doc["status"], []).append(doc["latencyMs"])
    rows = table(output)
    assert [list(row) for row in rows] == [["status", "count(*)", "avg(latencyMs)", "worst"]] * len(groups)
    for row, (code, values) in zip(rows, sorted(groups.items()), strict=True):
        assert row["status"] == str(code) and row["count(*)"] == str(len(values)) and row["worst"] == str(max(values))
        assert float(row["avg(latencyMs)"]) == pytest.approx(statistics.fmean(values))


def test_stats_without_by_is_one_row_and_nothing_matched_is_no_row() -> None:
    total = sum(1 for event in EVENTS if "Exception" in event.message)
    assert table(run("filter @message like /Exception/ | stats count(*) as n")) == [{"n": str(total)}]
    assert table(run("filter @message like /no such text/ | stats count(*) as n")) == []


def test_items_can_use_aggregates_in_expressions_and_earlier_items() -> None:
    reports = [event for event in EVENTS if event.message.startswith("REPORT")]
    used = [int(event.message.split("Max Memory Used: ")[1].split(" MB")[0]) for event in reports]
    output = run(
        'filter @type = "REPORT"\n'
        "| stats max(@memorySize / 1000 / 1000) as provisonedMemoryMB,\n"
        "    min(@maxMemoryUsed / 1000 / 1000) as smallestMemoryRequestMB,\n"
        "    avg(@maxMemoryUsed / 1000 / 1000) as avgMemoryUsedMB,\n"
        "    max(@maxMemoryUsed / 1000 / 1000) as maxMemoryUsedMB,\n"
        "    provisonedMemoryMB - maxMemoryUsedMB as overProvisionedMB"
    )
    (row,) = table(output)
    assert row["provisonedMemoryMB"] == "512"
    assert row["smallestMemoryRequestMB"] == str(min(used))
    assert float(row["avgMemoryUsedMB"]) == pytest.approx(statistics.fmean(used))
    assert row["maxMemoryUsedMB"] == str(max(used))
    assert row["overProvisionedMB"] == str(512 - max(used))


def _ingest_by_bin() -> dict[int, float]:
    sizes: dict[int, int] = {}
    for event in EVENTS:
        bucket = event.timestamp_ms - event.timestamp_ms % FIVE_MINUTES
        sizes[bucket] = sizes.get(bucket, 0) + len(event.message)
    return {bucket: size / 1024 / 1024 for bucket, size in sizes.items()}


def test_a_second_stats_aggregates_the_first_one_from_the_docs() -> None:
    output = run(
        "FIELDS strlen(@message) AS message_length\n"
        "| STATS sum(message_length)/1024/1024 as logs_mb BY bin(5m)\n"
        "| STATS max(logs_mb) AS peak_ingest_mb,\n"
        "        min(logs_mb) AS min_ingest_mb,\n"
        "        avg(logs_mb) AS avg_ingest_mb"
    )
    megabytes = list(_ingest_by_bin().values())
    (row,) = table(output)
    assert float(row["peak_ingest_mb"]) == pytest.approx(max(megabytes))
    assert float(row["min_ingest_mb"]) == pytest.approx(min(megabytes))
    assert float(row["avg_ingest_mb"]) == pytest.approx(statistics.fmean(megabytes))


def test_a_second_stats_can_bucket_the_bins_of_the_first() -> None:
    output = run(
        "FIELDS strlen(@message) AS message_length\n"
        "| STATS sum(message_length) / 1024 / 1024 AS logs_mb BY BIN(5m) as @t\n"
        "| STATS max(logs_mb) AS peak_ingest_mb BY dateceil(@t, 10m) | sort peak_ingest_mb desc"
    )
    peaks: dict[int, float] = {}
    for bucket, megabytes in _ingest_by_bin().items():
        ceiling = bucket if bucket % 600_000 == 0 else bucket - bucket % 600_000 + 600_000
        peaks[ceiling] = max(peaks.get(ceiling, 0.0), megabytes)
    rows = table(output)
    assert [row["dateceil(@t, 10m)"] for row in rows] == [stamp(c) for c, _ in sorted(peaks.items(), key=lambda p: -p[1])]
    assert [float(row["peak_ingest_mb"]) for row in rows] == pytest.approx(sorted(peaks.values(), reverse=True))


def test_filter_between_two_stats() -> None:
    output = run(
        "STATS count_distinct(srcIp) AS ips, count(*) AS requests BY userIdentity.userName, status\n"
        "| FILTER ips > 5\n"
        "| STATS count(*) AS busy, sum(requests) / count(*) AS avg_requests BY status | sort status asc"
    )
    sessions: dict[tuple[str, int], list[str]] = {}
    for event in EVENTS:
        doc = json_of(event)
        if doc is not None:
            sessions.setdefault((doc["userIdentity"]["userName"], doc["status"]), []).append(doc["srcIp"])
    per_status: dict[int, list[int]] = {}
    for (_, code), ips in sessions.items():
        if len(set(ips)) > 5:
            per_status.setdefault(code, []).append(len(ips))
    rows = table(output)
    assert [row["status"] for row in rows] == [str(code) for code in sorted(per_status)]
    for row, (_, requests) in zip(rows, sorted(per_status.items()), strict=True):
        assert row["busy"] == str(len(requests))
        assert float(row["avg_requests"]) == pytest.approx(sum(requests) / len(requests))


def test_a_bin_can_be_named_and_sorted_on() -> None:
    output = run('filter logStatus="SKIPDATA" | stats count(*) by bin(1h) as t | sort t')
    counts: dict[int, int] = {}
    for event in EVENTS:
        if event.message.endswith("SKIPDATA"):
            hour = event.timestamp_ms - event.timestamp_ms % 3_600_000
            counts[hour] = counts.get(hour, 0) + 1
    assert table(output) == [{"t": stamp(h), "count(*)": str(n)} for h, n in sorted(counts.items(), reverse=True)]


def _at(moment: datetime) -> StoredEvent:
    ms = int(moment.timestamp() * 1000)
    return StoredEvent(ms, "tick", APP_GROUP, "s", ms, str(ms))


MOMENT = datetime(2026, 11, 27, 14, 7, 31, 250_000, tzinfo=UTC)  # a Friday


@pytest.mark.parametrize(
    ("period", "start"),
    [
        ("100ms", MOMENT.replace(microsecond=200_000)),
        ("30s", MOMENT.replace(second=30, microsecond=0)),
        ("300s", MOMENT.replace(second=0, microsecond=0)),  # the docs: 300s is capped to 60s
        ("5m", MOMENT.replace(minute=5, second=0, microsecond=0)),
        ("2h", MOMENT.replace(hour=14, minute=0, second=0, microsecond=0)),
        ("1d", MOMENT.replace(hour=0, minute=0, second=0, microsecond=0)),
        ("1w", (MOMENT - timedelta(days=MOMENT.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)),
        ("1mo", MOMENT.replace(day=1, hour=0, minute=0, second=0, microsecond=0)),
        ("1q", MOMENT.replace(month=10, day=1, hour=0, minute=0, second=0, microsecond=0)),
        ("1y", MOMENT.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)),
        ("2hrs", MOMENT.replace(hour=14, minute=0, second=0, microsecond=0)),
        ("10minutes", MOMENT.replace(minute=0, second=0, microsecond=0)),
    ],
)
def test_bin_units(period: str, start: datetime) -> None:
    event = _at(MOMENT)
    output = run(f"stats count(*) by bin({period})", [event], start_ms=event.timestamp_ms, end_ms=event.timestamp_ms)
    expected = stamp(int(start.timestamp() * 1000))
    assert table(output) == [{f"bin({period})": expected, "count(*)": "1"}]


def test_groups_without_the_by_field_are_one_group() -> None:
    output = run("stats count(*) as n by retries | sort retries asc")
    counts: dict[int | None, int] = {}
    for event in EVENTS:
        retries = (json_of(event) or {}).get("retries")
        counts[retries] = counts.get(retries, 0) + 1
    present = sorted(key for key in counts if key is not None)
    assert table(output) == [{"retries": str(k), "n": str(counts[k])} for k in present] + [{"n": str(counts[None])}]


def test_stats_rows_have_no_pointer_and_whole_numbers_print_without_a_fraction() -> None:
    output = run("stats count(*) as n, sum(latencyMs) as total, avg(latencyMs) as mean")
    (row,) = output.rows
    assert "@ptr" not in dict(row)
    values = dict(row)
    assert values["n"].isdigit() and values["total"].isdigit()
    latency = [doc["latencyMs"] for event in EVENTS if (doc := json_of(event))]
    mean = statistics.fmean(latency)
    assert float(values["mean"]) == pytest.approx(mean) and ("." in values["mean"]) == (not mean.is_integer())
