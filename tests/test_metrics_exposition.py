"""Prometheus exposition: the text parses back to the right values; /metrics over real HTTP."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from logai.metrics import names
from logai.metrics.cloudwatch import batches, push_to_cloudwatch
from logai.metrics.collector import MetricsCollector
from logai.metrics.buckets import BACKOFF_BUCKETS, buckets_for
from logai.metrics.exposition import render_prometheus, serve
from logai.metrics.store import DB_NAME, MetricsStore, StoreTotals


def families(text: str) -> dict[str, list[Sample]]:
    return {family.name: family.samples for family in text_string_to_metric_families(text)}


def parsed_families(text: str) -> dict[str, object]:
    return {family.name: family for family in text_string_to_metric_families(text)}


def sample_value(samples: list[Sample], name: str, **labels: str) -> float:
    matches = [s.value for s in samples if s.name == name and s.labels == labels]
    assert len(matches) == 1, (name, labels, samples)
    return matches[0]


def seeded_totals() -> StoreTotals:
    return StoreTotals(
        counters={
            (names.RETRY_ATTEMPTS, (("reason", "empty_logs"),)): 3.0,
            (names.RETRY_ATTEMPTS, (("reason", "intent_without_action"),)): 2.0,
            (names.LLM_COST_USD, ()): 0.0125,
            (names.INTENT_DETECTION_HITS, (("confidence_bucket", "high"), ("intent_type", "search"))): 4.0,
        },
        samples={
            (names.RETRY_BACKOFF_SECONDS, (("attempt", "1"),)): [0.4, 0.6, 0.5],
            (names.RETRY_BACKOFF_SECONDS, (("attempt", "2"),)): [1.2, 70.0],
        },
        sessions=2,
    )


def test_counters_are_exposed_as_logai_name_total_with_help_from_the_catalogue() -> None:
    text = render_prometheus(seeded_totals())
    parsed = parsed_families(text)
    retry = parsed["logai_retry_attempts"]
    assert retry.type == "counter"
    assert retry.documentation == names.CATALOGUE[names.RETRY_ATTEMPTS].help
    assert sample_value(retry.samples, "logai_retry_attempts_total", reason="empty_logs") == 3
    assert sample_value(retry.samples, "logai_retry_attempts_total", reason="intent_without_action") == 2
    cost = parsed["logai_llm_cost_usd"]
    assert sample_value(cost.samples, "logai_llm_cost_usd_total") == pytest.approx(0.0125)
    hits = parsed["logai_intent_detection_hits"].samples
    assert sample_value(hits, "logai_intent_detection_hits_total", confidence_bucket="high", intent_type="search") == 4


def test_histograms_have_the_backoff_buckets_count_and_sum() -> None:
    parsed = parsed_families(render_prometheus(seeded_totals()))
    backoff = parsed["logai_retry_backoff_seconds"]
    assert backoff.type == "histogram"
    samples = backoff.samples
    bucket = "logai_retry_backoff_seconds_bucket"
    assert sample_value(samples, bucket, attempt="1", le="0.25") == 0
    assert sample_value(samples, bucket, attempt="1", le="0.5") == 2  # 0.4 and 0.5 (le is inclusive)
    assert sample_value(samples, bucket, attempt="1", le="1.0") == 3
    assert sample_value(samples, bucket, attempt="2", le="2.0") == 1
    assert sample_value(samples, bucket, attempt="2", le="64.0") == 1
    assert sample_value(samples, bucket, attempt="2", le="+Inf") == 2  # 70 s is past the last bound
    assert sample_value(samples, "logai_retry_backoff_seconds_count", attempt="1") == 3
    assert sample_value(samples, "logai_retry_backoff_seconds_sum", attempt="2") == pytest.approx(71.2)
    bounds = sorted({float(s.labels["le"]) for s in samples if s.name == bucket})
    assert bounds == [*BACKOFF_BUCKETS, float("inf")]


def test_bucket_choice_per_metric() -> None:
    assert buckets_for(names.RETRY_BACKOFF_SECONDS)[0] == 0.25
    assert buckets_for(names.RETRY_BACKOFF_SECONDS)[-1] == 64.0
    assert buckets_for(names.LLM_TIME_TO_FIRST_TOKEN_SECONDS) != buckets_for(names.TOOL_DURATION_SECONDS)
    assert buckets_for("some_new_seconds") == buckets_for(names.TURN_DURATION_SECONDS)


def test_series_of_one_metric_with_different_label_sets_share_one_family() -> None:
    totals = StoreTotals(counters={(names.TURNS, ()): 1.0, (names.TURNS, (("outcome", "answered"),)): 2.0})
    samples = families(render_prometheus(totals))["logai_turns"]
    assert sample_value(samples, "logai_turns_total", outcome="") == 1  # Prometheus reads "" as no label
    assert sample_value(samples, "logai_turns_total", outcome="answered") == 2


def test_unknown_names_are_sanitised_and_get_a_generic_help() -> None:
    totals = StoreTotals(counters={("cache.hits", (("kind-of", "x"),)): 5.0})
    parsed = parsed_families(render_prometheus(totals))
    family = parsed["logai_cache_hits"]
    assert family.documentation == "logai metric cache.hits."
    assert sample_value(family.samples, "logai_cache_hits_total", kind_of="x") == 5


def test_renders_an_in_memory_collector() -> None:
    metrics = MetricsCollector()
    metrics.inc(names.TOOL_CALLS, {"tool": "search_logs", "outcome": "ok"}, 2)
    metrics.observe(names.LLM_TIME_TO_FIRST_TOKEN_SECONDS, 0.3)
    parsed = families(render_prometheus(metrics))
    assert sample_value(parsed["logai_tool_calls"], "logai_tool_calls_total", outcome="ok", tool="search_logs") == 2
    ttft = parsed["logai_llm_time_to_first_token_seconds"]
    assert sample_value(ttft, "logai_llm_time_to_first_token_seconds_bucket", le="0.5") == 1
    assert sample_value(ttft, "logai_llm_time_to_first_token_seconds_bucket", le="0.25") == 0


def test_empty_totals_render_as_empty_text() -> None:
    assert render_prometheus(StoreTotals()) == ""


def scrape(url: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["Content-Type"], exc.read().decode()


def test_the_endpoint_reads_current_totals_on_every_scrape(tmp_path: Path) -> None:
    store = MetricsStore(tmp_path)
    metrics = MetricsCollector()
    session = store.start_session("chat")
    metrics.inc(names.RETRY_ATTEMPTS, {"reason": "empty_logs"})
    store.flush(session, metrics)

    server = serve(store.totals, host="127.0.0.1", port=0)
    try:
        assert server.port != 0 and server.url == f"http://127.0.0.1:{server.port}/metrics"
        status, content_type, body = scrape(server.url)
        assert status == 200 and content_type.startswith("text/plain")
        assert sample_value(families(body)["logai_retry_attempts"], "logai_retry_attempts_total", reason="empty_logs") == 1

        # Another process keeps writing while the endpoint runs.
        writer = MetricsStore(tmp_path)
        other = writer.start_session("query")
        more = MetricsCollector()
        more.inc(names.RETRY_ATTEMPTS, {"reason": "empty_logs"}, 4)
        more.observe(names.RETRY_BACKOFF_SECONDS, 2.0, {"attempt": 1})
        writer.flush(other, more)

        _, _, body = scrape(server.url)
        parsed = families(body)
        assert sample_value(parsed["logai_retry_attempts"], "logai_retry_attempts_total", reason="empty_logs") == 5
        assert sample_value(parsed["logai_sessions"], "logai_sessions_total", command="query") == 1
        assert sample_value(parsed["logai_retry_backoff_seconds"], "logai_retry_backoff_seconds_count", attempt="1") == 1

        status, _, _ = scrape(server.url.replace("/metrics", "/other"))
        assert status == 404
    finally:
        server.close()


def test_an_unreadable_store_answers_503_with_the_reason(tmp_path: Path) -> None:
    store = MetricsStore(tmp_path)
    metrics = MetricsCollector()
    session = store.start_session("chat")
    metrics.inc(names.TURNS)
    store.flush(session, metrics)
    server = serve(store.totals, port=0)
    try:
        for suffix in ("", "-wal", "-shm"):
            path = tmp_path / (DB_NAME + suffix)
            if path.exists():
                path.write_bytes(b"\x00garbage" * 4096)
        status, _, body = scrape(server.url)
        assert status == 503
        assert f"The metrics file {tmp_path / DB_NAME}" in body
    finally:
        server.close()


# -- CloudWatch PutMetricData, against moto's server -------------------------------------

NOW = datetime(2025, 1, 15, 12, 0, tzinfo=timezone.utc)


def count_put_metric_data(client) -> list[int]:
    """Datums per PutMetricData request, as botocore sends them."""
    sizes: list[int] = []
    client.meta.events.register(
        "provide-client-params.cloudwatch.PutMetricData",
        lambda params, **_: sizes.append(len(params["MetricData"])),
    )
    return sizes


def statistics(cw, metric: str, dims: list[dict[str, str]], stats: list[str]) -> dict:
    answer = cw.get_metric_statistics(
        Namespace="logai",
        MetricName=metric,
        Dimensions=dims,
        StartTime=NOW - timedelta(minutes=5),
        EndTime=NOW + timedelta(minutes=5),
        Period=600,
        Statistics=stats,
    )
    (point,) = answer["Datapoints"]
    return point


def test_push_publishes_counters_and_statistic_sets(aws) -> None:
    cw = aws.client("cloudwatch")
    requests = count_put_metric_data(cw)
    sent = push_to_cloudwatch(seeded_totals(), "logai", cw, now=NOW)
    assert sent == 6 and requests == [6]

    listed = cw.list_metrics(Namespace="logai")["Metrics"]
    assert {m["MetricName"] for m in listed} == {
        names.RETRY_ATTEMPTS,
        names.LLM_COST_USD,
        names.INTENT_DETECTION_HITS,
        names.RETRY_BACKOFF_SECONDS,
    }
    hits = next(m for m in listed if m["MetricName"] == names.INTENT_DETECTION_HITS)
    assert sorted(hits["Dimensions"], key=lambda d: d["Name"]) == [
        {"Name": "confidence_bucket", "Value": "high"},
        {"Name": "intent_type", "Value": "search"},
    ]
    empty = statistics(cw, names.RETRY_ATTEMPTS, [{"Name": "reason", "Value": "empty_logs"}], ["Sum"])
    assert empty["Sum"] == 3 and empty["Unit"] == "Count"
    backoff = statistics(
        cw,
        names.RETRY_BACKOFF_SECONDS,
        [{"Name": "attempt", "Value": "2"}],
        ["SampleCount", "Sum", "Minimum", "Maximum"],
    )
    assert backoff["SampleCount"] == 2 and backoff["Sum"] == pytest.approx(71.2)
    assert backoff["Minimum"] == 1.2 and backoff["Maximum"] == 70.0 and backoff["Unit"] == "Seconds"


def test_push_is_batched_within_the_api_limit(aws) -> None:
    cw = aws.client("cloudwatch")
    requests = count_put_metric_data(cw)
    totals = StoreTotals(
        counters={(names.TOOL_CALLS, (("outcome", "ok"), ("tool", f"tool_{i:04d}"))): float(i + 1) for i in range(2500)}
    )
    assert push_to_cloudwatch(totals, "logai", cw, now=NOW) == 2500
    assert requests == [1000, 1000, 500]
    point = statistics(
        cw, names.TOOL_CALLS, [{"Name": "outcome", "Value": "ok"}, {"Name": "tool", "Value": "tool_2499"}], ["Sum"]
    )
    assert point["Sum"] == 2500


def test_batches_also_respect_the_request_size() -> None:
    datum = {"MetricName": "x" * 200, "Value": 1.0}
    sizes = [len(batch) for batch in batches([datum] * 50, max_bytes=10_000)]
    assert sum(sizes) == 50 and max(sizes) < 50
    assert all(size * 3 * len(json.dumps(datum, separators=(",", ":"))) <= 10_000 for size in sizes)


@pytest.mark.parametrize("namespace", ["", "AWS/Logs", "has space", "x" * 256])
def test_a_bad_namespace_is_refused_before_any_call(namespace: str) -> None:
    with pytest.raises(ValueError, match="namespace"):
        push_to_cloudwatch(seeded_totals(), namespace, client=None, now=NOW)


def test_empty_label_values_are_not_sent_as_dimensions(aws) -> None:
    cw = aws.client("cloudwatch")
    totals = StoreTotals(counters={(names.TURNS, (("outcome", ""),)): 2.0})
    assert push_to_cloudwatch(totals, "logai", cw, now=NOW) == 1
    (metric,) = cw.list_metrics(Namespace="logai")["Metrics"]
    assert metric["Dimensions"] == []
