"""MetricsStore: sessions, flushes, totals, two processes at once, corrupt and locked files."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

import pytest

from logai.metrics import names
from logai.metrics.collector import MetricsCollector
from logai.metrics.store import DB_NAME, SCHEMA_VERSION, MetricsStore, MetricsStoreError, SessionRow, StoreTotals

EMPTY = ("reason", "empty_logs")


class FakeClock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_creates_home_and_a_wal_database_with_a_schema_version(tmp_path: Path) -> None:
    home = tmp_path / "deep" / "home"
    MetricsStore(home).close()
    conn = sqlite3.connect(home / DB_NAME)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()


def test_flushes_add_up_per_session_and_across_sessions(tmp_path: Path) -> None:
    clock = FakeClock()
    store = MetricsStore(tmp_path, clock=clock)
    first, second = MetricsCollector(), MetricsCollector()
    one = store.start_session("chat")
    two = store.start_session("query")

    first.inc(names.RETRY_ATTEMPTS, {"reason": "empty_logs"})
    first.observe(names.RETRY_BACKOFF_SECONDS, 0.5, {"attempt": 1})
    store.flush(one, first)
    first.inc(names.RETRY_ATTEMPTS, {"reason": "empty_logs"}, 2)
    first.observe(names.RETRY_BACKOFF_SECONDS, 1.0, {"attempt": 2})
    store.flush(one, first)
    store.flush(one, first)  # nothing new: adds nothing
    second.inc(names.RETRY_ATTEMPTS, {"reason": "empty_logs"}, 4)
    second.inc(names.LLM_TOKENS, {"direction": "input"}, 1200)
    second.observe(names.RETRY_BACKOFF_SECONDS, 2.0, {"attempt": 1})
    store.flush(two, second)

    totals = store.totals()
    assert totals.sessions == 2
    assert totals.counters[(names.RETRY_ATTEMPTS, (EMPTY,))] == 7
    assert totals.counters[(names.LLM_TOKENS, (("direction", "input"),))] == 1200
    assert totals.counters[(names.SESSIONS, (("command", "chat"),))] == 1
    assert totals.counters[(names.SESSIONS, (("command", "query"),))] == 1
    assert totals.samples[(names.RETRY_BACKOFF_SECONDS, (("attempt", "1"),))] == [0.5, 2.0]
    assert totals.samples[(names.RETRY_BACKOFF_SECONDS, (("attempt", "2"),))] == [1.0]
    store.close()


def test_sessions_rows_and_since(tmp_path: Path) -> None:
    clock = FakeClock(1000.0)
    store = MetricsStore(tmp_path, clock=clock)
    old = store.start_session("chat", started_at=100.0)
    new = store.start_session("query")  # at 1000 from the clock
    clock.now = 1010.0
    store.end_session(new)
    old_metrics, new_metrics = MetricsCollector(), MetricsCollector()
    old_metrics.inc(names.TURNS, {"outcome": "answered"}, 5)
    old_metrics.observe(names.TURN_DURATION_SECONDS, 9.0)
    new_metrics.inc(names.TURNS, {"outcome": "answered"})
    new_metrics.observe(names.TURN_DURATION_SECONDS, 1.0)
    store.flush(old, old_metrics)
    store.flush(new, new_metrics)

    assert store.sessions() == [
        SessionRow(old, "chat", 100.0, None),
        SessionRow(new, "query", 1000.0, 1010.0),
    ]
    assert [row.id for row in store.sessions(since=500.0)] == [new]
    recent = store.totals(since=500.0)
    assert recent.sessions == 1
    assert recent.counters[(names.TURNS, (("outcome", "answered"),))] == 1
    assert recent.samples == {(names.TURN_DURATION_SECONDS, ()): [1.0]}
    assert store.totals().counters[(names.TURNS, (("outcome", "answered"),))] == 6


def test_the_store_survives_reopening(tmp_path: Path) -> None:
    metrics = MetricsCollector()
    with MetricsStore(tmp_path) as store:
        session = store.start_session("chat")
        metrics.inc(names.TOOL_CALLS, {"tool": "search_logs", "outcome": "ok"}, 3)
        store.flush(session, metrics)
    with MetricsStore(tmp_path) as again:
        assert again.totals().counters[(names.TOOL_CALLS, (("outcome", "ok"), ("tool", "search_logs")))] == 3


def test_reset_deletes_everything(tmp_path: Path) -> None:
    store = MetricsStore(tmp_path)
    metrics = MetricsCollector()
    session = store.start_session("chat")
    metrics.inc(names.TURNS)
    metrics.observe(names.TURN_DURATION_SECONDS, 1.0)
    store.flush(session, metrics)
    store.reset()
    assert store.totals().is_empty()
    assert store.sessions() == []


def test_an_open_session_comes_back_after_a_reset_elsewhere(tmp_path: Path) -> None:
    store = MetricsStore(tmp_path)
    metrics = MetricsCollector()
    session = store.start_session("chat")
    MetricsStore(tmp_path).reset()  # e.g. `logai metrics --reset` in another terminal
    metrics.inc(names.TURNS)
    store.flush(session, metrics)
    assert store.totals().counters[(names.TURNS, ())] == 1
    assert [row.id for row in store.sessions()] == [session]


def test_flush_of_an_unknown_session_is_a_programming_error(tmp_path: Path) -> None:
    store = MetricsStore(tmp_path)
    with pytest.raises(ValueError, match="not started"):
        store.flush("nope", MetricsCollector())


def test_totals_filter_and_group(tmp_path: Path) -> None:
    totals = StoreTotals(
        counters={
            (names.TOOL_CALLS, (("outcome", "ok"), ("tool", "search_logs"))): 3.0,
            (names.TOOL_CALLS, (("outcome", "error"), ("tool", "search_logs"))): 1.0,
            (names.TOOL_CALLS, (("outcome", "ok"), ("tool", "list_log_groups"))): 2.0,
        },
        samples={
            (names.TOOL_DURATION_SECONDS, (("tool", "search_logs"),)): [1.0, 2.0],
            (names.TOOL_DURATION_SECONDS, (("tool", "list_log_groups"),)): [0.5],
        },
        sessions=2,
    )
    ok = totals.matching({"outcome": "ok"})
    assert sum(ok.counters.values()) == 5 and ok.samples == {}
    by_outcome = totals.grouped(["outcome"])
    assert by_outcome.counters == {
        (names.TOOL_CALLS, (("outcome", "ok"),)): 5.0,
        (names.TOOL_CALLS, (("outcome", "error"),)): 1.0,
    }
    assert by_outcome.samples == {(names.TOOL_DURATION_SECONDS, ()): [1.0, 2.0, 0.5]}
    assert totals.grouped(["tool"]).matching({"tool": "search_logs"}).counters == {
        (names.TOOL_CALLS, (("tool", "search_logs"),)): 4.0
    }


def _flush_many(home: str, command: str, flushes: int, barrier) -> None:  # runs in a child process
    store = MetricsStore(Path(home), busy_timeout=30.0)
    metrics = MetricsCollector()
    session = store.start_session(command)
    barrier.wait()
    for i in range(flushes):
        metrics.inc(names.RETRY_ATTEMPTS, {"reason": "empty_logs"})
        metrics.inc(names.LLM_TOKENS, {"direction": "output"}, 10)
        metrics.observe(names.RETRY_BACKOFF_SECONDS, float(i), {"attempt": 1})
        store.flush(session, metrics)
    store.end_session(session)
    store.close()


def test_two_processes_flushing_at_once_are_both_counted_in_full(tmp_path: Path) -> None:
    flushes = 300
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    workers = [
        context.Process(target=_flush_many, args=(str(tmp_path), command, flushes, barrier))
        for command in ("chat", "query")
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0

    totals = MetricsStore(tmp_path).totals()
    assert totals.sessions == 2
    assert totals.counters[(names.RETRY_ATTEMPTS, (EMPTY,))] == 2 * flushes
    assert totals.counters[(names.LLM_TOKENS, (("direction", "output"),))] == 2 * flushes * 10
    backoffs = totals.samples[(names.RETRY_BACKOFF_SECONDS, (("attempt", "1"),))]
    assert sorted(backoffs) == sorted([float(i) for i in range(flushes)] * 2)


def test_a_file_that_is_not_a_database_gives_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / DB_NAME).write_bytes(b"this is a text file, not SQLite\n" * 200)
    with pytest.raises(MetricsStoreError, match="not a logai metrics database") as caught:
        MetricsStore(tmp_path)
    assert "Move" in (caught.value.hint or "")


def test_a_file_from_a_newer_logai_is_refused(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / DB_NAME)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(MetricsStoreError, match="newer logai"):
        MetricsStore(tmp_path)


def test_a_home_that_cannot_be_created_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(MetricsStoreError, match="Cannot create the logai home"):
        MetricsStore(tmp_path / "file" / "home")


def test_a_locked_file_is_reported_once_and_loses_nothing(tmp_path: Path) -> None:
    store = MetricsStore(tmp_path, busy_timeout=0)
    metrics = MetricsCollector()
    session = store.start_session("chat")
    blocker = sqlite3.connect(tmp_path / DB_NAME, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")

    metrics.inc(names.TURNS, {"outcome": "answered"})
    metrics.observe(names.TURN_DURATION_SECONDS, 1.0)
    with pytest.raises(MetricsStoreError, match="locked by another process.*kept in memory"):
        store.flush(session, metrics)
    metrics.inc(names.TURNS, {"outcome": "answered"})
    metrics.observe(names.TURN_DURATION_SECONDS, 2.0)
    store.flush(session, metrics)  # still locked: already reported, so quiet
    kept = store.pending(session)
    assert kept.counters == {(names.TURNS, (("outcome", "answered"),)): 2.0}
    assert kept.samples == {(names.TURN_DURATION_SECONDS, ()): [1.0, 2.0]}

    blocker.execute("ROLLBACK")
    blocker.close()
    metrics.inc(names.TURNS, {"outcome": "error"})
    store.flush(session, metrics)
    totals = store.totals()
    assert totals.counters[(names.TURNS, (("outcome", "answered"),))] == 2
    assert totals.counters[(names.TURNS, (("outcome", "error"),))] == 1
    assert totals.samples[(names.TURN_DURATION_SECONDS, ())] == [1.0, 2.0]
    assert not store.pending(session)


def test_a_new_run_of_failures_is_reported_again(tmp_path: Path) -> None:
    store = MetricsStore(tmp_path, busy_timeout=0)
    metrics = MetricsCollector()
    session = store.start_session("chat")
    for _ in range(2):
        blocker = sqlite3.connect(tmp_path / DB_NAME, isolation_level=None)
        blocker.execute("BEGIN EXCLUSIVE")
        metrics.inc(names.TURNS)
        with pytest.raises(MetricsStoreError):
            store.flush(session, metrics)
        blocker.execute("ROLLBACK")
        blocker.close()
        metrics.inc(names.TURNS)
        store.flush(session, metrics)
    assert store.totals().counters[(names.TURNS, ())] == 4


def test_end_session_writes_what_a_failed_flush_kept(tmp_path: Path) -> None:
    clock = FakeClock(50.0)
    store = MetricsStore(tmp_path, busy_timeout=0, clock=clock)
    metrics = MetricsCollector()
    session = store.start_session("query")
    blocker = sqlite3.connect(tmp_path / DB_NAME, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    metrics.inc(names.TOOL_CALLS, {"tool": "search_logs", "outcome": "ok"})
    with pytest.raises(MetricsStoreError):
        store.flush(session, metrics)
    blocker.execute("ROLLBACK")
    blocker.close()
    clock.now = 60.0
    store.end_session(session)
    assert store.sessions()[0].ended_at == 60.0
    assert sum(store.totals().counters.values()) == 2  # the tool call and the session


def test_a_file_corrupted_while_open_does_not_crash_and_keeps_the_data(tmp_path: Path) -> None:
    store = MetricsStore(tmp_path, busy_timeout=0)
    metrics = MetricsCollector()
    session = store.start_session("chat")
    metrics.inc(names.TURNS)
    store.flush(session, metrics)
    for suffix in ("", "-wal", "-shm"):
        path = tmp_path / (DB_NAME + suffix)
        if path.exists():
            path.write_bytes(b"\x00garbage" * 4096)
    metrics.inc(names.TURNS, value=2)
    with pytest.raises(MetricsStoreError):
        store.flush(session, metrics)
    assert store.pending(session).counters == {(names.TURNS, ()): 2.0}
    assert metrics.counter_value(names.TURNS) == 3  # the session's own figures are intact


def test_sessions_are_counted_from_session_rows_even_if_the_agent_counts_them_too(tmp_path: Path) -> None:
    store = MetricsStore(tmp_path)
    for command in ("chat", "chat", "query"):
        metrics = MetricsCollector()
        metrics.inc(names.SESSIONS, {"command": command})  # what Session does on start
        session = store.start_session(command)
        store.flush(session, metrics)
    store.start_session("chat")  # a session that never flushed still happened
    totals = store.totals()
    assert totals.sessions == 4
    assert totals.counters[(names.SESSIONS, (("command", "chat"),))] == 3
    assert totals.counters[(names.SESSIONS, (("command", "query"),))] == 1
