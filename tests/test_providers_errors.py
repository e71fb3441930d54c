"""Each provider's errors, as its own protocol sends them, classified: retried or not, and a hint that fits.

Anthropic: 429 with Retry-After, 529 `overloaded_error` (which litellm calls a
500) before and inside the stream, a rejected key. Ollama: a model not pulled,
a model without tools, an error line inside the stream, no server at all.
Bedrock: ThrottlingException before and inside the event stream, model access
denied. Retries wait on a recorded sleep, never for real.
"""

from __future__ import annotations

import json
import socket
from typing import Any

import pytest
from typer.testing import CliRunner

from logai.cli import app
from logai.runtime import Runtime
from tests import anthropic_server, bedrock_server, ollama_server
from tests.llm_server import broken, text
from tests.providers import ProviderServer


class Waits:
    """The sleep logai's retries wait with: recorded, never waited."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


def query(*args: str, waits: Waits | None = None) -> Any:
    runtime = Runtime(async_sleep=waits or Waits(), rng=lambda: 0.5)
    return CliRunner().invoke(app, ["query", *args], catch_exceptions=False, obj=runtime)


def answered(*args: str, waits: Waits | None = None) -> dict[str, Any]:
    result = query("--json", "--stats", *args, waits=waits)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def one_sentence_and_hint(stderr: str) -> str:
    assert "Traceback" not in stderr
    return " ".join(stderr.split())


@pytest.mark.parametrize("provider", ["anthropic"], indirect=True)
def test_anthropic_rate_limit_and_overload_are_retried(provider: ProviderServer, aws) -> None:  # type: ignore[no-untyped-def]
    waits = Waits()
    provider.server.enqueue(
        anthropic_server.error(429, retry_after=3),
        anthropic_server.overloaded(),
        # Overloaded once the answer had begun: an `error` event inside the 200 stream.
        broken(text("The pool shrank from fifty to five.", chunks=4), 5, anthropic_server.overloaded()),
        text("The pool shrank."),
    )
    payload = answered("what broke?", waits=waits)
    assert payload["answer"] == "The pool shrank."
    assert [r["reason"] for r in payload["retries"]] == ["rate_limited", "overloaded", "overloaded"]
    assert waits.seconds[0] == 3  # Anthropic's retry-after header, longer than the first backoff
    assert "rate limited (HTTP 429)" in payload["retries"][0]["message"]
    assert "model overloaded (HTTP 529)" in payload["retries"][1]["message"]
    assert payload["retries"][2]["discard_text"] is True
    outcomes = {c["labels"]["outcome"]: c["value"] for c in payload["metrics"]["counters"] if c["name"] == "llm_requests"}
    assert outcomes == {"rate_limited": 1, "overloaded": 2, "ok": 1}


@pytest.mark.parametrize("provider", ["anthropic"], indirect=True)
def test_anthropic_overload_that_outlasts_the_retries_says_so(provider: ProviderServer, aws, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LOGAI_LLM_MAX_ATTEMPTS", "2")
    provider.server.enqueue(anthropic_server.overloaded(), anthropic_server.overloaded())
    result = query("what broke?")
    assert result.exit_code == 1
    said = one_sentence_and_hint(result.stderr)
    assert "failed 2 times in a row (model overloaded, HTTP 529): Overloaded." in said
    assert "Anthropic is short of capacity" in said


@pytest.mark.parametrize("provider", ["anthropic"], indirect=True)
def test_anthropic_rejected_key_is_a_setup_error(provider: ProviderServer, aws) -> None:  # type: ignore[no-untyped-def]
    provider.server.enqueue(anthropic_server.error(401))
    result = query("what broke?")
    assert result.exit_code == 2 and len(provider.server.requests) == 1
    said = one_sentence_and_hint(result.stderr)
    assert "rejected the API key (HTTP 401): invalid x-api-key." in said and "ANTHROPIC_API_KEY" in said
    assert provider.server.requests[0].headers["x-api-key"] == "sk-ant-test-not-a-real-key"


@pytest.mark.parametrize("provider", ["ollama"], indirect=True)
def test_ollama_model_not_pulled_says_how_to_pull_it(provider: ProviderServer, aws) -> None:  # type: ignore[no-untyped-def]
    provider.server.enqueue(ollama_server.model_not_found("llama3.1"))
    result = query("what broke?")
    assert result.exit_code == 2 and len(provider.server.requests) == 1
    said = one_sentence_and_hint(result.stderr)
    assert 'model "llama3.1" not found, try pulling it first' in said and "ollama pull llama3.1" in said


@pytest.mark.parametrize("provider", ["ollama"], indirect=True)
def test_ollama_model_without_tools_is_told_before_and_after(provider: ProviderServer, aws, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LOGAI_MODEL", "ollama_chat/llama3")
    provider.server.enqueue(ollama_server.no_tool_support("llama3"))
    result = query("what broke?")
    assert result.exit_code == 2 and len(provider.server.requests) == 1
    said = one_sentence_and_hint(result.stderr)
    # litellm's model map warned before the request; Ollama's 400 confirmed it.
    assert said.count("litellm's model map says ollama_chat/llama3 cannot call tools") == 1
    assert "The model ollama_chat/llama3 cannot call tools" in said and "ollama_chat/qwen2.5" in said


@pytest.mark.parametrize("provider", ["ollama"], indirect=True)
def test_ollama_error_inside_the_stream_is_retried(provider: ProviderServer, aws) -> None:  # type: ignore[no-untyped-def]
    crash = ollama_server.error(500, "an error was encountered while running the model: unexpected EOF")
    provider.server.enqueue(broken(text("The pool shrank from fifty.", chunks=3), 2, crash), text("The pool shrank."))
    payload = answered("what broke?")
    assert payload["answer"] == "The pool shrank."
    (retry,) = payload["retries"]
    assert retry["reason"] == "stream_broken" and retry["discard_text"] is True


def test_ollama_not_running_says_how_to_start_it(aws, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setenv("LOGAI_MODEL", "ollama/llama3.1")
    monkeypatch.setenv("LOGAI_API_BASE", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("LOGAI_LLM_MAX_ATTEMPTS", "1")
    result = query("what broke?")
    assert result.exit_code == 1
    assert "ollama serve" in one_sentence_and_hint(result.stderr)


@pytest.mark.parametrize("provider", ["bedrock"], indirect=True)
def test_bedrock_throttling_before_and_inside_the_stream_is_retried(provider: ProviderServer, aws) -> None:  # type: ignore[no-untyped-def]
    provider.server.enqueue(
        bedrock_server.throttled(),
        broken(text("The pool shrank from fifty.", chunks=3), 3, bedrock_server.throttled()),
        text("The pool shrank."),
    )
    payload = answered("what broke?")
    assert payload["answer"] == "The pool shrank."
    assert [r["reason"] for r in payload["retries"]] == ["rate_limited", "rate_limited"]
    assert payload["retries"][1]["discard_text"] is True
    request = provider.server.requests[0]
    # Signed for Bedrock in the region, sent to the standard variable's endpoint.
    assert "/us-east-1/bedrock/aws4_request" in request.headers["authorization"]
    assert request.path == "/model/us.anthropic.claude-haiku-4-5-20251001-v1%3A0/converse-stream"


@pytest.mark.parametrize("provider", ["bedrock"], indirect=True)
def test_bedrock_throttling_that_outlasts_the_retries_points_at_the_quotas(provider: ProviderServer, aws, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LOGAI_LLM_MAX_ATTEMPTS", "1")
    provider.server.enqueue(bedrock_server.throttled())
    result = query("what broke?")
    assert result.exit_code == 1
    said = one_sentence_and_hint(result.stderr)
    assert "Too many requests, please wait before trying again." in said and "Service Quotas" in said


@pytest.mark.parametrize("provider", ["bedrock"], indirect=True)
def test_bedrock_access_denied_points_at_model_access(provider: ProviderServer, aws) -> None:  # type: ignore[no-untyped-def]
    provider.server.enqueue(bedrock_server.error(403))
    result = query("what broke?")
    assert result.exit_code == 2 and len(provider.server.requests) == 1
    said = one_sentence_and_hint(result.stderr)
    assert "You don't have access to the model with the specified model ID." in said and "Model access" in said
