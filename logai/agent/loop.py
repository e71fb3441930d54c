"""The agent: one bounded tool loop per turn, yielding typed events.

Streaming is the only path. A caller that wants just the answer consumes the
same events and keeps the `TurnDone`. The conversation (system prompt, user
questions, replies, tool results) lives here and carries across turns.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import replace
from typing import Any, Protocol

from logai.agent.budget import Budgets, Spending, Spent
from logai.agent.calls import plan_calls
from logai.agent.intent import IntentDetector
from logai.agent.recovery import NUDGE_PREFIX, LimitReached, Nudge, RecoveryPolicy, TurnRecovery
from logai.allowance import CloudWatchAllowance
from logai.deadline import Deadline
from logai.events import (
    AssistantMessage,
    BudgetReached,
    Event,
    ModelEvent,
    NudgeInjected,
    NudgeLimitReached,
    StopReason,
    ToolCall,
    ToolCallFinished,
    ToolCallsSkipped,
    ToolCallStarted,
    TurnDone,
    Usage,
)
from logai.figures import plural, shortened
from logai.llm.client import LLMError
from logai.logs.redact import redact
from logai.logs.shaping import fit_text
from logai.tools.registry import PreparedCall, ToolRegistry
from logai.tools.result import ToolResult

# Tool results of earlier turns keep this many characters (their header and first lines).
OLD_RESULT_CHARS = 600
# Every later request sends the model's calls back: arguments longer than this (no valid call
# comes near it) and made-up tool names are kept short there, as its results are.
HISTORY_ARGUMENT_CHARS = 16_000
HISTORY_NAME_CHARS = 64

WITHDRAWN_NOTE = (
    f"{NUDGE_PREFIX} Tools are no longer available in this turn. "
    "Answer now in plain text with what you found; do not call any tool."
)


class ModelClient(Protocol):
    """What the agent needs from the LLM adapter (logai.llm.client.LLMClient); it raises LLMError."""

    def respond(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None = None
    ) -> AsyncIterator[ModelEvent]: ...


class Agent:
    """Runs turns: model replies, tool rounds, recovery nudges, until an answer or a limit.

    Every turn is bounded: `max_tool_rounds` rounds, `max_calls_per_reply` and
    `max_calls_per_turn` tool calls, one more reply once the tools are
    withdrawn, the spending `budgets`, and `turn_timeout` seconds on `clock`.
    """

    def __init__(
        self,
        *,
        llm: ModelClient,
        tools: ToolRegistry,
        system_prompt: str,
        max_tool_rounds: int = 8,
        max_calls_per_reply: int = 8,
        max_calls_per_turn: int = 40,
        recovery: RecoveryPolicy | None = None,
        detector: IntentDetector | None = None,
        known_groups: Callable[[], Sequence[str]] | None = None,
        budgets: Budgets | None = None,
        spending: Spending | None = None,
        turn_timeout: float | None = None,
        tool_timeout: float | None = None,
        note_tokens: int = 3000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.llm = llm
        self.tools = tools
        self.max_tool_rounds = max_tool_rounds
        self.max_calls_per_reply = max_calls_per_reply
        self.max_calls_per_turn = max_calls_per_turn
        self.recovery = recovery or RecoveryPolicy()
        self.detector = detector
        self.known_groups = known_groups
        self.budgets = budgets or Budgets()
        self.spending = spending or Spending()
        self.turn_timeout = turn_timeout
        self.tool_timeout = tool_timeout
        self.note_tokens = note_tokens
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
        usage = {"prompt_tokens": 0.0, "completion_tokens": 0.0, "cached_tokens": 0.0, "cost_usd": 0.0, "requests": 0.0}
        rounds = calls_made = refusals = 0
        force_answer = False
        spent_before = self.spending.snapshot()
        deadline = Deadline.after(self.turn_timeout, "turn_timeout", self.clock) if self.turn_timeout else None
        allowance = self.budgets.allowance("This turn")  # the calls of one reply spend from it as they run

        def stopped(budget: str, message: str) -> list[Event]:
            return [
                BudgetReached(budget, message),
                TurnDone(answer="", stop_reason="error", error=message, tool_rounds=rounds, usage=usage),
            ]

        while True:
            limit = self._limit_reached(spent_before, deadline, allowance)
            if limit is not None:
                for event in stopped(*limit):
                    yield event
                return
            offer_tools = rounds < self.max_tool_rounds and not force_answer
            reply: AssistantMessage | None = None
            stream = self.llm.respond(self.messages, self.tools.schemas() if offer_tools else None)
            try:
                async for model_event in stream:
                    if isinstance(model_event, AssistantMessage):
                        reply = model_event
                        continue
                    if isinstance(model_event, Usage):
                        usage["prompt_tokens"] += model_event.prompt_tokens
                        usage["completion_tokens"] += model_event.completion_tokens
                        usage["cached_tokens"] += model_event.cached_tokens
                        usage["cost_usd"] += model_event.cost_usd or 0.0
                        usage["requests"] += 1
                        self.spending.add_usage(model_event)
                    yield model_event
                    if deadline is not None and deadline.passed():
                        break  # the stream is closed below; the check at the top of the loop ends the turn
            except LLMError as exc:  # a failure the adapter gave up on; anything else is a bug and propagates
                if deadline is not None and deadline.passed():
                    continue  # the turn's own deadline is the better explanation
                error = f"{exc} Hint: {exc.hint}" if exc.hint else str(exc)
                yield TurnDone(
                    answer="", stop_reason="error", error=error, tool_rounds=rounds, usage=usage, setup_error=exc.setup
                )
                return
            finally:
                await _close(stream)
            if deadline is not None and deadline.passed():
                continue
            if reply is None:  # the adapter always ends with a message; guard against a broken one
                yield TurnDone(answer="", stop_reason="error", error="the model sent no reply", tool_rounds=rounds, usage=usage)
                return

            if reply.tool_calls and offer_tools:
                rounds += 1
                plan = plan_calls(reply.tool_calls, per_reply=self.max_calls_per_reply, turn_left=self.max_calls_per_turn - calls_made)
                self.messages.append(_assistant_message(reply, plan.run))
                calls_made += len(plan.run)
                results: list[ToolResult] = []
                async for event in self._run_tools(plan.run, results, deadline, allowance):
                    yield event
                note = plan.note(NUDGE_PREFIX, per_reply=self.max_calls_per_reply, per_turn=self.max_calls_per_turn)
                if note is not None:
                    note = self._note(note)
                    yield ToolCallsSkipped(merged=plan.merged, over_limit=len(plan.skipped), limit=plan.limit, message=note)
                force_answer = force_answer or calls_made >= self.max_calls_per_turn
                for due in retry.after_tools(results):
                    force_answer = force_answer or isinstance(due, LimitReached)
                    yield self._inject(due)
                continue
            if reply.tool_calls:
                # Tools were withdrawn, yet the model called one. Its calls are
                # left out of the history (nothing answers them) and it is told
                # to answer; a second such reply ends the turn.
                refusals += 1
                if refusals > 1:
                    for event in stopped(
                        "tools_withdrawn",
                        f"The model kept calling tools after they were withdrawn, so the turn was stopped after "
                        f"{plural(int(usage['requests']), 'model request')}.",
                    ):
                        yield event
                    return
                if reply.content:
                    self.messages.append(_assistant_message(reply, ()))
                self.messages.append({"role": "user", "content": WITHDRAWN_NOTE})
                force_answer = True
                continue

            self.messages.append(_assistant_message(reply, ()))
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

    def _limit_reached(
        self, spent_before: Spent, deadline: Deadline | None, allowance: CloudWatchAllowance
    ) -> tuple[str, str] | None:
        """The budget or deadline that ends the turn now, as (name, sentence)."""
        if deadline is not None and deadline.passed():
            return "turn_time", (
                f"{deadline.message('This turn')}; raise turn_timeout (LOGAI_TURN_TIMEOUT) or ask a narrower question."
            )
        session = self.spending.snapshot()
        reached = self.budgets.reached(session, session - spent_before)
        spent = allowance.reached() if reached is None else None
        return (spent.budget, spent.message) if spent is not None else reached

    async def _run_tools(
        self,
        calls: Sequence[ToolCall],
        results: list[ToolResult],
        turn_deadline: Deadline | None,
        allowance: CloudWatchAllowance,
    ) -> AsyncIterator[Event]:
        """Run one round's calls concurrently; results go back in the model's order."""
        prepared = [self.tools.prepare(call) for call in calls]
        for item in prepared:
            yield ToolCallStarted(call_id=item.call.id, name=item.call.name, arguments=item.arguments, known=item.known)

        async def run(item: PreparedCall) -> tuple[ToolResult, float]:
            began = self.clock()
            deadline = Deadline.after(self.tool_timeout, "tool_timeout", self.clock) if self.tool_timeout else None
            if turn_deadline is not None:
                deadline = turn_deadline.tighter(deadline)
            result = await self.tools.run(item, deadline=deadline, allowance=allowance)
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

    def _note(self, text: str) -> str:
        """Append a note from logai for the model: redacted (it may quote group names) and within budget."""
        note = fit_text(redact(text), self.note_tokens)
        self.messages.append({"role": "user", "content": note})
        return note

    def _inject(self, decision: Nudge | LimitReached) -> NudgeInjected | NudgeLimitReached:
        message = self._note(decision.message)
        if isinstance(decision, LimitReached):
            return NudgeLimitReached(reason=decision.reason)
        return NudgeInjected(reason=decision.reason, attempt=decision.attempt, message=message)


def _with_duration(done: TurnDone, seconds: float) -> TurnDone:
    return replace(done, duration_s=seconds)


async def _close(stream: AsyncIterator[ModelEvent]) -> None:
    """Close a model stream left early, so its HTTP response is released now."""
    close = getattr(stream, "aclose", None)
    if close is not None:
        await close()


def _assistant_message(reply: AssistantMessage, calls: Sequence[ToolCall]) -> dict[str, Any]:
    """The reply as the history keeps it, with only the tool calls that ran (each has its result)."""
    message: dict[str, Any] = {"role": "assistant", "content": reply.content or None}
    if calls:
        message["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": shortened(c.name, HISTORY_NAME_CHARS), "arguments": _kept(c.arguments)}}
            for c in calls
        ]
    return message


def _kept(arguments: str) -> str:
    """A call's argument text as the history keeps it (valid JSON either way)."""
    if len(arguments) <= HISTORY_ARGUMENT_CHARS:
        return arguments or "{}"
    return json.dumps({"omitted": f"{len(arguments):,} characters of arguments, over the {HISTORY_ARGUMENT_CHARS:,} logai keeps"})

