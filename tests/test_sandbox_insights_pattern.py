"""The pattern command: the docs' examples, and counts that match logai's own miner run over the
same filtered messages."""

from __future__ import annotations

import json
import re

import pytest

from logai.logs.patterns import PatternMiner
from logai.sandbox.records import StoredEvent
from tests.test_sandbox_insights_events import APP_GROUP, BASE_MS, EVENTS, run, table


def events_of(lines: list[str]) -> list[StoredEvent]:
    return [StoredEvent(BASE_MS + i, line, APP_GROUP, "s", BASE_MS + i, str(i)) for i, line in enumerate(lines)]


def covers(pattern: str, line: str) -> bool:
    """Whether `line` has the pattern's shape: its static text, with anything where a `<*>` is."""
    return re.fullmatch(re.escape(pattern).replace(re.escape("<*>"), ".+"), line) is not None


def test_the_docs_pattern_example() -> None:
    lines = [
        "2023-01-01 19:00:01 [INFO] Calling DynamoDB to store for resource id 12342342k124-12345",
        "2023-01-01 19:00:02 [INFO] Calling DynamoDB to store for resource id 324892398123-12345",
        "2023-01-01 19:00:03 [INFO] Calling DynamoDB to store for resource id 3ff231242342-12345",
        "[INFO] Request time: 327 ms",
        "[INFO] Request time: 12 ms",
    ]
    rows = table(run("pattern @message", events_of(lines), end_ms=BASE_MS + 10))
    assert [(row["@sampleCount"], row["@severityLabel"]) for row in rows] == [("3", "INFO"), ("2", "INFO")]
    assert [float(row["@ratio"]) for row in rows] == [3 / 5, 2 / 5]
    # The docs show "<*> <*> [INFO] Calling DynamoDB to store for resource id <*>" and
    # "[INFO] Request time: <*> ms"; how much of a variable a `<*>` takes is the miner's call.
    dynamo, request = rows[0]["@pattern"], rows[1]["@pattern"]
    assert dynamo.startswith("<*>") and dynamo.endswith(" [INFO] Calling DynamoDB to store for resource id <*>")
    assert request.startswith("[INFO] Request time: <*>")
    assert all(covers(dynamo, line) for line in lines[:3]) and all(covers(request, line) for line in lines[3:])


def test_pattern_mines_only_the_filtered_messages_like_the_miner_does() -> None:
    output = run("filter @message like /ERROR/ | pattern @message")
    matched = [event.message for event in EVENTS if "ERROR" in event.message]
    miner = PatternMiner(strip_headers=False)
    for message in matched:
        miner.add(message)
    expected = [(t.template, str(t.count)) for t in miner.templates()]
    rows = table(output)
    assert [(row["@pattern"], row["@sampleCount"]) for row in rows] == expected
    assert output.records_matched == len(matched)
    assert sum(float(row["@ratio"]) for row in rows) == pytest.approx(1.0)


def test_pattern_rows_carry_tokens_samples_and_an_id() -> None:
    lines = [f"2026-09-21 10:00:0{i} ERROR payment {1000 + i} failed for user {i}" for i in range(7)]
    (row,) = table(run("pattern @message", events_of(lines), end_ms=BASE_MS + 10))
    assert " ERROR payment <*> failed for user <*>" in row["@pattern"]
    assert all(covers(row["@pattern"], line) for line in lines)
    assert row["@severityLabel"] == "ERROR"
    tokens = json.loads(row["@tokens"])
    assert [token["tokenString"] for token in tokens] == row["@pattern"].split(" ")
    dynamic = [token["dynamicTokenPosition"] for token in tokens if token["isDynamic"]]
    assert dynamic == list(range(1, row["@pattern"].count("<*>") + 1))
    samples = json.loads(row["@logSamples"])
    assert samples == [{"timestamp": BASE_MS + i, "message": lines[i]} for i in range(5)]
    assert re.fullmatch(r"[0-9a-f]{32}", row["@PatternId"])
    assert list(row) == ["@pattern", "@ratio", "@sampleCount", "@severityLabel", "@tokens", "@logSamples", "@PatternId"]


def test_pattern_without_a_level_has_no_severity() -> None:
    (row,) = table(run("pattern @message", events_of(["cart 1 is locked", "cart 2 is locked"]), end_ms=BASE_MS + 5))
    assert "@severityLabel" not in row and row["@pattern"] == "cart <*> is locked"


def test_the_docs_parse_then_pattern_then_sort_example() -> None:
    lines = [f"ERROR Failed to do: connect to db-{i % 3}" for i in range(9)] + [
        f"ERROR Failed to do: charge card {i}" for i in range(4)
    ] + ["INFO all good"]
    query = "filter @message like /ERROR/ | parse @message 'Failed to do: *' as cause | pattern cause | sort @sampleCount asc"
    rows = table(run(query, events_of(lines), end_ms=BASE_MS + 20))
    miner = PatternMiner(strip_headers=False)
    for line in lines:
        if "ERROR" in line:
            miner.add(line.split("Failed to do: ", 1)[1])
    expected = sorted(((t.template, t.count) for t in miner.templates()), key=lambda item: item[1])
    assert [(row["@pattern"], int(row["@sampleCount"])) for row in rows] == expected


def test_pattern_results_can_be_filtered_and_limited() -> None:
    output = run("filter @message like /ERROR/ | pattern @message | filter @sampleCount > 1 | limit 2")
    rows = table(output)
    assert 0 < len(rows) <= 2 and all(int(row["@sampleCount"]) > 1 for row in rows)
    assert all("@ptr" not in dict(row) for row in output.rows)
