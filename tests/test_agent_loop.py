"""The agent loop with an in-process scripted model: rounds, limits, rollback, nudges.

End-to-end tests (tests/test_e2e_*.py) drive the same loop over real HTTP;
these pin the loop's own rules precisely and fast.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from logai.agent.intent import IntentDetector
from logai.agent.loop import Agent
from logai.agent.recovery import RecoveryPolicy
from logai.events import (
    AssistantMessage,
    NudgeInjected,
    NudgeLimitReached,
    TextDelta,
    ToolCall,
    ToolCallFinished,
    ToolCallStarted,
    TurnDone,
    Usage,
)
from datetime import UTC, datetime

from logai.events import EventBus
from logai.llm.client import LLMError
from logai.metrics import names
from logai.metrics.collector import MetricsCollector
from logai.metrics.recording import Recording
from logai.session import Session
from logai.tools.registry import ToolRegistry
from logai.tools.result import SearchScope, ToolResult


def say(text: str) -> AssistantMessage:
    return AssistantMessage(content=text, finish_reason="stop")


def call(name: str, n: int = 1, **arguments: Any) -> AssistantMessage:
    return AssistantMessage(content="", tool_calls=(ToolCall(f"call_{name}_{n}", name, json.dumps(arguments)),))


class FakeModel:
    """Answers from a script; records what it was asked."""

    def __init__(self, *replies: AssistantMessage | Exception) -> None:
        self.replies = list(replies)
        self.requests: list[tuple[list[dict[str, Any]], list[dict[str, Any]] | None]] = []

    async def respond(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None = None) -> AsyncIterator[Any]:
        self.requests.append(([dict(m) for m in messages], tools))
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        for i in range(0, len(reply.content), 7):
            yield TextDelta(reply.content[i : i + 7])
        yield Usage(model="fake", prompt_tokens=10, completion_tokens=3, cost_usd=0.001)
        yield reply


class Tools:
    """Tools whose results the test controls."""

    def __init__(self) -> None:
        self.searches: list[dict[str, Any]] = []

    def search_logs(self, log_groups: list[str], filter_pattern: str = "", start: str = "1h") -> ToolResult:
        """Search.

        Args:
            log_groups: Groups.
            filter_pattern: Pattern.
            start: Start.
        """
        self.searches.append({"log_groups": log_groups, "filter_pattern": filter_pattern, "start": start})
        searched = SearchScope(
            log_groups=tuple(log_groups),
            filter_pattern=filter_pattern,
            start=datetime(2026, 11, 26, 13, tzinfo=UTC),
            end=datetime(2026, 11, 26, 14, tzinfo=UTC),
        )
        if log_groups == ["/aws/lambda/chekout"]:
            return ToolResult(
                text="Error: log group not found",
                summary="not found",
                ok=False,
                missing_log_group="/aws/lambda/chekout",
                suggestions=("/aws/lambda/checkout-api",),
                scope=searched,
            )
        if filter_pattern == "nothing":
            return ToolResult(text="No events matched.", summary="0 events", empty=True, scope=searched)
        return ToolResult(text=f"3 events in {log_groups}", summary="3 events", scope=searched)


# The session around each agent: turns run through it, so their events are counted as in logai.
_SESSIONS: dict[int, Session] = {}


def make_agent(model: FakeModel, **kwargs: Any) -> tuple[Agent, Tools, MetricsCollector]:
    tools = Tools()
    agent = Agent(
        llm=model,
        tools=ToolRegistry([tools.search_logs]),
        system_prompt="system",
        detector=kwargs.pop("detector", IntentDetector()),
        known_groups=lambda: ["/aws/lambda/checkout-api", "/ecs/payments-service"],
        **kwargs,
    )
    metrics = MetricsCollector()
    _SESSIONS[id(agent)] = Session(agent, Recording(EventBus(), metrics, None, "test"))
    return agent, tools, metrics


async def run(agent: Agent, question: str) -> list[Any]:
    session = _SESSIONS.get(id(agent)) or Session(agent, Recording(EventBus(), MetricsCollector(), None, "test"))
    return [event async for event in session.ask(question)]


async def test_plain_answer_streams_and_is_kept_in_the_conversation() -> None:
    model = FakeModel(say("All quiet in the last hour."))
    agent, _, metrics = make_agent(model)
    events = await run(agent, "anything wrong?")
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "All quiet in the last hour."
    done = events[-1]
    assert isinstance(done, TurnDone) and done.stop_reason == "answered" and done.answer == "All quiet in the last hour."
    assert done.usage["prompt_tokens"] == 10 and done.usage["requests"] == 1
    assert [m["role"] for m in agent.messages] == ["system", "user", "assistant"]
    assert metrics.counter_value(names.TURNS, {"outcome": "answered"}) == 1


async def test_tool_round_then_answer_and_history_carries_to_next_turn() -> None:
    model = FakeModel(call("search_logs", log_groups=["/a"]), say("3 errors."), say("Same as before."))
    agent, tools, metrics = make_agent(model)
    events = await run(agent, "errors?")
    kinds = [type(e).__name__ for e in events if not isinstance(e, (TextDelta, type(None)))]
    assert kinds == ["Usage", "ToolCallStarted", "ToolCallFinished", "Usage", "TurnDone"]
    finished = next(e for e in events if isinstance(e, ToolCallFinished))
    assert finished.ok and finished.result == "3 events in ['/a']" and finished.arguments == {"log_groups": ["/a"]}
    assert tools.searches == [{"log_groups": ["/a"], "filter_pattern": "", "start": "1h"}]
    tool_msg = agent.messages[3]
    assert tool_msg == {"role": "tool", "tool_call_id": "call_search_logs_1", "name": "search_logs", "content": "3 events in ['/a']"}
    assert metrics.counter_value(names.TOOL_CALLS, {"tool": "search_logs", "outcome": "ok"}) == 1
    assert len(metrics.samples(names.TOOL_DURATION_SECONDS, {"tool": "search_logs"})) == 1
    await run(agent, "and now?")
    # The second turn's request holds the whole first turn.
    sent, _ = model.requests[-1]
    assert [m["role"] for m in sent] == ["system", "user", "assistant", "tool", "assistant", "user"]


async def test_parallel_calls_run_and_answer_in_the_models_order() -> None:
    both = AssistantMessage(
        content="",
        tool_calls=(
            ToolCall("c1", "search_logs", '{"log_groups": ["/one"]}'),
            ToolCall("c2", "search_logs", '{"log_groups": ["/two"]}'),
        ),
    )
    agent, tools, _ = make_agent(FakeModel(both, say("done")))
    events = await run(agent, "q")
    started = [e.call_id for e in events if isinstance(e, ToolCallStarted)]
    finished = [e.call_id for e in events if isinstance(e, ToolCallFinished)]
    assert started == finished == ["c1", "c2"]
    assert [m.get("tool_call_id") for m in agent.messages if m["role"] == "tool"] == ["c1", "c2"]
    assert sorted(s["log_groups"][0] for s in tools.searches) == ["/one", "/two"]


async def test_bad_tool_calls_go_back_to_the_model_and_the_loop_goes_on() -> None:
    bad = AssistantMessage(
        content="",
        tool_calls=(ToolCall("c1", "drop_table", "{}"), ToolCall("c2", "search_logs", '{"log_groups": ')),
    )
    model = FakeModel(bad, say("Sorry, answering anyway."))
    agent, _, metrics = make_agent(model)
    events = await run(agent, "q")
    results = [e for e in events if isinstance(e, ToolCallFinished)]
    assert [r.ok for r in results] == [False, False]
    assert "no tool named 'drop_table'" in results[0].result
    assert "not valid JSON" in results[1].result
    assert events[-1].stop_reason == "answered"
    # A name the model made up is not a label value: it is counted as "unknown".
    assert metrics.counter_value(names.TOOL_CALLS, {"tool": "unknown", "outcome": "error"}) == 1


async def test_last_round_offers_no_tools_so_the_model_must_answer() -> None:
    model = FakeModel(
        call("search_logs", 1, log_groups=["/a"]),
        call("search_logs", 2, log_groups=["/b"]),
        say("Here is what I found."),
    )
    agent, _, _ = make_agent(model, max_tool_rounds=2)
    events = await run(agent, "q")
    assert [tools is not None for _, tools in model.requests] == [True, True, False]
    assert events[-1].stop_reason == "max_rounds"
    assert events[-1].tool_rounds == 2


async def test_a_tool_call_when_none_was_offered_is_refused_then_an_answer_is_required() -> None:
    model = FakeModel(call("search_logs", 1, log_groups=["/a"]), call("search_logs", 2, log_groups=["/b"]), say("ok"))
    agent, tools, _ = make_agent(model, max_tool_rounds=1)
    events = await run(agent, "q")
    assert len(tools.searches) == 1  # the second call was refused, not run
    refused = agent.messages[-2]
    assert refused["role"] == "user" and "no longer available" in refused["content"]
    # The refused call is not in the history: nothing answers it.
    assert [m.get("tool_calls", [{}])[0].get("id") for m in agent.messages if m["role"] == "assistant"] == ["call_search_logs_1", None]
    assert events[-1].answer == "ok"


async def test_a_model_that_keeps_calling_withdrawn_tools_is_stopped() -> None:
    model = FakeModel(*[call("search_logs", n, log_groups=[f"/{n}"]) for n in range(1, 30)])
    agent, tools, metrics = make_agent(model, max_tool_rounds=1)
    events = await run(agent, "q")
    done = events[-1]
    assert done.stop_reason == "error" and "kept calling tools after they were withdrawn" in (done.error or "")
    assert len(model.requests) == 3  # the round, then one refusal and one more reply
    assert len(tools.searches) == 1
    assert metrics.counter_value(names.BUDGET_REACHED, {"budget": "tools_withdrawn"}) == 1


async def test_model_failure_ends_the_turn_and_rolls_the_conversation_back() -> None:
    model = FakeModel(call("search_logs", log_groups=["/a"]), LLMError("the provider rejected the API key", reason="auth"))
    agent, _, metrics = make_agent(model)
    events = await run(agent, "q")
    done = events[-1]
    assert done.stop_reason == "error" and "API key" in (done.error or "")
    assert agent.messages == [{"role": "system", "content": "system"}]
    assert metrics.counter_value(names.TURNS, {"outcome": "error"}) == 1


async def test_cancelling_a_turn_rolls_the_conversation_back() -> None:
    gate = asyncio.Event()

    class Hanging(FakeModel):
        async def respond(self, messages, tools=None):  # type: ignore[no-untyped-def]
            yield TextDelta("thinking")
            await gate.wait()
            yield say("never")

    agent, _, metrics = make_agent(Hanging())

    async def consume() -> None:
        async for _ in _SESSIONS[id(agent)].ask("q"):
            pass

    task = asyncio.create_task(consume())
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert len(agent.messages) == 1
    assert metrics.counter_value(names.TURNS, {"outcome": "cancelled"}) == 1


async def test_empty_search_is_nudged_with_a_wider_range_then_answered() -> None:
    model = FakeModel(
        call("search_logs", 1, log_groups=["/aws/lambda/checkout-api"], filter_pattern="nothing"),
        call("search_logs", 2, log_groups=["/aws/lambda/checkout-api"], filter_pattern="ERROR", start="4h"),
        say("Found 3 errors."),
    )
    agent, _, metrics = make_agent(model)
    events = await run(agent, "q")
    nudges = [e for e in events if isinstance(e, NudgeInjected)]
    assert [(n.reason, n.attempt) for n in nudges] == [("empty_logs", 1)]
    text = nudges[0].message
    assert "start=2026-11-26T10:00:00Z end=2026-11-26T14:00:00Z" in text  # 4x the one hour searched
    assert "/ecs/payments-service" in text  # another group that exists
    assert "looser filter" in text
    # The model saw the nudge as the message right after the tool result.
    assert model.requests[1][0][-1] == {"role": "user", "content": text}
    assert metrics.counter_value(names.RETRY_ATTEMPTS, {"reason": "empty_logs"}) == 1
    assert metrics.counter_value(names.RETRY_PROMPT_INJECTED, {"reason": "empty_logs"}) == 1
    assert events[-1].answer == "Found 3 errors."


async def test_nudges_stop_at_the_limit_and_the_model_must_answer() -> None:
    empties = [call("search_logs", i, log_groups=["/x"], filter_pattern="nothing") for i in range(1, 5)]
    model = FakeModel(*empties, say("Nothing found in /x over the ranges searched."))
    agent, _, metrics = make_agent(model, recovery=RecoveryPolicy(max_nudges_per_reason=3))
    events = await run(agent, "q")
    assert [e.attempt for e in events if isinstance(e, NudgeInjected)] == [1, 2, 3]
    assert [e.reason for e in events if isinstance(e, NudgeLimitReached)] == ["empty_logs"]
    assert model.requests[-1][1] is None  # no tools: answer with what you have
    assert "Stop searching now" in model.requests[-1][0][-1]["content"]
    assert metrics.counter_value(names.RETRY_MAX_ATTEMPTS_REACHED, {"reason": "empty_logs"}) == 1
    assert metrics.counter_value(names.RETRY_ATTEMPTS, {"reason": "empty_logs"}) == 3
    assert events[-1].stop_reason == "answered"


async def test_misspelt_group_is_nudged_with_the_closest_names() -> None:
    model = FakeModel(
        call("search_logs", 1, log_groups=["/aws/lambda/chekout"]),
        call("search_logs", 2, log_groups=["/aws/lambda/checkout-api"]),
        say("3 errors in checkout-api."),
    )
    agent, tools, metrics = make_agent(model)
    events = await run(agent, "q")
    nudge = next(e for e in events if isinstance(e, NudgeInjected))
    assert nudge.reason == "log_group_not_found"
    assert "'/aws/lambda/chekout' was not found. Closest existing names: /aws/lambda/checkout-api." in nudge.message
    assert tools.searches[-1]["log_groups"] == ["/aws/lambda/checkout-api"]
    assert metrics.counter_value(names.RETRY_ATTEMPTS, {"reason": "log_group_not_found"}) == 1


async def test_announced_search_without_a_call_is_nudged() -> None:
    model = FakeModel(
        say("Let me search the checkout-api logs for errors in the last hour."),
        call("search_logs", 1, log_groups=["/aws/lambda/checkout-api"], filter_pattern="ERROR"),
        say("Checkout failed 3 times since 14:05 with payment timeouts."),
    )
    agent, _, metrics = make_agent(model)
    events = await run(agent, "why did checkout fail?")
    nudge = next(e for e in events if isinstance(e, NudgeInjected))
    assert nudge.reason == "intent_without_action"
    assert "made no tool call" in nudge.message
    assert events[-1].answer.startswith("Checkout failed 3 times")
    assert metrics.counter_value(names.RETRY_PROMPT_INJECTED, {"reason": "intent_without_action"}) == 1
    hits = [v for (n, _), v in metrics.counters().items() if n == names.INTENT_DETECTION_HITS]
    assert sum(hits) == 1


async def test_nudges_can_be_switched_off() -> None:
    model = FakeModel(call("search_logs", 1, log_groups=["/x"], filter_pattern="nothing"), say("Let me search the payments logs."))
    agent, _, metrics = make_agent(
        model, recovery=RecoveryPolicy(auto_retry_enabled=False, intent_detection_enabled=False)
    )
    events = await run(agent, "q")
    assert not [e for e in events if isinstance(e, NudgeInjected)]
    assert events[-1].answer == "Let me search the payments logs."
    assert metrics.counter_total(names.RETRY_ATTEMPTS) == 0


async def test_earlier_turns_tool_results_are_shortened_for_later_requests() -> None:
    class Verbose(Tools):
        def search_logs(self, log_groups: list[str], filter_pattern: str = "", start: str = "1h") -> ToolResult:
            """Search.

            Args:
                log_groups: Groups.
                filter_pattern: Pattern.
                start: Start.
            """
            return ToolResult(text="header line\n" + "event line\n" * 500, summary="500 events")

    model = FakeModel(call("search_logs", log_groups=["/a"]), say("500 events."), say("Still 500."))
    tools = Verbose()
    agent = Agent(llm=model, tools=ToolRegistry([tools.search_logs]), system_prompt="s")
    await run(agent, "first")
    # Within the turn the model saw the whole result…
    assert len(model.requests[1][0][-1]["content"]) > 5000
    await run(agent, "second")
    # …the next turn carries a short version.
    (old,) = [m for m in model.requests[2][0] if m["role"] == "tool"]
    assert old["content"].startswith("header line\nevent line")
    assert len(old["content"]) < 800
    assert "shortened from 5,512 characters" in old["content"]
