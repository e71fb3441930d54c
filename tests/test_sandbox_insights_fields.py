"""Discovered fields: JSON (nested, arrays, `@` names, the 200-field cap), Lambda's REPORT
fields with the docs' Lambda queries, VPC flow fields with the docs' flow-log queries, and the
record pointer and GetLogRecord fields of an event."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from logai.sandbox.insights import discovery, log_record, parse_record_pointer, record_pointer
from logai.sandbox.records import StoredEvent
from tests.test_sandbox_insights_events import (
    ACCOUNT,
    APP_GROUP,
    BASE_MS,
    EVENTS,
    LAMBDA_GROUP,
    VPC_GROUP,
    newest_first,
    run,
    stamp,
    table,
)

CLOUDTRAIL = {
    "eventVersion": "1.0",
    "userIdentity": {"type": "IAMUser", "principalId": "EX_PRINCIPAL_ID", "userName": "Alice"},
    "eventSource": "ec2.amazonaws.com",
    "detail-type": "AWS API Call",
    "@version": 2,
    "requestParameters": {"instancesSet": {"items": [{"instanceId": "i-abcde123"}, {"instanceId": "i-fffff000"}]}},
    "readOnly": False,
    "errorCode": None,
}


def one(message: str, **options: Any) -> list[dict[str, str]]:
    event = StoredEvent(BASE_MS, message, APP_GROUP, "s", BASE_MS, "1")
    return table(run(options.pop("query"), [event], end_ms=BASE_MS, **options))


def test_json_fields_use_dots_array_positions_and_backticks() -> None:
    rows = one(
        json.dumps(CLOUDTRAIL),
        query="filter requestParameters.instancesSet.items.0.instanceId=\"i-abcde123\" "
        "| fields userIdentity.type, requestParameters.instancesSet.items.1.instanceId as second, "
        "`detail-type`, @@version, readOnly, ispresent(errorCode) as hasError",
    )
    assert rows == [
        {
            "userIdentity.type": "IAMUser",
            "second": "i-fffff000",
            "detail-type": "AWS API Call",
            "@@version": "2",
            "readOnly": "false",
            "hasError": "0",
        }
    ]


def test_the_first_json_fragment_of_a_line_is_discovered() -> None:
    line = '2026-09-21T14:00:00.000Z\tc0ffee\tINFO\t{"orderId": 17, "total": 12.5} then {"orderId": 99}'
    assert one(line, query="fields orderId, total") == [{"orderId": "17", "total": "12.5"}]


def test_at_most_200_json_fields_are_discovered() -> None:
    document = {f"k{index:03d}": index for index in range(250)}
    rows = one(json.dumps(document), query="fields k000, k199, k200")
    assert rows == [{"k000": "0", "k199": "199"}]


def test_fields_are_discovered_only_when_a_query_names_one(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = discovery.discover
    monkeypatch.setattr("logai.sandbox.insights.compiler.discover", lambda message: calls.append(1) or real(message))
    run("filter @message like /ERROR/ | stats count(*) by bin(5m), @logStream")
    assert calls == []
    run("filter status = 500 | stats count(*)")
    assert len(calls) == len(EVENTS)


def test_lambda_report_fields() -> None:
    line = (
        "REPORT RequestId: 8f5a0f8e-1111-2222-3333-444455556666\tDuration: 102.25 ms\tBilled Duration: 103 ms\t"
        "Memory Size: 128 MB\tMax Memory Used: 70 MB\tInit Duration: 150.20 ms\t\n"
        "XRAY TraceId: 1-5e1b4151-5ac6c58f0b6a2c8e5f1c2a3b\tSegmentId: 6a2f8c1d3b4e5f60\tSampled: true"
    )
    rows = one(line, query="fields @type, @requestId, @duration, @billedDuration, @memorySize, @maxMemoryUsed, "
                           "@initDuration, @xrayTraceId, @xraySegmentId")
    assert rows == [{
        "@type": "REPORT",
        "@requestId": "8f5a0f8e-1111-2222-3333-444455556666",
        "@duration": "102.25",
        "@billedDuration": "103",
        "@memorySize": str(128 * 1000 * 1000),
        "@maxMemoryUsed": str(70 * 1000 * 1000),
        "@initDuration": "150.2",
        "@xrayTraceId": "1-5e1b4151-5ac6c58f0b6a2c8e5f1c2a3b",
        "@xraySegmentId": "6a2f8c1d3b4e5f60",
    }]  # fmt: skip


def _reports() -> list[tuple[StoredEvent, float]]:
    found = []
    for event in EVENTS:
        match = re.search(r"\tDuration: ([\d.]+) ms", event.message)
        if event.message.startswith("REPORT") and match:
            found.append((event, float(match.group(1))))
    return found


def test_the_docs_lambda_latency_report() -> None:
    output = run('filter @type = "REPORT" | stats avg(@duration), max(@duration), min(@duration) by bin(5m)')
    buckets: dict[int, list[float]] = {}
    for event, duration in _reports():
        buckets.setdefault(event.timestamp_ms - event.timestamp_ms % 300_000, []).append(duration)
    rows = table(output)
    assert [row["bin(5m)"] for row in rows] == [stamp(bucket) for bucket in sorted(buckets, reverse=True)]
    for row, bucket in zip(rows, sorted(buckets, reverse=True), strict=True):
        values = buckets[bucket]
        assert float(row["avg(@duration)"]) == pytest.approx(sum(values) / len(values))
        assert float(row["max(@duration)"]) == max(values) and float(row["min(@duration)"]) == min(values)


def test_the_docs_slow_invocations_query() -> None:
    output = run('fields @timestamp, @requestId, @message, @logStream | filter @type = "REPORT" and @duration > 1000 '
                 "| sort @timestamp desc | dedup @requestId | limit 20")
    slow = [event for event, duration in _reports() if duration > 1000]
    expected = [
        {
            "@timestamp": stamp(event.timestamp_ms),
            "@requestId": event.message.split()[2],
            "@message": event.message,
            "@logStream": event.log_stream,
        }
        for event in newest_first(slow)[:20]
    ]
    assert slow and table(output) == expected


def test_lambda_start_and_end_lines_give_type_and_request_id() -> None:
    output = run('filter @type in ["START", "END"] | stats count(*) as n by @type | sort @type asc')
    starts = sum(event.message.startswith("START RequestId") for event in EVENTS)
    ends = sum(event.message.startswith("END RequestId") for event in EVENTS)
    assert table(output) == [{"@type": "END", "n": str(ends)}, {"@type": "START", "n": str(starts)}]


def _flows() -> list[list[str]]:
    return [event.message.split() for event in EVENTS if event.log_group == VPC_GROUP]


def test_the_docs_top_packet_transfers() -> None:
    output = run("stats sum(packets) as packetsTransferred by srcAddr, dstAddr | sort packetsTransferred desc | limit 15")
    totals: dict[tuple[str, str], int] = {}
    for fields in _flows():
        totals[(fields[3], fields[4])] = totals.get((fields[3], fields[4]), 0) + int(fields[8])
    rows = table(output)
    expected_totals = sorted(totals.values(), reverse=True)[:15]
    assert [int(row["packetsTransferred"]) for row in rows] == expected_totals
    for row in rows:
        assert totals[(row["srcAddr"], row["dstAddr"])] == int(row["packetsTransferred"])


def test_the_docs_subnet_transfers() -> None:
    output = run('filter isIpv4InSubnet(srcAddr, "192.0.2.0/24") | stats sum(bytes) as bytesTransferred by dstAddr '
                 "| sort bytesTransferred desc | limit 15")
    totals: dict[str, int] = {}
    for fields in _flows():
        if fields[3].startswith("192.0.2."):
            totals[fields[4]] = totals.get(fields[4], 0) + int(fields[9])
    expected = sorted(totals.items(), key=lambda item: -item[1])[:15]
    assert table(output) == [{"dstAddr": addr, "bytesTransferred": str(total)} for addr, total in expected]


def test_the_docs_udp_query_and_rejected_flows() -> None:
    udp: dict[str, int] = {}
    for fields in _flows():
        if fields[7] == "17":
            udp[fields[3]] = udp.get(fields[3], 0) + 1
    rows = table(run("filter protocol=17 | stats count(*) by srcAddr"))
    assert {row["srcAddr"]: int(row["count(*)"]) for row in rows} == udp
    rejected = sum(fields[12] == "REJECT" for fields in _flows())
    assert table(run('filter action = "REJECT" | stats count(*) as n')) == [{"n": str(rejected)}]


def test_record_pointers_round_trip_and_reject_strangers() -> None:
    event = EVENTS[0]
    assert parse_record_pointer(record_pointer(event)) == (event.log_group, event.log_stream, event.event_id)
    assert parse_record_pointer("not a pointer") is None
    assert parse_record_pointer(record_pointer(event)[:-3]) is None


def test_log_record_lists_system_and_discovered_fields() -> None:
    event = StoredEvent(BASE_MS, json.dumps({"level": "info", "nested": {"n": 1}}), LAMBDA_GROUP, "s1", BASE_MS + 9, "e1")
    assert log_record(event, ACCOUNT) == {
        "@timestamp": stamp(BASE_MS),
        "@message": event.message,
        "@logStream": "s1",
        "@log": f"{ACCOUNT}:{LAMBDA_GROUP}",
        "@ingestionTime": stamp(BASE_MS + 9),
        "@ptr": record_pointer(event),
        "level": "info",
        "nested.n": "1",
    }
