"""The sandbox over HTTP, as boto3 sees it: where it differs from plain moto, paging, errors, quotas, query life cycle."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from logai.runtime import Runtime
from logai.sandbox.config import SandboxConfig
from logai.sandbox.incidents import IncidentData
from logai.sandbox.server import SandboxServer
from tests.seed import put_events

NOW_MS = int(time.time() * 1000)


class FakeClock:
    """Seconds that move only when something sleeps (the sandbox's latency, a test); safe across threads."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds


def client_for(url: str, *, retries: int = 1) -> Any:
    """A boto3 client that does not retry, so a test sees each answer as the service gives it."""
    return boto3.client(
        "logs",
        region_name="us-east-1",
        endpoint_url=url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"mode": "standard", "total_max_attempts": retries}),
    )


@pytest.fixture
def logs(sandbox: SandboxServer) -> Any:
    return client_for(sandbox.url)


@pytest.fixture
def realistic() -> Iterator[tuple[SandboxServer, FakeClock]]:
    """A second sandbox in realistic mode on a fake clock (moto's storage is shared with the first)."""
    clock = FakeClock()
    server = SandboxServer(
        SandboxConfig(realistic=True, filter_scan_events=4, query_timeout_s=600.0),
        runtime=Runtime(clock=clock, wall_clock=clock, sleep=clock.sleep),
    )
    server.start()
    server.reset()
    yield server, clock
    server.stop()


def mixed_events(logs: Any, group: str = "/app") -> list[tuple[str, int, str]]:
    """Two streams of plain and JSON lines; returns (stream, timestamp, message) in time order."""
    rows = []
    for i in range(12):
        stream = "a" if i % 2 == 0 else "b"
        level = ("ERROR", "WARN", "INFO")[i % 3]
        message = json.dumps({"level": level, "n": i}) if i % 4 == 0 else f"{level} request {i} took {i * 10} ms"
        rows.append((stream, NOW_MS - 60_000 + i * 1000, message))
    for stream in ("a", "b"):
        put_events(logs, group, stream, [(t, m) for s, t, m in rows if s == stream])
    return rows


# -- where plain moto is wrong ---------------------------------------------------


def test_plain_moto_matches_everything_and_the_sandbox_does_not(logs: Any, plain_moto: str) -> None:
    rows = mixed_events(logs)
    moto = client_for(plain_moto)
    expected = [m for _, _, m in rows if "ERROR" in m or "WARN" in m]
    got = [e["message"] for e in logs.filter_log_events(logGroupName="/app", filterPattern="?ERROR ?WARN")["events"]]
    assert got == expected
    everything = moto.filter_log_events(logGroupName="/app", filterPattern="?ERROR ?WARN")["events"]
    assert len(everything) == len(rows) > len(expected)

    query = "filter @message like /ERROR/ | stats count(*) as n"
    window = {"logGroupName": "/app", "startTime": NOW_MS // 1000 - 120, "endTime": NOW_MS // 1000}
    answer = logs.get_query_results(queryId=logs.start_query(queryString=query, **window)["queryId"])
    assert answer["results"] == [[{"field": "n", "value": str(sum("ERROR" in m for _, _, m in rows))}]]
    moto_answer = moto.get_query_results(queryId=moto.start_query(queryString=query, **window)["queryId"])
    assert all({cell["field"] for cell in row} == {"@ptr"} for row in moto_answer["results"])


# -- FilterLogEvents ----------------------------------------------------------------


def test_pages_read_every_event_once_in_time_order_across_streams(logs: Any) -> None:
    rows = mixed_events(logs)
    seen: list[dict[str, Any]] = []
    params: dict[str, Any] = {"logGroupName": "/app", "limit": 5}
    while True:
        page = logs.filter_log_events(**params)
        assert len(page["events"]) <= 5
        seen += page["events"]
        if "nextToken" not in page:
            break
        params["nextToken"] = page["nextToken"]
    assert [(e["logStreamName"], e["timestamp"], e["message"]) for e in seen] == rows
    assert len({e["eventId"] for e in seen}) == len(rows)


def test_time_range_streams_and_prefix(logs: Any) -> None:
    rows = mixed_events(logs)
    window = logs.filter_log_events(logGroupName="/app", startTime=rows[2][1], endTime=rows[5][1])["events"]
    assert [e["timestamp"] for e in window] == [t for _, t, _ in rows[2:6]]  # both ends included
    only_b = logs.filter_log_events(logGroupName="/app", logStreamNames=["b"])["events"]
    assert {e["logStreamName"] for e in only_b} == {"b"}
    by_prefix = logs.filter_log_events(logGroupName="/app", logStreamNamePrefix="a")["events"]
    assert {e["logStreamName"] for e in by_prefix} == {"a"}


def test_a_stream_deleted_and_made_again_is_read_afresh(logs: Any) -> None:
    put_events(logs, "/app", "a", [(NOW_MS - 2000, "old one"), (NOW_MS - 1000, "old two")])
    assert [e["message"] for e in logs.filter_log_events(logGroupName="/app")["events"]] == ["old one", "old two"]
    logs.delete_log_stream(logGroupName="/app", logStreamName="a")
    put_events(logs, "/app", "a", [(NOW_MS - 500, "new one"), (NOW_MS - 400, "new two")])  # as many as before
    assert [e["message"] for e in logs.filter_log_events(logGroupName="/app")["events"]] == ["new one", "new two"]


def test_json_and_space_delimited_patterns(logs: Any) -> None:
    rows = mixed_events(logs)
    errors = logs.filter_log_events(logGroupName="/app", filterPattern='{ $.level = "ERROR" }')["events"]
    assert [e["message"] for e in errors] == [m for _, _, m in rows if m.startswith("{") and '"ERROR"' in m]
    slow = logs.filter_log_events(logGroupName="/app", filterPattern="[level=WARN, word, n, took, ms > 40, unit]")["events"]
    assert [e["message"] for e in slow] == ["WARN request 7 took 70 ms", "WARN request 10 took 100 ms"][: len(slow)]
    assert slow


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"logGroupName": "/app", "filterPattern": "{ $.level = "}, "InvalidParameterException"),
        ({"logGroupName": "/nope"}, "ResourceNotFoundException"),
        ({"logGroupName": "/app", "logStreamNames": ["a"], "logStreamNamePrefix": "a"}, "InvalidParameterException"),
        ({"logGroupName": "/app", "nextToken": "not-a-token"}, "InvalidParameterException"),
    ],
)
def test_filter_errors_have_the_aws_shape(logs: Any, params: dict[str, Any], code: str) -> None:
    mixed_events(logs)
    with pytest.raises(ClientError) as caught:
        logs.filter_log_events(**params)
    assert caught.value.response["Error"]["Code"] == code


def test_a_large_scan_comes_back_in_pages_some_empty(realistic: tuple[SandboxServer, FakeClock]) -> None:
    server, _ = realistic
    logs = client_for(server.url)
    rows = mixed_events(logs)
    pages = []
    params: dict[str, Any] = {"logGroupName": "/app", "filterPattern": "ERROR"}
    while True:
        page = logs.filter_log_events(**params)
        pages.append(page["events"])
        if "nextToken" not in page:
            break
        params["nextToken"] = page["nextToken"]
    assert len(pages) == 3  # 12 events scanned, 4 a page
    assert [] in pages or any(len(p) < 4 for p in pages)
    assert sum(len(p) for p in pages) == sum("ERROR" in m for _, _, m in rows)


# -- quotas and latency ------------------------------------------------------------


def test_quota_throttles_past_the_rate_and_refills_with_time(realistic: tuple[SandboxServer, FakeClock]) -> None:
    server, clock = realistic
    logs = client_for(server.url)
    logs.create_log_group(logGroupName="/q")
    before = clock()
    answers = []
    for _ in range(6):
        try:
            logs.filter_log_events(logGroupName="/q")
            answers.append("ok")
        except ClientError as exc:
            answers.append(exc.response["Error"]["Code"])
    # Six requests paid six round trips of latency (0.18 s): the bucket refilled by less than one.
    assert answers == ["ok"] * 5 + ["ThrottlingException"]
    assert clock() - before == pytest.approx(6 * server.config.latency_s)
    clock.sleep(1.0)
    logs.filter_log_events(logGroupName="/q")


def test_botocore_retries_a_throttle_until_it_clears(realistic: tuple[SandboxServer, FakeClock]) -> None:
    from logai.logs.source import CloudWatchSource
    from logai.settings import load_settings

    server, clock = realistic
    client_for(server.url).create_log_group(logGroupName="/q")
    source = server.source(load_settings(), runtime=Runtime(clock=clock, wall_clock=clock, sleep=clock.sleep))
    assert isinstance(source, CloudWatchSource)
    for _ in range(12):
        source.list_groups()
    calls, throttled = server.operations.calls["DescribeLogGroups"], server.operations.throttled["DescribeLogGroups"]
    assert throttled > 0 and calls == 12 + throttled


# -- Insights ------------------------------------------------------------------------


def start(logs: Any, query: str, **overrides: Any) -> str:
    params = {"logGroupNames": ["/app"], "startTime": NOW_MS // 1000 - 120, "endTime": NOW_MS // 1000, "queryString": query}
    return str(logs.start_query(**{**params, **overrides})["queryId"])


def test_malformed_query_says_where(logs: Any) -> None:
    mixed_events(logs)
    with pytest.raises(ClientError) as caught:
        start(logs, "fields @message | statz count(*)")
    error = caught.value.response
    assert error["Error"]["Code"] == "MalformedQueryException"
    assert error["queryCompileError"]["location"]["startCharOffset"] == 18


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"logGroupNames": ["/app", "/missing"]}, "ResourceNotFoundException"),
        ({"logGroupNames": [f"/g{i}" for i in range(51)]}, "InvalidParameterException"),
        ({"startTime": NOW_MS // 1000, "endTime": NOW_MS // 1000 - 60}, "InvalidParameterException"),
        ({"queryString": "x" * 10_001}, "InvalidParameterException"),
    ],
)
def test_start_query_refuses_what_aws_refuses(logs: Any, overrides: dict[str, Any], code: str) -> None:
    mixed_events(logs)
    with pytest.raises(ClientError) as caught:
        start(logs, "fields @message", **overrides)
    assert caught.value.response["Error"]["Code"] == code


def test_unknown_query_ids(logs: Any) -> None:
    for call in (logs.get_query_results, logs.stop_query):
        with pytest.raises(ClientError) as caught:
            call(queryId="00000000-0000-0000-0000-000000000000")
        assert caught.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_a_query_is_scheduled_runs_and_completes_on_the_clock(realistic: tuple[SandboxServer, FakeClock]) -> None:
    server, clock = realistic
    logs = client_for(server.url)
    rows = mixed_events(logs)
    query_id = start(logs, "stats count(*) as n by @logStream | sort @logStream asc")
    states = []
    for _ in range(8):
        answer = logs.get_query_results(queryId=query_id)
        states.append(answer["status"])
        if answer["status"] == "Complete":
            break
        clock.sleep(0.1)
    assert states[0] == "Scheduled" and "Running" in states and states[-1] == "Complete"
    assert answer["statistics"]["recordsScanned"] == len(rows)
    assert [[c["value"] for c in row] for row in answer["results"]] == [["a", "6"], ["b", "6"]]


def test_stop_query_cancels_once(realistic: tuple[SandboxServer, FakeClock]) -> None:
    server, _ = realistic
    logs = client_for(server.url)
    mixed_events(logs)
    query_id = start(logs, "fields @message")
    assert logs.stop_query(queryId=query_id)["success"] is True
    assert logs.get_query_results(queryId=query_id)["status"] == "Cancelled"
    assert logs.stop_query(queryId=query_id)["success"] is False


def test_at_most_thirty_unfinished_queries() -> None:
    clock = FakeClock()
    server = SandboxServer(
        SandboxConfig(realistic=True, query_base_s=100.0), runtime=Runtime(clock=clock, wall_clock=clock, sleep=clock.sleep)
    )
    server.start()
    try:
        server.reset()
        logs = client_for(server.url)
        mixed_events(logs)
        for _ in range(30):
            clock.sleep(0.2)  # within StartQuery's 5 a second
            start(logs, "fields @message")
        clock.sleep(0.2)
        with pytest.raises(ClientError) as caught:
            start(logs, "fields @message")
        assert caught.value.response["Error"]["Code"] == "LimitExceededException"
    finally:
        server.stop()


def test_a_query_longer_than_the_timeout_ends_as_timeout() -> None:
    clock = FakeClock()
    server = SandboxServer(
        SandboxConfig(realistic=True, query_base_s=30.0, query_timeout_s=10.0),
        runtime=Runtime(clock=clock, wall_clock=clock, sleep=clock.sleep),
    )
    server.start()
    try:
        server.reset()
        logs = client_for(server.url)
        mixed_events(logs)
        query_id = start(logs, "fields @message")
        clock.sleep(11.0)
        assert logs.get_query_results(queryId=query_id)["status"] == "Timeout"
    finally:
        server.stop()


def test_ptr_leads_to_the_record(logs: Any) -> None:
    rows = mixed_events(logs)
    answer = logs.get_query_results(queryId=start(logs, "fields @message | sort @timestamp asc | limit 1"))
    pointer = next(c["value"] for c in answer["results"][0] if c["field"] == "@ptr")
    record = logs.get_log_record(logRecordPointer=pointer)["logRecord"]
    assert record["@message"] == rows[0][2]
    assert record["@log"] == "123456789012:/app"


# -- bad input never takes the server down -----------------------------------------------


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'{"logGroupName": 5}', b'{"logGroupName": "/app", "limit": "many"}'])
def test_garbage_gets_an_error_and_the_server_goes_on(sandbox: SandboxServer, logs: Any, body: bytes) -> None:
    mixed_events(logs)
    request = urllib.request.Request(
        sandbox.url,
        data=body,
        method="POST",
        headers={"X-Amz-Target": "Logs_20140328.FilterLogEvents", "Content-Type": "application/x-amz-json-1.1"},
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=10)
    assert caught.value.code == 400
    assert json.loads(caught.value.read())["__type"] in ("SerializationException", "InvalidParameterException")
    assert logs.filter_log_events(logGroupName="/app", limit=1)["events"]


def test_only_logais_own_calls_are_logged(sandbox: SandboxServer, logs: Any, aws) -> None:  # type: ignore[no-untyped-def]
    from logai.logs.source import CloudWatchSource
    from logai.settings import load_settings

    mixed_events(logs)  # the test's own seeding: not logai's
    assert sandbox.operations.actions() == set()
    CloudWatchSource.from_settings(load_settings()).filter_events(["/app"], 0, NOW_MS, "ERROR")
    assert sandbox.operations.actions() == {"FilterLogEvents"}


def test_restore_keeps_an_unchanged_storage_and_reseeds_a_changed_one(
    _sandbox: SandboxServer, _pool_shrink_data: IncidentData
) -> None:
    now_ms = int(time.time() * 1000)
    events = _pool_shrink_data.events[-3000:]
    data = IncidentData(events=events, retention_days=_pool_shrink_data.retention_days, truth=_pool_shrink_data.truth)
    truth = _sandbox.restore(data)
    groups = _sandbox.app.store.group_names(_sandbox.region)
    before = _sandbox.app.store.fingerprint()
    _sandbox.operations.record("FilterLogEvents", throttled=False)
    assert _sandbox.restore(data) is truth
    assert _sandbox.app.store.fingerprint() == before  # kept, not reseeded
    assert not _sandbox.operations.actions()  # logai's own state is forgotten all the same

    client = _sandbox.client()
    client.create_log_group(logGroupName="/test/extra")
    assert _sandbox.restore(data) is truth
    assert _sandbox.app.store.group_names(_sandbox.region) == groups  # the extra group is gone

    client.put_log_events(
        logGroupName=groups[0],
        logStreamName=_sandbox.app.store.streams(_sandbox.region, groups[0])[0].stream,
        logEvents=[{"timestamp": now_ms, "message": "appended"}],
    )
    assert _sandbox.app.store.fingerprint() != before
    _sandbox.restore(data)
    messages = [e.message for view in _sandbox.app.store.streams(_sandbox.region, groups[0]) for e in view.events]
    assert "appended" not in messages
    _sandbox.reset()
