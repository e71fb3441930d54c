"""The providers as a user meets them: `logai query` as a real process per protocol, the Ollama route,
and the capability check of `logai config --check` and the first question."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from logai.cli import app
from logai.sandbox.incidents.pool_shrink import CHECKOUT
from tests.llm_server import call, text, tool_calls
from tests.providers import ProviderServer
from tests.test_cli_startup import imported

REPO = Path(__file__).resolve().parent.parent


def invoke(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, list(args), input=input, catch_exceptions=False)


@pytest.mark.parametrize("provider", ["anthropic", "ollama", "bedrock"], indirect=True)
def test_query_as_a_user_runs_it_against_each_protocol(provider: ProviderServer, pool_shrink) -> None:  # type: ignore[no-untyped-def]
    """A real `logai query` process: the README's model string, the provider's own variables, stdout a pipe."""
    provider.server.enqueue(
        tool_calls(call("search_logs", {"log_groups": [CHECKOUT], "all_words": ["ERROR"], "start": "1h"})),
        text("Payments timeouts break checkout."),
    )
    done = subprocess.run(
        [sys.executable, "-m", "logai", "query", "why is checkout failing?"],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=120,
        cwd=REPO,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "Payments timeouts break checkout.\n"
    assert "search_logs" in done.stderr and "Traceback" not in done.stderr
    first, second = provider.bodies()
    assert f"Searched {CHECKOUT}" in provider.spec.tool_results(second)[0][1]


@pytest.mark.parametrize("provider", ["ollama"], indirect=True)
def test_ollama_model_strings_go_through_native_tool_calling(provider: ProviderServer, pool_shrink, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # ollama/… would reach /api/generate, with tool calls imitated in the prompt.
    monkeypatch.setenv("LOGAI_MODEL", "ollama/llama3.1")
    provider.server.enqueue(
        tool_calls(call("search_logs", {"log_groups": [CHECKOUT], "all_words": ["ERROR"], "start": "1h"})),
        text("Payments timeouts break checkout."),
    )
    result = invoke("query", "why is checkout failing?")
    assert result.exit_code == 0, result.output
    assert [r.path for r in provider.server.requests] == ["/api/chat", "/api/chat"]
    first, second = provider.bodies()
    assert [t["function"]["name"] for t in first["tools"]][0] == "list_log_groups"
    assert "prompt" not in first and second["messages"][-1]["role"] == "tool"

    shown = invoke("config")
    assert "model route: ollama_chat/llama3.1 (rewritten from ollama/llama3.1): Ollama's /api/chat" in " ".join(shown.stdout.split())
    assert json.loads(invoke("config", "--json").stdout)["model_route"] == "ollama_chat/llama3.1"


def test_config_check_names_a_model_that_cannot_call_tools(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LOGAI_MODEL", "ollama/llama2")
    sentence = "litellm's model map says ollama/llama2 cannot call tools, and logai answers only through tool calls"
    checked = invoke("config", "--check")
    assert checked.exit_code == 2 and sentence in " ".join(checked.stdout.split())
    assert sentence not in " ".join(invoke("config").stdout.split())  # only --check reads the model map
    monkeypatch.setenv("LOGAI_MODEL", "ollama/llama3.1")
    assert not any("cannot call tools" in p for p in json.loads(invoke("config", "--check", "--json").stdout)["problems"])
    # Read from litellm's file: the check still leaves litellm unimported.
    monkeypatch.setenv("LOGAI_MODEL", "ollama/llama2")
    assert "litellm" not in imported("config", "--check")


@pytest.mark.parametrize("provider", ["ollama"], indirect=True)
def test_chat_says_once_that_the_model_cannot_call_tools(provider: ProviderServer, aws, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LOGAI_MODEL", "ollama_chat/llama2")
    provider.server.enqueue(text("I cannot search."), text("Still cannot."))
    result = invoke("chat", input="why?\nand now?\n")
    assert result.exit_code == 0, result.output
    assert result.stderr.count("litellm's model map says ollama_chat/llama2 cannot call tools") == 1
    assert len(provider.server.requests) == 2
