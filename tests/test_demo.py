"""`logai demo`: an embedded sandbox with the incident, with and without a model."""

from __future__ import annotations

import os
import subprocess
import sys

from typer.testing import CliRunner

from logai.cli import app
from logai.demo.incident import CHECKOUT, GROUPS, PAYMENTS, incident_events
from tests.llm_server import call, text, tool_calls


def test_incident_is_deterministic_and_tells_its_story() -> None:
    now = 1_790_000_000_000
    events = incident_events(now)
    assert events == incident_events(now)
    assert {e.group for e in events} == set(GROUPS)
    assert all(now - 61 * 60_000 <= e.timestamp_ms <= now for e in events)
    errors = [e for e in events if e.group == CHECKOUT and "PaymentServiceError" in e.message]
    assert errors and min(e.timestamp_ms for e in errors) >= now - 30 * 60_000
    assert any("maximumPoolSize=5" in e.message for e in events if e.group == PAYMENTS)


def test_demo_without_a_model_shows_the_sandbox_and_what_the_model_would_get() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "logai", "demo"], capture_output=True, text=True, env=dict(os.environ), timeout=120
    )
    assert done.returncode == 0, done.stderr
    for group in GROUPS:
        assert group in done.stdout
    assert "What the model is sent" in done.stdout and "<log_data>" in done.stdout
    assert "PaymentServiceError" in done.stdout
    assert "No model is set" in done.stdout
    assert "Traceback" not in done.stderr


def test_demo_answers_a_question_about_the_incident(llm) -> None:  # type: ignore[no-untyped-def]
    llm.enqueue(
        tool_calls(call("search_logs", {"log_groups": [PAYMENTS], "filter_pattern": "ERROR", "start": "1h"})),
        text("payments-service v2.14.0 shrank its pool to 5 connections."),
    )
    before = {k: v for k, v in os.environ.items() if k.startswith("AWS_")}
    result = CliRunner().invoke(app, ["demo", "--ask", "why is checkout failing?"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "shrank its pool to 5 connections" in result.stdout
    (tool,) = [m for m in llm.requests[1].body["messages"] if m["role"] == "tool"]
    assert "CannotGetJdbcConnectionException" in tool["content"]
    after = {k: v for k, v in os.environ.items() if k.startswith("AWS_")}
    assert after == before  # the sandbox's AWS variables are gone again
