"""What differs between model providers, decided before litellm sees a request.

litellm speaks every provider's protocol, but a few choices are logai's:

- the route: `ollama/<name>` goes to Ollama's `/api/generate` with tool calls
  imitated in the prompt, and the tool results never reach the model; logai
  sends it through litellm's `ollama_chat/` route (`/api/chat`, Ollama's
  native tool calling) instead (`route`);
- per-request options: prompt caching for the providers that offer it
  through `cache_control` (Anthropic, Bedrock), and the standard AWS variable
  for Bedrock's endpoint, which litellm does not read (`request_options`);
- what litellm's model map says about a model: whether it can call tools
  (`tool_calling_problem`), whether it caches prompts, and the name its price
  is listed under.

Nothing here imports litellm: `logai config` uses it and must stay fast. The
model map is read from the JSON file litellm ships (`bundled_model_map`); a
process that has imported litellm passes `litellm.model_cost` instead, which
holds the same table (logai sets `LITELLM_LOCAL_MODEL_COST_MAP`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

MODEL_MAP_FILE = "model_prices_and_context_window_backup.json"

# The model map lists a provider's models under these litellm_provider values.
_MAP_PROVIDERS = {
    "ollama_chat": ("ollama", "ollama_chat"),
    "bedrock": ("bedrock", "bedrock_converse"),
}
# Bedrock routes litellm accepts in front of a model id, and the cross-region inference profiles' prefixes.
_BEDROCK_ROUTES = ("converse/", "invoke/")
_BEDROCK_REGION_PREFIXES = ("us.", "eu.", "apac.", "global.", "jp.", "au.", "ca.", "us-gov.")

# Where Anthropic and Bedrock put a cache breakpoint: after the tool schemas and
# after the system prompt, the same on every request of a chat, and after the
# last message, because every round of a turn sends the conversation so far
# again (tool results included). The last one also matters because a provider
# caches nothing shorter than 1,024 to 4,096 tokens, depending on the model, and
# logai's tools and system prompt are about 3,100. litellm leaves the marks
# out for models that cannot cache; a provider allows four.
CACHE_POINTS: tuple[dict[str, Any], ...] = (
    {"location": "tool_config"},
    {"location": "message", "role": "system"},
    {"location": "message", "index": -1},
)
CACHING_PROVIDERS = ("anthropic", "bedrock")


def provider_of(model: str) -> str:
    """The litellm provider prefix of `model` (`anthropic` for `anthropic/claude-…`); empty without one."""
    provider, slash, _ = model.partition("/")
    return provider if slash else ""


def route(model: str) -> str:
    """The model string litellm is given: `ollama/<name>` becomes `ollama_chat/<name>`, the rest is unchanged."""
    if provider_of(model) == "ollama":
        return "ollama_chat/" + model.partition("/")[2]
    return model


def route_note(model: str) -> str:
    """One line for `logai config`: which route the model string takes, and the API it reaches."""
    routed = route(model)
    provider = provider_of(routed)
    api = {
        "ollama_chat": "Ollama's /api/chat with native tool calls",
        "anthropic": "Anthropic's Messages API",
        "bedrock": "Bedrock's ConverseStream",
        "openai": "an OpenAI-compatible chat completions API",
    }.get(provider)
    shown = routed if routed == model else f"{routed} (rewritten from {model})"
    return f"{shown}: {api}" if api else shown


def price_name(model: str) -> str:
    """The name litellm's price lookup knows `model` by: its route, except that Ollama's
    models are priced (at nothing) under `ollama/`, which litellm does not map to `ollama_chat/`."""
    routed = route(model)
    if provider_of(routed) == "ollama_chat":
        return "ollama/" + routed.partition("/")[2]
    return routed


def request_options(model: str, environ: Mapping[str, str], *, cacheable: bool) -> dict[str, Any]:
    """What a request for `model` carries beyond the conversation: cache points, Bedrock's endpoint."""
    provider = provider_of(route(model))
    options: dict[str, Any] = {}
    if cacheable and provider in CACHING_PROVIDERS:
        options["cache_control_injection_points"] = [dict(point) for point in CACHE_POINTS]
    # litellm reads its own AWS_BEDROCK_RUNTIME_ENDPOINT, not the standard per-service
    # variable. The global AWS_ENDPOINT_URL is left alone: `logai demo --serve`
    # points it at the CloudWatch sandbox, which has no Bedrock.
    endpoint = environ.get("AWS_ENDPOINT_URL_BEDROCK_RUNTIME")
    if provider == "bedrock" and endpoint and not environ.get("AWS_BEDROCK_RUNTIME_ENDPOINT"):
        options["aws_bedrock_runtime_endpoint"] = endpoint
    return options


def model_map_path() -> Path | None:
    """The model map litellm ships, found without importing litellm; None when litellm is not installed."""
    spec = find_spec("litellm")
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    for location in locations:
        path = Path(location) / MODEL_MAP_FILE
        if path.is_file():
            return path
    return None


@lru_cache(maxsize=1)
def bundled_model_map() -> Mapping[str, Any]:
    """litellm's bundled model map (about 3 MB of JSON, ~0.1 s to read); empty when it cannot be read."""
    path = model_map_path()
    if path is None:
        return {}
    try:
        table = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return table if isinstance(table, dict) else {}


def map_key(model: str, table: Mapping[str, Any]) -> str | None:
    """The key `model` is listed under in the model map, or None when it is not listed."""
    routed = route(model)
    provider, _, name = routed.partition("/")
    if not name:
        provider, name = "", routed
    if provider == "bedrock":
        for prefix in _BEDROCK_ROUTES:
            name = name.removeprefix(prefix)
    candidates = [routed, f"{provider}/{name}", name]
    if provider == "ollama_chat":
        candidates.insert(1, f"ollama/{name}")
    if provider == "bedrock":
        candidates += [name.removeprefix(p) for p in _BEDROCK_REGION_PREFIXES if name.startswith(p)]
    accepted = _MAP_PROVIDERS.get(provider, (provider,))
    for key in candidates:
        entry = table.get(key)
        if isinstance(entry, Mapping) and (not provider or entry.get("litellm_provider") in accepted):
            return key
    return None


def map_entry(model: str, table: Mapping[str, Any]) -> Mapping[str, Any] | None:
    key = map_key(model, table)
    return None if key is None else table[key]


def caches_prompts(model: str, table: Mapping[str, Any]) -> bool:
    """Whether to mark the prompt cacheable: the map says the model caches, or (Anthropic) does not list it.

    Every current Claude model caches, so an Anthropic name the map does not
    know yet is marked too; litellm drops the marks for models it knows cannot.
    """
    entry = map_entry(model, table)
    if entry is None:
        return provider_of(route(model)) == "anthropic"
    return bool(entry.get("supports_prompt_caching"))


def tool_calling_problem(model: str, table: Mapping[str, Any]) -> str | None:
    """One sentence when litellm's model map lists `model` without tool calling; None when it can, or is not listed."""
    entry = map_entry(model, table)
    if entry is None or entry.get("supports_function_calling"):
        return None
    return (
        f"litellm's model map says {model} cannot call tools, and logai answers only through tool calls: "
        "pick a model it marks supports_function_calling (such as ollama_chat/llama3.1, anthropic/claude-haiku-4-5 "
        "or openai/gpt-4o-mini)."
    )
