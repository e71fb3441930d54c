"""The scripted LLM server speaks OpenAI's wire format: litellm itself parses what it sends."""

from __future__ import annotations

import asyncio
import http.client
import json
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import openai
import pytest

from tests.llm_server import (
    ScriptedLLMServer,
    call,
    context_window_exceeded,
    cut,
    dropped,
    error,
    held,
    split_text,
    text,
    tool_calls,
)

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "search_logs",
            "description": "Search a log group.",
            "parameters": {"type": "object", "properties": {"pattern": {"type": "string"}}},
        },
    }
]
MESSAGES = [{"role": "user", "content": "Any errors in the api service?"}]


@pytest.fixture(scope="module")
def litellm():
    from logai.llm.client import warm_up

    warm_up()
    import litellm as module

    return module


async def acompletion(litellm, server: ScriptedLLMServer, *, stream: bool = True, **extra: Any):
    kwargs: dict[str, Any] = {
        "model": "openai/scripted",
        "api_base": server.url,
        "api_key": "sk-test",
        "messages": MESSAGES,
        "max_retries": 0,
        "timeout": 5,
        "stream": stream,
    }
    if stream:
        kwargs["stream_options"] = {"include_usage": True}
    kwargs.update(extra)
    return await litellm.acompletion(**kwargs)


async def collect(response) -> list[Any]:
    return [chunk async for chunk in response]


def raw_post(server: ScriptedLLMServer, body: dict[str, Any], path: str = "/v1/chat/completions"):
    """POST with http.client and return (status, headers, body bytes), reading to the end."""
    parts = urlsplit(server.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    try:
        conn.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def sse_events(raw: bytes) -> list[str]:
    return [line[len("data: "):] for line in raw.decode().splitlines() if line.startswith("data: ")]


def test_url_is_loopback_v1(llm: ScriptedLLMServer) -> None:
    assert llm.url.startswith("http://127.0.0.1:")
    assert llm.url.endswith("/v1")
    assert llm.port > 0


def test_split_text_keeps_every_character() -> None:
    assert split_text("Hello there", 3) == ["Hell", "o th", "ere"]
    assert "".join(split_text('{"a": 1}', 5)) == '{"a": 1}'
    assert split_text("ab", 5) == ["a", "b"]
    assert split_text("", 3) == [""]


async def test_text_reply_streams_in_several_chunks_then_usage(litellm, llm: ScriptedLLMServer) -> None:
    llm.enqueue(text("The api service logged 3 errors.", chunks=4, prompt_tokens=42, completion_tokens=7))

    chunks = await collect(await acompletion(litellm, llm))

    pieces = [c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content]
    assert len(pieces) == 4
    assert "".join(pieces) == "The api service logged 3 errors."
    finishes = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    assert finishes == ["stop"]
    usages = [c.usage for c in chunks if getattr(c, "usage", None) is not None]
    assert usages and usages[-1].prompt_tokens == 42 and usages[-1].completion_tokens == 7


def test_raw_stream_ends_with_done_and_usage_only_when_asked(llm: ScriptedLLMServer) -> None:
    llm.enqueue(text("abc def"), text("abc def"))
    base = {"model": "scripted", "messages": MESSAGES, "stream": True}

    status, headers, raw = raw_post(llm, {**base, "stream_options": {"include_usage": True}})
    assert status == 200 and headers["Content-Type"] == "text/event-stream"
    events = sse_events(raw)
    assert events[-1] == "[DONE]"
    parsed = [json.loads(e) for e in events[:-1]]
    assert all(p["object"] == "chat.completion.chunk" for p in parsed)
    assert parsed[0]["choices"][0]["delta"]["role"] == "assistant"
    assert parsed[-1]["choices"] == [] and parsed[-1]["usage"]["prompt_tokens"] == 11

    _, _, raw = raw_post(llm, base)
    assert not any("usage" in json.loads(e) for e in sse_events(raw)[:-1])


async def test_parallel_tool_calls_stream_arguments_in_fragments(litellm, llm: ScriptedLLMServer) -> None:
    llm.enqueue(
        tool_calls(
            call("search_logs", {"pattern": "ERROR", "log_group": "/app/api"}, id="call_a"),
            call("list_log_groups", {}, id="call_b"),
            text="Let me look.",
            chunks=3,
        )
    )

    chunks = await collect(await acompletion(litellm, llm, tools=TOOLS))

    deltas = [tc for c in chunks if c.choices and c.choices[0].delta.tool_calls for tc in c.choices[0].delta.tool_calls]
    first_of_a = [d for d in deltas if d.index == 0][0]
    assert (first_of_a.id, first_of_a.function.name) == ("call_a", "search_logs")
    fragments_a = [d.function.arguments for d in deltas if d.index == 0 and d.function.arguments]
    assert len(fragments_a) == 3  # split across several chunks, OpenAI style
    assert json.loads("".join(fragments_a)) == {"pattern": "ERROR", "log_group": "/app/api"}
    later = [d for d in deltas if d.index == 0][1:]
    assert all(d.id is None and d.function.name is None for d in later)
    assert [d.id for d in deltas if d.index == 1 and d.id] == ["call_b"]
    text_out = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text_out == "Let me look."
    assert [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason] == ["tool_calls"]


async def test_malformed_arguments_are_sent_as_given(litellm, llm: ScriptedLLMServer) -> None:
    llm.enqueue(tool_calls(call("search_logs", '{"pattern": "ERR', id="c1")))
    chunks = await collect(await acompletion(litellm, llm, tools=TOOLS))
    args = "".join(
        tc.function.arguments or ""
        for c in chunks
        if c.choices and c.choices[0].delta.tool_calls
        for tc in c.choices[0].delta.tool_calls
    )
    assert args == '{"pattern": "ERR'


async def test_non_streaming_request_gets_one_completion(litellm, llm: ScriptedLLMServer) -> None:
    llm.enqueue(tool_calls(call("search_logs", {"pattern": "x"}), text="Looking.", prompt_tokens=5))
    response = await acompletion(litellm, llm, stream=False, tools=TOOLS)
    message = response.choices[0].message
    assert message.content == "Looking."
    assert message.tool_calls[0].id == "call_0"
    assert json.loads(message.tool_calls[0].function.arguments) == {"pattern": "x"}
    assert response.choices[0].finish_reason == "tool_calls"
    assert response.usage.prompt_tokens == 5
    assert llm.requests[0].body.get("stream") in (False, None)


@pytest.mark.parametrize(
    ("status", "exception"),
    [
        (429, "RateLimitError"),
        (500, "InternalServerError"),
        (503, "ServiceUnavailableError"),
        (400, "BadRequestError"),
        (401, "AuthenticationError"),
        (404, "NotFoundError"),
    ],
)
async def test_error_reply_maps_to_litellm_exception(litellm, llm: ScriptedLLMServer, status: int, exception: str) -> None:
    llm.enqueue(error(status, f"scripted failure {status}"))
    with pytest.raises(getattr(litellm, exception)) as caught:
        await acompletion(litellm, llm)
    assert caught.value.status_code == status
    assert f"scripted failure {status}" in str(caught.value)


async def test_retry_after_seconds_and_http_date_reach_litellm(litellm, llm: ScriptedLLMServer) -> None:
    when = datetime(2031, 5, 6, 7, 8, 9, tzinfo=UTC)
    llm.enqueue(error(429, retry_after=3), error(429, retry_after=when))
    with pytest.raises(litellm.RateLimitError) as first:
        await acompletion(litellm, llm)
    assert first.value.litellm_response_headers["retry-after"] == "3"
    with pytest.raises(litellm.RateLimitError) as second:
        await acompletion(litellm, llm)
    assert parsedate_to_datetime(second.value.litellm_response_headers["retry-after"]) == when


def test_error_body_is_openai_shaped(llm: ScriptedLLMServer) -> None:
    llm.enqueue(error(429, retry_after=2.5))
    status, headers, raw = raw_post(llm, {"model": "scripted", "messages": MESSAGES})
    assert status == 429 and headers["Retry-After"] == "2.5"
    body = json.loads(raw)["error"]
    assert body["type"] == "rate_limit_error" and body["code"] == "rate_limit_exceeded"


async def test_context_window_body_is_recognised_by_litellm(litellm, llm: ScriptedLLMServer) -> None:
    llm.enqueue(context_window_exceeded())
    with pytest.raises(litellm.ContextWindowExceededError):
        await acompletion(litellm, llm)


async def test_cut_stream_breaks_after_some_chunks(litellm, llm: ScriptedLLMServer) -> None:
    llm.enqueue(cut(text("one two three four", chunks=4), after_events=3))
    received: list[str] = []
    with pytest.raises(openai.APIError):
        async for chunk in await acompletion(litellm, llm):
            if chunk.choices and chunk.choices[0].delta.content:
                received.append(chunk.choices[0].delta.content)
    assert received == ["one t", "wo th"]


def test_cut_stream_has_no_done_marker(llm: ScriptedLLMServer) -> None:
    llm.enqueue(cut(text("one two three four"), after_events=2))
    parts = urlsplit(llm.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    conn.request("POST", "/v1/chat/completions", json.dumps({"model": "m", "messages": MESSAGES, "stream": True}))
    response = conn.getresponse()
    with pytest.raises(http.client.IncompleteRead) as caught:
        response.read()
    conn.close()
    assert b"[DONE]" not in caught.value.partial
    assert len(sse_events(caught.value.partial)) == 2


async def test_cut_non_streaming_body_is_truncated(litellm, llm: ScriptedLLMServer) -> None:
    llm.enqueue(cut(text("one two three"), after_events=1))
    with pytest.raises(openai.APIError):
        await acompletion(litellm, llm, stream=False)


async def test_dropped_connection_is_a_connection_error(litellm, llm: ScriptedLLMServer) -> None:
    llm.enqueue(dropped())
    with pytest.raises(openai.APIError) as caught:
        await acompletion(litellm, llm)
    assert "Connection error" in str(caught.value)


async def test_held_reply_times_out_a_small_timeout(litellm, llm: ScriptedLLMServer) -> None:
    llm.enqueue(held(text("late")))
    with pytest.raises(litellm.Timeout):
        await acompletion(litellm, llm, timeout=0.05)


async def test_held_reply_still_answers_a_patient_client(litellm, llm: ScriptedLLMServer) -> None:
    import asyncio

    llm.enqueue(held(text("late but here")))
    answer = asyncio.create_task(acompletion(litellm, llm))
    await asyncio.to_thread(llm.wait_for_requests, 1)
    assert not answer.done()
    llm.release()
    chunks = await collect(await answer)
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "late but here"


async def test_unscripted_request_fails_at_once_with_its_number(litellm, llm: ScriptedLLMServer) -> None:
    llm.enqueue("only one")
    await collect(await acompletion(litellm, llm))
    with pytest.raises(litellm.BadRequestError) as caught:
        await acompletion(litellm, llm)
    assert "no scripted reply left (request 2)" in str(caught.value)
    assert len(llm.requests) == 2


async def test_requests_are_recorded_in_order_with_headers(litellm, llm: ScriptedLLMServer) -> None:
    llm.enqueue("first", "second")
    await collect(await acompletion(litellm, llm, tools=TOOLS))
    await acompletion(litellm, llm, stream=False)

    first, second = llm.requests
    assert first.path == "/v1/chat/completions"
    assert first.headers["authorization"] == "Bearer sk-test"
    assert first.body["model"] == "scripted" and first.body["messages"] == MESSAGES
    assert first.body["stream"] is True and first.body["tools"][0]["function"]["name"] == "search_logs"
    assert "tools" not in second.body
    assert llm.pending == 0


async def test_concurrent_requests_are_all_recorded(litellm, llm: ScriptedLLMServer) -> None:
    llm.enqueue(*[text(f"answer {i}") for i in range(8)])
    responses = await asyncio.gather(*[acompletion(litellm, llm, stream=False) for _ in range(8)])
    answers = sorted(r.choices[0].message.content for r in responses)
    assert answers == sorted(f"answer {i}" for i in range(8))
    assert len(llm.requests) == 8


def test_keep_alive_serves_several_requests_on_one_connection(llm: ScriptedLLMServer) -> None:
    llm.enqueue("one", "two")
    parts = urlsplit(llm.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    try:
        for expected in ("one", "two"):
            conn.request("POST", "/chat/completions", json.dumps({"model": "m", "messages": MESSAGES, "stream": True}))
            events = sse_events(conn.getresponse().read())
            assert events[-1] == "[DONE]"
            assert "".join(json.loads(e)["choices"][0]["delta"].get("content") or "" for e in events[:-2]) == expected
    finally:
        conn.close()
    assert [r.path for r in llm.requests] == ["/chat/completions", "/chat/completions"]


def test_unknown_path_is_404_and_keeps_the_script(llm: ScriptedLLMServer) -> None:
    llm.enqueue("kept")
    status, _, _ = raw_post(llm, {"model": "m"}, path="/v1/embeddings")
    assert status == 404
    assert llm.pending == 1


def test_reset_empties_script_and_log(llm: ScriptedLLMServer) -> None:
    llm.enqueue("a", "b")
    raw_post(llm, {"model": "m", "messages": MESSAGES})
    llm.reset()
    assert llm.requests == [] and llm.pending == 0

