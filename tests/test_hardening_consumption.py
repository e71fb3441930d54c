"""Bounded consumption, end to end: every loop, reply, budget, deadline and result has a limit.

Each test drives `logai query` (or `chat`) against the CloudWatch endpoint of
the `aws` fixture and the scripted model over HTTP. Deadlines run on a fake
clock that ticks on every read (`Ticker`), so nothing waits for real, except
the one test that needs a socket that never answers (a sub-second limit on
the real clock).
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from typer.testing import CliRunner

from logai.cli import app
from logai.logs.shaping import estimate_tokens
from logai.runtime import Runtime
from tests.llm_server import call, text, tool_calls
from tests.stats import counter

GROUP = "/aws/lambda/checkout"


class Ticker:
    """A monotonic clock that moves `step` seconds every time it is read."""

    def __init__(self, step: float) -> None:
        self.now = 1000.0
        self.step = step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


async def no_wait(seconds: float) -> None:
    """Backoff waits pass at once."""


@pytest.fixture
def logs(aws):  # type: ignore[no-untyped-def]
    """A log group with a few events in the last minutes."""
    client = aws.client()
    client.create_log_group(logGroupName=GROUP)
    client.create_log_stream(logGroupName=GROUP, logStreamName="s1")
    now = int(time.time() * 1000)
    events = [{"timestamp": now - 60_000 + i * 1000, "message": f"ERROR payment {i} timed out"} for i in range(5)]
    client.put_log_events(logGroupName=GROUP, logStreamName="s1", logEvents=events)
    return aws


def ask(*args: str, runtime: Runtime | None = None, stdin: str | None = None) -> Any:
    return CliRunner().invoke(
        app, list(args), input=stdin, catch_exceptions=False, obj=runtime or Runtime(async_sleep=no_wait)
    )


def search(n: int = 0, **extra: Any) -> Any:
    return call("search_logs", {"log_groups": [GROUP], "all_words": ["ERROR"], "start": f"{n + 1}h", **extra})


def test_a_model_calling_withdrawn_tools_gets_one_more_reply_then_the_turn_ends(logs, llm) -> None:  # type: ignore[no-untyped-def]
    # Before: every call was answered with an error and the model asked again, for ever
    # (473 requests in 30 s in the review). After: the round, one refusal, one more reply.
    llm.enqueue(*[tool_calls(search(n)) for n in range(30)])
    result = ask("query", "--max-rounds", "1", "why?")
    assert result.exit_code == 1
    assert "kept calling tools after they were withdrawn" in result.stderr
    assert len(llm.requests) == 3
    assert "tools" not in llm.requests[1].body and "tools" not in llm.requests[2].body


def test_identical_calls_are_merged_and_calls_per_reply_are_capped(logs, llm) -> None:  # type: ignore[no-untyped-def]
    # Before: 1,000 identical calls ran 1,000 FilterLogEvents and built a 3.6 MB next request.
    many = [search(0) for _ in range(100)] + [call("list_log_groups", {"prefix": f"/p{i}"}) for i in range(12)]
    llm.enqueue(tool_calls(*many), text("Payments time out."))
    result = ask("query", "--json", "--stats", "why?")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    ran = [c["name"] for c in payload["tool_calls"]]
    assert ran == ["search_logs"] + ["list_log_groups"] * 7  # 8 per reply, the search first
    assert counter(payload, "tool_calls_skipped", reason="merged") == 99
    searching = ("FilterLogEvents", "StartQuery", "GetQueryResults")
    assert sum(counter(payload, "cloudwatch_api_calls", action=action) for action in searching) <= 10  # one search's worth, not 100
    assert counter(payload, "tool_calls_skipped", reason="reply_limit") == 5
    second = llm.requests[1].body
    assert len(json.dumps(second)) < 30_000
    (assistant,) = [m for m in second["messages"] if m["role"] == "assistant"]
    assert len(assistant["tool_calls"]) == 8  # only the calls that ran stay in the history
    note = second["messages"][-1]["content"]
    assert "99 of your tool calls repeated another call" in note and "5 calls were not run (list_log_groups x5)" in note


def test_calls_per_turn_are_capped_and_the_model_must_answer(logs, llm, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LOGAI_MAX_CALLS_PER_TURN", "3")
    llm.enqueue(tool_calls(search(0), search(1)), tool_calls(search(2), search(3)), text("Done."))
    result = ask("query", "--json", "--stats", "why?")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert [c["name"] for c in payload["tool_calls"]] == ["search_logs"] * 3
    assert counter(payload, "tool_calls_skipped", reason="turn_limit") == 1
    assert "tools" not in llm.requests[2].body  # withdrawn once the turn's calls were spent


def test_every_request_carries_max_tokens(logs, llm, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    llm.enqueue("Quiet.")
    assert ask("query", "q").exit_code == 0
    assert llm.requests[0].body["max_tokens"] == 4096
    monkeypatch.setenv("LOGAI_MAX_OUTPUT_TOKENS", "123")
    llm.enqueue("Quiet.")
    assert ask("query", "q").exit_code == 0
    assert llm.requests[1].body["max_tokens"] == 123


def test_ollama_gets_max_output_tokens_as_num_predict(aws, llm, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # The scripted server records a request on any path before it answers 404: enough to see what Ollama is sent.
    monkeypatch.setenv("LOGAI_MODEL", "ollama_chat/llama3.1")
    monkeypatch.setenv("LOGAI_API_BASE", llm.url.removesuffix("/v1"))
    monkeypatch.setenv("LOGAI_MAX_OUTPUT_TOKENS", "321")
    ask("query", "q")
    (request,) = llm.requests
    assert request.path == "/api/chat" and request.body["options"]["num_predict"] == 321


def test_the_turn_token_budget_stops_the_turn_and_names_the_setting(logs, llm, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LOGAI_TURN_TOKEN_BUDGET", "1000")
    llm.enqueue(tool_calls(search(0), prompt_tokens=600), tool_calls(search(1), prompt_tokens=600), text("never sent"))
    result = ask("query", "why?")
    assert result.exit_code == 1
    assert len(llm.requests) == 2
    assert "reaching its budget of 1,000; raise turn_token_budget (LOGAI_TURN_TOKEN_BUDGET)" in result.stderr


def test_the_turn_cost_budget_uses_the_price_table(logs, llm, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # gpt-4o-mini is priced in litellm's local table: a million prompt tokens cost $0.15.
    monkeypatch.setenv("LOGAI_MODEL", "openai/gpt-4o-mini")
    monkeypatch.setenv("LOGAI_TURN_COST_BUDGET", "0.1")
    monkeypatch.setenv("LOGAI_TURN_TOKEN_BUDGET", "100000000")
    monkeypatch.setenv("LOGAI_SESSION_TOKEN_BUDGET", "100000000")
    llm.enqueue(tool_calls(search(0), prompt_tokens=1_000_000), text("never sent"))
    result = ask("query", "why?")
    assert result.exit_code == 1 and len(llm.requests) == 1
    assert "turn_cost_budget (LOGAI_TURN_COST_BUDGET)" in result.stderr


def test_the_cloudwatch_budget_counts_insights_bytes_scanned(logs, llm, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LOGAI_TURN_CLOUDWATCH_BUDGET", "1e-12")
    query = call("run_insights_query", {"log_groups": [GROUP], "query": "stats count(*)", "start": "1h"})
    llm.enqueue(tool_calls(query), text("never sent"))
    result = ask("query", "--json", "--stats", "why?")
    payload = json.loads(result.stdout)
    assert result.exit_code == 1 and len(llm.requests) == 1, json.dumps(payload)[:3000]
    assert "turn_cloudwatch_budget (LOGAI_TURN_CLOUDWATCH_BUDGET)" in payload["error"]
    assert counter(payload, "cloudwatch_bytes_scanned") > 0


def test_the_turn_stops_once_its_cloudwatch_calls_are_spent(logs, llm, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LOGAI_TURN_CLOUDWATCH_CALLS", "4")
    llm.enqueue(tool_calls(search(0), search(1)), text("never sent"))
    result = ask("query", "--json", "--stats", "why?")
    payload = json.loads(result.stdout)
    # One search makes several calls (Insights queries, polls, samples); the two searches of one reply
    # spend from the turn's budget as they run, so not one call more is made, and no second request.
    assert result.exit_code == 1 and len(llm.requests) == 1, json.dumps(payload)[:3000]
    assert counter(payload, "cloudwatch_api_calls") - counter(payload, "cloudwatch_api_calls", action="StopQuery") == 4
    statuses = {q["status"] for q in logs.client().describe_queries()["queries"]}
    assert statuses <= {"Complete", "Cancelled"}  # none left running (and billing)
    assert re.search(r"This turn used \d+ CloudWatch calls, reaching its budget of 4; raise turn_cloudwatch_calls", payload["error"])
    # Both searches were refused mid-way with the budget's sentence (the model never needed to see them).
    assert [(c["ok"], "reaching its budget of 4" in c["summary"]) for c in payload["tool_calls"]] == [(False, True)] * 2


def test_a_spent_session_budget_stops_later_turns_before_any_request(logs, llm, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LOGAI_SESSION_TOKEN_BUDGET", "100")
    llm.enqueue(text("First answer.", prompt_tokens=150))
    result = ask("chat", stdin="first?\nsecond?\n")
    assert "First answer." in result.stdout
    assert len(llm.requests) == 1
    assert "session_token_budget (LOGAI_SESSION_TOKEN_BUDGET)" in result.stderr
    assert result.exit_code == 0  # one turn answered


def test_a_stream_that_trickles_past_llm_timeout_is_stopped(logs, llm, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # Before: the timeout bounded each read, so a chunk every 1.5 s kept a 5 s request going for 36 s.
    monkeypatch.setenv("LOGAI_LLM_TIMEOUT", "5")
    llm.enqueue(text("word " * 200, chunks=100))
    result = ask("query", "why?", runtime=Runtime(clock=Ticker(1.5), async_sleep=no_wait))
    assert result.exit_code == 1
    assert "took longer than llm_timeout allows" in result.stderr and "LOGAI_LLM_TIMEOUT" in result.stderr
    assert len(llm.requests) == 1  # a slow stream is not retried: it would be slow again
    assert result.stdout == ""


def test_a_turn_past_its_deadline_stops_with_the_setting_named(logs, llm, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LOGAI_TURN_TIMEOUT", "60")
    llm.enqueue(*[tool_calls(search(n)) for n in range(40)])
    result = ask("query", "--max-rounds", "50", "why?", runtime=Runtime(clock=Ticker(1.0), async_sleep=no_wait))
    assert result.exit_code == 1
    assert "This turn timed out after 60 s (turn_timeout); raise turn_timeout (LOGAI_TURN_TIMEOUT)" in result.stderr
    assert len(llm.requests) < 40


@pytest.fixture
def silent_endpoint() -> Iterator[str]:
    """A TCP endpoint that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


def test_a_cloudwatch_endpoint_that_never_answers_costs_one_tool_timeout(llm, silent_endpoint, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # Before: 5 attempts x 30 s read timeout = 150 s for one tool call. Here a 0.5 s limit, on the real clock:
    # a socket that never answers cannot be hurried by a fake one.
    for name, value in {"AWS_ENDPOINT_URL": silent_endpoint, "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "y"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("LOGAI_TOOL_TIMEOUT", "0.5")
    llm.enqueue(tool_calls(search(0)), text("CloudWatch did not answer."))
    result = ask("query", "--json", "why?", runtime=Runtime())
    assert result.exit_code == 0, result.output
    (tool,) = json.loads(result.stdout)["tool_calls"]
    assert not tool["ok"] and "timed out after 500 ms (tool_timeout)" in tool["summary"]
    assert tool["duration_s"] < 2.0  # one read timeout, no retry after the deadline
    seen = [m["content"] for m in llm.requests[1].body["messages"] if m["role"] == "tool"]
    assert "timed out after 500 ms (tool_timeout)" in seen[0] and "LOGAI_TOOL_TIMEOUT" in seen[0]


def test_error_results_fit_the_budget_whatever_the_model_sent(logs, llm) -> None:  # type: ignore[no-untyped-def]
    # Before: "Parameters used" echoed a 200 KB filter pattern back in full.
    huge = "ERROR " * 35_000
    llm.enqueue(tool_calls(call("search_logs", {"log_groups": [GROUP], "filter_pattern": huge})), text("ok"))
    assert ask("query", "why?").exit_code == 0
    (result,) = [m["content"] for m in llm.requests[1].body["messages"] if m["role"] == "tool"]
    assert result.startswith("Error: invalid arguments for search_logs")
    assert estimate_tokens(result) <= 3000 and len(result) < 2_000
    # Nor does the history send the 210 KB of arguments back with every later request.
    (kept,) = [m["tool_calls"][0]["function"]["arguments"] for m in llm.requests[1].body["messages"] if m.get("tool_calls")]
    sent = len(json.dumps({"log_groups": [GROUP], "filter_pattern": huge}))
    assert json.loads(kept) == {"omitted": f"{sent:,} characters of arguments, over the 16,000 logai keeps"}
    assert len(json.dumps(llm.requests[1].body)) < 40_000


def test_empty_results_fit_the_budget(aws, llm, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # 50 groups with 500-character names: the "no rows" sentence alone named them all (25 KB).
    client = aws.client()
    groups = [f"/g/{i:02d}/" + "x" * 494 for i in range(50)]
    for name in groups:
        client.create_log_group(logGroupName=name)
    monkeypatch.setenv("LOGAI_TOOL_RESULT_TOKENS", "300")
    query = call("run_insights_query", {"log_groups": groups, "query": "filter @message like /nothing/", "start": "1h"})
    llm.enqueue(tool_calls(query), text("Nothing."))
    assert ask("query", "why?").exit_code == 0, llm.requests
    (result,) = [m["content"] for m in llm.requests[1].body["messages"] if m["role"] == "tool"]
    assert estimate_tokens(result) <= 300


def test_insights_queries_are_limited_to_a_time_window(logs, llm) -> None:  # type: ignore[no-untyped-def]
    query = call("run_insights_query", {"log_groups": [GROUP], "query": "stats count(*)", "start": "30d"})
    llm.enqueue(tool_calls(query), text("ok"))
    result = ask("query", "--json", "--stats", "why?")
    payload = json.loads(result.stdout)
    assert counter(payload, "cloudwatch_api_calls", action="StartQuery") == 0
    (seen,) = [m["content"] for m in llm.requests[1].body["messages"] if m["role"] == "tool"]
    assert "longer than the 7d a Logs Insights query may cover here" in seen and "insights_max_days" in seen


def test_did_you_mean_in_a_large_account_costs_a_few_calls(aws, sandbox, llm) -> None:  # type: ignore[no-untyped-def]
    # Before: a name that matched nothing listed every group for suggestions (201 DescribeLogGroups
    # calls for 10,000 groups, 40 s at the API's quota).
    names = {f"/a/service-{i:05d}": 1 for i in range(10_000)} | {"/zz/lambda/checkout-api": 1}
    sandbox.app.store.seed(aws.region, [], retention_days=names)
    llm.enqueue(
        tool_calls(
            call("list_log_groups", {"prefix": "/zz/lambda/checkout-apii"}),
            call("search_logs", {"log_groups": ["/zz/lambda/checkout-apii"], "start": "1h"}),
        ),
        text("It is called checkout-api."),
    )
    result = ask("query", "--json", "--stats", "why?")
    payload = json.loads(result.stdout)
    assert result.exit_code == 0, result.output
    seen = [m["content"] for m in llm.requests[1].body["messages"] if m["role"] == "tool"]
    assert all("/zz/lambda/checkout-api" in text for text in seen), seen
    assert counter(payload, "cloudwatch_api_calls", action="DescribeLogGroups") <= 2 * 9
