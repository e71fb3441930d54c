"""The evidence against the sandbox's faithful Insights, on the pool-shrink incident: exact figures, cheap, safe."""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from logai.events import CloudWatchCall, Event, InsightsScanned
from logai.evidence.collect import EvidenceCollector, Limits
from logai.evidence.compare import compare, render_comparison
from logai.evidence.filter import FieldCondition, LogFilter
from logai.evidence.onsets import onsets, render_onsets
from logai.evidence.report import render
from logai.logs.shaping import estimate_tokens
from logai.runtime import Runtime
from logai.sandbox.config import SandboxConfig
from logai.sandbox.incidents import GroundTruth, IncidentData
from logai.sandbox.incidents.pool_shrink import CHECKOUT, GATEWAY, PAYMENTS, STRIPE_KEY
from logai.sandbox.server import SandboxServer
from logai.settings import load_settings
from tests.test_sandbox_server import FakeClock

MINUTE = 60_000


@pytest.fixture
def incident(pool_shrink: GroundTruth, _pool_shrink_data: IncidentData) -> tuple[GroundTruth, IncidentData, int]:
    now_ms = max(e.timestamp_ms for e in _pool_shrink_data.events) + 1
    return pool_shrink, _pool_shrink_data, now_ms


def collector(sandbox: SandboxServer, events: list[Event] | None = None) -> EvidenceCollector:
    sink = events.append if events is not None else None
    return EvidenceCollector(sandbox.source(load_settings(), sink=sink), Limits(timeout_s=30.0))


def matching(data: IncidentData, group: str, start_ms: int, end_ms: int, test: Any) -> list[Any]:
    return [e for e in data.events if e.group == group and start_ms <= e.timestamp_ms <= end_ms and test(e.message)]


def test_exact_count_onset_and_templates_over_the_whole_range(sandbox: SandboxServer, incident: Any) -> None:
    truth, data, now = incident
    start = now - 3 * 60 * MINUTE
    where = LogFilter(all_words=("Connection is not available",))
    events: list[Event] = []
    evidence = collector(sandbox, events).collect([PAYMENTS], start, now, where)

    expected = matching(data, PAYMENTS, start, now, where.matches)
    assert evidence.total == len(expected) and evidence.exact
    assert evidence.first_ms == min(e.timestamp_ms for e in expected)
    assert sum(evidence.histogram.counts) == evidence.total
    assert sum(t.count for t in evidence.templates) == evidence.total
    # The pool timeouts begin at the incident's onset minute, not before.
    assert evidence.first_ms >= truth.onset_ms and (evidence.first_ms - truth.onset_ms) < 5 * MINUTE
    levels = dict(next(b for b in evidence.breakdowns if b.name == "level").counts)
    assert sum(levels.values()) == evidence.total
    # Three scans and a couple of FilterLogEvents calls, however many events there are.
    calls = Counter(e.action for e in events if isinstance(e, CloudWatchCall))
    assert calls["StartQuery"] == 3 and calls["FilterLogEvents"] <= 2
    assert sum(e.bytes_scanned for e in events if isinstance(e, InsightsScanned)) == evidence.provenance.bytes_scanned > 0


def test_the_report_states_figures_within_the_budget_and_keeps_secrets(sandbox: SandboxServer, incident: Any) -> None:
    truth, data, now = incident
    start = now - 4 * 60 * MINUTE
    evidence = collector(sandbox).collect([CHECKOUT], start, now, LogFilter(any_words=("Task timed out", "payments client")))
    text = render(evidence, budget_tokens=1500)
    assert estimate_tokens(text) <= 1500
    assert f"Matches: {evidence.total:,} (exact)" in text
    assert "rising sharply from" in text or "First match" in text
    assert "How computed: 3 Logs Insights queries" in text
    assert STRIPE_KEY not in text and all(secret not in text for secret in truth.secret_lines)
    assert text.splitlines().count("<log_data>") == 1 and text.rstrip().endswith("</log_data>")


def test_a_sharp_rise_after_background_noise_is_named(sandbox: SandboxServer, incident: Any) -> None:
    truth, _, now = incident
    evidence = collector(sandbox).collect([CHECKOUT], now - 3 * 60 * MINUTE, now, LogFilter(any_words=("ERROR", "Task timed out")))
    text = render(evidence, budget_tokens=3000)
    rise = re.search(r"rising sharply from (\d\d:\d\d:\d\d)", text)
    assert rise is not None
    timeouts = truth.proofs[2]
    assert timeouts.group == CHECKOUT


def test_json_fields_split_the_matches(sandbox: SandboxServer, incident: Any) -> None:
    _, data, now = incident
    start = now - 60 * MINUTE
    where = LogFilter(fields=(FieldCondition(field="status", op=">=", value=500),))
    evidence = collector(sandbox).collect([GATEWAY], start, now, where)
    expected = matching(data, GATEWAY, start, now, where.matches)
    assert evidence.total == len(expected) > 0
    split = [b for b in evidence.breakdowns if b.name not in ("level", "stream")]
    assert split, "a JSON field with a few values splits the 5xx answers"
    assert sum(n for _, n in split[0].counts) == evidence.total


def test_nothing_matched_is_said_plainly(sandbox: SandboxServer, incident: Any) -> None:
    _, _, now = incident
    evidence = collector(sandbox).collect([PAYMENTS], now - 60 * MINUTE, now, LogFilter(all_words=("no such text anywhere",)))
    assert evidence.total == 0
    assert "No events matched in the whole range." in render(evidence, budget_tokens=800)


def test_what_is_new_against_the_period_before(sandbox: SandboxServer, incident: Any) -> None:
    truth, _, now = incident
    source = sandbox.source(load_settings())
    result = compare(source, [PAYMENTS], now - 40 * MINUTE, now, "prev", LogFilter(all_words=("ERROR",)))
    new = [c.template for c in result.changes if c.kind in ("new", "rose")]
    assert any("Connection is not available" in t or "JDBC" in t for t in new)
    # The red herring logs at the same rate before and after: it is not a change.
    herring = truth.red_herring.pattern
    assert not any(re.search(herring, c.example or "") for c in result.changes if c.kind in ("new", "rose"))
    text = render_comparison(result, LogFilter(all_words=("ERROR",)), 0.005, budget_tokens=1200)
    assert estimate_tokens(text) <= 1200 and "NEW" in text
    # The exception's cause survives the cut: stack frames give way first.
    new_line = next(line for line in text.splitlines() if line.startswith("NEW"))
    assert "Connection is not available" in new_line and "[stack frames]" in new_line


def test_the_timeline_names_the_group_that_broke_first(sandbox: SandboxServer, incident: Any) -> None:
    truth, data, now = incident
    source = sandbox.source(load_settings())
    result = onsets(source, list(data.groups), now - 3 * 60 * MINUTE, now, LogFilter(any_words=("ERROR", "Task timed out", '"status":502')))
    assert result.groups[0].group == truth.root_group
    text = render_onsets(result, LogFilter(any_words=("ERROR",)), 0.005)
    assert text.splitlines()[1].startswith(f"1. {truth.root_group}:")


# -- the fallback when Insights cannot serve -----------------------------------------------


def test_access_denied_on_start_query_falls_back_to_filter_log_events(sandbox: SandboxServer, incident: Any) -> None:
    _, data, now = incident
    source = sandbox.source(load_settings())

    def refuse(request: Any, **_: Any) -> Any:
        from botocore.awsrequest import AWSResponse

        body = b'{"__type": "AccessDeniedException", "message": "not authorized to perform logs:StartQuery"}'
        return AWSResponse(request.url, 400, {"Content-Type": "application/x-amz-json-1.1"}, _Raw(body))

    source.client.meta.events.register("before-send.cloudwatch-logs.StartQuery", refuse)
    start = now - 60 * MINUTE
    where = LogFilter(all_words=("Connection is not available",))
    evidence = EvidenceCollector(source).collect([PAYMENTS], start, now, where)
    assert evidence.provenance.method == "filter_log_events"
    assert evidence.total == len(matching(data, PAYMENTS, start, now, where.matches))
    text = render(evidence, budget_tokens=2000)
    assert "Logs Insights was refused" in text and "FilterLogEvents" in text


def test_groups_without_pattern_get_templates_from_samples(sandbox: SandboxServer, incident: Any) -> None:
    _, _, now = incident
    source = sandbox.source(load_settings())

    def no_pattern(request: Any, **_: Any) -> Any:
        from botocore.awsrequest import AWSResponse

        if b"pattern @message" not in request.body:
            return None
        body = b'{"__type": "InvalidParameterException", "message": "The pattern command is not supported for the Infrequent Access log class"}'
        return AWSResponse(request.url, 400, {"Content-Type": "application/x-amz-json-1.1"}, _Raw(body))

    source.client.meta.events.register("before-send.cloudwatch-logs.StartQuery", no_pattern)
    evidence = EvidenceCollector(source).collect([PAYMENTS], now - 60 * MINUTE, now, LogFilter(all_words=("ERROR",)))
    assert evidence.provenance.method == "insights" and evidence.templates
    assert any("no `pattern`" in caveat for caveat in evidence.provenance.caveats)


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


# -- quotas and cancellation in realistic mode ---------------------------------------------


@pytest.fixture
def realistic_incident(_pool_shrink_data: IncidentData) -> Iterator[tuple[SandboxServer, FakeClock, int]]:
    clock = FakeClock(start=max(e.timestamp_ms for e in _pool_shrink_data.events) / 1000 + 1)
    server = SandboxServer(SandboxConfig(realistic=True), runtime=Runtime(clock=clock, wall_clock=clock, sleep=clock.sleep))
    server.start()
    server.reset()
    server.seed(_pool_shrink_data)
    yield server, clock, int(clock() * 1000)
    server.stop()


def test_two_searches_at_once_stay_within_the_quotas(realistic_incident: tuple[SandboxServer, FakeClock, int]) -> None:
    server, clock, now = realistic_incident
    settings = load_settings()
    runtime = Runtime(clock=clock, wall_clock=clock, sleep=clock.sleep)
    source = server.source(settings, runtime=runtime)
    from logai.logs.ratelimit import CLOUDWATCH_QUOTAS, RateLimiter
    from logai.logs.source import CloudWatchSource

    shared = CloudWatchSource(source.client, runtime=runtime, limiter=RateLimiter(CLOUDWATCH_QUOTAS, clock=clock, sleep=clock.sleep))
    results: dict[str, Any] = {}

    def search(group: str) -> None:
        results[group] = EvidenceCollector(shared).collect([group], now - 3 * 60 * MINUTE, now, LogFilter(all_words=("ERROR",)))

    threads = [threading.Thread(target=search, args=(g,)) for g in (CHECKOUT, PAYMENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert set(results) == {CHECKOUT, PAYMENTS}
    assert sum(server.operations.throttled.values()) == 0
    assert sum(server.operations.calls.values()) <= 30


def test_an_interrupted_search_stops_its_queries(realistic_incident: tuple[SandboxServer, FakeClock, int]) -> None:
    server, clock, now = realistic_incident

    def interrupted(seconds: float) -> None:
        raise KeyboardInterrupt  # Ctrl-C while waiting for the queries to run

    source = server.source(load_settings(), runtime=Runtime(clock=clock, wall_clock=clock, sleep=interrupted))
    with pytest.raises(KeyboardInterrupt):
        EvidenceCollector(source).collect([PAYMENTS], now - 3 * 60 * MINUTE, now, LogFilter(all_words=("ERROR",)))
    assert server.operations.calls["StopQuery"] == server.operations.calls["StartQuery"] > 0
    described = source.client.describe_queries()["queries"]
    assert described and all(q["status"] == "Cancelled" for q in described)


def test_a_query_over_the_scan_ceiling_is_stopped(realistic_incident: tuple[SandboxServer, FakeClock, int]) -> None:
    server, clock, now = realistic_incident
    source = server.source(load_settings(), runtime=Runtime(clock=clock, wall_clock=clock, sleep=clock.sleep))
    evidence = EvidenceCollector(source, Limits(max_bytes_per_query=1024)).collect(
        [CHECKOUT], now - 3 * 60 * MINUTE, now, LogFilter(all_words=("ERROR",))
    )
    assert not evidence.exact
    assert any("Stopped" in caveat for caveat in evidence.provenance.caveats)
    assert server.operations.calls["StopQuery"] >= 1
