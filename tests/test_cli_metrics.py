"""`logai metrics` run as a user runs it, and the session summary panel."""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import typer
from prometheus_client.parser import text_string_to_metric_families
from rich.console import Console
from typer.testing import CliRunner

from logai.commands.metrics import register
from logai.metrics import names
from logai.metrics.collector import MetricsCollector
from logai.metrics.store import DB_NAME, SCHEMA_VERSION, MetricsStore
from logai.ui.summary import session_summary

REPO = Path(__file__).resolve().parent.parent
HOUR = 3600.0

# The command mounted the way logai/cli.py mounts it, runnable in a child process.
RUNNER = (
    "import typer\n"
    "from logai.commands.metrics import register\n"
    "app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)\n"
    "app.callback()(lambda: None)\n"
    "register(app)\n"
    "app(prog_name='logai')\n"
)


def make_app() -> typer.Typer:
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    app.callback()(lambda: None)
    register(app)
    return app


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(make_app(), ["metrics", *args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def seed(home: Path) -> None:
    """Three sessions: a chat two days ago, a query an hour ago, a chat now."""
    now = time.time()
    store = MetricsStore(home)

    old = store.start_session("chat", started_at=now - 48 * HOUR)
    metrics = MetricsCollector()
    metrics.inc(names.RETRY_ATTEMPTS, {"reason": "empty_logs"}, 5)
    metrics.inc(names.TOOL_CALLS, {"tool": "search_logs", "outcome": "ok"}, 10)
    for value in (0.5, 1.0, 2.0, 4.0):
        metrics.observe(names.RETRY_BACKOFF_SECONDS, value, {"attempt": 1})
    store.flush(old, metrics)
    store.end_session(old, ended_at=now - 47 * HOUR)

    recent = store.start_session("query", started_at=now - HOUR)
    metrics = MetricsCollector()
    metrics.inc(names.RETRY_ATTEMPTS, {"reason": "empty_logs"}, 2)
    metrics.inc(names.RETRY_ATTEMPTS, {"reason": "log_group_not_found"})
    metrics.inc(names.TOOL_CALLS, {"tool": "search_logs", "outcome": "error"}, 2)
    metrics.inc(names.TOOL_CALLS, {"tool": "list_log_groups", "outcome": "ok"}, 3)
    metrics.observe(names.RETRY_BACKOFF_SECONDS, 8.0, {"attempt": 1})
    store.flush(recent, metrics)

    current = store.start_session("chat", started_at=now)
    metrics = MetricsCollector()
    metrics.inc(names.LLM_TOKENS, {"direction": "input"}, 1500)
    metrics.observe(names.LLM_TIME_TO_FIRST_TOKEN_SECONDS, 0.4)
    store.flush(current, metrics)
    store.close()


def counter(doc: dict, name: str, **labels: str) -> float:
    (value,) = [c["value"] for c in doc["counters"] if c["name"] == name and c["labels"] == labels]
    return value


def histogram(doc: dict, name: str, **labels: str) -> dict:
    (item,) = [h for h in doc["histograms"] if h["name"] == name and h["labels"] == labels]
    return item


# -- reading ----------------------------------------------------------------------------


def test_an_empty_store_says_so_and_creates_nothing(isolated_env: Path) -> None:
    code, out, err = run()
    assert (code, out.strip(), err) == (0, "no metrics recorded yet", "")
    assert not (isolated_env / DB_NAME).exists()


def test_the_table_shows_counters_and_histogram_percentiles(isolated_env: Path) -> None:
    seed(isolated_env)
    code, out, _ = run()
    assert code == 0
    assert "Counters" in out and "Histograms" in out and "3 session(s)" in out
    retry_rows = [line for line in out.splitlines() if "reason=empty_logs" in line]
    assert len(retry_rows) == 1 and retry_rows[0].rstrip(" │").endswith("7")
    backoff = next(line for line in out.splitlines() if "retry_backoff_seconds" in line)
    # 0.5, 1, 2, 4, 8 across two sessions: count 5, p50 2 s, p95 7.20 s, p99 7.84 s
    assert "attempt=1" in backoff
    assert [cell.strip() for cell in backoff.split("│")[3:7]] == ["5", "2.00 s", "7.20 s", "7.84 s"]


def test_json_is_one_document_with_exact_figures_across_sessions(isolated_env: Path) -> None:
    seed(isolated_env)
    code, out, _ = run("--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["sessions"] == 3 and doc["since"] is None
    assert counter(doc, names.RETRY_ATTEMPTS, reason="empty_logs") == 7
    assert counter(doc, names.SESSIONS, command="chat") == 2
    backoff = histogram(doc, names.RETRY_BACKOFF_SECONDS, attempt="1")
    assert (backoff["count"], backoff["p50"], backoff["max"]) == (5, 2.0, 8.0)
    assert backoff["p95"] == pytest.approx(7.2)


def test_label_filters_and_bad_labels(isolated_env: Path) -> None:
    seed(isolated_env)
    doc = json.loads(run("--json", "--label", "tool=search_logs", "--label", "outcome=ok")[1])
    assert doc["counters"] == [
        {"name": names.TOOL_CALLS, "labels": {"outcome": "ok", "tool": "search_logs"}, "value": 10.0}
    ]
    assert doc["histograms"] == []
    code, out, _ = run("--label", "tool=nothing_like_it")
    assert code == 0 and "no metrics match --label tool=nothing_like_it" in out
    code, _, err = run("--label", "reason")
    assert code == 2 and "--label 'reason' is not KEY=VALUE" in err and "Traceback" not in err


def test_by_merges_the_other_labels_away(isolated_env: Path) -> None:
    seed(isolated_env)
    doc = json.loads(run("--json", "--by", "outcome", "--label", "tool=search_logs")[1])
    assert {(c["name"], json.dumps(c["labels"])): c["value"] for c in doc["counters"]} == {
        (names.TOOL_CALLS, '{"outcome": "error"}'): 2.0,
        (names.TOOL_CALLS, '{"outcome": "ok"}'): 10.0,
    }
    everything = json.loads(run("--json", "--by", "none_of_these")[1])
    assert counter(everything, names.TOOL_CALLS) == 15
    assert counter(everything, names.RETRY_ATTEMPTS) == 8


def test_since_picks_sessions_by_start(isolated_env: Path) -> None:
    seed(isolated_env)
    doc = json.loads(run("--json", "--since", "24h")[1])
    assert doc["sessions"] == 2 and doc["since"].endswith("+00:00")
    assert counter(doc, names.RETRY_ATTEMPTS, reason="empty_logs") == 2
    assert histogram(doc, names.RETRY_BACKOFF_SECONDS, attempt="1")["count"] == 1
    assert json.loads(run("--json", "--since", "7d")[1])["sessions"] == 3
    code, out, _ = run("--since", "2999-01-01")
    assert code == 0 and out.startswith("no sessions started since 2999-01-01")


@pytest.mark.parametrize("bad", ["yesterday-ish", "24x", ""])
def test_a_bad_since_is_a_usage_error(isolated_env: Path, bad: str) -> None:
    code, out, err = run("--since", bad)
    assert code == 2 and out == ""
    assert err.startswith("logai: --since:") and "hint:" in err and "Traceback" not in err


def test_prometheus_text_parses_back(isolated_env: Path) -> None:
    seed(isolated_env)
    code, out, _ = run("--prometheus", "--since", "24h")
    assert code == 0
    families = {f.name: f for f in text_string_to_metric_families(out)}
    retries = {tuple(s.labels.items()): s.value for s in families["logai_retry_attempts"].samples}
    assert retries == {(("reason", "empty_logs"),): 2.0, (("reason", "log_group_not_found"),): 1.0}
    backoff = families["logai_retry_backoff_seconds"]
    count = [s.value for s in backoff.samples if s.name.endswith("_count")]
    assert count == [1.0]


def test_prometheus_and_json_of_an_empty_store(isolated_env: Path) -> None:
    assert run("--prometheus") == (0, "", "")
    code, out, _ = run("--json")
    assert code == 0 and json.loads(out)["counters"] == [] and json.loads(out)["sessions"] == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--json", "--prometheus"], "--json and --prometheus cannot be used together"),
        (["--serve", "--reset"], "--serve and --reset cannot be used together"),
        (["--port", "9000"], "--host and --port only go with --serve"),
        (["--region", "eu-west-1"], "--profile and --region only go with --push-cloudwatch"),
        (["--yes"], "--yes only goes with --reset"),
        (["--push-cloudwatch", "AWS/Logs"], "reserved for AWS services"),
    ],
)
def test_options_that_do_not_go_together_are_usage_errors(args: list[str], message: str) -> None:
    code, _, err = run(*args)
    assert code == 2 and message in err


def test_a_store_that_is_not_a_database_fails_with_one_sentence(isolated_env: Path) -> None:
    isolated_env.mkdir(parents=True, mode=0o700)
    (isolated_env / DB_NAME).write_bytes(b"not sqlite at all\n" * 100)
    (isolated_env / DB_NAME).chmod(0o600)  # private, as logai makes it: the only complaint is the content
    code, out, err = run()
    assert code == 1 and out == ""
    assert err.startswith(f"logai: The metrics file {isolated_env / DB_NAME} is not a logai metrics database")
    assert "hint: Move" in err and "Traceback" not in err


def test_a_store_from_a_newer_logai_fails_with_one_sentence(isolated_env: Path) -> None:
    MetricsStore(isolated_env).close()
    import sqlite3

    conn = sqlite3.connect(isolated_env / DB_NAME)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.close()
    code, _, err = run("--json")
    assert code == 1 and "was written by a newer logai" in err and "hint: Upgrade logai" in err


# -- reset --------------------------------------------------------------------------------


def test_reset_without_a_terminal_and_without_yes_refuses(isolated_env: Path) -> None:
    seed(isolated_env)
    code, _, err = run("--reset")
    assert code == 2 and "no terminal to ask" in err and "--yes" in err
    assert MetricsStore(isolated_env).totals().sessions == 3


def test_reset_with_yes_deletes_everything(isolated_env: Path) -> None:
    seed(isolated_env)
    code, out, _ = run("--reset", "--yes")
    assert code == 0 and "Deleted the metrics of 3 session(s)." in out
    assert run()[1].strip() == "no metrics recorded yet"


def run_in_terminal(args: list[str], answer: str, env: dict[str, str]) -> tuple[int, str]:
    """Run the command with a pseudo-terminal as stdin/stdout, typing `answer` at the prompt."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-c", RUNNER, "metrics", *args],
        stdin=terminal, stdout=terminal, stderr=terminal, env=env, cwd=REPO, close_fds=True,
    )
    os.close(terminal)
    seen = b""
    answered = False
    while True:
        ready, _, _ = select.select([controller], [], [], 20)
        if not ready:
            process.kill()
            raise AssertionError(f"no output from the command; so far: {seen!r}")
        try:
            chunk = os.read(controller, 1024)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
        if not answered and b"[y/N]" in seen:
            os.write(controller, answer.encode() + b"\n")
            answered = True
    os.close(controller)
    return process.wait(timeout=20), seen.decode(errors="replace")


@pytest.mark.parametrize(("answer", "sessions_left"), [("y", 0), ("n", 3)])
def test_reset_asks_at_a_terminal(isolated_env: Path, answer: str, sessions_left: int) -> None:
    seed(isolated_env)
    code, screen = run_in_terminal(["--reset"], answer, dict(os.environ))
    assert code == 0, screen
    assert f"Delete every recorded metric in {isolated_env}?" in screen
    assert ("Deleted the metrics of 3 session(s)." in screen) == (answer == "y")
    assert MetricsStore(isolated_env).totals().sessions == sessions_left


# -- serving and pushing ------------------------------------------------------------------


def test_serve_answers_scrapes_from_the_live_store_until_interrupted(isolated_env: Path) -> None:
    seed(isolated_env)
    process = subprocess.Popen(
        [sys.executable, "-c", RUNNER, "metrics", "--serve", "--port", "0", "--label", "reason=empty_logs", "--since", "7d"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ), cwd=REPO,
    )
    try:
        line = process.stdout.readline()
        assert line.startswith("Serving logai metrics on http://127.0.0.1:"), line + process.stderr.read()
        url = line.split(" on ")[1].split()[0]

        def empty_logs_retries() -> float:
            with urllib.request.urlopen(url, timeout=10) as response:
                text = response.read().decode()
            (family,) = [f for f in text_string_to_metric_families(text) if f.name == "logai_retry_attempts"]
            (sample,) = family.samples
            return sample.value

        assert empty_logs_retries() == 7
        with MetricsStore(isolated_env) as store:
            session = store.start_session("chat")
            metrics = MetricsCollector()
            metrics.inc(names.RETRY_ATTEMPTS, {"reason": "empty_logs"}, 3)
            metrics.inc(names.RETRY_ATTEMPTS, {"reason": "llm_error"}, 9)  # filtered out by --label
            store.flush(session, metrics)
        assert empty_logs_retries() == 10
    finally:
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=20)
        stderr = process.stderr.read()
    assert code == 0 and "stopped" in stderr and "Traceback" not in stderr


def test_serve_on_a_taken_port_fails_with_one_sentence(isolated_env: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, _, err = run("--serve", "--port", str(port))
    assert code == 1 and f"cannot listen on 127.0.0.1:{port}" in err and "hint: pick another --port" in err


def test_push_cloudwatch_publishes_to_the_endpoint(isolated_env: Path, aws) -> None:
    seed(isolated_env)
    code, out, err = run("--push-cloudwatch", "logai-test", "--label", "reason=empty_logs")
    assert code == 0, err
    assert out.strip() == "Published 1 metric data point(s) to CloudWatch namespace logai-test."
    cw = aws.client("cloudwatch")
    (metric,) = cw.list_metrics(Namespace="logai-test")["Metrics"]
    assert metric["MetricName"] == names.RETRY_ATTEMPTS
    assert metric["Dimensions"] == [{"Name": "reason", "Value": "empty_logs"}]


def test_push_cloudwatch_without_a_region_is_a_usage_error(isolated_env: Path) -> None:
    seed(isolated_env)
    code, _, err = run("--push-cloudwatch", "logai")
    assert code == 2 and "No AWS region is set" in err and "--region" in err


def test_push_cloudwatch_without_credentials_is_a_usage_error(isolated_env: Path) -> None:
    seed(isolated_env)
    code, _, err = run("--push-cloudwatch", "logai", "--region", "eu-west-1")
    assert code == 2 and "credentials" in err.lower() and "Traceback" not in err


def test_push_cloudwatch_with_an_empty_store_sends_nothing(isolated_env: Path) -> None:
    code, out, _ = run("--push-cloudwatch", "logai", "--region", "eu-west-1")
    assert code == 0 and out.strip() == "no metrics recorded yet: nothing to publish."


def test_the_default_table_imports_neither_litellm_nor_boto3_nor_prometheus(isolated_env: Path) -> None:
    seed(isolated_env)
    probe = (
        "import atexit, sys\n"
        "atexit.register(lambda: print('LOADED', sorted(m for m in ('litellm', 'boto3', 'prometheus_client')"
        " if m in sys.modules), file=sys.stderr))\n" + RUNNER
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, "metrics"], capture_output=True, text=True, env=dict(os.environ), cwd=REPO
    )
    assert done.returncode == 0, done.stderr
    assert "Counters" in done.stdout
    assert "LOADED []" in done.stderr


# -- the session summary panel ------------------------------------------------------------


def render(summary: dict) -> str:
    console = Console(record=True, width=100, no_color=True)
    console.print(session_summary(summary))
    return console.export_text()


def test_session_summary_shows_the_figures_of_the_session() -> None:
    metrics = MetricsCollector()
    metrics.inc(names.TURNS, {"outcome": "answered"}, 3)
    metrics.inc(names.TURNS, {"outcome": "error"})
    metrics.inc(names.TOOL_CALLS, {"tool": "search_logs", "outcome": "ok"}, 4)
    metrics.inc(names.TOOL_CALLS, {"tool": "list_log_groups", "outcome": "ok"}, 2)
    metrics.inc(names.TOOL_CALLS, {"tool": "search_logs", "outcome": "error"})
    metrics.inc(names.LLM_TOKENS, {"direction": "input"}, 12_345)
    metrics.inc(names.LLM_TOKENS, {"direction": "output"}, 678)
    metrics.inc(names.LLM_COST_USD, value=0.01234)
    metrics.inc(names.RETRY_ATTEMPTS, {"reason": "empty_logs"}, 2)
    metrics.inc(names.RETRY_ATTEMPTS, {"reason": "llm_error"})
    metrics.inc(names.RETRY_MAX_ATTEMPTS_REACHED, {"reason": "empty_logs"})
    metrics.inc(names.RETRY_PROMPT_INJECTED, {"reason": "intent_without_action"})
    for attempt, delay in ((1, 0.5), (2, 1.0), (3, 2.0), (1, 0.6)):
        metrics.observe(names.RETRY_BACKOFF_SECONDS, delay, {"attempt": attempt})
    for ttft in (0.3, 0.5, 0.9):
        metrics.observe(names.LLM_TIME_TO_FIRST_TOKEN_SECONDS, ttft)
    metrics.inc(names.CLOUDWATCH_API_CALLS, {"action": "FilterLogEvents", "outcome": "ok"}, 5)
    metrics.inc(names.CLOUDWATCH_API_CALLS, {"action": "StartQuery", "outcome": "throttled"})
    metrics.inc(names.CLOUDWATCH_RETRIES, {"action": "StartQuery"}, 4)

    text = render(metrics.export_summary())
    lines = {line.strip("│ ").split("  ")[0]: line for line in text.splitlines()}
    assert "Session metrics" in text
    assert "4 (answered 3, error 1)" in lines["Turns"]
    assert "7 (ok 6, error 1)" in lines["Tool calls"]
    assert "12,345 in / 678 out" in lines["Tokens"]
    assert "$0.0123" in lines["Cost"]
    assert "3 (empty_logs 2, llm_error 1); gave up 1x" in lines["Retries"]
    assert "1 (intent_without_action 1)" in lines["Nudges"]
    assert "6 calls (ok 5, throttled 1); 4 retried" in lines["CloudWatch"]
    # Backoff merges all attempts: 0.5, 0.6, 1.0, 2.0 -> p50 800 ms, p95 1.85 s.
    assert "p50 800 ms · p95 1.9 s  (n=4)" in lines["Backoff"]
    assert "p50 500 ms  (n=3)" in lines["First token"]


def test_session_summary_of_a_quiet_session() -> None:
    text = render(MetricsCollector().export_summary())
    lines = {line.strip("│ ").split("  ")[0]: line for line in text.splitlines()}
    assert lines["Turns"].split("Turns")[1].strip(" │") == "0"
    assert lines["Cost"].split("Cost")[1].strip(" │") == "-"
    assert lines["Backoff"].split("Backoff")[1].strip(" │") == "-"
