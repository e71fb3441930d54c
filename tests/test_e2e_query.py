"""`logai query` end to end: real HTTP to moto (CloudWatch) and to the scripted model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from logai.cli import app
from logai.sandbox.incidents.pool_shrink import CHECKOUT, PAYMENTS, STRIPE_KEY
from tests.llm_server import call, text, tool_calls

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def incident(pool_shrink):  # type: ignore[no-untyped-def]
    return pool_shrink


def invoke(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, list(args), input=input, catch_exceptions=False)


def tool_messages(request) -> list[dict]:  # type: ignore[no-untyped-def]
    return [m for m in request.body["messages"] if m["role"] == "tool"]


def test_query_lists_groups_and_answers(incident, llm) -> None:  # type: ignore[no-untyped-def]
    llm.enqueue(
        tool_calls(call("list_log_groups", {})),
        text("There are five log groups; checkout runs in /aws/lambda/checkout-api."),
    )
    result = invoke("query", "which log groups are there?")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "There are five log groups; checkout runs in /aws/lambda/checkout-api."
    first, second = llm.requests
    # The model was offered the read-only tools, generated from their signatures.
    offered = {t["function"]["name"] for t in first.body["tools"]}
    assert offered == {
        "list_log_groups", "search_logs", "error_timeline", "compare_with_baseline", "read_log_stream", "run_insights_query"
    }
    system = first.body["messages"][0]
    assert system["role"] == "system" and " UTC, which is " in system["content"] and "us-east-1" in system["content"]
    # What moto holds reached the model as the tool result.
    (listing,) = tool_messages(second)
    assert CHECKOUT in listing["content"] and PAYMENTS in listing["content"]


def test_query_searches_and_redacts_before_anything_leaves(incident, llm) -> None:  # type: ignore[no-untyped-def]
    llm.enqueue(
        tool_calls(
            call("search_logs", {"log_groups": [CHECKOUT], "all_words": ["Task timed out"], "start": "2h"}),
            call("search_logs", {"log_groups": [CHECKOUT], "all_words": ["payments client configured"], "start": "4h"}),
        ),
        text("Checkout calls to payments time out since about 30 minutes ago."),
    )
    result = invoke("query", "why is checkout failing?")
    assert result.exit_code == 0, result.output
    assert "time out since about 30 minutes ago" in result.stdout
    timeouts, configured = tool_messages(llm.requests[1])
    assert "Task timed out after" in timeouts["content"]
    assert "<log_data>" in timeouts["content"]
    assert "payments client configured" in configured["content"]
    assert "REDACTED" in configured["content"]
    # The credentials seeded into the incident never reach the model.
    everything_sent = json.dumps([r.body for r in llm.requests])
    for secret in incident.secret_lines:
        assert secret not in everything_sent
    assert STRIPE_KEY in incident.secret_lines
    # Tool activity went to stderr, the answer alone to stdout.
    assert "search_logs" in result.stderr and "search_logs" not in result.stdout


def test_query_json_reports_tool_calls_and_usage(incident, llm) -> None:  # type: ignore[no-untyped-def]
    llm.enqueue(
        tool_calls(call("search_logs", {"log_groups": [PAYMENTS], "all_words": ["ERROR"], "start": "1h"})),
        text("The payments pool is exhausted.", prompt_tokens=120, completion_tokens=7),
    )
    result = invoke("query", "--json", "what is wrong with payments?")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["answer"] == "The payments pool is exhausted."
    assert payload["stop_reason"] == "answered"
    (tool,) = payload["tool_calls"]
    assert tool["name"] == "search_logs" and tool["ok"] is True
    assert tool["arguments"]["log_groups"] == [PAYMENTS]
    assert tool["duration_s"] > 0
    assert payload["usage"]["prompt_tokens"] == 11 + 120
    assert payload["usage"]["completion_tokens"] >= 7


def test_malformed_tool_arguments_go_back_to_the_model(incident, llm) -> None:  # type: ignore[no-untyped-def]
    llm.enqueue(
        tool_calls(call("search_logs", '{"log_groups": ["/aws/lambda/checkout-api"')),
        tool_calls(call("run_insights_query", {"log_groups": [CHECKOUT]})),
        text("I could not run the searches."),
    )
    result = invoke("query", "--json", "q")
    assert result.exit_code == 0, result.output
    calls = json.loads(result.stdout)["tool_calls"]
    assert [c["ok"] for c in calls] == [False, False]
    second, third = tool_messages(llm.requests[1]), tool_messages(llm.requests[2])
    assert "not valid JSON" in second[0]["content"]
    assert "missing required parameter 'query'" in third[-1]["content"]


def test_model_failure_exits_1_with_one_sentence(incident, llm) -> None:  # type: ignore[no-untyped-def]
    from tests.llm_server import context_window_exceeded

    llm.enqueue(context_window_exceeded())
    result = invoke("query", "q")
    assert result.exit_code == 1
    assert "error:" in result.stderr
    assert "Traceback" not in result.output


def test_no_model_is_a_configuration_error(aws) -> None:  # type: ignore[no-untyped-def]
    result = invoke("query", "anything")
    assert result.exit_code == 2
    assert "LOGAI_MODEL" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


@pytest.mark.parametrize("args", [["query", "--bogus", "q"], ["query"], ["query", "--max-rounds", "0", "q"]])
def test_usage_errors_exit_2(args: list[str]) -> None:
    result = invoke(*args)
    assert result.exit_code == 2


def test_query_stores_its_metrics_for_the_next_process(incident, llm, isolated_env: Path) -> None:  # type: ignore[no-untyped-def]
    """Metrics stored under LOGAI_HOME, read by another process. (`logai query` runs as a real
    process in test_cli_pipes, test_e2e_chat_signals and test_hardening_terminal.)"""
    llm.enqueue(
        tool_calls(call("search_logs", {"log_groups": [CHECKOUT], "all_words": ["ERROR"], "start": "1h"})),
        text("Payments timeouts break checkout."),
    )
    result = invoke("query", "--stats", "why is checkout failing?")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "Payments timeouts break checkout.\n"
    assert "Session metrics" in result.stderr
    assert (isolated_env / "metrics.db").exists()
    metrics = subprocess.run(
        [sys.executable, "-m", "logai", "metrics", "--json"], capture_output=True, text=True, env=dict(os.environ), timeout=60
    )
    assert metrics.returncode == 0, metrics.stderr
    stored = json.loads(metrics.stdout)
    assert "tool_calls" in json.dumps(stored) and "llm_requests" in json.dumps(stored)


def test_missing_aws_region_is_a_configuration_error(llm, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    result = invoke("query", "anything")
    assert result.exit_code == 2
    assert "region" in result.stderr.lower()
    assert "Traceback" not in result.output
    assert llm.requests == []


def test_an_unusable_metrics_home_warns_but_answers(aws, llm, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where LOGAI_HOME should be")
    monkeypatch.setenv("LOGAI_HOME", str(blocker))
    llm.enqueue(text("Answered anyway."))
    result = invoke("query", "q")
    assert result.exit_code == 0, result.output
    assert result.stdout == "Answered anyway.\n"
    assert "warning: metrics are off for this session" in result.stderr
