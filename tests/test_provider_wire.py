"""The pieces under the provider tests: the Bedrock frames botocore reads, logai's routes and request
options, the model map lookups, and the provider error bodies read as one sentence."""

from __future__ import annotations

import json

import pytest
from botocore.eventstream import EventStreamBuffer

from logai.llm.failures import hint_for, provider_detail
from logai.llm.providers import bundled_model_map, caches_prompts, map_key, price_name, request_options, route
from tests.bedrock_server import encode_frame, event_frame


def test_bedrock_frames_are_what_botocore_decodes() -> None:
    buffer = EventStreamBuffer()
    frames = event_frame("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": "héllo"}})
    frames += encode_frame({":message-type": "exception", ":exception-type": "throttlingException"}, b'{"message": "slow down"}')
    # Split mid-frame, as TCP may deliver it.
    buffer.add_data(frames[:7])
    assert list(buffer) == []
    buffer.add_data(frames[7:])
    delta, exception = list(buffer)  # each CRC checked on the way
    assert delta.headers == {":event-type": "contentBlockDelta", ":content-type": "application/json", ":message-type": "event"}
    assert json.loads(delta.payload) == {"contentBlockIndex": 0, "delta": {"text": "héllo"}}
    assert exception.to_response_dict()["status_code"] == 400 and exception.payload == b'{"message": "slow down"}'


@pytest.mark.parametrize(
    ("model", "sent", "priced_as"),
    [
        ("ollama/llama3.1", "ollama_chat/llama3.1", "ollama/llama3.1"),
        ("ollama_chat/llama3.1", "ollama_chat/llama3.1", "ollama/llama3.1"),
        ("anthropic/claude-haiku-4-5", "anthropic/claude-haiku-4-5", "anthropic/claude-haiku-4-5"),
        ("openai/gpt-4o-mini", "openai/gpt-4o-mini", "openai/gpt-4o-mini"),
    ],
)
def test_routes(model: str, sent: str, priced_as: str) -> None:
    assert route(model) == sent and price_name(model) == priced_as


def test_request_options_per_provider() -> None:
    points = [{"location": "tool_config"}, {"location": "message", "role": "system"}, {"location": "message", "index": -1}]
    assert request_options("anthropic/claude-haiku-4-5", {}, cacheable=True) == {"cache_control_injection_points": points}
    assert request_options("anthropic/claude-haiku-4-5", {}, cacheable=False) == {}
    assert request_options("openai/gpt-4o-mini", {}, cacheable=True) == {}  # OpenAI caches without marks
    env = {"AWS_ENDPOINT_URL_BEDROCK_RUNTIME": "http://127.0.0.1:9", "AWS_ENDPOINT_URL": "http://sandbox"}
    assert request_options("bedrock/x", env, cacheable=False) == {"aws_bedrock_runtime_endpoint": "http://127.0.0.1:9"}
    # litellm's own variable wins, and is left for litellm to read.
    assert request_options("bedrock/x", {**env, "AWS_BEDROCK_RUNTIME_ENDPOINT": "http://other"}, cacheable=False) == {}
    assert request_options("ollama/llama3.1", env, cacheable=True) == {}


@pytest.mark.parametrize(
    ("model", "key", "caches"),
    [
        ("ollama/llama3.1", "ollama/llama3.1", False),
        ("ollama_chat/llama3.1", "ollama/llama3.1", False),  # litellm itself does not find it under ollama_chat/
        ("anthropic/claude-haiku-4-5", "claude-haiku-4-5", True),
        ("anthropic/claude-from-next-year", None, True),  # every current Claude model caches
        ("bedrock/us.anthropic.claude-haiku-4-5-20251001-v1:0", "us.anthropic.claude-haiku-4-5-20251001-v1:0", True),
        ("bedrock/converse/us.anthropic.claude-haiku-4-5-20251001-v1:0", "us.anthropic.claude-haiku-4-5-20251001-v1:0", True),
        ("bedrock/meta.llama3-8b-instruct-v1:0", "meta.llama3-8b-instruct-v1:0", False),
        ("openai/scripted", None, False),
    ],
)
def test_model_map_lookups(model: str, key: str | None, caches: bool) -> None:
    table = bundled_model_map()
    assert map_key(model, table) == key and caches_prompts(model, table) is caches


@pytest.mark.parametrize(
    ("message", "detail"),
    [
        (
            "litellm.InternalServerError: AnthropicError - b'{\"type\": \"error\", \"error\": {\"type\": \"overloaded_error\", \"message\": \"Overloaded\"}}'",
            "Overloaded",
        ),
        ('litellm.NotFoundError: Ollama_chatException - {"error": "model \\"llama3.1\\" not found, try pulling it first"}', 'model "llama3.1" not found, try pulling it first'),
        (
            "litellm.BadRequestError: Ollama_chatException - KeyError: 'message', Got unexpected response from Ollama: {'error': 'unexpected EOF'}",
            "unexpected EOF",
        ),
        (
            'litellm.RateLimitError: BedrockException: Rate Limit Error - throttlingException {"message": "Too many requests."}',
            "Rate Limit Error - throttlingException: Too many requests.",
        ),
        ("litellm.APIError: OpenAIException - plain words {not json}", "plain words {not json}"),
    ],
)
def test_provider_error_bodies_read_as_their_message(message: str, detail: str) -> None:
    assert provider_detail(Exception(message)) == detail


def test_hints_fit_the_provider() -> None:
    assert hint_for("not_found", "ollama/qwen2.5").startswith("pull it first (ollama pull qwen2.5)")
    assert "Service Quotas" in hint_for("rate_limited", "bedrock/us.anthropic.claude-haiku-4-5-20251001-v1:0")
    assert hint_for("not_found", "openai/gpt-4o-mini").startswith("check the model name in LOGAI_MODEL")


def test_the_readme_names_the_model_strings_the_tests_use() -> None:
    import re
    from pathlib import Path

    from tests.providers import PROVIDERS

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert set(re.findall(r"export LOGAI_MODEL=(\S+)", readme)) == {p.model for p in PROVIDERS.values()}
