"""MetricsCollector: labelled series, deltas, summaries, threads, tasks and disabled mode."""

from __future__ import annotations

import asyncio
import math
import threading

import pytest

from logai.metrics import names
from logai.metrics.collector import MetricsCollector, MetricsDelta, describe, label_key, percentile


def test_labels_are_order_independent_and_stringified() -> None:
    assert label_key({"b": 2, "a": "x"}) == label_key({"a": "x", "b": "2"}) == (("a", "x"), ("b", "2"))
    assert label_key(None) == label_key({}) == ()


def test_counters_are_kept_per_label_set() -> None:
    metrics = MetricsCollector()
    metrics.inc(names.RETRY_ATTEMPTS, {"reason": "empty_logs"})
    metrics.inc(names.RETRY_ATTEMPTS, {"reason": "empty_logs"}, 2)
    metrics.inc(names.RETRY_ATTEMPTS, {"reason": "llm_error"})
    assert metrics.counter_value(names.RETRY_ATTEMPTS, {"reason": "empty_logs"}) == 3
    assert metrics.counter_value(names.RETRY_ATTEMPTS, {"reason": "log_group_not_found"}) == 0
    assert metrics.counter_total(names.RETRY_ATTEMPTS) == 4
    assert metrics.counters() == {
        (names.RETRY_ATTEMPTS, (("reason", "empty_logs"),)): 3.0,
        (names.RETRY_ATTEMPTS, (("reason", "llm_error"),)): 1.0,
    }


@pytest.mark.parametrize("bad", [-1.0, math.nan, math.inf])
def test_a_counter_cannot_go_down_or_turn_nan(bad: float) -> None:
    metrics = MetricsCollector()
    with pytest.raises(ValueError, match="cannot be increased"):
        metrics.inc(names.TURNS, value=bad)
    assert metrics.counters() == {}


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_a_histogram_refuses_non_finite_observations(bad: float) -> None:
    metrics = MetricsCollector()
    with pytest.raises(ValueError, match="cannot observe"):
        metrics.observe(names.TURN_DURATION_SECONDS, bad)
    assert metrics.histograms() == {}


def test_samples_by_series_and_across_label_sets() -> None:
    metrics = MetricsCollector()
    metrics.observe(names.RETRY_BACKOFF_SECONDS, 0.5, {"attempt": 1})
    metrics.observe(names.RETRY_BACKOFF_SECONDS, 1.0, {"attempt": 2})
    metrics.observe(names.RETRY_BACKOFF_SECONDS, 0.6, {"attempt": 1})
    assert metrics.samples(names.RETRY_BACKOFF_SECONDS, {"attempt": "1"}) == [0.5, 0.6]
    assert sorted(metrics.samples(names.RETRY_BACKOFF_SECONDS)) == [0.5, 0.6, 1.0]


def test_percentile_interpolates_linearly() -> None:
    values = [float(v) for v in range(1, 101)]  # 1..100
    assert percentile(values, 50) == pytest.approx(50.5)
    assert percentile(values, 95) == pytest.approx(95.05)
    assert percentile(values, 99) == pytest.approx(99.01)
    assert percentile([7.0], 99) == 7.0
    assert math.isnan(percentile([], 50))


def test_describe_gives_every_figure() -> None:
    figures = describe([4.0, 1.0, 3.0, 2.0])
    assert figures == {
        "count": 4,
        "sum": 10.0,
        "min": 1.0,
        "max": 4.0,
        "mean": 2.5,
        "p50": 2.5,
        "p95": pytest.approx(3.85),
        "p99": pytest.approx(3.97),
    }


def test_take_delta_hands_out_each_change_once() -> None:
    metrics = MetricsCollector()
    metrics.inc(names.TURNS, {"outcome": "answered"})
    metrics.observe(names.TURN_DURATION_SECONDS, 1.5)
    first = metrics.take_delta()
    assert first.counters == {(names.TURNS, (("outcome", "answered"),)): 1.0}
    assert first.samples == {(names.TURN_DURATION_SECONDS, ()): [1.5]}
    assert not metrics.take_delta()

    metrics.inc(names.TURNS, {"outcome": "answered"}, 2)
    metrics.observe(names.TURN_DURATION_SECONDS, 2.5)
    second = metrics.take_delta()
    assert second.counters == {(names.TURNS, (("outcome", "answered"),)): 2.0}
    assert second.samples == {(names.TURN_DURATION_SECONDS, ()): [2.5]}
    # The in-memory totals are untouched by flushing.
    assert metrics.counter_value(names.TURNS, {"outcome": "answered"}) == 3


def test_deltas_merge() -> None:
    key = (names.TURNS, ())
    hist = (names.TURN_DURATION_SECONDS, ())
    one = MetricsDelta(counters={key: 1.0}, samples={hist: [1.0]})
    one.merge(MetricsDelta(counters={key: 2.0}, samples={hist: [2.0]}))
    assert one.counters == {key: 3.0} and one.samples == {hist: [1.0, 2.0]}


def test_export_summary_per_series_and_merged_by_name() -> None:
    metrics = MetricsCollector()
    metrics.inc(names.TOOL_CALLS, {"tool": "search_logs", "outcome": "ok"}, 3)
    for value in (1.0, 2.0, 3.0):
        metrics.observe(names.RETRY_BACKOFF_SECONDS, value, {"attempt": 1})
    metrics.observe(names.RETRY_BACKOFF_SECONDS, 9.0, {"attempt": 2})
    summary = metrics.export_summary()
    assert summary["counters"] == [
        {"name": names.TOOL_CALLS, "labels": {"outcome": "ok", "tool": "search_logs"}, "value": 3.0}
    ]
    first, second = summary["histograms"]
    assert first["labels"] == {"attempt": "1"} and first["count"] == 3 and first["p50"] == 2.0
    assert second["labels"] == {"attempt": "2"} and second["max"] == 9.0
    (merged,) = summary["histograms_by_name"]
    assert merged["name"] == names.RETRY_BACKOFF_SECONDS
    assert merged["count"] == 4 and merged["sum"] == 15.0 and merged["p50"] == 2.5


async def test_many_tasks_lose_no_increment() -> None:
    metrics = MetricsCollector()

    async def work(task: int) -> None:
        for i in range(500):
            metrics.inc(names.TOOL_CALLS, {"tool": f"t{task % 3}", "outcome": "ok"})
            metrics.observe(names.TOOL_DURATION_SECONDS, float(i), {"tool": f"t{task % 3}"})
            if i % 50 == 0:
                await asyncio.sleep(0)

    await asyncio.gather(*(work(t) for t in range(30)))
    assert metrics.counter_total(names.TOOL_CALLS) == 15_000
    assert len(metrics.samples(names.TOOL_DURATION_SECONDS)) == 15_000


def test_threads_hammering_while_deltas_are_taken_lose_nothing() -> None:
    metrics = MetricsCollector()
    threads_n, per_thread = 8, 5_000
    start = threading.Barrier(threads_n + 1)
    stop = threading.Event()
    flushed = MetricsDelta()

    def hammer(index: int) -> None:
        start.wait()
        for i in range(per_thread):
            metrics.inc(names.RETRY_ATTEMPTS, {"reason": ("empty_logs", "llm_error")[i % 2]})
            metrics.observe(names.RETRY_BACKOFF_SECONDS, 0.5, {"attempt": index % 4})

    def flusher() -> None:
        start.wait()
        while not stop.is_set():
            flushed.merge(metrics.take_delta())

    workers = [threading.Thread(target=hammer, args=(i,)) for i in range(threads_n)]
    taker = threading.Thread(target=flusher)
    for thread in (*workers, taker):
        thread.start()
    for thread in workers:
        thread.join()
    stop.set()
    taker.join()
    flushed.merge(metrics.take_delta())

    total = threads_n * per_thread
    assert metrics.counter_total(names.RETRY_ATTEMPTS) == total
    assert metrics.counter_value(names.RETRY_ATTEMPTS, {"reason": "llm_error"}) == total / 2
    assert sum(flushed.counters.values()) == total
    assert sum(len(v) for v in flushed.samples.values()) == total


def test_disabled_collector_records_nothing() -> None:
    metrics = MetricsCollector(enabled=False)
    metrics.inc(names.TURNS, {"outcome": "answered"})
    metrics.observe(names.TURN_DURATION_SECONDS, 1.0)
    assert metrics.counters() == {} and metrics.histograms() == {}
    assert not metrics.take_delta()
    assert metrics.export_summary() == {"counters": [], "histograms": [], "histograms_by_name": []}
