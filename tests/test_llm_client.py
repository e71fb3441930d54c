"""LLMClient over real HTTP to the scripted server: answers, tool calls, and the fault matrix.

Waits are recorded by an injected sleep (nothing sleeps for real), rng is
pinned so the schedule is exact, and request counts come from the server.
"""

from __future__ import annotations

import asyncio
import socket
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from logai.events import AssistantMessage, ModelEvent, ModelRequestFinished, RetryScheduled, TextDelta, ToolCall, Usage
from logai.llm.backoff import RetryPolicy
from logai.llm.client import LLMClient, LLMError, warm_up
from logai.metrics import names
from logai.metrics.collector import MetricsCollector
from logai.metrics.recorder import MetricsRecorder
from logai.runtime import Runtime
from tests.llm_server import (
    ScriptedLLMServer,
    call,
    context_window_exceeded,
    cut,
    dropped,
    error,
    held,
    text,
    tool_calls,
)

MESSAGES = [{"role": "user", "content": "Why did the api service fail last night?"}]
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "search_logs",
            "description": "Search a log group for a pattern.",
            "parameters": {
                "type": "object",
                "properties": {"log_group": {"type": "string"}, "pattern": {"type": "string"}},
                "required": ["log_group"],
            },
        },
    }
]
WALL_NOW = datetime(2030, 6, 1, 12, 0, 0, tzinfo=UTC)


@dataclass
class FakeTime:
    """A monotonic clock that only moves when the injected sleep is awaited."""

    now: float = 1000.0
    waits: list[float] = field(default_factory=list)

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


@pytest.fixture(scope="module", autouse=True)
def _litellm_loaded() -> None:
    warm_up()


@pytest.fixture(params=[True, False], ids=["stream", "no-stream"])
def stream(request: pytest.FixtureRequest) -> bool:
    return request.param


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def metrics() -> MetricsCollector:
    return MetricsCollector()


class RecordedClient:
    """The client under test, with its events counted the way a session counts them."""

    def __init__(self, client: LLMClient, metrics: MetricsCollector) -> None:
        self.client = client
        self.record = MetricsRecorder(metrics)

    async def respond(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None = None) -> Any:
        async for event in self.client.respond(messages, tools):
            self.record(event)
            yield event


def fake_runtime(fake_time: FakeTime, rng: Any = lambda: 0.0) -> Runtime:
    return Runtime(clock=fake_time.clock, async_sleep=fake_time.sleep, rng=rng, wall_clock=WALL_NOW.timestamp)


@pytest.fixture
def make_client(llm: ScriptedLLMServer, fake_time: FakeTime, metrics: MetricsCollector, stream: bool):
    def make(rng: Any = lambda: 0.0, **overrides: Any) -> RecordedClient:
        options: dict[str, Any] = {
            "model": "openai/scripted",
            "api_base": llm.url,
            "api_key": "sk-test-client",
            "timeout": 5.0,
            "stream": stream,
            "runtime": fake_runtime(fake_time, rng),
        }
        options.update(overrides)
        return RecordedClient(LLMClient(**options), metrics)

    return make


async def run(client: RecordedClient, tools: list[dict[str, Any]] | None = None) -> list[Any]:
    return [event async for event in client.respond(MESSAGES, tools)]


def transcript(events: list[Any]) -> str:
    """What a caller shows: text deltas, minus those a RetryScheduled told it to discard."""
    shown: list[str] = []
    for event in events:
        if isinstance(event, TextDelta):
            shown.append(event.text)
        elif isinstance(event, RetryScheduled) and event.discard_text:
            shown.clear()
    return "".join(shown)


def retries(events: list[Any]) -> list[RetryScheduled]:
    return [e for e in events if isinstance(e, RetryScheduled)]


def final(events: list[Any]) -> AssistantMessage:
    assert isinstance(events[-1], AssistantMessage)
    return events[-1]


def outcomes(metrics: MetricsCollector) -> dict[str, float]:
    return {
        dict(labels)["outcome"]: value
        for (name, labels), value in metrics.counters().items()
        if name == names.LLM_REQUESTS
    }


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- answers ------------------------------------------------------------------------


async def test_text_answer_streams_then_usage_then_message(make_client, llm, stream, metrics) -> None:
    llm.enqueue(text("Three 502s from the load balancer.", chunks=3, prompt_tokens=120, completion_tokens=9))

    events = await run(make_client())

    deltas = [e for e in events if isinstance(e, TextDelta)]
    assert len(deltas) == (3 if stream else 1)
    assert transcript(events) == "Three 502s from the load balancer."
    assert [type(e) for e in events[-3:]] == [ModelRequestFinished, Usage, AssistantMessage]
    assert events[-2] == Usage(model="openai/scripted", prompt_tokens=120, completion_tokens=9, cost_usd=None)
    assert final(events) == AssistantMessage("Three 502s from the load balancer.", (), "stop")
    assert outcomes(metrics) == {"ok": 1}
    assert metrics.counter_value(names.LLM_TOKENS, {"direction": "input"}) == 120
    assert metrics.counter_value(names.LLM_TOKENS, {"direction": "output"}) == 9
    assert metrics.counter_total(names.LLM_COST_USD) == 0  # openai/scripted has no price
    assert len(metrics.samples(names.LLM_TIME_TO_FIRST_TOKEN_SECONDS)) == 1
    assert len(metrics.samples(names.LLM_REQUEST_SECONDS)) == 1


async def test_request_carries_model_key_and_no_sdk_retries(make_client, llm, stream) -> None:
    llm.enqueue("ok")
    await run(make_client())

    (request,) = llm.requests
    assert request.headers["authorization"] == "Bearer sk-test-client"
    assert request.body["model"] == "scripted"
    assert request.body["messages"] == MESSAGES
    assert "tools" not in request.body
    if stream:
        assert request.body["stream"] is True
        assert request.body["stream_options"] == {"include_usage": True}
    else:
        assert not request.body.get("stream")
        assert "stream_options" not in request.body


async def test_parallel_tool_calls_are_assembled_by_index(make_client, llm) -> None:
    llm.enqueue(
        tool_calls(
            call("search_logs", {"log_group": "/ecs/api", "pattern": "ERROR"}, id="call_api"),
            call("search_logs", {"log_group": "/ecs/worker", "pattern": "Timeout"}, id="call_worker"),
            text="Checking both services.",
            chunks=4,
        )
    )

    events = await run(make_client(), TOOLS)

    message = final(events)
    assert message.finish_reason == "tool_calls"
    assert message.content == "Checking both services."
    assert message.tool_calls == (
        ToolCall("call_api", "search_logs", '{"log_group": "/ecs/api", "pattern": "ERROR"}'),
        ToolCall("call_worker", "search_logs", '{"log_group": "/ecs/worker", "pattern": "Timeout"}'),
    )
    assert llm.requests[0].body["tools"] == TOOLS


async def test_malformed_tool_arguments_pass_through_raw(make_client, llm) -> None:
    llm.enqueue(tool_calls(call("search_logs", '{"log_group": "/ecs/api", "pattern": ', id="c1")))
    events = await run(make_client(), TOOLS)
    assert final(events).tool_calls == (ToolCall("c1", "search_logs", '{"log_group": "/ecs/api", "pattern": '),)


async def test_cost_comes_from_litellms_price_table(make_client, llm, metrics) -> None:
    llm.enqueue(text("Priced.", prompt_tokens=1000, completion_tokens=500))
    events = await run(make_client(model="openai/gpt-4o-mini"))
    usage = events[-2]
    assert isinstance(usage, Usage)
    # gpt-4o-mini: $0.15 per million input tokens, $0.60 per million output tokens.
    assert usage.cost_usd == pytest.approx(1000 * 0.15e-6 + 500 * 0.60e-6)
    assert metrics.counter_total(names.LLM_COST_USD) == pytest.approx(0.00045)


# --- transient failures: retried -----------------------------------------------------


async def test_single_429_costs_exactly_one_extra_request(make_client, llm, fake_time, metrics) -> None:
    llm.enqueue(error(429), "Recovered.")

    events = await run(make_client())

    assert len(llm.requests) == 2
    assert fake_time.waits == [0.5]
    (retry,) = retries(events)
    assert (retry.attempt, retry.delay_s, retry.reason, retry.discard_text) == (1, 0.5, "rate_limited", False)
    assert "429" in retry.message and "attempt 2 of 5" in retry.message
    assert transcript(events) == "Recovered."
    assert outcomes(metrics) == {"rate_limited": 1, "ok": 1}
    assert metrics.counter_value(names.RETRY_ATTEMPTS, {"reason": "llm_error"}) == 1
    assert metrics.samples(names.RETRY_BACKOFF_SECONDS, {"attempt": 1}) == [0.5]
    assert metrics.counter_total(names.RETRY_MAX_ATTEMPTS_REACHED) == 0


async def test_429_retry_after_seconds_is_honoured(make_client, llm, fake_time, metrics) -> None:
    llm.enqueue(error(429, retry_after=3), "ok")
    events = await run(make_client())
    assert fake_time.waits == [3.0]
    assert retries(events)[0].delay_s == 3.0
    assert metrics.samples(names.RETRY_BACKOFF_SECONDS, {"attempt": 1}) == [3.0]
    assert len(llm.requests) == 2


async def test_429_retry_after_http_date_is_honoured(make_client, llm, fake_time) -> None:
    llm.enqueue(error(429, retry_after=WALL_NOW + timedelta(seconds=7)), "ok")
    await run(make_client())
    assert fake_time.waits == [7.0]
    assert len(llm.requests) == 2


async def test_short_retry_after_does_not_undercut_backoff(make_client, llm, fake_time) -> None:
    llm.enqueue(error(503), error(503), error(429, retry_after=0.2), "ok")
    await run(make_client())
    assert fake_time.waits == [0.5, 1.0, 2.0]


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_server_errors_back_off_and_double(make_client, llm, fake_time, metrics, status: int) -> None:
    llm.enqueue(error(status), error(status), "Finally.")

    events = await run(make_client())

    assert fake_time.waits == [0.5, 1.0]
    assert [r.reason for r in retries(events)] == ["server_error", "server_error"]
    assert [r.attempt for r in retries(events)] == [1, 2]
    assert len(llm.requests) == 3
    assert outcomes(metrics) == {"server_error": 2, "ok": 1}
    assert metrics.samples(names.RETRY_BACKOFF_SECONDS, {"attempt": 2}) == [1.0]


async def test_jitter_comes_from_the_injected_rng(make_client, llm, fake_time) -> None:
    llm.enqueue(error(500), "ok")
    await run(make_client(rng=lambda: 0.5))
    assert fake_time.waits == [pytest.approx(0.5 * 0.95)]


async def test_timeout_is_retried(make_client, llm, fake_time, metrics) -> None:
    llm.enqueue(held(text("too late")), "on time")

    events = await run(make_client(timeout=0.05))

    assert [r.reason for r in retries(events)] == ["timeout"]
    assert fake_time.waits == [0.5]
    assert transcript(events) == "on time"
    assert outcomes(metrics) == {"timeout": 1, "ok": 1}


async def test_dropped_connection_is_retried(make_client, llm, fake_time, metrics) -> None:
    llm.enqueue(dropped(), "back")
    events = await run(make_client())
    assert [r.reason for r in retries(events)] == ["connection"]
    assert fake_time.waits == [0.5]
    assert len(llm.requests) == 2
    assert outcomes(metrics) == {"connection": 1, "ok": 1}


async def test_stream_cut_after_text_discards_it_and_streams_again(make_client, llm, stream, metrics) -> None:
    answer = "The api service ran out of memory at 02:13."
    llm.enqueue(cut(text(answer, chunks=5), after_events=3), text(answer, chunks=5))

    events = await run(make_client())

    (retry,) = retries(events)
    if stream:
        assert retry.reason == "stream_broken"
        assert retry.discard_text is True
        broken = events[: events.index(retry)]
        assert "".join(e.text for e in broken if isinstance(e, TextDelta)) == answer[:18]
        assert outcomes(metrics) == {"stream_broken": 1, "ok": 1}
    else:
        assert retry.reason == "connection"  # a truncated JSON body: nothing was shown
        assert retry.discard_text is False
    assert transcript(events) == answer
    assert final(events).content == answer
    assert len(llm.requests) == 2


async def test_stream_cut_before_text_needs_no_discard(make_client, llm) -> None:
    llm.enqueue(cut(text("abc def"), after_events=1), "abc def")
    events = await run(make_client())
    (retry,) = retries(events)
    assert retry.discard_text is False
    assert transcript(events) == "abc def"


async def test_connection_refused_exhausts_attempts(make_client, fake_time, metrics) -> None:
    client = make_client(api_base=f"http://127.0.0.1:{closed_port()}/v1", policy=RetryPolicy(max_attempts=3))
    seen: list[Any] = []

    with pytest.raises(LLMError) as caught:
        async for event in client.respond(MESSAGES):
            seen.append(event)

    assert [r.reason for r in retries(seen)] == ["connection", "connection"]
    assert fake_time.waits == [0.5, 1.0]
    err = caught.value
    assert err.reason == "connection" and "HTTP" not in str(err)
    assert "failed 3 times" in str(err)
    assert "LOGAI_API_BASE" in (err.hint or "")
    assert outcomes(metrics) == {"connection": 3}
    assert metrics.counter_value(names.RETRY_MAX_ATTEMPTS_REACHED, {"reason": "llm_error"}) == 1


async def test_attempts_exhausted_is_counted(make_client, llm, fake_time, metrics) -> None:
    llm.enqueue(*[error(503) for _ in range(5)])

    with pytest.raises(LLMError) as caught:
        await run(make_client())

    assert len(llm.requests) == 5
    assert fake_time.waits == [0.5, 1.0, 2.0, 4.0]
    assert caught.value.reason == "server_error"
    assert "failed 5 times in a row (model server error, HTTP 503): The engine is currently overloaded" in str(caught.value)
    assert outcomes(metrics) == {"server_error": 5}
    assert metrics.counter_value(names.RETRY_ATTEMPTS, {"reason": "llm_error"}) == 4
    assert metrics.counter_value(names.RETRY_MAX_ATTEMPTS_REACHED, {"reason": "llm_error"}) == 1
    assert {a: metrics.samples(names.RETRY_BACKOFF_SECONDS, {"attempt": a}) for a in (1, 2, 3, 4)} == {
        1: [0.5], 2: [1.0], 3: [2.0], 4: [4.0],
    }


async def test_retry_after_beyond_the_deadline_fails_at_once(make_client, llm, fake_time, metrics) -> None:
    llm.enqueue(error(429, retry_after=300))

    with pytest.raises(LLMError) as caught:
        await run(make_client())

    assert len(llm.requests) == 1
    assert fake_time.waits == []
    assert str(caught.value) == (
        "rate limited (HTTP 429): the provider asks to wait 300 s, more than the 120 s left in the retry budget."
    )
    assert metrics.counter_value(names.RETRY_MAX_ATTEMPTS_REACHED, {"reason": "llm_error"}) == 1
    assert metrics.counter_total(names.RETRY_ATTEMPTS) == 0


async def test_deadline_counts_time_already_spent(make_client, llm, fake_time) -> None:
    llm.enqueue(error(500), error(429, retry_after=10))
    with pytest.raises(LLMError, match="wait 10 s, more than the 9.5 s left"):
        await run(make_client(policy=RetryPolicy(deadline=10.0)))
    assert fake_time.waits == [0.5]
    assert len(llm.requests) == 2


# --- permanent failures: never retried -------------------------------------------------


@pytest.mark.parametrize(
    ("reply", "reason", "status", "says", "hint"),
    [
        (error(400, "Invalid 'messages[1].role'."), "bad_request", 400, "rejected the request", "LOGAI_MODEL"),
        (error(401), "auth", 401, "rejected the API key", "LOGAI_API_KEY"),
        (error(403), "permission", 403, "refused access", "API key"),
        (error(404), "not_found", 404, "does not know the model 'openai/scripted'", "LOGAI_MODEL"),
        (context_window_exceeded(), "context_window", 400, "context window", "/clear"),
    ],
    ids=["400", "401", "403", "404", "context-window"],
)
async def test_client_errors_fail_at_once(
    make_client, llm, fake_time, metrics, reply, reason: str, status: int, says: str, hint: str
) -> None:
    llm.enqueue(reply, "never used")

    with pytest.raises(LLMError) as caught:
        await run(make_client())

    err = caught.value
    assert err.reason == reason
    assert says in str(err) and f"(HTTP {status})" in str(err)
    assert hint in (err.hint or "")
    assert str(err).count(". ") == 0  # one sentence
    assert len(llm.requests) == 1 and llm.pending == 1
    assert fake_time.waits == []
    assert outcomes(metrics) == {reason: 1}
    assert metrics.counter_total(names.RETRY_ATTEMPTS) == 0


async def test_under_scripted_test_fails_at_once(make_client, llm, fake_time) -> None:
    with pytest.raises(LLMError, match=r"no scripted reply left \(request 1\)"):
        await run(make_client())
    assert fake_time.waits == []


async def test_errors_print_nothing_to_stdout(make_client, llm, capfd) -> None:
    llm.enqueue(error(401), error(503), dropped(), "fine")
    with pytest.raises(LLMError):
        await run(make_client())
    await run(make_client())
    out, _ = capfd.readouterr()
    assert out == ""


# --- cancellation, settings, warm-up --------------------------------------------------


async def test_cancelling_during_the_backoff_wait_ends_at_once(llm) -> None:
    llm.enqueue(error(503, retry_after=60))
    client = LLMClient(
        model="openai/scripted", api_base=llm.url, api_key="k", runtime=Runtime(rng=lambda: 0.0)
    )  # the real asyncio.sleep: a 60 s wait unless cancellation ends it
    waiting = asyncio.Event()

    async def consume() -> None:
        async for event in client.respond(MESSAGES):
            if isinstance(event, RetryScheduled):
                waiting.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(waiting.wait(), timeout=10)
    started = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert time.monotonic() - started < 1.0
    assert len(llm.requests) == 1


async def test_from_settings_reads_the_llm_settings(llm, monkeypatch, fake_time) -> None:
    from logai.settings import load_settings

    monkeypatch.setenv("LOGAI_LLM_MAX_ATTEMPTS", "2")
    monkeypatch.setenv("LOGAI_LLM_BACKOFF_BASE", "0.25")
    monkeypatch.setenv("LOGAI_LLM_STREAM", "false")
    client = LLMClient.from_settings(load_settings(llm_timeout=7.5), runtime=fake_runtime(fake_time))

    assert (client.model, client.api_base, client.api_key) == ("openai/scripted", llm.url, "sk-test-not-a-real-key")
    assert (client.timeout, client.stream) == (7.5, False)
    assert client.policy == RetryPolicy(base=0.25, cap=30.0, max_attempts=2, deadline=120.0)

    llm.enqueue(error(500), "configured")
    events = [e async for e in client.respond(MESSAGES)]
    assert fake_time.waits == [0.25]
    assert final(events).content == "configured"
    assert llm.requests[-1].headers["authorization"] == "Bearer sk-test-not-a-real-key"


def test_from_settings_without_a_model_is_a_config_error() -> None:
    from logai.settings import ConfigError, load_settings

    with pytest.raises(ConfigError, match="LOGAI_MODEL"):
        LLMClient.from_settings(load_settings())


def test_warm_up_configures_litellm_quietly() -> None:
    import logging
    import sys

    warm_up()
    warm_up()  # idempotent
    import litellm

    assert litellm.suppress_debug_info is True
    for name in logging.root.manager.loggerDict:
        if name.startswith("LiteLLM"):
            for handler in logging.getLogger(name).handlers:
                assert getattr(handler, "stream", None) is not sys.stdout
                assert type(handler).__name__ != "LevelRoutingStreamHandler"


async def test_injected_completion_replaces_litellm(fake_time) -> None:
    calls: list[dict[str, Any]] = []

    class Message:
        content = "from a stand-in"
        tool_calls = None

    class Choice:
        finish_reason = "stop"
        message = Message()

    class Response:
        choices = [Choice()]
        usage = None

    async def completion(**kwargs: Any) -> Response:
        calls.append(kwargs)
        return Response()

    client = LLMClient(model="openai/x", stream=False, completion=completion, runtime=fake_runtime(fake_time))
    events = [e async for e in client.respond(MESSAGES, TOOLS)]
    assert events == [
        TextDelta("from a stand-in"),
        ModelRequestFinished("ok", 0.0, 0.0),
        AssistantMessage("from a stand-in", (), "stop"),
    ]
    assert calls[0]["max_retries"] == 0 and "num_retries" not in calls[0]
    assert calls[0]["tools"] == TOOLS and "api_base" not in calls[0]


async def test_success_is_counted_even_if_the_caller_stops_at_the_message(make_client, llm, metrics) -> None:
    llm.enqueue("done")
    async for event in make_client().respond(MESSAGES):
        if isinstance(event, AssistantMessage):
            break
    assert outcomes(metrics) == {"ok": 1}


async def test_time_to_first_token_runs_from_the_request_being_sent(fake_time) -> None:
    """logai's own start-up (the litellm import) is not the model's latency."""

    class Delta:
        content = "hi"
        tool_calls = None

    class Choice:
        finish_reason = "stop"
        delta = Delta()

    class Chunk:
        choices = [Choice()]
        usage = None

    async def chunks() -> Any:
        fake_time.now += 0.25  # the model thinks
        yield Chunk()
        fake_time.now += 0.5

    async def completion(**kwargs: Any) -> Any:
        return chunks()

    fake_time.now += 3.0  # what an import would cost before the request
    client = LLMClient(model="openai/x", completion=completion, runtime=fake_runtime(fake_time))
    events: list[ModelEvent] = [e async for e in client.respond(MESSAGES)]
    (finished,) = [e for e in events if isinstance(e, ModelRequestFinished)]
    assert finished == ModelRequestFinished("ok", 0.75, 0.25)


def test_importing_the_client_does_not_import_litellm() -> None:
    import subprocess
    import sys

    code = "import sys, logai.llm.client, logai.llm.backoff; print('litellm' in sys.modules, 'openai' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.split() == ["False", "False"]
