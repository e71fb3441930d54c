"""`logai mcp` as an MCP client meets it: the official SDK's client over stdio against a `logai mcp` process on the sandbox.

One server process serves most of the module (its start-up, mostly importing
the SDK, takes about a second); the tests of a client that goes away start
their own, on a sandbox whose Insights queries run for ten minutes.
"""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from mcp import StdioServerParameters, stdio_client, types
from mcp.shared.exceptions import MCPError
from mcp.shared.message import SessionMessage

from logai.evidence.filter import LogFilter
from logai.logs.shaping import estimate_tokens
from logai.sandbox.config import SandboxConfig
from logai.sandbox.incidents import GroundTruth, IncidentData
from logai.sandbox.incidents.pool_shrink import (
    CHECKOUT,
    INJECTION,
    PAYMENTS,
    STRIPE_KEY,
)
from logai.sandbox.server import SandboxServer
from logai.session import tool_registry
from logai.settings import load_settings
from tests.mcp_client import REPO, Client, command, counter, server_env, sessions

# Several MCP clients refuse a tool result over 25,000 tokens; logai's are cut to tool_result_tokens.
CLIENT_LIMIT_TOKENS = 25_000


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mcp") / "logai-home"


@pytest.fixture(scope="module")
def client(_sandbox: SandboxServer, home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    """One `logai mcp` process for the module, on the session's sandbox."""
    errlog_path = tmp_path_factory.mktemp("mcp-err") / "stderr.txt"
    with errlog_path.open("w") as errlog:
        opened = Client(server_env(_sandbox.url, home), errlog)
        yield opened
        opened.close()
    assert opened.stray == [], "the server wrote something other than the protocol on stdout"
    assert "Traceback" not in errlog_path.read_text()


@pytest.fixture(scope="module")
def incident(_sandbox: SandboxServer, _pool_shrink_data: IncidentData) -> GroundTruth:
    """The demo incident in the session's sandbox, seeded once for the server's tests (none of them writes)."""
    return _sandbox.restore(_pool_shrink_data)




# -- over stdio, one process for the module -----------------------------------------------


def test_every_tool_is_listed_read_only_with_the_schema_chat_gives_its_model(client: Client, _sandbox: SandboxServer) -> None:
    listed = client(client.session.list_tools()).tools
    settings = load_settings()
    expected = [schema["function"] for schema in tool_registry(settings, _sandbox.source(settings)).schemas()]
    assert [tool.name for tool in listed] == [spec["name"] for spec in expected] == [
        "list_log_groups", "search_logs", "error_timeline", "compare_with_baseline", "read_log_stream", "run_insights_query",
    ]
    for tool, spec in zip(listed, expected, strict=True):
        assert tool.input_schema == spec["parameters"] and tool.description == spec["description"]
        assert tool.annotations is not None and tool.annotations.read_only_hint is True
    prompts = client(client.session.list_prompts()).prompts
    assert [(p.name, [(a.name, a.required) for a in p.arguments or []]) for p in prompts] == [
        ("investigate", [("question", True), ("log_groups", False)])
    ]


def test_each_tool_answers_from_the_sandbox_within_the_token_budget(client: Client, incident: GroundTruth) -> None:
    calls: list[tuple[str, dict[str, Any]]] = [
        ("list_log_groups", {"limit": 200}),
        ("search_logs", {"log_groups": [CHECKOUT], "start": "1h", "any_words": ["ERROR", "timed out"]}),
        ("error_timeline", {"log_groups": ["/ecs/*", "/aws/lambda/*"], "start": "1h"}),
        ("compare_with_baseline", {"log_groups": [PAYMENTS], "start": "30m", "all_words": ["ERROR"]}),
        ("read_log_stream", {"log_group": PAYMENTS, "limit": 1000}),
        ("run_insights_query", {"log_groups": [PAYMENTS], "query": "fields @timestamp, @message", "start": "1h", "limit": 5000}),
    ]
    sizes = {}
    for name, arguments in calls:
        is_error, text = client.call(name, **arguments)
        assert not is_error, text
        sizes[name] = estimate_tokens(text)
    assert load_settings().tool_result_tokens == 3000
    # The reads that could return thousands of events or rows are cut to the budget, far below what clients refuse.
    assert max(sizes.values()) <= 3000 < CLIENT_LIMIT_TOKENS, sizes
    assert sizes["read_log_stream"] > 2000 and sizes["run_insights_query"] > 2000, sizes


def test_the_evidence_tool_counts_exactly_over_the_whole_range(client: Client, incident: GroundTruth, _pool_shrink_data: IncidentData) -> None:
    events = [e for e in _pool_shrink_data.events if e.group == PAYMENTS]
    start_ms, end_ms = min(e.timestamp_ms for e in events) // 1000 * 1000, max(e.timestamp_ms for e in events) // 1000 * 1000 + 999
    words = LogFilter(all_words=("Connection is not available",))
    expected = sum(1 for e in events if start_ms <= e.timestamp_ms <= end_ms and words.matches(e.message))
    is_error, text = client.call("search_logs", log_groups=[PAYMENTS], start=iso(start_ms), end=iso(end_ms), all_words=["Connection is not available"])
    assert not is_error
    assert f"Matches: {expected:,} (exact)" in text and "How computed: 3 Logs Insights queries" in text


def test_a_planted_secret_is_redacted_and_log_text_is_framed(client: Client, incident: GroundTruth) -> None:
    texts = [
        client.call("search_logs", log_groups=[CHECKOUT], start="5h", any_words=["payments client configured", "customer note"])[1],
        client.call("run_insights_query", log_groups=[CHECKOUT], query="fields @message | filter @message like /Authorization|customer note/", start="5h")[1],
    ]
    for text in texts:
        assert "payments client configured" in text and INJECTION[:40] in text
        assert STRIPE_KEY not in text and "sk_live" not in text
        assert all(secret not in text for secret in incident.secret_lines)
        # The injected instruction sits inside the one frame, which nothing in the logs closed early.
        lines = text.splitlines()
        assert lines.count("<log_data>") == lines.count("</log_data>") == 1
        assert text.index("<log_data>") < text.index(INJECTION[:40]) < text.rindex("</log_data>")


def test_a_bad_argument_is_a_clear_tool_error_and_the_server_goes_on(client: Client, incident: GroundTruth) -> None:
    is_error, text = client.call("search_logs", log_groups=[], start="5h", verbose=True)
    assert is_error
    assert text.startswith("Error: invalid arguments for search_logs: log_groups: ")
    assert "unknown parameter 'verbose'" in text and 'Parameters used: {"log_groups": []' in text
    is_error, text = client.call("search_logs", log_groups=[PAYMENTS], start="last tuesday-ish")
    assert is_error and text.startswith("Error: ") and "last tuesday-ish" in text
    is_error, text = client.call("delete_log_group", log_group=PAYMENTS)
    assert is_error and text.startswith("Error: there is no tool named 'delete_log_group'; the tools are: list_log_groups, search_logs")
    is_error, text = client.call("list_log_groups", prefix="/ecs/")
    assert not is_error and "/ecs/payments-service" in text


def test_a_missing_group_offers_the_closest_names(client: Client, incident: GroundTruth) -> None:
    is_error, text = client.call("search_logs", log_groups=["/ecs/payment"], start="1h", all_words=["ERROR"])
    assert is_error
    assert text.startswith("Error: Log group /ecs/payment does not exist in region us-east-1. Closest existing names: /ecs/payments-service.")


def test_the_investigate_prompt_carries_the_evidence_first_method(client: Client) -> None:
    got = client(client.session.get_prompt("investigate", {"question": "why is checkout failing?", "log_groups": "/ecs/*"}))
    (message,) = got.messages
    assert message.role == "user" and isinstance(message.content, types.TextContent)
    text = message.content.text
    assert "How to investigate (evidence first):" in text and "compare_with_baseline" in text and "<log_data>" in text
    assert "region us-east-1" in text and text.endswith("Start with these log groups: /ecs/*\n\nQuestion: why is checkout failing?")
    with pytest.raises(MCPError, match="needs a question"):
        client(client.session.get_prompt("investigate", {}))


def test_calls_are_counted_under_logai_home_as_mcp(client: Client, home: Path, incident: GroundTruth) -> None:
    client.call("list_log_groups")
    client.call("search_logs", log_groups=["/nope"], start="1h")
    client.call("no_such_tool")
    # Each call is stored as it ends, while the server runs.
    assert counter(home, "sessions", command="mcp") == 1
    assert counter(home, "tool_calls", tool="list_log_groups", outcome="ok") >= 1
    assert counter(home, "tool_calls", tool="search_logs", outcome="error") >= 1
    assert counter(home, "tool_calls", tool="unknown", outcome="error") >= 1  # a client's made-up name is no label
    assert counter(home, "cloudwatch_api_calls", action="DescribeLogGroups", outcome="ok") >= 1
    assert counter(home, "cloudwatch_api_calls", action="StartQuery", outcome="not_found") >= 1


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- their own processes ----------------------------------------------------------------


@pytest.fixture
def slow_sandbox(_pool_shrink_data: IncidentData, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[SandboxServer, threading.Event]]:
    """A sandbox whose Insights queries run for ten minutes; the event is set when the first one starts."""
    server = SandboxServer(SandboxConfig(realistic=True, latency_s=0.0, query_base_s=600.0))
    server.start()
    server.reset()
    server.seed(_pool_shrink_data)
    started = threading.Event()
    record = server.operations.record

    def recorded(action: str, *, throttled: bool) -> None:
        record(action, throttled=throttled)
        if action == "StartQuery":
            started.set()

    monkeypatch.setattr(server.operations, "record", recorded)
    yield server, started
    server.stop()


INITIALIZE = {"id": 1, "method": "initialize", "params": {
    "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "test", "version": "0"}}}
SEARCH = {"id": 2, "method": "tools/call", "params": {
    "name": "search_logs", "arguments": {"log_groups": [PAYMENTS], "start": "5h", "all_words": ["ERROR"]}}}


def assert_stopped_cleanly(sandbox: SandboxServer, home: Path, stderr: str) -> None:
    """The search's Insights queries were stopped, and the server ended by itself: its metrics session is closed."""
    assert sandbox.operations.calls["StopQuery"] >= sandbox.operations.calls["StartQuery"] > 0
    queries = sandbox.client().describe_queries()["queries"]
    assert queries and {q["status"] for q in queries} == {"Cancelled"}
    assert sessions(home) == [("mcp", True)]
    assert counter(home, "tool_calls", tool="search_logs", outcome="error") == 1  # the cancelled call is counted
    assert "Traceback" not in stderr


def test_a_client_that_leaves_mid_call_ends_the_server_cleanly_and_its_queries(
    slow_sandbox: tuple[SandboxServer, threading.Event], tmp_path: Path
) -> None:
    sandbox, started = slow_sandbox
    home, errlog_path = tmp_path / "mcp-home", tmp_path / "stderr.txt"

    async def leave_mid_call() -> Any:
        program, args = command()
        params = StdioServerParameters(command=program, args=args, env=server_env(sandbox.url, home), cwd=str(REPO))
        with errlog_path.open("w") as errlog:
            # The SDK's transport with bare messages: a ClientSession would send a courtesy cancel
            # before closing, and this client just goes away (the transport closes the server's stdin,
            # then gives it two seconds before SIGTERM).
            async with stdio_client(params, errlog=errlog) as (read, write):

                async def send(message: dict[str, Any]) -> None:
                    await write.send(SessionMessage(types.jsonrpc_message_adapter.validate_python({"jsonrpc": "2.0", **message})))

                await send(INITIALIZE)
                initialized = await read.receive()
                await send({"method": "notifications/initialized"})
                await send(SEARCH)
                assert await asyncio.to_thread(started.wait, 30)
        return initialized

    assert isinstance(asyncio.run(leave_mid_call()), SessionMessage)
    assert_stopped_cleanly(sandbox, home, errlog_path.read_text())


def test_a_server_terminated_mid_call_stops_its_queries_and_exits_cleanly(
    slow_sandbox: tuple[SandboxServer, threading.Event], tmp_path: Path
) -> None:
    sandbox, started = slow_sandbox
    home = tmp_path / "mcp-home"
    program, args = command()
    process = subprocess.Popen(
        [program, *args], env=server_env(sandbox.url, home), cwd=REPO, text=True,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(json.dumps({"jsonrpc": "2.0", **INITIALIZE}) + "\n")
        process.stdin.flush()
        assert json.loads(process.stdout.readline())["id"] == 1
        for message in ({"method": "notifications/initialized"}, SEARCH):
            process.stdin.write(json.dumps({"jsonrpc": "2.0", **message}) + "\n")
        process.stdin.flush()
        assert started.wait(30)
        process.send_signal(signal.SIGTERM)  # stdin still open: a client that ends the server this way
        assert process.wait(timeout=30) == 0
        out, err = process.communicate()
    finally:
        process.kill()
    assert out == ""
    assert_stopped_cleanly(sandbox, home, err)
