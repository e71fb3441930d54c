"""The agent: one bounded tool loop per turn, yielding typed events.

Streaming is the only path. A caller that wants just the answer consumes the
same events and keeps the `TurnDone`. The conversation (system prompt, user
questions, replies, tool results) lives here and carries across turns.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import replace
from typing import Any, Protocol

from logai.agent.intent import IntentDetector
from logai.agent.recovery import LimitReached, Nudge, RecoveryPolicy, TurnRecovery
from logai.events import (
    AssistantMessage,
    Event,
    ModelEvent,
    NudgeInjected,
    NudgeLimitReached,
    StopReason,
    ToolCall,
    ToolCallFinished,
    ToolCallStarted,
    TurnDone,
    Usage,
)
from logai.llm.client import LLMError
from logai.tools.registry import PreparedCall, ToolRegistry
from logai.tools.result import ToolResult

# Tool results of earlier turns keep this many characters (their header and first lines).
OLD_RESULT_CHARS = 600


class ModelClient(Protocol):
    """What the agent needs from the LLM adapter (logai.llm.client.LLMClient); it raises LLMError."""

    def respond(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None = None
    ) -> AsyncIterator[ModelEvent]: ...


class Agent:
    """Runs turns: model replies, tool rounds, recovery nudges, until an answer."""

    def __init__(
        self,
        *,
        llm: ModelClient,
        tools: ToolRegistry,
        system_prompt: str,
        max_tool_rounds: int = 8,
        recovery: RecoveryPolicy | None = None,
        detector: IntentDetector | None = None,
        known_groups: Callable[[], Sequence[str]] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.llm = llm
        self.tools = tools
        self.max_tool_rounds = max_tool_rounds
        self.recovery = recovery or RecoveryPolicy()
        self.detector = detector
        self.known_groups = known_groups
        self.clock = clock
        self._system = {"role": "system", "content": system_prompt}
        self.messages: list[dict[str, Any]] = [self._system]

    def clear(self) -> None:
        """Forget the conversation; keep the system prompt."""
        self.messages = [self._system]

    async def run_turn(self, question: str) -> AsyncIterator[Event]:
        """Answer one question. The last event is always a TurnDone (unless the turn is cancelled).

        On failure or cancellation the conversation is rolled back to where it
        was, so a half-finished turn (a tool call without its result) never
        reaches the next request.
        """
        self._shorten_old_results()
        checkpoint = len(self.messages)
        started = self.clock()
        self.messages.append({"role": "user", "content": question})
        try:
            async for event in self._turn():
                if isinstance(event, TurnDone):
                    if event.stop_reason == "error":
                        del self.messages[checkpoint:]
                    event = _with_duration(event, self.clock() - started)
                yield event
        except (asyncio.CancelledError, GeneratorExit):
            del self.messages[checkpoint:]
            raise

    async def _turn(self) -> AsyncIterator[Event]:
        retry = TurnRecovery(self.recovery, detector=self.detector, known_groups=self.known_groups)
        usage = {"prompt_tokens": 0.0, "completion_tokens": 0.0, "cost_usd": 0.0, "requests": 0.0}
        rounds = 0
        force_answer = False
        while True:
            offer_tools = rounds < self.max_tool_rounds and not force_answer
            reply: AssistantMessage | None = None
            try:
                async for model_event in self.llm.respond(self.messages, self.tools.schemas() if offer_tools else None):
                    if isinstance(model_event, AssistantMessage):
                        reply = model_event
                        continue
                    if isinstance(model_event, Usage):
                        usage["prompt_tokens"] += model_event.prompt_tokens
                        usage["completion_tokens"] += model_event.completion_tokens
                        usage["cost_usd"] += model_event.cost_usd or 0.0
                        usage["requests"] += 1
                    yield model_event
            except LLMError as exc:  # a failure the adapter gave up on; anything else is a bug and propagates
                error = f"{exc} Hint: {exc.hint}" if exc.hint else str(exc)
                yield TurnDone(answer="", stop_reason="error", error=error, tool_rounds=rounds, usage=usage)
                return
            if reply is None:  # the adapter always ends with a message; guard against a broken one
                yield TurnDone(answer="", stop_reason="error", error="the model sent no reply", tool_rounds=rounds, usage=usage)
                return
            self.messages.append(_assistant_message(reply))

            if reply.tool_calls and offer_tools:
                rounds += 1
                results: list[ToolResult] = []
                async for event in self._run_tools(reply.tool_calls, results):
                    yield event
                for due in retry.after_tools(results):
                    force_answer = force_answer or isinstance(due, LimitReached)
                    yield self._inject(due)
                continue
            if reply.tool_calls:
                # Tools were not offered, yet the model called one: answer its
                # calls so the history stays valid, then insist on an answer.
                for call in reply.tool_calls:
                    self._append_tool_result(call, "Error: no more tool calls are allowed in this turn; answer now.")
                force_answer = True
                continue

            seen, decision = retry.after_reply(reply.content, tools_offered=offer_tools)
            if seen is not None:
                yield seen
            if decision is not None:
                force_answer = force_answer or isinstance(decision, LimitReached)
                yield self._inject(decision)
                continue
            stop: StopReason = "answered" if rounds < self.max_tool_rounds else "max_rounds"
            yield TurnDone(answer=reply.content, stop_reason=stop, tool_rounds=rounds, usage=usage)
            return

    async def _run_tools(self, calls: Sequence[ToolCall], results: list[ToolResult]) -> AsyncIterator[Event]:
        """Run one round's calls concurrently; results go back in the model's order."""
        prepared = [self.tools.prepare(call) for call in calls]
        for item in prepared:
            yield ToolCallStarted(call_id=item.call.id, name=item.call.name, arguments=item.arguments, known=item.known)

        async def run(item: PreparedCall) -> tuple[ToolResult, float]:
            began = self.clock()
            result = await self.tools.run(item)
            return result, self.clock() - began

        tasks = [asyncio.create_task(run(item)) for item in prepared]
        try:
            done = await asyncio.gather(*tasks)
        except BaseException:
            for task in tasks:
                task.cancel()
            raise
        for item, (result, elapsed) in zip(prepared, done, strict=True):
            self._append_tool_result(item.call, result.text)
            results.append(result)
            yield ToolCallFinished(
                call_id=item.call.id,
                name=item.call.name,
                arguments=item.arguments,
                ok=result.ok,
                duration_s=elapsed,
                summary=result.summary,
                result=result.text,
                known=item.known,
            )

    def _shorten_old_results(self) -> None:
        """Keep earlier turns' tool results short: the answers built on them stay in
        the conversation, and every later request would pay for the full text again."""
        for message in self.messages:
            content = message.get("content")
            if message["role"] != "tool" or not isinstance(content, str) or len(content) <= OLD_RESULT_CHARS:
                continue
            head = content[:OLD_RESULT_CHARS].rsplit("\n", 1)[0]
            message["content"] = (
                f"{head}\n[result of an earlier question, shortened from {len(content):,} characters; "
                "call the tool again if you need the details]"
            )

    def _append_tool_result(self, call: ToolCall, text: str) -> None:
        self.messages.append({"role": "tool", "tool_call_id": call.id, "name": call.name, "content": text})

    def _inject(self, decision: Nudge | LimitReached) -> NudgeInjected | NudgeLimitReached:
        self.messages.append({"role": "user", "content": decision.message})
        if isinstance(decision, LimitReached):
            return NudgeLimitReached(reason=decision.reason)
        return NudgeInjected(reason=decision.reason, attempt=decision.attempt, message=decision.message)


def _with_duration(done: TurnDone, seconds: float) -> TurnDone:
    return replace(done, duration_s=seconds)


def _assistant_message(reply: AssistantMessage) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": reply.content or None}
    if reply.tool_calls:
        message["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments or "{}"}}
            for c in reply.tool_calls
        ]
    return message

