"""A scripted OpenAI-compatible chat-completions server for tests.

Tests say what the model answers, request by request, and litellm reaches the
server over real HTTP (`model="openai/<name>"`, `api_base=server.url`):

    server = ScriptedLLMServer(); server.start()
    server.enqueue(text("Hello there."), error(429, retry_after=2), tool_calls(call("search", {"q": "x"})))
    ...
    server.requests[0].body["messages"]

Reply builders (module-level functions, each returns a frozen reply):

- `text(content, …)`: the answer streamed as several `chat.completion.chunk`s,
  then `finish_reason: "stop"`, then a usage chunk when the request asks for
  `stream_options.include_usage`, then `data: [DONE]`.
- `tool_calls(call(name, arguments), …, text="")`: parallel tool calls with the
  `arguments` JSON split across several deltas the way OpenAI streams them;
  `arguments` may be a dict or a raw (possibly malformed) string.
- `error(status, message, retry_after=…)`, `context_window_exceeded()`: an
  OpenAI-style error body with any status and an optional `Retry-After`.
- `cut(reply, after_events=n)`: the stream stops after n SSE events and the
  connection closes without `[DONE]` (a truncated body when not streaming).
- `held(reply)`: the server holds the reply until `release()` (or `reset()`/`stop()`):
  a model that is slow for as long as the test wants, with no clock involved.
- `dropped()`: the socket closes without any response.
- `raw(body, status=200, content_type=…)`: exactly these bytes, whatever the
  request asked for: an empty 200, an HTML page, malformed JSON or SSE.

A request with `"stream": false` gets the same scripted reply as one JSON
`chat.completion`.

The replies, the script, the recording of requests and the HTTP plumbing are
shared with the other providers' servers (`anthropic_server`,
`ollama_server`, `bedrock_server`): each is a `ScriptedHandler` subclass that
renders the same replies in its own wire format, passed to
`ScriptedLLMServer(handler)`. When the script is used up the server answers 400 with
"no scripted reply left (request N)", so an under-scripted test fails at once
instead of retrying.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field, replace
from email.utils import format_datetime
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CHAT_PATHS = ("/v1/chat/completions", "/chat/completions")


# --- replies -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScriptedToolCall:
    """One tool call in a scripted reply; `arguments` is sent as given when it is a string."""

    name: str
    arguments: dict[str, Any] | str
    id: str | None = None

    def argument_text(self) -> str:
        if isinstance(self.arguments, str):
            return self.arguments
        return json.dumps(self.arguments)


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageReply:
    """A normal answer: text and/or tool calls.

    `chunks` is how many pieces the text (and each call's arguments) is split
    into. `prompt_tokens` counts every input token; `cached_tokens` of them were
    read from the provider's prompt cache and `cache_write_tokens` written to it.
    `cut_after` ends the stream after that many events without `[DONE]`; with
    `stream_error` the provider's in-stream error event follows them instead
    (servers whose protocol has one). `held` keeps the reply back until the
    server is told to release it.
    """

    text: str = ""
    calls: tuple[ScriptedToolCall, ...] = ()
    chunks: int = 3
    prompt_tokens: int = 11
    completion_tokens: int | None = None
    cached_tokens: int = 0
    cache_write_tokens: int = 0
    cut_after: int | None = None
    stream_error: ErrorReply | None = None
    held: bool = False

    @property
    def finish_reason(self) -> str:
        return "tool_calls" if self.calls else "stop"

    def output_tokens(self) -> int:
        if self.completion_tokens is not None:
            return self.completion_tokens
        words = len(self.text.split()) + sum(len(c.argument_text().split()) + 1 for c in self.calls)
        return max(words, 1)


@dataclass(frozen=True, slots=True, kw_only=True)
class ErrorReply:
    """An HTTP error with an OpenAI-style JSON body."""

    status: int
    message: str
    type: str = "api_error"
    code: str | None = None
    retry_after: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    held: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class DroppedConnection:
    """The server closes the socket without answering."""

    held: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class RawReply:
    """Exactly `body`, with `status` and `content_type`: what a broken proxy or a wrong URL sends."""

    body: bytes
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    held: bool = False


Reply = MessageReply | ErrorReply | DroppedConnection | RawReply

_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "invalid_request_error",
    403: "permission_error",
    404: "invalid_request_error",
    429: "rate_limit_error",
}
_ERROR_MESSAGES = {
    400: "Invalid request.",
    401: "Incorrect API key provided: sk-test-****. You can find your API key at https://platform.openai.com/account/api-keys.",
    403: "You are not allowed to use this model.",
    404: "The model `scripted` does not exist or you do not have access to it.",
    429: "Rate limit reached for requests. Please try again later.",
    500: "The server had an error while processing your request. Sorry about that!",
    502: "Bad gateway.",
    503: "The engine is currently overloaded, please try again later.",
}
_ERROR_CODES = {401: "invalid_api_key", 404: "model_not_found", 429: "rate_limit_exceeded"}


def text(
    content: str,
    *,
    chunks: int = 3,
    prompt_tokens: int = 11,
    completion_tokens: int | None = None,
    cached_tokens: int = 0,
    cache_write_tokens: int = 0,
) -> MessageReply:
    """A plain answer, streamed in `chunks` pieces. Token counts default to 11 in / word count out."""
    return MessageReply(
        text=content,
        chunks=chunks,
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        cached_tokens=cached_tokens,
        cache_write_tokens=cache_write_tokens,
    )


def call(name: str, arguments: dict[str, Any] | str, id: str | None = None) -> ScriptedToolCall:
    """One tool call; the id defaults to `call_<position>` in its reply."""
    return ScriptedToolCall(name=name, arguments=arguments, id=id)


def tool_calls(
    *calls: ScriptedToolCall,
    text: str = "",
    chunks: int = 3,
    prompt_tokens: int = 11,
    completion_tokens: int | None = None,
    cached_tokens: int = 0,
    cache_write_tokens: int = 0,
) -> MessageReply:
    """One or more (parallel) tool calls, optionally after some text; finish_reason "tool_calls"."""
    if not calls:
        raise ValueError("tool_calls() needs at least one call()")
    return MessageReply(
        text=text,
        calls=calls,
        chunks=chunks,
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        cached_tokens=cached_tokens,
        cache_write_tokens=cache_write_tokens,
    )


def error(
    status: int,
    message: str | None = None,
    *,
    retry_after: float | datetime | str | None = None,
    code: str | None = None,
    type: str | None = None,
    headers: dict[str, str] | None = None,
) -> ErrorReply:
    """An error answer. `retry_after` is seconds, an aware datetime (sent as an HTTP date) or raw text."""
    if isinstance(retry_after, datetime):
        header: str | None = format_datetime(retry_after, usegmt=True)
    elif isinstance(retry_after, int | float):
        header = f"{retry_after:g}"
    else:
        header = retry_after
    return ErrorReply(
        status=status,
        message=message or _ERROR_MESSAGES.get(status, f"Scripted error {status}."),
        type=type or _ERROR_TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error"),
        code=code if code is not None else _ERROR_CODES.get(status),
        retry_after=header,
        headers=tuple((headers or {}).items()),
    )


def context_window_exceeded(limit: int = 128000, used: int = 131072) -> ErrorReply:
    """OpenAI's 400 for a conversation longer than the model's context window."""
    return error(
        400,
        f"This model's maximum context length is {limit} tokens. However, your messages resulted in "
        f"{used} tokens. Please reduce the length of the messages.",
        code="context_length_exceeded",
        type="invalid_request_error",
    )


def cut(reply: MessageReply, after_events: int) -> MessageReply:
    """`reply`, but the connection closes after `after_events` SSE events (the role chunk counts)."""
    return replace(reply, cut_after=after_events)


def broken(reply: MessageReply, after_events: int, failure: ErrorReply) -> MessageReply:
    """`reply`, but after `after_events` events the provider reports `failure` inside the stream (HTTP 200 already sent)."""
    return replace(reply, cut_after=after_events, stream_error=failure)


def held(reply: Reply) -> Reply:
    """`reply`, sent only once the test calls `server.release()` (reset and stop release it too)."""
    return replace(reply, held=True)


def dropped() -> DroppedConnection:
    """The socket closes without any response."""
    return DroppedConnection()


def raw(body: bytes | str, *, status: int = 200, content_type: str = "text/html; charset=utf-8") -> RawReply:
    """These bytes as the whole answer (no OpenAI shape at all)."""
    data = body.encode() if isinstance(body, str) else body
    return RawReply(body=data, status=status, content_type=content_type)


# --- rendering -----------------------------------------------------------------


def split_text(value: str, pieces: int) -> list[str]:
    """`value` in at most `pieces` consecutive non-empty parts (one empty part for "")."""
    if not value:
        return [""]
    pieces = max(1, min(pieces, len(value)))
    size, extra = divmod(len(value), pieces)
    parts, start = [], 0
    for i in range(pieces):
        end = start + size + (1 if i < extra else 0)
        parts.append(value[start:end])
        start = end
    return parts


def _call_id(reply: MessageReply, position: int) -> str:
    given = reply.calls[position].id
    return given if given else f"call_{position}"


def stream_events(reply: MessageReply, *, model: str, include_usage: bool, ident: str) -> list[dict[str, Any]]:
    """The `chat.completion.chunk` objects OpenAI would stream for `reply`."""
    created = int(time.time())

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {
            "id": ident,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        }

    events = [chunk({"role": "assistant", "content": ""})]
    if reply.text:
        events += [chunk({"content": piece}) for piece in split_text(reply.text, reply.chunks)]
    for index, tool in enumerate(reply.calls):
        # First delta names the call; later deltas carry only argument fragments.
        head = {"index": index, "id": _call_id(reply, index), "type": "function",
                "function": {"name": tool.name, "arguments": ""}}
        events.append(chunk({"tool_calls": [head]}))
        for fragment in split_text(tool.argument_text(), reply.chunks):
            if fragment:
                events.append(chunk({"tool_calls": [{"index": index, "function": {"arguments": fragment}}]}))
    events.append(chunk({}, reply.finish_reason))
    if include_usage:
        events.append({
            "id": ident,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [],
            "usage": _usage(reply),
        })
    return events


def completion_body(reply: MessageReply, *, model: str, ident: str) -> dict[str, Any]:
    """The single `chat.completion` object for a non-streaming request."""
    message: dict[str, Any] = {"role": "assistant", "content": reply.text or None}
    if reply.calls:
        message["tool_calls"] = [
            {"id": _call_id(reply, i), "type": "function",
             "function": {"name": c.name, "arguments": c.argument_text()}}
            for i, c in enumerate(reply.calls)
        ]
    return {
        "id": ident,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": reply.finish_reason}],
        "usage": _usage(reply),
    }


def _usage(reply: MessageReply) -> dict[str, Any]:
    out = reply.output_tokens()
    usage: dict[str, Any] = {"prompt_tokens": reply.prompt_tokens, "completion_tokens": out,
                             "total_tokens": reply.prompt_tokens + out}
    if reply.cached_tokens:
        usage["prompt_tokens_details"] = {"cached_tokens": reply.cached_tokens}
    return usage


def error_body(reply: ErrorReply) -> dict[str, Any]:
    return {"error": {"message": reply.message, "type": reply.type, "param": None, "code": reply.code}}


# --- the server -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request as the server saw it; header names are lower-case."""

    path: str
    headers: dict[str, str]
    body: Any = field(default=None)


class ScriptedHandler(BaseHTTPRequestHandler):
    """What every provider's scripted server shares: recording, the script, held replies, raw bytes, drops.

    A protocol subclass says which paths it answers (`answers`), where its base
    URL ends (`url_path`), and renders errors (`send_error_reply`) and answers
    (`send_message`) in its wire format; `make_error` builds its error replies.
    """

    protocol_version = "HTTP/1.1"  # keep-alive, like the real API
    server: _HTTPServer
    url_path = ""

    @classmethod
    def answers(cls, path: str) -> bool:
        raise NotImplementedError

    @staticmethod
    def make_error(status: int, message: str) -> ErrorReply:
        raise NotImplementedError

    def send_error_reply(self, reply: ErrorReply) -> None:
        raise NotImplementedError

    def send_message(self, reply: MessageReply, request: dict[str, Any], number: int) -> None:
        raise NotImplementedError

    def setup(self) -> None:
        super().setup()
        # Many small writes (SSE chunks): without this, Nagle's algorithm and
        # delayed ACKs add ~40 ms per request on loopback.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass  # tests read `server.requests`, not an access log

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body: Any = json.loads(raw) if raw else None
        except json.JSONDecodeError:
            body = raw.decode("utf-8", "replace")
        owner = self.server.owner
        number, reply = owner._record_and_pop(
            RecordedRequest(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
        )
        if not self.answers(self.path.split("?")[0]):
            self.send_error_reply(self.make_error(404, f"Unknown path {self.path}."))
            return
        if reply is None:
            self.send_error_reply(self.make_error(400, f"no scripted reply left (request {number})"))
            return
        if reply.held and not owner._wait_for_release():
            return
        request = body if isinstance(body, dict) else {}
        if isinstance(reply, DroppedConnection):
            self._drop()
        elif isinstance(reply, RawReply):
            self._send_raw(reply)
        elif isinstance(reply, ErrorReply):
            self.send_error_reply(reply)
        else:
            self.send_message(reply, request, number)

    def error_headers(self, reply: ErrorReply) -> list[tuple[str, str]]:
        """The reply's extra headers and its Retry-After."""
        extra = list(reply.headers)
        if reply.retry_after is not None:
            extra.append(("Retry-After", reply.retry_after))
        return extra

    def _send_json(self, status: int, payload: Any, extra: list[tuple[str, str]] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in extra or []:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _send_raw(self, reply: RawReply) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    def start_chunked(self, content_type: str, extra: list[tuple[str, str]] | None = None) -> None:
        """A 200 whose body follows in chunks (`_write_chunk`, then `end_chunked`)."""
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        for name, value in extra or []:
            self.send_header(name, value)
        self.end_headers()

    def end_chunked(self) -> None:
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _drop(self) -> None:
        self.wfile.flush()
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class OpenAIHandler(ScriptedHandler):
    """OpenAI's chat completions: SSE `chat.completion.chunk`s ending in `[DONE]`, or one `chat.completion`."""

    url_path = "/v1"

    @classmethod
    def answers(cls, path: str) -> bool:
        return path in CHAT_PATHS

    @staticmethod
    def make_error(status: int, message: str) -> ErrorReply:
        return error(status, message)

    def send_error_reply(self, reply: ErrorReply) -> None:
        self._send_json(reply.status, error_body(reply), self.error_headers(reply))

    def send_message(self, reply: MessageReply, request: dict[str, Any], number: int) -> None:
        if request.get("stream"):
            self._send_stream(reply, request, number)
        else:
            self._send_completion(reply, request, number)

    def _send_completion(self, reply: MessageReply, request: dict[str, Any], number: int) -> None:
        data = json.dumps(completion_body(reply, model=str(request.get("model", "scripted")),
                                          ident=f"chatcmpl-{number}")).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if reply.cut_after is not None:
            # The promised length never arrives: the client sees a truncated body.
            self.wfile.write(data[: len(data) // 2])
            self._drop()
            return
        self.wfile.write(data)

    def _send_stream(self, reply: MessageReply, request: dict[str, Any], number: int) -> None:
        options = request.get("stream_options") or {}
        events = stream_events(reply, model=str(request.get("model", "scripted")),
                               include_usage=bool(options.get("include_usage")), ident=f"chatcmpl-{number}")
        self.start_chunked("text/event-stream")
        for position, event in enumerate(events):
            if reply.cut_after is not None and position >= reply.cut_after:
                # No terminating zero-length chunk: the body is incomplete, as when a proxy dies.
                self._drop()
                return
            self._write_chunk(f"data: {json.dumps(event)}\n\n".encode())
        self._write_chunk(b"data: [DONE]\n\n")
        self.end_chunked()


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    owner: ScriptedLLMServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that timed out or hung up is part of the script, not a server bug.
        import sys

        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)


class ScriptedLLMServer:
    """A model server on 127.0.0.1 that answers from a script, OpenAI-compatible unless told another `handler`.

    `url` is the base URL litellm is given (`http://127.0.0.1:<port>/v1` for
    OpenAI). `enqueue(*replies)` adds replies (a plain string means
    `text(string)`); each request takes the next one. `requests` lists every
    request seen, in order. `reset()` empties both.
    """

    def __init__(self, handler: type[ScriptedHandler] | None = None) -> None:
        self._handler = handler or OpenAIHandler
        self._lock = threading.Lock()
        self._replies: deque[Reply] = deque()
        self._requests: list[RecordedRequest] = []
        self._stopping = threading.Event()
        self._released = threading.Event()
        self._arrived = threading.Condition(self._lock)
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        httpd = _HTTPServer(("127.0.0.1", 0), self._handler)
        httpd.owner = self
        self._httpd = httpd
        self._stopping.clear()
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="scripted-llm", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()  # drops held replies at once
        self._released.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the scripted LLM server is not started")
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self._handler.url_path}"

    def enqueue(self, *replies: Reply | str) -> None:
        with self._lock:
            for reply in replies:
                self._replies.append(text(reply) if isinstance(reply, str) else reply)

    def reset(self) -> None:
        with self._lock:
            self._replies.clear()
            self._requests.clear()
            # Replies a previous test held go out now; new ones wait for a new release().
            self._released.set()
            self._released = threading.Event()

    def release(self) -> None:
        """Send the replies that are held, and any held reply that comes later."""
        self._released.set()

    def wait_for_requests(self, count: int, timeout: float = 30.0) -> None:
        """Block until `count` requests have arrived (another thread or process is making them)."""
        with self._arrived:
            if not self._arrived.wait_for(lambda: len(self._requests) >= count, timeout):
                raise AssertionError(f"{len(self._requests)} requests arrived, not {count}")

    def _wait_for_release(self) -> bool:
        """True when a held reply may go out; False when the server is stopping."""
        self._released.wait()
        return not self._stopping.is_set()

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def pending(self) -> int:
        """Scripted replies not yet used."""
        with self._lock:
            return len(self._replies)

    def _record_and_pop(self, request: RecordedRequest) -> tuple[int, Reply | None]:
        with self._lock:
            self._requests.append(request)
            self._arrived.notify_all()
            number = len(self._requests)
            if not self._handler.answers(request.path.split("?")[0]):
                return number, None
            return number, self._replies.popleft() if self._replies else None
