"""CloudWatchSource against moto's server, and against botocore's Stubber where moto falls short."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any

import botocore.session
import pytest
from botocore.awsrequest import AWSResponse
from botocore.stub import Stubber

from logai.events import CloudWatchCall, CloudWatchRetry, Event
from logai.logs.errors import (
    AccessDenied,
    EndpointUnreachable,
    InvalidQuery,
    LogGroupNotFound,
    LogStreamNotFound,
    SourceError,
    Throttled,
)
from logai.logs.results import StreamResult
from logai.logs.source import CloudWatchSource
from logai.runtime import Runtime
from logai.settings import load_settings
from tests.seed import put_events, seed_group, seed_incident


def now_ms() -> int:
    return int(time.time() * 1000)


def moto_source(**kwargs: Any) -> CloudWatchSource:
    """A source built the way commands build it, reaching moto through AWS_ENDPOINT_URL."""
    return CloudWatchSource.from_settings(load_settings(), **kwargs)


class FakeClock:
    """Epoch seconds that move only when the fake sleep says so."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def stubbed() -> Iterator[tuple[CloudWatchSource, Stubber, FakeClock]]:
    client = botocore.session.get_session().create_client(
        "logs", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y"
    )
    clock = FakeClock()
    with Stubber(client) as stubber:
        yield CloudWatchSource(client, runtime=Runtime(clock=clock, sleep=clock.sleep)), stubber, clock
        stubber.assert_no_pending_responses()


def stubbed_with(sleep: Any) -> tuple[CloudWatchSource, Stubber]:
    """A stubbed source whose sleep is `sleep` (it may interrupt)."""
    client = botocore.session.get_session().create_client(
        "logs", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y"
    )
    return CloudWatchSource(client, runtime=Runtime(clock=FakeClock(), sleep=sleep)), Stubber(client)


@pytest.fixture
def retry_sleeps() -> FakeClock:
    """The sleep a source's botocore retries wait with (recorded, never waited)."""
    return FakeClock()


def waiting_source(clock: FakeClock, events: list[Event] | None = None) -> CloudWatchSource:
    sink = events.append if events is not None else None
    return moto_source(runtime=Runtime(sleep=clock.sleep), sink=sink)


# -- set-up ---------------------------------------------------------------


def test_missing_region_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "y")
    with pytest.raises(SourceError) as caught:
        moto_source()
    assert caught.value.config
    assert str(caught.value) == "No AWS region is set."
    assert "--region" in (caught.value.hint or "")


def test_missing_credentials_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    with pytest.raises(SourceError) as caught:
        moto_source()
    assert caught.value.config
    assert "credentials" in str(caught.value)


def test_unknown_profile_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGAI_AWS_PROFILE", "no-such-profile")
    with pytest.raises(SourceError) as caught:
        moto_source()
    assert caught.value.config
    assert "no-such-profile" in str(caught.value)


def test_settings_region_wins_and_user_agent_names_logai(aws) -> None:
    source = CloudWatchSource.from_settings(load_settings(aws_region="eu-central-1"))
    assert source.region == "eu-central-1"
    assert "logai/" in source.client.meta.config.user_agent_extra
    assert source.client.meta.config.retries == {"mode": "standard", "total_max_attempts": 5}


# -- groups ---------------------------------------------------------------


def test_list_groups_pages_and_reports_details(aws) -> None:
    client = aws.client()
    for i in range(60):
        client.create_log_group(logGroupName=f"/app/svc-{i:02d}")
    client.create_log_group(logGroupName="/other/thing")
    client.put_retention_policy(logGroupName="/app/svc-03", retentionInDays=14)
    seed_group(client, "/app/svc-03", "s", ["hello world"] * 3, start_ms=now_ms() - 60_000)

    source = moto_source()
    groups = source.list_groups(prefix="/app/", limit=55)
    assert [g.name for g in groups] == [f"/app/svc-{i:02d}" for i in range(55)]
    by_name = {g.name: g for g in groups}
    assert by_name["/app/svc-03"].retention_days == 14
    assert by_name["/app/svc-04"].retention_days is None
    assert by_name["/app/svc-03"].stored_bytes > 0
    assert by_name["/app/svc-03"].arn and "svc-03" in by_name["/app/svc-03"].arn
    assert by_name["/app/svc-03"].created_ms
    assert len(source.list_groups(limit=100)) == 61


def test_group_names_lists_everything_once_and_caches(aws) -> None:
    client = aws.client()
    for i in range(53):
        client.create_log_group(logGroupName=f"/g/{i:02d}")
    source = moto_source()
    assert len(source.group_names()) == 53
    client.create_log_group(logGroupName="/g/late")
    assert "/g/late" not in source.group_names()
    assert "/g/late" in moto_source().group_names()


# -- filter_events --------------------------------------------------------


def test_filter_events_across_groups_sorted_with_pattern(aws) -> None:
    client = aws.client()
    seeded = seed_incident(client, now_ms=now_ms())
    source = moto_source()
    result = source.filter_events(
        [seeded["checkout_group"], seeded["payments_group"]],
        seeded["start_ms"],
        seeded["now_ms"],
        pattern="ERROR",
    )
    assert not result.truncated
    assert len(result.events) == seeded["checkout_errors"] + seeded["payments_errors"]
    assert result.counts_by_group == {
        seeded["checkout_group"]: seeded["checkout_errors"],
        seeded["payments_group"]: seeded["payments_errors"],
    }
    stamps = [e.timestamp_ms for e in result.events]
    assert stamps == sorted(stamps)
    assert all("ERROR" in e.message for e in result.events)
    assert {e.log_group for e in result.events} == {seeded["checkout_group"], seeded["payments_group"]}
    assert all(e.log_stream and e.event_id for e in result.events)
    assert result.pages_read == 2


def test_filter_events_respects_the_time_range(aws) -> None:
    client = aws.client()
    start = now_ms() - 600_000
    seed_group(client, "/r", "s", [f"line {i}" for i in range(10)], start_ms=start, step_ms=60_000)
    result = moto_source().filter_events(["/r"], start + 120_000, start + 300_000)
    assert [e.message for e in result.events] == ["line 2", "line 3", "line 4", "line 5"]


def test_filter_events_caps_and_shares_the_cap_between_groups(aws) -> None:
    client = aws.client()
    start = now_ms() - 3_000_000
    seed_group(client, "/noisy", "s", [f"noise {i}" for i in range(300)], start_ms=start)
    seed_group(client, "/quiet", "s", [f"quiet {i}" for i in range(5)], start_ms=start)
    seed_group(client, "/third", "s", [f"third {i}" for i in range(100)], start_ms=start)
    result = moto_source().filter_events(["/noisy", "/quiet", "/third"], start, now_ms(), limit=60)
    assert result.truncated
    assert len(result.events) <= 60
    # /noisy may take only its share; /quiet's unused share passes on to /third.
    assert result.counts_by_group == {"/noisy": 20, "/quiet": 5, "/third": 35}


def test_filter_events_follows_next_tokens(stubbed) -> None:
    source, stubber, _ = stubbed
    base = {"logGroupName": "/g", "startTime": 1000, "endTime": 9000, "interleaved": True, "filterPattern": "ERROR"}
    stubber.add_response(
        "filter_log_events",
        {"events": [_raw("1", 3000, "ERROR b"), _raw("2", 3000, "ERROR c")], "nextToken": "t1"},
        {**base, "limit": 10},
    )
    # CloudWatch may return an empty page with a token while it scans on.
    stubber.add_response("filter_log_events", {"events": [], "nextToken": "t2"}, {**base, "limit": 8, "nextToken": "t1"})
    stubber.add_response(
        "filter_log_events",
        {"events": [_raw("2", 3000, "ERROR c"), _raw("0", 2000, "ERROR a")]},
        {**base, "limit": 8, "nextToken": "t2"},
    )
    result = source.filter_events(["/g"], 1000, 9000, pattern="ERROR", limit=10)
    assert [e.message for e in result.events] == ["ERROR a", "ERROR b", "ERROR c"]
    assert result.pages_read == 3
    assert not result.truncated


def test_filter_events_stops_at_the_page_cap(stubbed) -> None:
    source, stubber, _ = stubbed
    for _ in range(3):
        stubber.add_response("filter_log_events", {"events": [], "nextToken": "more"}, None)
    result = source.filter_events(["/g"], 0, 10, limit=100, max_pages=3)
    assert result.truncated and result.pages_read == 3 and result.events == ()


def test_filter_events_on_a_missing_group_names_it(aws) -> None:
    client = aws.client()
    client.create_log_group(logGroupName="/exists")
    with pytest.raises(LogGroupNotFound) as caught:
        moto_source().filter_events(["/exists", "/nope"], 0, now_ms())
    assert caught.value.group == "/nope"
    assert str(caught.value) == "Log group /nope does not exist in region us-east-1."


# -- stream_events ------------------------------------------------------


def test_stream_events_reads_the_most_recent_stream(aws) -> None:
    client = aws.client()
    start = now_ms() - 600_000
    seed_group(client, "/s", "old", [f"old {i}" for i in range(5)], start_ms=start)
    seed_group(client, "/s", "new", [f"new {i}" for i in range(30)], start_ms=start + 60_000)
    source = moto_source()
    latest = source.stream_events("/s", limit=10)
    assert latest.log_stream == "new"
    assert [e.message for e in latest.events] == [f"new {i}" for i in range(20, 30)]
    assert all(e.log_group == "/s" and e.log_stream == "new" for e in latest.events)

    named = source.stream_events("/s", "old", limit=2, start_ms=start)
    assert [e.message for e in named.events] == ["old 0", "old 1"]


def test_stream_events_distinguishes_missing_stream_group_and_empty_group(aws) -> None:
    client = aws.client()
    client.create_log_group(logGroupName="/empty")
    seed_group(client, "/s", "only", ["x"], start_ms=now_ms() - 1000)
    source = moto_source()
    assert source.stream_events("/empty") == StreamResult("/empty", None, ())
    with pytest.raises(LogStreamNotFound, match="Log stream gone does not exist in log group /s"):
        source.stream_events("/s", "gone")
    with pytest.raises(LogGroupNotFound):
        source.stream_events("/missing")
    with pytest.raises(LogGroupNotFound):
        source.stream_events("/missing", "any")


# -- Logs Insights ------------------------------------------------------


def test_insights_appends_a_limit_and_drops_ptr(aws) -> None:
    client = aws.client()
    seeded = seed_incident(client, now_ms=now_ms())
    source = moto_source()
    result = source.run_insights(
        [seeded["checkout_group"], seeded["payments_group"]],
        "fields @timestamp, @message | sort @timestamp desc",
        seeded["start_ms"],
        seeded["now_ms"],
        limit=5,
    )
    assert result.status == "Complete"
    assert result.query == "fields @timestamp, @message | sort @timestamp desc | limit 5"
    assert len(result.rows) == 5
    assert all(set(row) == {"@timestamp", "@message"} for row in result.rows)
    # Insights prints times as "2026-11-27 14:05:00.000" (UTC), which sort as text.
    stamps = [row["@timestamp"] for row in result.rows]
    assert stamps == sorted(stamps, reverse=True)
    assert result.statistics["recordsScanned"] >= result.statistics["recordsMatched"] > 0


def test_insights_keeps_the_query_own_limit(aws) -> None:
    client = aws.client()
    seed_group(client, "/q", "s", [f"m {i}" for i in range(20)], start_ms=now_ms() - 60_000, step_ms=100)
    result = moto_source().run_insights(["/q"], "fields @message | LIMIT 3 |", now_ms() - 120_000, now_ms(), limit=50)
    assert result.query == "fields @message | LIMIT 3"
    assert len(result.rows) == 3


def test_insights_on_a_missing_group_names_it(aws) -> None:
    client = aws.client()
    client.create_log_group(logGroupName="/here")
    with pytest.raises(LogGroupNotFound) as caught:
        moto_source().run_insights(["/here", "/not-here"], "fields @message", 0, now_ms())
    assert caught.value.group == "/not-here"


def _start_query(stubber: Stubber, query: str = "stats count(*) by bin(5m) | limit 100") -> None:
    stubber.add_response(
        "start_query",
        {"queryId": "q-1"},
        {"logGroupNames": ["/a", "/b"], "startTime": 1, "endTime": 3, "queryString": query, "limit": 100},
    )


def _rows(*values: str) -> list[list[dict[str, str]]]:
    return [[{"field": "count", "value": v}, {"field": "@ptr", "value": "p"}] for v in values]


def test_insights_polls_with_a_doubling_wait_until_complete(stubbed) -> None:
    source, stubber, clock = stubbed
    _start_query(stubber)
    stubber.add_response("get_query_results", {"status": "Scheduled", "results": []}, {"queryId": "q-1"})
    stubber.add_response("get_query_results", {"status": "Running", "results": _rows("1")}, {"queryId": "q-1"})
    stubber.add_response(
        "get_query_results",
        {"status": "Complete", "results": _rows("7", "9"), "statistics": {"recordsMatched": 16.0, "recordsScanned": 400.0}},
        {"queryId": "q-1"},
    )
    result = source.run_insights(["/a", "/b", "/a"], "stats count(*) by bin(5m)", 1500, 3001)  # seconds 1 to 3
    assert clock.sleeps == [0.5, 1.0]  # polled at once, then after 0.5 s, then after 1 s more
    assert result.status == "Complete" and not result.timed_out
    assert result.rows == ({"count": "7"}, {"count": "9"})
    assert result.statistics == {"recordsMatched": 16.0, "recordsScanned": 400.0}
    assert result.groups == ("/a", "/b")


def test_insights_timeout_stops_the_query_and_returns_partial_rows(stubbed) -> None:
    source, stubber, clock = stubbed
    _start_query(stubber)
    for _ in range(4):
        stubber.add_response("get_query_results", {"status": "Running", "results": _rows("3")}, {"queryId": "q-1"})
    # moto (and a query that just finished) answer StopQuery with an error: it must not matter.
    stubber.add_client_error("stop_query", "InternalFailure", http_status_code=500, expected_params={"queryId": "q-1"})
    result = source.run_insights(["/a", "/b"], "stats count(*) by bin(5m)", 1000, 3000, timeout_s=3.0)
    assert result.timed_out
    assert result.rows == ({"count": "3"},)
    assert clock.sleeps == [0.5, 1.0, 1.5]  # the last wait ends at the 3 s timeout


@pytest.mark.parametrize("interruption", [KeyboardInterrupt, asyncio.CancelledError, RuntimeError])
def test_insights_interrupted_while_polling_stops_the_query(interruption: type[BaseException]) -> None:
    def interrupted_sleep(_: float) -> None:
        raise interruption()

    source, stubber = stubbed_with(interrupted_sleep)
    with stubber:
        _start_query(stubber)
        stubber.add_response("get_query_results", {"status": "Running", "results": []}, {"queryId": "q-1"})
        stubber.add_response("stop_query", {"success": True}, {"queryId": "q-1"})
        with pytest.raises(interruption):
            source.run_insights(["/a", "/b"], "stats count(*) by bin(5m)", 1000, 3000)
        stubber.assert_no_pending_responses()


def test_insights_error_while_polling_stops_the_query(stubbed) -> None:
    source, stubber, _ = stubbed
    _start_query(stubber)
    stubber.add_client_error("get_query_results", "AccessDeniedException", "not allowed", 400)
    stubber.add_response("stop_query", {"success": True}, {"queryId": "q-1"})
    with pytest.raises(AccessDenied):
        source.run_insights(["/a", "/b"], "stats count(*) by bin(5m)", 1000, 3000)


@pytest.mark.parametrize("status", ["Failed", "Cancelled"])
def test_insights_failed_on_the_server(stubbed, status: str) -> None:
    source, stubber, _ = stubbed
    _start_query(stubber)
    stubber.add_response("get_query_results", {"status": status, "results": []}, {"queryId": "q-1"})
    with pytest.raises(SourceError, match=f"query {status.lower()} on the server"):
        source.run_insights(["/a", "/b"], "stats count(*) by bin(5m)", 1000, 3000)


def test_malformed_query_is_invalid_query(stubbed) -> None:
    source, stubber, _ = stubbed
    stubber.add_client_error(
        "start_query", "MalformedQueryException", "unexpected symbol found bogus at line 1 and position 1", 400
    )
    with pytest.raises(InvalidQuery, match="unexpected symbol found bogus"):
        source.run_insights(["/a"], "bogus", 1000, 3000)


def test_parameter_validation_is_invalid_query(aws) -> None:
    with pytest.raises(InvalidQuery, match="rejected before sending: Parameter validation failed"):
        moto_source().filter_events([""], 0, now_ms())


def test_access_denied(stubbed) -> None:
    source, stubber, _ = stubbed
    stubber.add_client_error("describe_log_groups", "AccessDeniedException", "User: arn:aws:iam::1:user/x is not authorized", 400)
    with pytest.raises(AccessDenied, match="Access denied: User: arn:aws:iam::1:user/x is not authorized."):
        source.group_names()


# -- retries, throttling and an unreachable endpoint ---------------------


class _Body:
    def __init__(self, payload: bytes) -> None:
        self._payload = payload

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._payload


def _throttle_response(request: Any) -> AWSResponse:
    body = json.dumps({"__type": "ThrottlingException", "message": "Rate exceeded"}).encode()
    headers = {"x-amzn-RequestId": "r", "Content-Type": "application/x-amz-json-1.1"}
    return AWSResponse(request.url, 400, headers, _Body(body))


def test_throttling_is_retried_by_botocore_then_reported(aws, retry_sleeps: FakeClock) -> None:
    aws.client().create_log_group(logGroupName="/busy")
    events: list[Event] = []
    source = waiting_source(retry_sleeps, events)
    attempts: list[str] = []

    def throttle(request: Any, **_: Any) -> AWSResponse:
        attempts.append(request.url)
        return _throttle_response(request)

    source.client.meta.events.register("before-send.cloudwatch-logs.FilterLogEvents", throttle)
    with pytest.raises(Throttled) as caught:
        source.filter_events(["/busy"], 0, now_ms())
    assert len(attempts) == 5  # the first try and botocore's four standard retries
    assert len(retry_sleeps.sleeps) == 4
    assert "Rate exceeded" in str(caught.value)
    # Every wait and the call's end are reported, so metrics count them.
    retries = [e for e in events if isinstance(e, CloudWatchRetry)]
    assert [(e.action, e.attempt) for e in retries] == [("FilterLogEvents", n) for n in (1, 2, 3, 4)]
    assert [e.delay_s for e in retries] == retry_sleeps.sleeps
    assert [e.outcome for e in events if isinstance(e, CloudWatchCall)] == ["throttled"]


def test_throttling_that_clears_is_invisible(aws, retry_sleeps: FakeClock) -> None:
    client = aws.client()
    seed_group(client, "/busy", "s", ["ok 1", "ok 2"], start_ms=now_ms() - 10_000)
    source = waiting_source(retry_sleeps)
    attempts: list[int] = []

    def throttle_twice(request: Any, **_: Any) -> AWSResponse | None:
        attempts.append(1)
        return _throttle_response(request) if len(attempts) <= 2 else None

    source.client.meta.events.register("before-send.cloudwatch-logs.FilterLogEvents", throttle_twice)
    result = source.filter_events(["/busy"], 0, now_ms())
    assert [e.message for e in result.events] == ["ok 1", "ok 2"]
    assert len(attempts) == 3 and len(retry_sleeps.sleeps) == 2


def test_unreachable_endpoint(aws, monkeypatch: pytest.MonkeyPatch, retry_sleeps: FakeClock) -> None:
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")
    with pytest.raises(EndpointUnreachable, match=f"Cannot reach CloudWatch Logs at http://127.0.0.1:{port}"):
        waiting_source(retry_sleeps).list_groups()


# -- tail -------------------------------------------------------------


def _raw(event_id: str, timestamp: int, message: str, stream: str = "s") -> dict[str, Any]:
    return {"eventId": event_id, "timestamp": timestamp, "message": message, "logStreamName": stream, "ingestionTime": timestamp}


def test_tail_follow_drops_duplicates_at_page_ends_and_sleeps_between_polls() -> None:
    clock = FakeClock()

    def sleep(seconds: float) -> None:
        clock.sleeps.append(seconds)
        if len(clock.sleeps) == 3:
            raise KeyboardInterrupt

    source, stubber = stubbed_with(sleep)
    stubber.activate()
    first = {"logGroupName": "/g", "startTime": 1000, "interleaved": True, "filterPattern": "ERROR"}
    stubber.add_response("filter_log_events", {"events": [_raw("a", 1000, "one"), _raw("b", 2000, "two")], "nextToken": "t"}, first)
    stubber.add_response("filter_log_events", {"events": [_raw("c", 3000, "three")]}, {**first, "nextToken": "t"})
    # The next poll restarts at the newest timestamp seen, so "c" comes back and must be dropped.
    again = {**first, "startTime": 3000}
    stubber.add_response("filter_log_events", {"events": [_raw("c", 3000, "three"), _raw("d", 3000, "four")]}, again)
    stubber.add_response("filter_log_events", {"events": []}, again)
    seen: list[str] = []
    with pytest.raises(KeyboardInterrupt):
        for event in source.tail(["/g"], pattern="ERROR", start_ms=1000, follow=True, poll_s=5.0):
            seen.append(event.message)
    assert seen == ["one", "two", "three", "four"]
    assert clock.sleeps == [5.0, 5.0, 5.0]


def test_tail_without_follow_merges_groups_in_time_order(aws) -> None:
    client = aws.client()
    start = now_ms() - 60_000
    seed_group(client, "/x", "s", ["x0", "x1", "x2"], start_ms=start, step_ms=2000)
    seed_group(client, "/y", "s", ["y0", "y1"], start_ms=start + 1000, step_ms=2000)
    put_events(client, "/y", "t", [(start + 500, "y-other-stream")])
    events = list(moto_source().tail(["/x", "/y"], start_ms=start, follow=False))
    assert [e.message for e in events] == ["x0", "y-other-stream", "y0", "x1", "y1", "x2"]


def test_tail_on_a_missing_group(aws) -> None:
    with pytest.raises(LogGroupNotFound, match="/absent"):
        list(moto_source().tail(["/absent"], start_ms=0, follow=False))


def test_seeded_incident_is_where_the_docstring_says(aws) -> None:
    client = aws.client()
    seeded = seed_incident(client, now_ms=now_ms())
    source = moto_source()
    assert set(source.group_names()) == set(seeded["groups"])
    errors = source.filter_events([seeded["checkout_group"]], seeded["start_ms"], seeded["now_ms"], pattern=seeded["error_signature"])
    assert len(errors.events) == seeded["checkout_errors"] > 50
    assert min(e.timestamp_ms for e in errors.events) >= seeded["incident_start_ms"]
    healthy = source.filter_events([seeded["healthy_group"]], seeded["start_ms"], seeded["now_ms"], limit=5000)
    assert len(healthy.events) == seeded["groups"][seeded["healthy_group"]] == 600
    assert not any("ERROR" in e.message for e in healthy.events)


def test_other_sdk_failures_become_one_sentence_and_foreign_errors_pass() -> None:
    from botocore.exceptions import IncompleteReadError

    from logai.logs.source import translate_error

    translated = translate_error(IncompleteReadError(actual_bytes=10, expected_bytes=20))
    assert type(translated) is SourceError
    assert str(translated) == "The AWS SDK failed: 10 read, but total bytes expected is 20."
    assert translate_error(ValueError("not ours")) is None


def test_a_capped_search_keeps_the_newest_events(aws) -> None:
    client = aws.client()
    start = now_ms() - 3_000_000
    seed_group(client, "/busy", "s", [f"event {i}" for i in range(300)], start_ms=start, step_ms=5_000)
    result = moto_source().filter_events(["/busy"], start, now_ms(), limit=20)
    assert result.truncated
    assert [e.message for e in result.events] == [f"event {i}" for i in range(280, 300)]


def test_newest_first_narrows_an_overfull_window(aws) -> None:
    client = aws.client()
    start = now_ms() - 1_000_000
    # Sparse early events, then a dense burst at the end of the range.
    seed_group(client, "/burst", "s", [f"early {i}" for i in range(10)], start_ms=start, step_ms=60_000)
    seed_group(client, "/burst", "s", [f"burst {i}" for i in range(200)], start_ms=start + 800_000, step_ms=100)
    result = moto_source().filter_events(["/burst"], start, start + 900_000, limit=15)
    assert [e.message for e in result.events] == [f"burst {i}" for i in range(185, 200)]
