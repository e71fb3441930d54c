"""Data under LOGAI_HOME: private modes, bounded metric labels, a store that does not slow
down as it grows, retention, a read-only home and a full disk.

The read-only home and the full disk are real: a user and mount namespace
(`unshare -Urm`) bind-mounts the home read-only, or mounts a tiny tmpfs on it.
Where namespaces are not allowed those two tests are skipped.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from logai.cli import app
from logai.metrics import names
from logai.metrics.collector import MetricsCollector
from logai.metrics.store import DB_NAME, MetricsStore
from tests.llm_server import call, text, tool_calls

REPO = Path(__file__).resolve().parent.parent


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def loose_umask() -> Iterator[None]:
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def ask(*args: str, stdin: str | None = None) -> Any:
    return CliRunner().invoke(app, list(args), input=stdin, catch_exceptions=False)


def test_a_new_home_is_private_whatever_the_umask(aws, llm, isolated_env: Path, loose_umask: None) -> None:  # type: ignore[no-untyped-def]
    # Before: the folder 0755, metrics.db 0644.
    llm.enqueue("Quiet.")
    assert ask("query", "q").exit_code == 0
    assert mode(isolated_env) == 0o700
    for path in isolated_env.rglob("*"):
        assert mode(path) == (0o700 if path.is_dir() else 0o600), path


def test_loose_modes_found_on_start_are_tightened_with_a_warning(aws, llm, isolated_env: Path) -> None:  # type: ignore[no-untyped-def]
    with MetricsStore(isolated_env):
        pass
    isolated_env.chmod(0o755)
    (isolated_env / DB_NAME).chmod(0o644)
    (isolated_env / "history").write_text("my password is hunter2\n")
    (isolated_env / "history").chmod(0o644)
    llm.enqueue("Quiet.")
    result = ask("query", "q")
    assert result.exit_code == 0
    assert "was open to other users; tightened the folder (0755 → 0700)" in result.stderr
    assert mode(isolated_env) == 0o700 and mode(isolated_env / "history") == 0o600 and mode(isolated_env / DB_NAME) == 0o600


def test_the_chat_prompt_history_is_created_private(isolated_env: Path) -> None:
    # The prompt's history holds what was typed, a password included. Made here under umask 000,
    # with prompt-toolkit reading keys from a pipe as it would from a terminal.
    from logai.ui.console import SafeConsole
    from tests.repl_keys import questions_asked

    history = isolated_env / "history"
    console = SafeConsole(file=open(os.devnull, "w"))
    previous = os.umask(0)
    try:
        asked = questions_asked("my password is hunter2\r/exit\r", console, history=history)
    finally:
        os.umask(previous)
        console.file.close()
    assert asked == ["my password is hunter2"]
    assert "hunter2" in history.read_text() and mode(history) == 0o600 and mode(isolated_env) == 0o700


# -- labels ----------------------------------------------------------------------


def test_made_up_tool_names_never_become_labels(aws, llm, isolated_env: Path) -> None:  # type: ignore[no-untyped-def]
    # Before: one reply created 303 tool_calls series, one label 20,029 characters long, canary included.
    canary = "CANARY-Zq7Xk2Lp9Wm4Rt8Yv3"
    made_up = [call(f"tool_{i}_{canary}_" + "x" * 20_000, {}) for i in range(12)]
    llm.enqueue(tool_calls(*made_up), text("ok"))
    assert ask("query", "q").exit_code == 0
    result = ask("metrics", "--prometheus")
    lines = result.stdout.splitlines()
    assert canary not in result.stdout and max(len(line) for line in lines) < 200
    tool_series = [line for line in lines if line.startswith("logai_tool_calls_total{")]
    assert tool_series == ['logai_tool_calls_total{outcome="error",tool="unknown"} 8.0']
    for path in isolated_env.glob(f"{DB_NAME}*"):
        assert canary.encode() not in path.read_bytes()


def test_long_labels_an_older_logai_stored_are_capped_when_served(isolated_env: Path) -> None:
    collector = MetricsCollector()
    collector.inc(names.TOOL_CALLS, {"tool": "y" * 20_000, "outcome": "ok"})
    with MetricsStore(isolated_env) as store:
        session = store.start_session("query")
        store.flush(session, collector)
        store.end_session(session)
        # As an older logai wrote it: the label in full.
        conn = sqlite3.connect(store.path)
        conn.execute("UPDATE counter_totals SET labels = ? WHERE name = ?", (json.dumps({"outcome": "ok", "tool": "z" * 20_000}), names.TOOL_CALLS))
        conn.commit()
        conn.close()
    result = ask("metrics", "--prometheus")
    assert max(len(line) for line in result.stdout.splitlines()) < 200


# -- growth, retention, migration ------------------------------------------------


def record(home: Path, turns: int, observations: int = 3, *, days_ago: float = 0.0) -> None:
    collector = MetricsCollector()
    for _ in range(turns):
        collector.inc(names.TURNS, {"outcome": "answered"})
    for i in range(observations):
        collector.observe(names.TOOL_DURATION_SECONDS, 0.1 * (i + 1), {"tool": "search_logs"})
    with MetricsStore(home) as store:
        session = store.start_session("query", started_at=time.time() - days_ago * 86_400)
        store.flush(session, collector)
        store.end_session(session)


def prometheus_values(output: str) -> dict[str, float]:
    return {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1]) for line in output.splitlines() if line and not line.startswith("#")}


def test_prune_drops_old_detail_and_the_running_totals_stay(isolated_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for days_ago in (40, 35, 1):
        record(isolated_env, turns=2, days_ago=days_ago)
    before = prometheus_values(ask("metrics", "--prometheus").stdout)
    assert before['logai_turns_total{outcome="answered"}'] == 6
    assert before['logai_tool_duration_seconds_count{tool="search_logs"}'] == 9
    monkeypatch.setenv("LOGAI_METRICS_RETENTION_DAYS", "30")
    pruned = ask("metrics", "--prune")
    assert pruned.exit_code == 0 and "Dropped the detail of 2 session(s) older than 30 days" in pruned.stdout
    assert json.loads(ask("metrics", "--json").stdout)["sessions"] == 1
    assert prometheus_values(ask("metrics", "--prometheus").stdout) == before  # counters never go down


def test_a_scrape_reads_one_row_per_series_never_the_observations(isolated_env: Path) -> None:
    record(isolated_env, turns=1, observations=500)
    with MetricsStore(isolated_env, read_only=True) as store:
        statements: list[str] = []
        store._conn.set_trace_callback(statements.append)
        totals = store.running_totals()
    assert totals.histograms[(names.TOOL_DURATION_SECONDS, (("tool", "search_logs"),))].count == 500
    assert statements and not any("observations" in s for s in statements)


def test_a_store_from_before_the_running_totals_is_filled_in_once(isolated_env: Path) -> None:
    record(isolated_env, turns=2, observations=4)
    record(isolated_env, turns=3, observations=4)
    conn = sqlite3.connect(isolated_env / DB_NAME)
    conn.executescript("DROP TABLE counter_totals; DROP TABLE histogram_totals; PRAGMA user_version = 1;")
    conn.close()
    with MetricsStore(isolated_env) as store:  # migrates
        running, detail = store.running_totals(), store.totals()
    assert running.counters == detail.counters
    assert running.histograms[(names.TOOL_DURATION_SECONDS, (("tool", "search_logs"),))].count == 8


# -- a read-only home, a full disk ------------------------------------------------


def _namespaces_allowed() -> bool:
    if shutil.which("unshare") is None:
        return False
    return subprocess.run(["unshare", "-Urm", "true"], capture_output=True).returncode == 0


needs_namespaces = pytest.mark.skipif(not _namespaces_allowed(), reason="user and mount namespaces are not allowed here")


def in_namespace(script: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run a shell script as root of a fresh user and mount namespace (mounts vanish with it)."""
    return subprocess.run(["unshare", "-Urm", "sh", "-c", script], env=env, capture_output=True, text=True, timeout=120, cwd=REPO)


@needs_namespaces
def test_a_read_only_home_warns_and_never_fails(aws, isolated_env: Path) -> None:  # type: ignore[no-untyped-def]
    aws.client().create_log_group(logGroupName="/aws/lambda/app")
    assert ask("logs", "groups").exit_code == 0  # a store with one session in it
    isolated_env.chmod(0o755)  # loose, and on a file system where that cannot be fixed
    logai = f"{sys.executable} -m logai"
    script = (
        f'mount --bind "$LOGAI_HOME" "$LOGAI_HOME" && mount -o remount,bind,ro "$LOGAI_HOME" && '
        f'{logai} logs groups; echo "groups=$?"; {logai} metrics --json; echo "metrics=$?"; '
        f'{logai} metrics --prometheus; echo "prometheus=$?"'
    )
    done = in_namespace(script, dict(os.environ))
    assert "groups=0" in done.stdout and "metrics=0" in done.stdout and "prometheus=0" in done.stdout, done.stderr
    assert "/aws/lambda/app" in done.stdout
    assert "logai cannot change that (Read-only file system)" in done.stderr
    assert "is read-only here" in done.stderr, done.stderr  # metrics are not recorded, and the command went on
    document = json.loads(done.stdout.split("groups=0\n", 1)[1].split("metrics=0", 1)[0])
    assert document["sessions"] == 1
    assert 'logai_sessions_total{command="logs"} 1.0' in done.stdout
    assert "Traceback" not in done.stderr


@needs_namespaces
def test_a_full_disk_is_reported_as_such(aws, isolated_env: Path) -> None:  # type: ignore[no-untyped-def]
    aws.client().create_log_group(logGroupName="/aws/lambda/app")
    logai = f"{sys.executable} -m logai"
    script = (
        'mkdir -p "$LOGAI_HOME" && mount -t tmpfs -o size=512k tmpfs "$LOGAI_HOME" && '
        f"{logai} logs groups >/dev/null && "
        'dd if=/dev/zero of="$LOGAI_HOME/filler" bs=4k 2>/dev/null; '
        f'{logai} logs groups; echo "groups=$?"'
    )
    done = in_namespace(script, dict(os.environ))
    assert "groups=0" in done.stdout and "/aws/lambda/app" in done.stdout, done.stderr
    assert "The disk holding the metrics file" in done.stderr and "is full" in done.stderr
    assert "Traceback" not in done.stderr
