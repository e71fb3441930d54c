"""The LLM adapter: one litellm call per attempt, one retry layer around it.

`LLMClient.respond` streams a model reply as typed events (`TextDelta`,
`RetryScheduled`, `Usage`, `AssistantMessage`), each attempt's reply
put together by `assembly.ReplyAssembly`. litellm's and the OpenAI
SDK's own retries are off; transient failures are retried here, in one
place, with the backoff in `backoff.py`. The clock, `sleep`, random source and the
completion call are injected so tests neither wait nor guess.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import re
import sys
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

from logai.events import AssistantMessage, RetryScheduled, TextDelta, Usage
from logai.llm.assembly import ReplyAssembly
from logai.llm.backoff import (
    ErrorClass,
    RetryPolicy,
    classify,
    delay,
    describe_reason,
    seconds_text,
)
from logai.metrics import names
from logai.metrics.collector import MetricsCollector

ResponseEvent = TextDelta | RetryScheduled | Usage | AssistantMessage

_HINTS: dict[str, str] = {
    "auth": "check LOGAI_API_KEY (or the provider's own variable, such as OPENAI_API_KEY).",
    "permission": "check that the API key may use this model.",
    "not_found": "check the model name in LOGAI_MODEL (and LOGAI_API_BASE if you set one).",
    "context_window": "start a new conversation (/clear in chat) or ask about a shorter time range.",
    "bad_request": "check LOGAI_MODEL and LOGAI_API_BASE; the provider may not support tool calls.",
    "rate_limited": "wait a minute and ask again, or raise llm_max_attempts / llm_retry_deadline.",
    "server_error": "the provider is having trouble; try again later.",
    "timeout": "raise llm_timeout (LOGAI_LLM_TIMEOUT) or check that the model server is responsive.",
    "connection": "check LOGAI_API_BASE and your network connection.",
    "stream_broken": "check your network connection, or set llm_stream = false.",
}
_PERMANENT_TEXT: dict[str, str] = {
    "context_window": "The conversation no longer fits in the model's context window",
    "auth": "The model provider rejected the API key",
    "permission": "The model provider refused access to this model",
    "not_found": "The model provider does not know the model {model!r}",
    "bad_request": "The model provider rejected the request",
}


class LLMError(Exception):
    """A model request failed for good; `str(err)` is one sentence for the user.

    `reason` is the error class (`rate_limited`, `auth`, `context_window`…),
    `status` the HTTP status if any, `retryable` whether asking again later
    may work, `hint` what the user can do, `attempts` how many requests were made.
    """

    def __init__(
        self,
        message: str,
        *,
        reason: str,
        status: int | None = None,
        retryable: bool = False,
        hint: str | None = None,
        attempts: int = 1,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason
        self.status = status
        self.retryable = retryable
        self.hint = hint
        self.attempts = attempts


_warm_lock = threading.Lock()
_litellm: ModuleType | None = None


def warm_up() -> None:
    """Import and configure litellm (seconds on a cold start); safe to call from any thread, any number of times."""
    _load_litellm()


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
            _litellm = litellm
    return _litellm


def _configure(litellm: ModuleType) -> None:
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
        stream: bool = True,
        policy: RetryPolicy = RetryPolicy(),
        metrics: MetricsCollector | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: Callable[[], float] = random.random,
        completion: Callable[..., Awaitable[Any]] | None = None,
        wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        """`wall_clock` resolves HTTP-date `Retry-After` headers; the monotonic `clock` times everything else."""
        self.model = model
        self.api_base = api_base
        self.api_key = api_key
        self.timeout = timeout
        self.stream = stream
        self.policy = policy
        self.metrics = metrics if metrics is not None else MetricsCollector(enabled=False)
        self._sleep = sleep
        self._clock = clock
        self._rng = rng
        self._completion = completion
        self._wall_clock = wall_clock

    @classmethod
    def from_settings(cls, settings: Any, metrics: MetricsCollector | None = None) -> LLMClient:
        """A client configured from `Settings`; raises ConfigError when no model is set."""
        key = settings.api_key.get_secret_value() if settings.api_key is not None else None
        return cls(
            model=settings.require_model(),
            api_base=settings.api_base,
            api_key=key or None,
            timeout=settings.llm_timeout,
            stream=settings.llm_stream,
            policy=RetryPolicy(
                base=settings.llm_backoff_base,
                cap=max(settings.llm_backoff_cap, settings.llm_backoff_base),
                max_attempts=settings.llm_max_attempts,
                deadline=settings.llm_retry_deadline,
            ),
            metrics=metrics,
        )

    async def respond(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None = None
    ) -> AsyncIterator[ResponseEvent]:
        """Stream the model's reply: TextDelta…, then Usage (when reported), then AssistantMessage.

        A transient failure yields RetryScheduled and the reply starts over;
        if it says `discard_text`, drop the text already received. Raises
        LLMError when the request fails for good. Cancelling the task ends
        any wait at once.
        """
        started = self._clock()
        attempt = 1
        while True:
            reply = ReplyAssembly(
                started_at=self._clock(), clock=self._clock, on_first_token=self._observe_first_token
            )
            left = self.policy.deadline - (reply.started_at - started)
            try:
                async for event in self._attempt(messages, tools, reply, min(self.timeout, max(left, 0.001))):
                    yield event
            except Exception as exc:  # CancelledError is a BaseException and passes through
                failure = self._failure(exc, reply)
                wait = self._plan_retry(failure, attempt, started)
                message = (
                    f"{describe_reason(failure.reason)}{_status_text(failure.status)}; "
                    f"retrying in {seconds_text(wait)} (attempt {attempt + 1} of {self.policy.max_attempts})"
                )
                yield RetryScheduled(
                    attempt=attempt,
                    delay_s=wait,
                    reason=failure.reason,  # type: ignore[arg-type]  # transient by _plan_retry
                    message=message,
                    discard_text=reply.text_yielded,
                )
                await self._sleep(wait)
                attempt += 1
                continue
            return

    # --- one attempt ----------------------------------------------------------

    async def _attempt(
        self,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]] | None,
        reply: ReplyAssembly,
        timeout: float,
    ) -> AsyncIterator[ResponseEvent]:
        completion = self._completion or _load_litellm().acompletion
        kwargs: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "stream": self.stream,
            "timeout": timeout,
            # One retry layer: ours. litellm passes this on to the OpenAI SDK client.
            "max_retries": 0,
        }
        if self.stream:
            kwargs["stream_options"] = {"include_usage": True}
        if tools:
            kwargs["tools"] = tools
        if self.api_base:
            kwargs["api_base"] = self.api_base
        if self.api_key:
            kwargs["api_key"] = self.api_key
        response = await completion(**kwargs)
        if self.stream:
            try:
                async for chunk in response:
                    for event in reply.take_chunk(chunk):
                        yield event
            finally:
                await _close_quietly(response)
        else:
            reply.take_response(response)
            if reply.content:
                reply.text_yielded = True
                yield TextDelta(reply.text())
        # Counted before the last yields: a caller may stop iterating at the AssistantMessage.
        self.metrics.inc(names.LLM_REQUESTS, {"outcome": "ok"})
        self.metrics.observe(names.LLM_REQUEST_SECONDS, self._clock() - reply.started_at)
        usage = self._usage(reply)
        if usage is not None:
            yield usage
        yield AssistantMessage(
            content=reply.text(),
            tool_calls=tuple(reply.tool_calls()),
            finish_reason=reply.finish_reason,
        )

    def _observe_first_token(self, seconds: float) -> None:
        self.metrics.observe(names.LLM_TIME_TO_FIRST_TOKEN_SECONDS, seconds)

    def _usage(self, reply: ReplyAssembly) -> Usage | None:
        if reply.prompt_tokens is None and reply.completion_tokens is None:
            return None
        prompt = int(reply.prompt_tokens or 0)
        completion = int(reply.completion_tokens or 0)
        cost = self._cost(prompt, completion)
        self.metrics.inc(names.LLM_TOKENS, {"direction": "input"}, prompt)
        self.metrics.inc(names.LLM_TOKENS, {"direction": "output"}, completion)
        if cost is not None:
            self.metrics.inc(names.LLM_COST_USD, None, cost)
        return Usage(model=self.model, prompt_tokens=prompt, completion_tokens=completion, cost_usd=cost)

    def _cost(self, prompt_tokens: int, completion_tokens: int) -> float | None:
        """Dollars from litellm's local price table; None for models it has no price for."""
        try:
            litellm = _load_litellm()
            prompt_cost, completion_cost = litellm.cost_per_token(
                model=self.model, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens
            )
        except Exception:  # unmapped model (a local server, a new name): no price, not an error
            return None
        return float(prompt_cost) + float(completion_cost)

    # --- failures -------------------------------------------------------------

    def _failure(self, exc: Exception, reply: ReplyAssembly) -> ErrorClass:
        """Classify `exc`, count it, and re-raise it as LLMError when it is not transient."""
        self.metrics.observe(names.LLM_REQUEST_SECONDS, self._clock() - reply.started_at)
        failure = classify(exc, now=self._wall_clock())
        if failure.transient and reply.streamed and failure.reason != "rate_limited":
            # The answer had begun: whatever broke it, what we have is a fragment.
            failure = replace(failure, reason="stream_broken")
        self.metrics.inc(names.LLM_REQUESTS, {"outcome": failure.reason if failure.transient else "error"})
        if not failure.transient:
            raise self._permanent_error(failure) from exc
        return failure

    def _permanent_error(self, failure: ErrorClass) -> LLMError:
        reason = failure.reason
        text = _PERMANENT_TEXT.get(reason, "The model request failed").format(model=self.model)
        message = f"{text}{_status_text(failure.status)}: {_sentence(failure.detail)}"
        return LLMError(message, reason=reason, status=failure.status, retryable=False, hint=_HINTS.get(reason))

    def _plan_retry(self, failure: ErrorClass, attempt: int, started: float) -> float:
        """Seconds to wait before the next attempt; LLMError when the budget is spent."""
        what = f"{describe_reason(failure.reason)}{_status_text(failure.status)}"
        if attempt >= self.policy.max_attempts:
            self.metrics.inc(names.RETRY_MAX_ATTEMPTS_REACHED, {"reason": "llm_error"})
            raise LLMError(
                f"The model request failed {attempt} times in a row ({describe_reason(failure.reason)}"
                f"{f', HTTP {failure.status}' if failure.status else ''}): {_sentence(failure.detail)}",
                reason=failure.reason,
                status=failure.status,
                retryable=True,
                hint=_HINTS.get(failure.reason),
                attempts=attempt,
            )
        backoff = delay(attempt, self.policy, self._rng)
        wait = max(backoff, failure.retry_after or 0.0)
        left = max(0.0, self.policy.deadline - (self._clock() - started))
        if wait > left:
            self.metrics.inc(names.RETRY_MAX_ATTEMPTS_REACHED, {"reason": "llm_error"})
            if failure.retry_after is not None and failure.retry_after >= backoff:
                why = f"the provider asks to wait {seconds_text(failure.retry_after)}"
            else:
                why = f"the next retry would wait {seconds_text(wait)}"
            raise LLMError(
                f"{what}: {why}, more than the {seconds_text(left)} left in the retry budget.",
                reason=failure.reason,
                status=failure.status,
                retryable=True,
                hint=_HINTS.get(failure.reason),
                attempts=attempt,
            )
        self.metrics.inc(names.RETRY_ATTEMPTS, {"reason": "llm_error"})
        self.metrics.observe(names.RETRY_BACKOFF_SECONDS, wait, {"attempt": attempt})
        return wait


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
