"""Every provider the README names, through its own wire protocol: `logai query` against each scripted server.

The same questions go to OpenAI (SSE chunks), Anthropic (Messages SSE events),
Ollama (`/api/chat` NDJSON) and Bedrock (ConverseStream's binary event
stream); each server reads back what litellm sent in that protocol. The
CloudWatch side is the sandbox holding the pool-shrink incident.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from logai.cli import app
from logai.figures import dollars
from logai.sandbox.incidents.pool_shrink import CHECKOUT, PAYMENTS
from tests.llm_server import call, text, tool_calls
from tests.ollama_server import in_one_line
from tests.providers import ProviderServer
from tests.stats import counter

REPO = Path(__file__).resolve().parent.parent
NEW_PROTOCOLS = ["anthropic", "ollama", "bedrock"]


def search(group: str, start: str = "1h") -> Any:
    return call("search_logs", {"log_groups": [group], "all_words": ["ERROR"], "start": start})


def groups(prefix: str) -> Any:
    return call("list_log_groups", {"prefix": prefix})


def ask(*args: str) -> dict[str, Any]:
    result = CliRunner().invoke(app, ["query", "--json", "--stats", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_two_tool_calls_in_one_reply_then_the_answer(provider: ProviderServer, pool_shrink, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LOGAI_MAX_OUTPUT_TOKENS", "777")
    provider.server.enqueue(
        tool_calls(search(CHECKOUT), search(PAYMENTS), text="Searching both services.", prompt_tokens=1200, completion_tokens=40),
        text("Payments ran out of database connections.", prompt_tokens=3000, completion_tokens=12),
    )
    payload = ask("why is checkout failing?")
    assert payload["answer"] == "Payments ran out of database connections."
    # Both calls ran, each with its own arguments: none was merged into the other.
    assert [(c["name"], c["arguments"]["log_groups"], c["ok"]) for c in payload["tool_calls"]] == [
        ("search_logs", [CHECKOUT], True),
        ("search_logs", [PAYMENTS], True),
    ]
    spec = provider.spec
    first, second = provider.bodies()
    assert spec.max_tokens(first) == spec.max_tokens(second) == 777
    assert "search_logs" in spec.offered_tools(first)
    # The second request carries both results, in the provider's own shape, in the calls' order.
    (checkout_id, checkout), (payments_id, payments) = spec.tool_results(second)
    assert f"Searched {CHECKOUT}" in checkout and f"Searched {PAYMENTS}" in payments
    if spec.tool_ids:
        assert checkout_id != payments_id and None not in (checkout_id, payments_id)
    assert payload["usage"]["prompt_tokens"] == 4200 and payload["usage"]["completion_tokens"] == 52
    assert counter(payload, "llm_tokens", direction="input") == 4200
    assert counter(payload, "llm_tokens", direction="output") == 52
    assert counter(payload, "llm_requests", outcome="ok") == 2
    cost = counter(payload, "llm_cost_usd")
    assert cost > 0 if spec.priced else cost == 0


@pytest.mark.parametrize("provider", ["ollama"], indirect=True)
def test_ollama_tool_calls_sent_together_are_two_calls_too(provider: ProviderServer, aws) -> None:  # type: ignore[no-untyped-def]
    # Ollama releases before streaming tool calls sent every call of a reply in one line.
    provider.server.enqueue(in_one_line(tool_calls(groups("/aws/"), groups("/ecs/"))), text("Both listed."))
    payload = ask("why?")
    assert [c["arguments"] for c in payload["tool_calls"]] == [{"prefix": "/aws/"}, {"prefix": "/ecs/"}]
    assert len(provider.spec.tool_results(provider.bodies()[1])) == 2


def test_the_last_round_goes_without_tools(provider: ProviderServer, aws, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LOGAI_MAX_TOOL_ROUNDS", "1")
    provider.server.enqueue(tool_calls(groups("/ecs/")), text("The pool shrank to 5."))
    payload = ask("what broke?")
    assert payload["answer"] == "The pool shrank to 5." and payload["stop_reason"] == "max_rounds"
    spec = provider.spec
    first, last = provider.bodies()
    assert spec.offered_tools(first) and "search_logs" not in spec.offered_tools(last)
    # The evidence is still in the history: as the call and its result (Anthropic gets a dummy tool from
    # litellm so it accepts them), or for Bedrock, which takes no tool blocks without a toolConfig, as text.
    assert "/ecs/" in json.dumps(last["messages"]).split('"what broke?"')[1]
    if spec.name == "bedrock":
        assert not spec.tool_results(last) and "[tool result for tooluse_scripted00: " in json.dumps(last["messages"])
    else:
        assert len(spec.tool_results(last)) == 1


def test_the_prompt_cache_is_marked_counted_priced_and_its_saving_shown(provider: ProviderServer, aws) -> None:  # type: ignore[no-untyped-def]
    from rich.console import Console

    from logai.ui.summary import session_summary

    spec = provider.spec
    marks = spec.name in ("anthropic", "bedrock")  # OpenAI caches on its own; Ollama has no prompt cache
    cached = 4800 if spec.name != "ollama" else 0
    provider.server.enqueue(
        # The first request writes the system prompt and tools to the cache; the second reads them back.
        tool_calls(groups("/ecs/"), prompt_tokens=5000, cache_write_tokens=cached if marks else 0),
        text("The pool shrank.", prompt_tokens=9000, cached_tokens=cached),
    )
    payload = ask("what broke?")
    first, second = provider.bodies()
    # After the tools, the system prompt and the last message (the question, then the tool result).
    assert spec.cache_marks(first) == spec.cache_marks(second) == (3 if marks else 0)
    if spec.name in ("openai", "ollama"):
        assert "cache_control" not in json.dumps(first)
    assert payload["usage"]["prompt_tokens"] == 14_000 and payload["usage"]["cached_tokens"] == cached
    assert counter(payload, "llm_tokens", direction="input") == 14_000
    assert counter(payload, "llm_tokens", direction="cached") == cached
    assert counter(payload, "llm_tokens", direction="cache_write") == (cached if marks else 0)
    cost, uncached = counter(payload, "llm_cost_usd"), counter(payload, "llm_uncached_cost_usd")
    console = Console(width=120, record=True)
    console.print(session_summary(payload["metrics"]))
    shown = console.export_text()
    if spec.priced:
        # Reads cost a tenth of the input price; writes (Anthropic, Bedrock) a quarter more.
        assert 0 < cost < uncached
        assert "4,800 cached" in shown and f"the prompt cache saved {dollars(uncached - cost)}" in shown
    else:
        assert cost == uncached == 0 and "cached" not in shown


def test_without_streaming_the_same_reply_arrives_whole(provider: ProviderServer, aws, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LOGAI_LLM_STREAM", "false")
    provider.server.enqueue(
        tool_calls(groups("/aws/"), groups("/ecs/")),
        text("Nothing is logged yet.", prompt_tokens=900, cached_tokens=0 if provider.spec.name == "ollama" else 600),
    )
    payload = ask("what broke?")
    assert payload["answer"] == "Nothing is logged yet."
    assert [c["arguments"] for c in payload["tool_calls"]] == [{"prefix": "/aws/"}, {"prefix": "/ecs/"}]
    assert len(provider.spec.tool_results(provider.bodies()[1])) == 2
    assert payload["usage"]["cached_tokens"] == (0 if provider.spec.name == "ollama" else 600)
