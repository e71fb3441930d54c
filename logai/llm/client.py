"""The LLM adapter: one litellm call per attempt, one retry layer around it.

`LLMClient.respond` streams a model reply as typed events (`TextDelta`,
`RetryScheduled`, `Usage`, `ModelRequestFinished`, `AssistantMessage`), each
attempt's reply put together by `assembly.ReplyAssembly`. litellm's and the
OpenAI SDK's own retries are off; transient failures are retried here, in
one place, with the backoff in `backoff.py`; `failures.py` says which
failures are transient and what the user is told. The runtime (clock,
`sleep`, random source) and the completion call are injected so tests
neither wait nor guess.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import sys
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

from logai.events import (
    AssistantMessage,
    ModelEvent,
    ModelRequestFinished,
    RetryGaveUp,
    RetryScheduled,
    TextDelta,
    Usage,
    WarningIssued,
)
from logai.figures import seconds_text
from logai.llm import providers
from logai.llm.assembly import ReplyAssembly
from logai.llm.backoff import RetryPolicy, delay
from logai.llm.failures import PROVIDER_STATED, Failure, ModelDeadline, UnreadableReply, classify, hint_for
from logai.runtime import REAL, Runtime


class LLMError(Exception):
    """A model request failed for good; `str(err)` is one sentence for the user.

    `reason` is the failure reason (a key of `failures.FAILURES`), `hint`
    what the user can do, `setup` whether the set-up is at fault (exit 2).
    """

    def __init__(self, message: str, *, reason: str, hint: str | None = None, setup: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason
        self.hint = hint
        self.setup = setup


_warm_lock = threading.Lock()
_litellm: ModuleType | None = None


def warm_up() -> None:
    """Import and configure litellm (seconds on a cold start), then rehearse one streamed reply.

    Call it from a thread that runs no event loop, ahead of the first
    question; safe to call any number of times.
    """
    litellm = _load_litellm()
    with _warm_lock:
        global _rehearsed
        if _rehearsed:
            return
        _rehearsed = True
    _rehearse(litellm)


_rehearsed = False


def _rehearse(litellm: Any) -> None:
    """Stream a canned reply through litellm and parse an OpenAI chunk, with no network.

    The first reply otherwise builds pydantic validators for litellm's and
    the OpenAI SDK's stream types (~100 ms) between the model's first byte
    and the first character on screen.
    """
    import asyncio

    from openai.types.chat import ChatCompletionChunk

    async def canned() -> None:
        reply = await litellm.acompletion(
            model="openai/warm-up",
            messages=[{"role": "user", "content": "warm up"}],
            mock_response="ok",
            stream=True,
            stream_options={"include_usage": True},
        )
        async for _ in reply:
            pass

    try:
        asyncio.run(canned())
        ChatCompletionChunk.model_validate(_SAMPLE_CHUNK)
    except Exception:  # a rehearsal that fails costs the first reply its speed, nothing else
        pass


_SAMPLE_CHUNK = {
    "id": "warm-up",
    "object": "chat.completion.chunk",
    "created": 0,
    "model": "warm-up",
    "choices": [
        {
            "index": 0,
            "delta": {
                "role": "assistant",
                "content": "ok",
                "tool_calls": [{"index": 0, "id": "c", "type": "function", "function": {"name": "f", "arguments": "{}"}}],
            },
            "finish_reason": None,
        }
    ],
    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
}


def _load_litellm() -> ModuleType:
    global _litellm
    if _litellm is not None:
        return _litellm
    with _warm_lock:
        if _litellm is None:
            # Otherwise litellm downloads its price table from GitHub at import.
            os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
            import litellm

            _configure(litellm)
            # litellm counts tokens of the first streamed reply with tiktoken,
            # whose encoding takes a few hundred ms to load: load it here, off
            # the path from the model's first byte to the screen.
            import litellm.litellm_core_utils.default_encoding  # noqa: F401

            _litellm = litellm
    return _litellm


def _configure(litellm: Any) -> None:
    # No "Give Feedback / Get Help" banner printed to stdout on every error.
    litellm.suppress_debug_info = True
    # Let litellm adapt a conversation to providers with stricter rules
    # (Anthropic and Bedrock want `tools=` whenever the history holds tool
    # calls, which our last, tool-less round would otherwise break).
    litellm.modify_params = True
    # Older litellm releases phoned home unless told not to; this one only
    # sends telemetry after explicit consent, so the flag is belt and braces.
    litellm.telemetry = False
    # litellm's log handler writes records below WARNING to stdout; stdout is
    # where answers (and `query --json`) go, so its logs go to stderr instead.
    for name in list(logging.root.manager.loggerDict):
        if not name.startswith("LiteLLM"):
            continue
        logger = logging.getLogger(name)
        for handler in list(logger.handlers):
            if not isinstance(handler, logging.StreamHandler) or isinstance(handler, logging.FileHandler):
                continue
            replacement = logging.StreamHandler(sys.stderr)
            replacement.setLevel(handler.level)
            replacement.setFormatter(handler.formatter)
            for log_filter in handler.filters:
                replacement.addFilter(log_filter)
            logger.removeHandler(handler)
            logger.addHandler(replacement)
        if "LITELLM_LOG" not in os.environ:
            # litellm logs every provider error itself; logai reports it once, in a sentence.
            logger.setLevel(logging.CRITICAL)


class LLMClient:
    """Sends a conversation to the model and streams the reply as events, retrying transient failures."""

    def __init__(
        self,
        *,
        model: str,
        api_base: str | None = None,
        api_key: str | None = None,
        timeout: float = 60.0,
        max_output_tokens: int | None = 4096,
        stream: bool = True,
        policy: RetryPolicy = RetryPolicy(),
        runtime: Runtime = REAL,
        completion: Callable[..., Awaitable[Any]] | None = None,
    ) -> None:
        """`timeout` bounds one attempt, the whole answer stream included; `max_output_tokens`
        is sent as `max_tokens` (litellm maps it for every provider: `max_tokens` for Anthropic,
        `inferenceConfig.maxTokens` for Bedrock, `num_predict` for Ollama). `model` goes through
        `providers.route` on every request (`ollama/` is sent as `ollama_chat/`).
        `runtime.wall_clock` resolves HTTP-date `Retry-After` headers; `runtime.clock` times everything else."""
        self.model = model
        self.api_base = api_base
        self.api_key = api_key
        self.timeout = timeout
        self.max_output_tokens = max_output_tokens
        self.stream = stream
        self.policy = policy
        self._runtime = runtime
        self._completion = completion
        self._checked_models: set[str] = set()

    @classmethod
    def from_settings(cls, settings: Any, *, runtime: Runtime = REAL) -> LLMClient:
        """A client configured from `Settings`; raises ConfigError when no model is set."""
        key = settings.api_key.get_secret_value() if settings.api_key is not None else None
        return cls(
            model=settings.require_model(),
            api_base=settings.api_base,
            api_key=key or None,
            timeout=settings.llm_timeout,
            max_output_tokens=settings.max_output_tokens,
            stream=settings.llm_stream,
            policy=RetryPolicy(
                base=settings.llm_backoff_base,
                cap=max(settings.llm_backoff_cap, settings.llm_backoff_base),
                max_attempts=settings.llm_max_attempts,
                deadline=settings.llm_retry_deadline,
            ),
            runtime=runtime,
        )

    async def respond(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None = None
    ) -> AsyncIterator[ModelEvent]:
        """Stream the model's reply: TextDelta…, ModelRequestFinished, Usage (when reported), AssistantMessage.

        A transient failure yields ModelRequestFinished (with the failure) and
        RetryScheduled, and the reply starts over; if it says `discard_text`,
        drop the text already received. When the request fails for good it
        yields RetryGaveUp (if retries were spent) and raises LLMError.
        Cancelling the task ends any wait at once.
        """
        completion = self._completion or _load_litellm().acompletion
        if tools and self.model not in self._checked_models:
            self._checked_models.add(self.model)
            problem = providers.tool_calling_problem(self.model, _model_map())
            if problem is not None:
                yield WarningIssued(problem)
        clock = self._runtime.clock
        started = clock()
        attempt = 1
        while True:
            reply = ReplyAssembly(started_at=clock(), clock=clock)
            left = self.policy.deadline - (reply.started_at - started)
            try:
                async for event in self._attempt(completion, messages, tools, reply, min(self.timeout, max(left, 0.001))):
                    yield event
            except Exception as exc:  # CancelledError is a BaseException and passes through
                failure = classify(exc, now=datetime.fromtimestamp(self._runtime.wall_clock(), UTC))
                # The provider's words may quote the key it was sent, or other secrets.
                failure = replace(failure, detail=self._scrub(failure.detail))
                if failure.retried and reply.streamed and failure.reason not in PROVIDER_STATED:
                    # The answer had begun: whatever broke it, what we have is a fragment.
                    failure = replace(failure, reason="stream_broken")
                yield ModelRequestFinished(failure.reason, clock() - reply.started_at, reply.first_token_s())
                if not failure.retried:
                    raise self._permanent_error(failure) from exc
                wait = self._plan_retry(failure, attempt, started)
                if isinstance(wait, LLMError):
                    yield RetryGaveUp(reason=failure.reason, attempts=attempt)
                    raise wait from exc
                yield RetryScheduled(
                    attempt=attempt,
                    delay_s=wait,
                    reason=failure.reason,
                    message=(
                        f"{failure.what()}; retrying in {seconds_text(wait)} "
                        f"(attempt {attempt + 1} of {self.policy.max_attempts})"
                    ),
                    discard_text=reply.text_yielded,
                )
                await self._runtime.async_sleep(wait)
                attempt += 1
                continue
            return

    # --- one attempt ----------------------------------------------------------

    async def _attempt(
        self,
        completion: Callable[..., Awaitable[Any]],
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]] | None,
        reply: ReplyAssembly,
        timeout: float,
    ) -> AsyncIterator[ModelEvent]:
        kwargs: dict[str, Any] = {
            "model": providers.route(self.model),
            "messages": messages,
            "stream": self.stream,
            "timeout": timeout,
            # One retry layer: ours. litellm passes this on to the OpenAI SDK client.
            "max_retries": 0,
            **providers.request_options(
                self.model, os.environ, cacheable=providers.caches_prompts(self.model, _model_map())
            ),
        }
        if self.max_output_tokens is not None:
            kwargs["max_tokens"] = self.max_output_tokens
        if self.stream:
            kwargs["stream_options"] = {"include_usage": True}
        if tools:
            kwargs["tools"] = tools
        if self.api_base:
            kwargs["api_base"] = self.api_base
        if self.api_key:
            kwargs["api_key"] = self.api_key
        clock = self._runtime.clock
        ends = reply.started_at + timeout
        # The HTTP client's timeout bounds each read; these waits bound the whole attempt,
        # so a server that trickles bytes cannot keep it going for ever.
        response = await asyncio.wait_for(completion(**kwargs), max(ends - clock(), 0.001))
        if self.stream:
            try:
                stream = aiter(response)
                while True:
                    left = ends - clock()
                    if left <= 0:
                        raise ModelDeadline(f"the answer was still streaming after {seconds_text(timeout)}")
                    try:
                        chunk = await asyncio.wait_for(anext(stream), left)
                    except StopAsyncIteration:
                        break
                    except TimeoutError:
                        raise ModelDeadline(f"the answer was still streaming after {seconds_text(timeout)}") from None
                    for event in reply.take_chunk(chunk):
                        yield event
            finally:
                await _close_quietly(response)
            if not reply.content and not reply.calls and getattr(response, "received_finish_reason", "") is None:
                # litellm closes any stream with a "stop" of its own; without one from the
                # server (and without text or calls), nothing the server sent was a reply.
                raise UnreadableReply(f"it answered HTTP 200 with {_content_type(response)} and no answer in it")
        else:
            if not getattr(response, "choices", None):
                raise UnreadableReply("it answered HTTP 200 without any choice in the reply")
            reply.take_response(response)
            if reply.content:
                reply.text_yielded = True
                yield TextDelta(reply.text())
        # Reported before the last yields: a caller may stop iterating at the AssistantMessage.
        yield ModelRequestFinished("ok", self._runtime.clock() - reply.started_at, reply.first_token_s())
        usage = self._usage(reply)
        if usage is not None:
            yield usage
        yield AssistantMessage(
            content=reply.text(),
            tool_calls=tuple(reply.tool_calls()),
            finish_reason=reply.finish_reason,
        )

    def _usage(self, reply: ReplyAssembly) -> Usage | None:
        if reply.prompt_tokens is None and reply.completion_tokens is None:
            return None
        prompt = int(reply.prompt_tokens or 0)
        completion = int(reply.completion_tokens or 0)
        cached, written = reply.cached_tokens, reply.cache_write_tokens
        cost = self._cost(prompt, completion, cached=cached, written=written)
        return Usage(
            model=self.model,
            prompt_tokens=prompt,
            completion_tokens=completion,
            cost_usd=cost,
            cached_tokens=cached,
            cache_write_tokens=written,
            uncached_cost_usd=self._cost(prompt, completion) if cached or written else cost,
        )

    def _cost(self, prompt_tokens: int, completion_tokens: int, *, cached: int = 0, written: int = 0) -> float | None:
        """Dollars from litellm's local price table, cache reads and writes at their own prices;
        None for models it has no price for. `prompt_tokens` counts every input token."""
        try:
            litellm = _load_litellm()
            prompt_cost, completion_cost = litellm.cost_per_token(
                model=providers.price_name(self.model),
                prompt_tokens=prompt_tokens,
                completion_tokens=completion_tokens,
                cache_read_input_tokens=cached,
                cache_creation_input_tokens=written,
            )
        except Exception:  # unmapped model (a local server, a new name): no price, not an error
            return None
        return float(prompt_cost) + float(completion_cost)

    # --- failures -------------------------------------------------------------

    def _scrub(self, text: str) -> str:
        """`text` without the API key (configured here or in a provider variable) or anything secret-shaped."""
        from logai.logs.redact import redact

        keys = [self.api_key or ""] + [value for name, value in os.environ.items() if name.endswith("_API_KEY")]
        for key in sorted({k for k in keys if len(k) >= 8}, key=len, reverse=True):
            text = text.replace(key, "[REDACTED:api_key]")
        return redact(text)

    def _permanent_error(self, failure: Failure) -> LLMError:
        kind = failure.kind
        message = f"{kind.told.format(model=self.model)}{_status_text(failure.status)}: {_sentence(failure.detail)}"
        return LLMError(message, reason=failure.reason, hint=hint_for(failure.reason, self.model), setup=kind.setup)

    def _plan_retry(self, failure: Failure, attempt: int, started: float) -> float | LLMError:
        """Seconds to wait before the next attempt, or the LLMError to raise when the budget is spent."""
        kind = failure.kind
        if attempt >= self.policy.max_attempts:
            return LLMError(
                f"The model request failed {attempt} times in a row ({kind.words}"
                f"{f', HTTP {failure.status}' if failure.status else ''}): {_sentence(failure.detail)}",
                reason=failure.reason,
                hint=hint_for(failure.reason, self.model),
            )
        backoff = delay(attempt, self.policy, self._runtime.rng)
        wait = max(backoff, failure.retry_after or 0.0)
        left = max(0.0, self.policy.deadline - (self._runtime.clock() - started))
        if wait > left:
            if failure.retry_after is not None and failure.retry_after >= backoff:
                why = f"the provider asks to wait {seconds_text(failure.retry_after)}"
            else:
                why = f"the next retry would wait {seconds_text(wait)}"
            return LLMError(
                f"{failure.what()}: {why}, more than the {seconds_text(left)} left in the retry budget.",
                reason=failure.reason,
                hint=hint_for(failure.reason, self.model),
            )
        return wait


def _model_map() -> Any:
    """litellm's model map as litellm loaded it (the bundled file: logai sets LITELLM_LOCAL_MODEL_COST_MAP)."""
    return _load_litellm().model_cost


def _content_type(response: Any) -> str:
    """The reply's Content-Type as litellm recorded it, for saying what came back."""
    hidden = getattr(response, "_hidden_params", None) or {}
    headers = hidden.get("additional_headers") or {}
    value = headers.get("llm_provider-content-type")
    return f"content type {value}" if value else "no content type"


async def _close_quietly(response: Any) -> None:
    """Release the HTTP stream; a failure to close is not worth a second error."""
    close = getattr(response, "aclose", None)
    if close is None:
        return
    try:
        await close()
    except Exception:
        pass


def _status_text(status: int | None) -> str:
    return f" (HTTP {status})" if status else ""


def _sentence(detail: str) -> str:
    """The provider's first sentence, so the whole message stays one sentence long."""
    first = re.split(r"(?<=[.!?])\s+(?=[A-Z])", detail.strip(), maxsplit=1)[0]
    return first if first.endswith((".", "!", "?", "…")) else first + "."
