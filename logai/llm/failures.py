"""Why a model request failed, and what follows from it: one table, one classifier.

`FAILURES` is the only place a failure reason is defined: whether it is
retried, the words the terminal shows, what the user is told when it ends the
request, and the hint; `PROVIDER_HINTS` holds the hints that fit one provider
better. `classify` sorts an exception from litellm (or the OpenAI SDK, httpx,
the socket layer underneath) into one of those reasons, whichever provider
it came from. Adding a kind of failure means a row here and a rule in
`classify`. litellm is imported lazily: importing it takes seconds.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from logai.llm.backoff import parse_retry_after
from logai.llm.providers import provider_of, route


@dataclass(frozen=True, slots=True)
class FailureKind:
    """One reason a model request can fail.

    `retried`: a transient failure, tried again with backoff. `words`: a few
    words for a status line ("rate limited"). `told`: the sentence that opens
    the error when the failure ends the request (`{model}` is filled in).
    `hint`: what the user can do about it. `setup`: the cause is the set-up
    (key, address, model name), not this run; commands exit 2 for it.
    """

    reason: str
    retried: bool
    words: str
    told: str
    hint: str
    setup: bool = False


FAILURES: dict[str, FailureKind] = {
    kind.reason: kind
    for kind in (
        FailureKind(
            "rate_limited", True, "rate limited", "The model provider is rate limiting requests",
            "wait a minute and ask again, or raise llm_max_attempts / llm_retry_deadline.",
        ),
        FailureKind(
            "server_error", True, "model server error", "The model server failed",
            "the provider is having trouble; try again later.",
        ),
        FailureKind(
            "overloaded", True, "model overloaded", "The model provider is overloaded",
            "the provider is short of capacity; wait a minute and ask again, or pick another model.",
        ),
        FailureKind(
            "timeout", True, "model timed out", "The model did not answer in time",
            "raise llm_timeout (LOGAI_LLM_TIMEOUT) or check that the model server is responsive.",
        ),
        FailureKind(
            "connection", True, "cannot reach the model", "The model server cannot be reached",
            "check LOGAI_API_BASE and your network connection.",
        ),
        FailureKind(
            "stream_broken", True, "answer stream broke", "The answer stream broke off",
            "check your network connection, or set llm_stream = false.",
        ),
        FailureKind(
            "context_window", False, "context window exceeded",
            "The conversation no longer fits in the model's context window",
            "start a new conversation (/clear in chat) or ask about a shorter time range.",
        ),
        FailureKind(
            "deadline", False, "model too slow", "The model's answer took longer than llm_timeout allows",
            "raise llm_timeout (LOGAI_LLM_TIMEOUT), or ask for a shorter answer.",
        ),
        FailureKind(
            "bad_response", False, "unreadable reply", "The model server's reply is not a model answer",
            "check that LOGAI_API_BASE points at an OpenAI-compatible API, not a web page or a proxy.",
        ),
        FailureKind(
            "auth", False, "authentication failed", "The model provider rejected the API key",
            "check LOGAI_API_KEY (or the provider's own variable, such as OPENAI_API_KEY).", setup=True,
        ),
        FailureKind(
            "no_api_key", False, "no API key", "No API key is set for the model provider",
            "set LOGAI_API_KEY (or the provider's own variable, such as OPENAI_API_KEY).", setup=True,
        ),
        FailureKind(
            "bad_base_url", False, "unusable model address", "The model server address is not a usable http(s) URL",
            "set LOGAI_API_BASE to the server's URL, such as http://127.0.0.1:8000/v1.", setup=True,
        ),
        FailureKind(
            "permission", False, "permission denied", "The model provider refused access to this model",
            "check that the API key (LOGAI_API_KEY) may use the model in LOGAI_MODEL.", setup=True,
        ),
        FailureKind(
            "not_found", False, "model not found", "The model provider does not know the model {model!r}",
            "check the model name in LOGAI_MODEL (and LOGAI_API_BASE if you set one).", setup=True,
        ),
        FailureKind(
            "tools_unsupported", False, "model cannot call tools",
            "The model {model} cannot call tools, and logai answers only through tool calls",
            "pick a model that can (litellm's model map marks them supports_function_calling), "
            "such as ollama_chat/llama3.1.",
            setup=True,
        ),
        FailureKind(
            "bad_request", False, "request rejected", "The model provider rejected the request",
            "check LOGAI_MODEL and LOGAI_API_BASE; the provider may not support tool calls.",
        ),
        FailureKind(
            "error", False, "request failed", "The model request failed",
            "run again with LITELLM_LOG=DEBUG to see what the provider answered.",
        ),
    )
}


def failure_kind(reason: str) -> FailureKind:
    """The table row for `reason` (unknown reasons read as the generic "error")."""
    return FAILURES.get(reason, FAILURES["error"])


# Reasons the provider states itself: a stream it broke off for one of them keeps
# the reason (and its Retry-After) instead of becoming `stream_broken`.
PROVIDER_STATED = frozenset({"rate_limited", "overloaded"})

# Hints that fit one provider (as routed) better than the table's; `{name}` is the model without its prefix.
PROVIDER_HINTS: dict[tuple[str, str], str] = {
    ("ollama_chat", "not_found"): "pull it first (ollama pull {name}), or pick a model that ollama list shows.",
    ("ollama_chat", "connection"): (
        "start Ollama (ollama serve), or set LOGAI_API_BASE (or OLLAMA_API_BASE) to where it listens, "
        "such as http://127.0.0.1:11434."
    ),
    ("ollama_chat", "timeout"): "the model may still be loading; ask again, or raise llm_timeout (LOGAI_LLM_TIMEOUT).",
    ("ollama_chat", "tools_unsupported"): "pick an Ollama model that can call tools, such as ollama_chat/llama3.1 or ollama_chat/qwen2.5.",
    ("anthropic", "auth"): "check ANTHROPIC_API_KEY (or LOGAI_API_KEY).",
    ("anthropic", "no_api_key"): "set ANTHROPIC_API_KEY (or LOGAI_API_KEY).",
    ("anthropic", "rate_limited"): (
        "Anthropic limits requests and tokens per minute for your organisation; wait a minute, "
        "or raise llm_retry_deadline (LOGAI_LLM_RETRY_DEADLINE)."
    ),
    ("anthropic", "overloaded"): "Anthropic is short of capacity (HTTP 529); wait a minute and ask again, or pick another Claude model.",
    ("bedrock", "rate_limited"): (
        "Bedrock's quotas are per account, region and model: wait and ask again, use a cross-region inference "
        "profile (us.…, eu.…), or ask for more in Service Quotas."
    ),
    ("bedrock", "auth"): "check the AWS credentials litellm finds for Bedrock (AWS_PROFILE, AWS_ACCESS_KEY_ID…) and AWS_REGION.",
    ("bedrock", "permission"): (
        "check the AWS credentials, that the model is enabled under Model access in the Bedrock console "
        "for AWS_REGION, and that they may call bedrock:InvokeModelWithResponseStream."
    ),
    ("bedrock", "not_found"): (
        "check the model id in LOGAI_MODEL and that Bedrock offers it in AWS_REGION "
        "(newer Claude models are reached through an inference profile, us.anthropic.…)."
    ),
}


def hint_for(reason: str, model: str) -> str:
    """What the user can do about `reason`, in the words of the model's provider when there are better ones."""
    routed = route(model)
    hint = PROVIDER_HINTS.get((provider_of(routed), reason), failure_kind(reason).hint)
    return hint.replace("{name}", routed.partition("/")[2] or routed)


@dataclass(frozen=True, slots=True)
class Failure:
    """One classified failure: its reason, the HTTP status when there was one,
    the provider's requested wait in seconds, and the provider's own message
    stripped of litellm's class-name prefixes."""

    reason: str
    status: int | None = None
    retry_after: float | None = None
    detail: str = ""

    @property
    def kind(self) -> FailureKind:
        return failure_kind(self.reason)

    @property
    def retried(self) -> bool:
        return self.kind.retried

    def what(self) -> str:
        """The failure in a few words, with its HTTP status: `rate limited (HTTP 429)`."""
        return f"{self.kind.words}{f' (HTTP {self.status})' if self.status else ''}"


class ModelDeadline(Exception):
    """One attempt ran past its time (the whole answer stream counted); raised by the client."""


class UnreadableReply(Exception):
    """The server answered 200 with something that is not a model reply (empty, HTML, broken JSON)."""


# What the OpenAI SDK says, before any request, when it has no key to send.
_NO_KEY_TEXT = ("missing credentials", "api_key client option must be set")
# litellm's words for a 200 whose body is not a completion.
_UNREADABLE_TEXT = ("empty or invalid response from llm endpoint",)

_PREFIX = re.compile(r"^(?:(?:litellm\.)?\w+(?:Error|Exception)(?::| -)\s*)+")
# litellm's words around an error line inside an Ollama stream.
_OLLAMA_STREAM_ERROR = re.compile(r"^(?:KeyError: )?'\w+', Got unexpected response from Ollama:\s*")
# What providers answer when the request offers tools to a model that has none.
_NO_TOOLS_TEXT = (
    "does not support tools",  # Ollama
    "doesn't support tool use",  # Bedrock
    "does not support tool use",
    "does not support function calling",
)
_CONTEXT_WINDOW_TEXT = ("context_length_exceeded", "maximum context length", "context window")
_PERMANENT_BY_STATUS = {400: "bad_request", 401: "auth", 403: "permission", 404: "not_found", 422: "bad_request"}


def provider_detail(exc: BaseException, limit: int = 240) -> str:
    """The provider's message in `exc`, without litellm's "litellm.XError: XError: OpenAIException - " chain."""
    body = getattr(exc, "body", None)
    if isinstance(body, Mapping) and isinstance(body.get("message"), str):
        text = body["message"]
    else:
        message = getattr(exc, "message", None)
        text = message if isinstance(message, str) and message else str(exc)
    text = _PREFIX.sub("", text.strip())
    text = text.split(" Original exception:")[0].strip()
    text = _readable_body(_OLLAMA_STREAM_ERROR.sub("", text))
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text or type(exc).__name__


def _readable_body(text: str) -> str:
    """An error body litellm quoted whole (JSON, a Python dict, or the repr of its bytes) as the message in it.

    Anthropic's `{"type": "error", "error": {"message": …}}`, Bedrock's
    `{"message": …}` and Ollama's `{"error": …}` reach us that way.
    """
    start = text.find("{")
    if start < 0:
        return text
    lead, body = text[:start], text[start:]
    if lead.endswith(("b'", 'b"')):
        lead, body = lead[:-2], lead[-2:] + body
    data: Any = None
    for parse in (json.loads, ast.literal_eval):
        try:
            data = parse(body)
            break
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            continue
    if isinstance(data, bytes):
        try:
            data = json.loads(data)
        except ValueError:
            return text
    message = _message_in(data)
    if message is None:
        return text
    lead = lead.strip(" -:")
    return f"{lead}: {message}" if lead else message


def _message_in(data: Any) -> str | None:
    if not isinstance(data, dict):
        return None
    inner = data.get("error")
    if isinstance(inner, dict) and isinstance(inner.get("message"), str):
        return inner["message"]
    if isinstance(inner, str):
        return inner
    message = data.get("message")
    return message if isinstance(message, str) else None


def error_chain(exc: BaseException, depth: int = 12) -> Iterator[BaseException]:
    """`exc`, then what caused it: `original_exception`, `__cause__`, `__context__` (no cycles)."""
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending and len(seen) < depth:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        for link in (getattr(current, "original_exception", None), current.__cause__, current.__context__):
            if isinstance(link, BaseException):
                pending.append(link)


def status_of(exc: BaseException) -> int | None:
    """The HTTP status carried by `exc`, if any."""
    for name in ("status_code", "status"):
        value = getattr(exc, name, None)
        if isinstance(value, int) and not isinstance(value, bool) and 100 <= value <= 599:
            return value
    return None


def _response_headers(exc: BaseException) -> Mapping[str, str] | None:
    """Response headers litellm or the OpenAI SDK attached to `exc`."""
    for candidate in error_chain(exc, depth=4):
        headers = getattr(candidate, "litellm_response_headers", None)
        if headers:
            return headers
        response = getattr(candidate, "response", None)
        headers = getattr(response, "headers", None)
        if headers:
            return headers
    return None


def _header(headers: Mapping[str, str] | None, name: str) -> str | None:
    """Case-insensitive header lookup over any mapping."""
    if not headers:
        return None
    wanted = name.lower()
    for key, value in headers.items():
        if str(key).lower() == wanted:
            return str(value)
    return None


def retry_after_of(exc: BaseException, now: datetime) -> float | None:
    """The provider's requested wait: `retry-after-ms` (OpenAI) or `Retry-After`."""
    headers = _response_headers(exc)
    millis = _header(headers, "retry-after-ms")
    if millis is not None:
        parsed = parse_retry_after(millis, now)
        if parsed is not None:
            return parsed / 1000.0
    return parse_retry_after(_header(headers, "retry-after"), now)


def classify(exc: BaseException, *, now: datetime | None = None) -> Failure:
    """Why a model request failed; `FAILURES[reason].retried` says whether to try again.

    Transient: 429 (`rate_limited`), 5xx (`server_error`), timeouts and 408
    (`timeout`), connection failures (`connection`), a stream that broke
    before it finished (`stream_broken`). Never retried: context-window errors,
    an answer slower than the client's deadline (`deadline`), a body that is
    not a model reply (`bad_response`), no API key (`no_api_key`, which
    litellm reports as a 500), a base URL that is not http(s)
    (`bad_base_url`), 400/401/403/404/422 and anything unrecognised. Works from litellm's
    exception classes, the OpenAI SDK and httpx errors in the cause chain, and
    status codes. `now` (default: the current UTC time) resolves HTTP-date
    `Retry-After` values.
    """
    import os

    import json

    import httpx
    import openai
    from aiohttp import InvalidURL, NonHttpUrlClientError

    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no price-table download at import
    from litellm.exceptions import ContextWindowExceededError, MidStreamFallbackError

    when = now or datetime.now(UTC)
    status = status_of(exc)
    detail = provider_detail(exc)
    retry_after = retry_after_of(exc, when)

    def made(reason: str) -> Failure:
        # litellm stamps 500/408 on failures that never got an HTTP answer; do not show those.
        unanswered = ("timeout", "connection", "stream_broken", "deadline", "bad_response", "no_api_key", "bad_base_url")
        shown = None if reason in unanswered else status
        return Failure(reason, shown, retry_after if FAILURES[reason].retried else None, detail)

    chain = list(error_chain(exc))
    lowered = str(exc).lower()
    code = getattr(exc, "code", None)
    texts = " ".join(str(link).lower() for link in chain)
    if any(isinstance(link, ModelDeadline) for link in chain):
        return made("deadline")
    # Broken JSON in a 200 reaches us as a (litellm-stamped) 500 or with no status; a
    # real 5xx whose error body did not parse is still a server error, and retried.
    broken_json = status in (None, 500) and any(isinstance(link, json.JSONDecodeError) for link in chain)
    if broken_json or any(isinstance(link, UnreadableReply) for link in chain) or any(t in texts for t in _UNREADABLE_TEXT):
        return made("bad_response")
    if any(type(link) is openai.OpenAIError for link in chain) and any(text in texts for text in _NO_KEY_TEXT):
        return made("no_api_key")
    url_types = (httpx.UnsupportedProtocol, httpx.InvalidURL, InvalidURL, NonHttpUrlClientError)
    if any(isinstance(link, url_types) for link in chain):
        return made("bad_base_url")
    if "got unexpected response from ollama" in texts and "'error'" in texts:
        # Ollama reported a failure as a line of its stream, after the 200; litellm calls it a 400.
        return Failure("server_error", None, None, detail)
    if any(text in texts for text in _NO_TOOLS_TEXT):
        return made("tools_unsupported")
    if isinstance(exc, ContextWindowExceededError) or code == "context_length_exceeded" or (
        status == 400 and any(text in lowered for text in _CONTEXT_WINDOW_TEXT)
    ):
        return made("context_window")
    if isinstance(exc, MidStreamFallbackError):
        original = getattr(exc, "original_exception", None)
        if isinstance(original, BaseException) and not isinstance(original, MidStreamFallbackError):
            inner = classify(original, now=when)
            if not inner.retried or inner.reason in PROVIDER_STATED:
                return inner
        return made("stream_broken")
    timeout_types = (openai.APITimeoutError, httpx.TimeoutException, TimeoutError)
    if status == 408 or any(isinstance(link, timeout_types) for link in chain):
        return made("timeout")
    # litellm reports a refused or dropped connection as a 500 whose cause is
    # the SDK's APIConnectionError: look at the cause before the status.
    connection_types = (openai.APIConnectionError, httpx.TransportError, ConnectionError)
    if any(isinstance(link, connection_types) for link in chain):
        return made("connection")
    overloaded = any(status_of(link) == 529 for link in chain)
    if overloaded or "overloaded_error" in texts or detail.strip(" .").lower() == "overloaded":
        # Anthropic's 529, which litellm reports as a 500; inside a stream only its message is left.
        return replace(made("overloaded"), status=529 if overloaded else None)
    if status == 429:
        return made("rate_limited")
    if status is not None and status >= 500:
        return made("server_error")
    if status in _PERMANENT_BY_STATUS:
        return made(_PERMANENT_BY_STATUS[status])
    return made("error")
