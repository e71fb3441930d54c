"""The providers the README names, as the tests meet them: model string, scripted server, and how to read a request.

Each `Provider` knows its protocol's request body: where the output-token
bound sits, which tools are offered, what tool results the request carries,
and how many prompt-cache marks it has. The `provider` fixture (conftest)
starts one scripted server per protocol and points logai at it through the
variables a user would set.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.anthropic_server import AnthropicHandler
from tests.bedrock_server import BedrockHandler
from tests.llm_server import OpenAIHandler, ScriptedHandler, ScriptedLLMServer
from tests.ollama_server import OllamaHandler

Body = dict[str, Any]


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    return "".join(_text_of(part.get("text", part.get("content", ""))) for part in content or [] if isinstance(part, dict))


def _openai_results(body: Body) -> list[tuple[str | None, str]]:
    return [(m.get("tool_call_id"), _text_of(m["content"])) for m in body["messages"] if m["role"] == "tool"]


def _anthropic_results(body: Body) -> list[tuple[str | None, str]]:
    return [
        (block["tool_use_id"], _text_of(block["content"]))
        for message in body["messages"]
        if isinstance(message["content"], list)
        for block in message["content"]
        if block.get("type") == "tool_result"
    ]


def _bedrock_results(body: Body) -> list[tuple[str | None, str]]:
    return [
        (block["toolResult"]["toolUseId"], _text_of(block["toolResult"]["content"]))
        for message in body["messages"]
        for block in message["content"]
        if "toolResult" in block
    ]


def _content_blocks(body: Body) -> list[Any]:
    return [block for m in body["messages"] if isinstance(m["content"], list) for block in m["content"]]


def _anthropic_marks(body: Body) -> int:
    blocks = [*body.get("tools", []), *body.get("system", []), *_content_blocks(body)]
    return sum(1 for block in blocks if "cache_control" in block)


def _bedrock_marks(body: Body) -> int:
    blocks = [*body.get("toolConfig", {}).get("tools", []), *body.get("system", []), *_content_blocks(body)]
    return sum(1 for block in blocks if "cachePoint" in block)


@dataclass(frozen=True)
class Provider:
    """One provider: the model string the README gives, its scripted server, and its request body's shape.

    `tool_ids` says whether the provider's tool results name the call they
    answer (Ollama's do not: litellm makes up the ids). `priced` says whether
    litellm's price table charges for the model (Ollama runs locally, at $0).
    """

    name: str
    model: str
    handler: type[ScriptedHandler]
    env: Callable[[ScriptedLLMServer], dict[str, str]]
    max_tokens: Callable[[Body], int]
    offered_tools: Callable[[Body], list[str]]
    tool_results: Callable[[Body], list[tuple[str | None, str]]]
    cache_marks: Callable[[Body], int]
    tool_ids: bool = True
    priced: bool = True


PROVIDERS = {
    p.name: p
    for p in (
        Provider(
            "openai",
            "openai/gpt-4o-mini",
            OpenAIHandler,
            lambda s: {"LOGAI_API_BASE": s.url, "OPENAI_API_KEY": "sk-test-not-a-real-key"},
            lambda b: b["max_tokens"],
            lambda b: [t["function"]["name"] for t in b.get("tools", [])],
            _openai_results,
            lambda b: 0,  # OpenAI caches on its own, without marks
        ),
        Provider(
            "anthropic",
            "anthropic/claude-haiku-4-5",
            AnthropicHandler,
            lambda s: {"LOGAI_API_BASE": s.url, "ANTHROPIC_API_KEY": "sk-ant-test-not-a-real-key"},
            lambda b: b["max_tokens"],
            lambda b: [t["name"] for t in b.get("tools", [])],
            _anthropic_results,
            _anthropic_marks,
        ),
        Provider(
            "ollama",
            "ollama_chat/llama3.1",
            OllamaHandler,
            lambda s: {"LOGAI_API_BASE": s.url},
            lambda b: b["options"]["num_predict"],
            lambda b: [t["function"]["name"] for t in b.get("tools", [])],
            _openai_results,
            lambda b: 0,
            tool_ids=False,
            priced=False,
        ),
        Provider(
            "bedrock",
            "bedrock/us.anthropic.claude-haiku-4-5-20251001-v1:0",
            BedrockHandler,
            # The standard AWS variable; credentials and region come from the `aws` fixture.
            lambda s: {"AWS_ENDPOINT_URL_BEDROCK_RUNTIME": s.url},
            lambda b: b["inferenceConfig"]["maxTokens"],
            lambda b: [t["toolSpec"]["name"] for t in b.get("toolConfig", {}).get("tools", []) if "toolSpec" in t],
            _bedrock_results,
            _bedrock_marks,
        ),
    )
}


@dataclass(frozen=True)
class ProviderServer:
    """A provider and its running scripted server, logai's environment pointing at it."""

    spec: Provider
    server: ScriptedLLMServer

    def bodies(self) -> list[Body]:
        return [r.body for r in self.server.requests]
