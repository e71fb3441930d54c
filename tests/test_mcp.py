"""`logai mcp` as an MCP client meets it: the official SDK's client over stdio against a `logai mcp` process on the sandbox.

One server process serves the module (its start-up, mostly importing the SDK,
takes a second or two); the disconnect test and the HTTP test start their
own, and the budget tests run the same `ToolCalls` in this process.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import re
import subprocess
import sys
import threading
from collections.abc import Coroutine, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, TypeVar

import pytest
from mcp import ClientSession, StdioServerParameters, stdio_client, types
from mcp.shared.exceptions import MCPError
from mcp.shared.message import SessionMessage
from typer.testing import CliRunner

from logai.events import BudgetReached, Event, EventBus
from logai.evidence.filter import LogFilter
from logai.logs.shaping import estimate_tokens
from logai.mcp.calls import open_calls
from logai.metrics.store import MetricsStore
from logai.runtime import REAL, Runtime
from logai.sandbox.config import SandboxConfig
from logai.sandbox.incidents import GroundTruth, IncidentData
from logai.sandbox.incidents.pool_shrink import CHECKOUT, INJECTION, PAYMENTS, STRIPE_KEY
from logai.sandbox.server import CREDENTIALS, SandboxServer
from logai.session import tool_registry
from logai.settings import load_settings

REPO = Path(__file__).resolve().parents[1]
T = TypeVar("T")
# Several MCP clients refuse a tool result over 25,000 tokens; logai's are cut to tool_result_tokens.
CLIENT_LIMIT_TOKENS = 25_000


def server_env(sandbox_url: str, home: Path, **settings: str) -> dict[str, str]:
    """What an MCP client's configuration would pass: the AWS variables (here the sandbox's) and LOGAI_HOME."""
    return {
        "AWS_ENDPOINT_URL": sandbox_url,
        "AWS_ACCESS_KEY_ID": CREDENTIALS[0],
        "AWS_SECRET_ACCESS_KEY": CREDENTIALS[1],
        "AWS_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
        "LOGAI_HOME": str(home),
        "HOME": str(home.parent / "user-home"),
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        **{f"LOGAI_{name.upper()}": value for name, value in settings.items()},
    }


def command() -> tuple[str, list[str]]:
    return sys.executable, ["-m", "logai", "mcp"]


class Client:
    """The SDK's client on a `logai mcp` process, for plain tests: its event loop runs in a thread of its own."""

    def __init__(self, env: dict[str, str], errlog: IO[str]) -> None:
        self.stray: list[Exception] = []  # anything on the server's stdout that is not the protocol
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="mcp-client", daemon=True)
        self._thread.start()
        self._opened: concurrent.futures.Future[ClientSession] = concurrent.futures.Future()
        self._held = asyncio.run_coroutine_threadsafe(self._hold(env, errlog), self._loop)
        self.session = self._opened.result(timeout=60)

    async def _hold(self, env: dict[str, str], errlog: IO[str]) -> None:
        self._leave = asyncio.Event()
        program, args = command()
        try:
            async with stdio_client(StdioServerParameters(command=program, args=args, env=env, cwd=str(REPO)), errlog=errlog) as (r, w):
                async with ClientSession(r, w, message_handler=self._received) as session:
                    await session.initialize()
                    self._opened.set_result(session)
                    await self._leave.wait()
        except BaseException as exc:
            if not self._opened.done():
                self._opened.set_exception(exc)
            raise

    async def _received(self, message: Any) -> None:
        if isinstance(message, Exception):
            self.stray.append(message)

    def __call__(self, work: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(work, self._loop).result(timeout=60)

    def call(self, name: str, **arguments: Any) -> tuple[bool, str]:
        """(is_error, text) of one tool call."""
        result = self(self.session.call_tool(name, arguments))
        assert isinstance(result, types.CallToolResult) and len(result.content) == 1
        block = result.content[0]
        assert isinstance(block, types.TextContent)
        return result.is_error, block.text

    def close(self) -> None:
        self._loop.call_soon_threadsafe(self._leave.set)
        self._held.result(timeout=30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()


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
    _sandbox.reset()
    return _sandbox.seed(_pool_shrink_data)


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def counter(home: Path, name: str, **labels: str) -> float:
    store = MetricsStore(home)
    try:
        counters = store.totals().counters
    finally:
        store.close()
    return sum(value for (metric, key), value in counters.items() if metric == name and labels.items() <= dict(key).items())


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


# -- budgets per call and per server session, in this process -----------------------------


async def test_the_session_cloudwatch_budget_refuses_further_calls_with_chat_sentence(
    aws: Any, pool_shrink: GroundTruth, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOGAI_SESSION_CLOUDWATCH_BUDGET", "0.000001")
    events: list[Event] = []
    opened = open_calls(load_settings(), bus=EventBus(events.append), runtime=REAL)
    assert (await opened.calls.run("search_logs", {"log_groups": [PAYMENTS], "start": "1h", "all_words": ["ERROR"]})).ok
    refused = await opened.calls.run("list_log_groups", {})
    opened.recording.close()
    assert not refused.ok
    assert re.match(
        r"Error: This session used \$\d\.\d{4} of CloudWatch cost, reaching its budget of \$0\.00; "
        r"raise session_cloudwatch_budget \(LOGAI_SESSION_CLOUDWATCH_BUDGET\) to allow more\.",
        refused.text,
    )
    assert [e.budget for e in events if isinstance(e, BudgetReached)] == ["session_cloudwatch_cost"]


async def test_the_session_call_budget_counts_calls_that_ran(aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGAI_MCP_MAX_CALLS", "2")
    opened = open_calls(load_settings(), bus=EventBus(), runtime=REAL)
    calls = opened.calls
    assert (await calls.run("list_log_groups", {})).ok and (await calls.run("list_log_groups", {"prefix": "/ecs/"})).ok
    # A call that could not run (bad arguments) says why, whatever the budget.
    assert "invalid arguments" in (await calls.run("list_log_groups", {"limit": 0})).text
    refused = await calls.run("list_log_groups", {})
    opened.recording.close()
    assert refused.text.startswith(
        "Error: This session ran 2 tool calls, reaching its budget of 2; raise mcp_max_calls (LOGAI_MCP_MAX_CALLS) to allow more."
    )


async def test_each_call_runs_within_tool_timeout(aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGAI_TOOL_TIMEOUT", "5")
    ticks = iter(range(0, 10_000, 10))  # every reading of the clock is 10 s later than the one before
    opened = open_calls(load_settings(), bus=EventBus(), runtime=Runtime(clock=lambda: float(next(ticks))))
    result = await opened.calls.run("search_logs", {"log_groups": [PAYMENTS], "start": "1h"})
    opened.recording.close()
    assert not result.ok and "timed out after 5 s (tool_timeout)" in result.text


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


def test_a_client_that_leaves_mid_call_ends_the_server_cleanly_and_its_queries(
    slow_sandbox: tuple[SandboxServer, threading.Event], tmp_path: Path
) -> None:
    sandbox, started = slow_sandbox
    home = tmp_path / "mcp-home"
    errlog_path = tmp_path / "stderr.txt"

    async def leave_mid_call() -> list[Any]:
        program, args = command()
        params = StdioServerParameters(command=program, args=args, env=server_env(sandbox.url, home), cwd=str(REPO))
        received: list[Any] = []
        with errlog_path.open("w") as errlog:
            # The SDK's transport with bare messages: a ClientSession would send a courtesy cancel
            # before closing, and this client just goes away.
            async with stdio_client(params, errlog=errlog) as (read, write):

                async def send(message: dict[str, Any]) -> None:
                    await write.send(SessionMessage(types.jsonrpc_message_adapter.validate_python({"jsonrpc": "2.0", **message})))

                await send({"id": 1, "method": "initialize", "params": {
                    "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "test", "version": "0"}}})
                received.append(await read.receive())
                await send({"method": "notifications/initialized"})
                await send({"id": 2, "method": "tools/call", "params": {
                    "name": "search_logs", "arguments": {"log_groups": [PAYMENTS], "start": "5h", "all_words": ["ERROR"]}}})
                assert await asyncio.to_thread(started.wait, 30)
        return received

    (initialized,) = asyncio.run(leave_mid_call())
    assert isinstance(initialized, SessionMessage)
    assert sandbox.operations.calls["StopQuery"] >= sandbox.operations.calls["StartQuery"] > 0
    queries = sandbox.client().describe_queries()["queries"]
    assert queries and {q["status"] for q in queries} == {"Cancelled"}
    # The server ended on its own within the client's grace period: its metrics session is closed.
    store = MetricsStore(home)
    try:
        (session,) = store.sessions()
    finally:
        store.close()
    assert session.command == "mcp" and session.ended_at is not None
    assert counter(home, "tool_calls", tool="search_logs", outcome="error") == 1
    assert "Traceback" not in errlog_path.read_text()


def test_http_stays_on_loopback_and_refuses_other_hosts_and_origins(aws: Any, tmp_path: Path) -> None:
    import http.client

    from mcp.client.streamable_http import streamable_http_client

    program, args = command()
    env = {**os.environ, "LOGAI_HOME": str(tmp_path / "mcp-home")}
    process = subprocess.Popen([program, *args, "--http", "--port", "0"], env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stderr is not None
        found = re.search(r"http://127\.0\.0\.1:(\d+)/mcp", process.stderr.readline())
        assert found, "the server says where it listens"
        port = int(found.group(1))

        def post(**headers: str) -> int:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request("POST", "/mcp", body="{}", headers={"Content-Type": "application/json", "Accept": "application/json, text/event-stream", **headers})
            status = connection.getresponse().status
            connection.close()
            return status

        # DNS rebinding: a page on another name resolving to 127.0.0.1, or a page's script from another origin.
        assert post(Host=f"attacker.example:{port}") == 421
        assert post(Origin="http://attacker.example") == 403

        async def through_the_sdk() -> list[str]:
            async with streamable_http_client(f"http://127.0.0.1:{port}/mcp") as (read, write):
                async with ClientSession(read, write) as session:
                    await session.initialize()
                    return [tool.name for tool in (await session.list_tools()).tools]

        assert "search_logs" in asyncio.run(through_the_sdk())
        process.terminate()
        out, err = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0 and out == "" and "Traceback" not in err


# -- the command ------------------------------------------------------------------------


def test_without_the_sdk_logai_mcp_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from logai.cli import app

    monkeypatch.setitem(sys.modules, "mcp", None)  # what `import mcp` finds when the extra is not installed
    result = CliRunner().invoke(app, ["mcp"])
    assert result.exit_code == 2
    assert "logai mcp needs the MCP SDK, which is not installed." in result.output
    assert "pip install 'logai[mcp]'" in result.output


def test_help_imports_neither_the_sdk_nor_boto3() -> None:
    probe = (
        "import runpy, sys\nsys.argv = ['logai', 'mcp', '--help']\n"
        "try:\n    runpy.run_module('logai', run_name='__main__')\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('mcp', 'boto3', 'litellm', 'uvicorn') if m in sys.modules), file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert "Streamable HTTP" in done.stdout
    assert done.stderr.strip().splitlines()[-1] == "[]"
