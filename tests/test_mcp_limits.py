"""`logai mcp`'s limits and its other ends: budgets per call and per server session (the same `ToolCalls`, in
this process), Streamable HTTP on loopback, and the command without the SDK."""

from __future__ import annotations

import asyncio
import http.client
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from mcp import ClientSession
from typer.testing import CliRunner

from logai.events import BudgetReached, CloudWatchCall, Event, EventBus
from logai.mcp.calls import open_calls
from logai.runtime import REAL, Runtime
from logai.sandbox.incidents import GroundTruth
from logai.sandbox.incidents.pool_shrink import PAYMENTS
from logai.settings import load_settings
from tests.mcp_client import REPO, command, sessions

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
        r"Error: This session used \$0\.\d+ of CloudWatch cost, reaching its budget of \$0\.0000010; "
        r"raise session_cloudwatch_budget \(LOGAI_SESSION_CLOUDWATCH_BUDGET\) to allow more\.",
        refused.text,
    )
    assert [e.budget for e in events if isinstance(e, BudgetReached)] == ["session_cloudwatch_cost"]


async def test_each_call_spends_at_most_the_turn_cloudwatch_calls(
    aws: Any, pool_shrink: GroundTruth, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOGAI_TURN_CLOUDWATCH_CALLS", "3")
    events: list[Event] = []
    opened = open_calls(load_settings(), bus=EventBus(events.append), runtime=REAL)
    search = await opened.calls.run("search_logs", {"log_groups": [PAYMENTS], "start": "1h", "all_words": ["ERROR"]})
    # The budget is the call's own: the next call starts afresh and runs.
    listed = await opened.calls.run("list_log_groups", {})
    opened.recording.close()
    assert not search.ok and listed.ok
    assert search.text.startswith(
        "Error: This tool call used 3 CloudWatch calls, reaching its budget of 3; "
        "raise turn_cloudwatch_calls (LOGAI_TURN_CLOUDWATCH_CALLS) to allow more."
    )
    made = [e.action for e in events if isinstance(e, CloudWatchCall)]
    assert len([a for a in made if a != "StopQuery"]) == 3 + 1  # the search's three, then the listing
    statuses = {q["status"] for q in aws.client().describe_queries()["queries"]}
    assert made.count("StartQuery") == 2 and statuses <= {"Complete", "Cancelled"}  # none left running (and billing)
    assert [e.budget for e in events if isinstance(e, BudgetReached)] == ["turn_cloudwatch_calls"]


async def test_each_call_spends_at_most_the_turn_cloudwatch_cost(
    aws: Any, pool_shrink: GroundTruth, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOGAI_TURN_CLOUDWATCH_BUDGET", "0.000001")
    opened = open_calls(load_settings(), bus=EventBus(), runtime=REAL)
    search = await opened.calls.run("search_logs", {"log_groups": [PAYMENTS], "start": "1h", "all_words": ["ERROR"]})
    opened.recording.close()
    assert not search.ok
    assert re.match(
        r"Error: This tool call used \$0\.\d+ of CloudWatch cost, reaching its budget of \$0\.0000010; "
        r"raise turn_cloudwatch_budget \(LOGAI_TURN_CLOUDWATCH_BUDGET\) to allow more\.",
        search.text,
    )


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


def test_http_stays_on_loopback_and_refuses_other_hosts_and_origins(aws: Any, tmp_path: Path) -> None:

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
            async with streamable_http_client(f"http://127.0.0.1:{port}/mcp") as (read, write), ClientSession(read, write) as session:
                await session.initialize()
                return [tool.name for tool in (await session.list_tools()).tools]

        assert "search_logs" in asyncio.run(through_the_sdk())
        process.terminate()
        out, err = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0 and out == "" and "Traceback" not in err
    assert sessions(tmp_path / "mcp-home") == [("mcp", True)]


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
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=False)
    assert "Streamable HTTP" in done.stdout
    assert done.stderr.strip().splitlines()[-1] == "[]"
