"""`logai demo`: the sandbox with an incident, with and without a model, and as a server for other shells."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import boto3
from typer.testing import CliRunner

from logai.cli import app
from logai.sandbox.incidents import INCIDENTS
from logai.sandbox.incidents.pool_shrink import CHECKOUT, PAYMENTS
from tests.llm_server import call, text, tool_calls


def test_demo_without_a_model_shows_the_triage_in_a_screenful() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "logai", "demo"],
        capture_output=True,
        text=True,
        # A profile this machine lacks must not matter: the demo needs no AWS account.
        env={**os.environ, "COLUMNS": "100", "AWS_PROFILE": "not-on-this-machine"},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) <= 40 and all(len(line) <= 100 for line in lines)
    # The group that broke first leads, with its onset, and the pool timeouts are new against the hour before.
    table = lines.index(next(line for line in lines if line.startswith("group")))
    assert lines[table + 1].startswith(PAYMENTS)
    assert any(line.lstrip().startswith("new") and "payments-service" in line for line in lines)
    assert "No model is set" in done.stdout
    assert "Traceback" not in done.stderr


def test_demo_answers_a_question_about_the_incident(llm) -> None:  # type: ignore[no-untyped-def]
    llm.enqueue(
        tool_calls(call("search_logs", {"log_groups": [PAYMENTS], "all_words": ["ERROR"], "start": "1h"})),
        text("payments-service v2.14.0 shrank its pool to 5 connections."),
    )
    before = {k: v for k, v in os.environ.items() if k.startswith("AWS_")}
    result = CliRunner().invoke(app, ["demo", "--ask", "why is checkout failing?"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "shrank its pool to 5 connections" in result.stdout
    (tool,) = [m for m in llm.requests[1].body["messages"] if m["role"] == "tool"]
    assert "CannotGetJdbcConnectionException" in tool["content"]
    after = {k: v for k, v in os.environ.items() if k.startswith("AWS_")}
    assert after == before  # the demo never touches this process's AWS set-up


def test_list_names_every_incident() -> None:
    result = CliRunner().invoke(app, ["demo", "--list"])
    assert result.exit_code == 0
    assert [line.split()[0] for line in result.stdout.splitlines()] == list(INCIDENTS)


def test_unknown_incident_and_misplaced_empty_are_usage_errors() -> None:
    unknown = CliRunner().invoke(app, ["demo", "--incident", "meteor-strike"])
    assert unknown.exit_code == 2 and "pool-shrink" in unknown.stderr
    assert CliRunner().invoke(app, ["demo", "--empty"]).exit_code == 2


def test_serve_empty_takes_data_from_another_process() -> None:
    """`logai demo --serve --empty` in one process; boto3 seeds and reads it from another."""
    server = subprocess.Popen(
        [sys.executable, "-m", "logai", "demo", "--serve", "--empty"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    try:
        assert server.stdout is not None
        exports: dict[str, str] = {}
        for line in server.stdout:
            if line.strip().startswith("export "):
                key, _, value = line.strip().removeprefix("export ").partition("=")
                exports[key] = value
            elif exports:
                break
        logs = boto3.client(
            "logs",
            endpoint_url=exports["AWS_ENDPOINT_URL"],
            region_name=exports["AWS_REGION"],
            aws_access_key_id=exports["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=exports["AWS_SECRET_ACCESS_KEY"],
        )
        assert logs.describe_log_groups()["logGroups"] == []
        logs.create_log_group(logGroupName="/mine")
        logs.create_log_stream(logGroupName="/mine", logStreamName="s")
        import time

        now = int(time.time() * 1000)
        logs.put_log_events(
            logGroupName="/mine",
            logStreamName="s",
            logEvents=[{"timestamp": now - 2, "message": "ERROR boom"}, {"timestamp": now - 1, "message": "INFO fine"}],
        )
        found = logs.filter_log_events(logGroupName="/mine", filterPattern="ERROR")["events"]
        assert [e["message"] for e in found] == ["ERROR boom"]
    finally:
        server.send_signal(signal.SIGINT)
        server.communicate(timeout=30)
    assert server.returncode == 0
