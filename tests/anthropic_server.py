"""A scripted Anthropic Messages API server for tests (`POST /v1/messages`).

The replies are `tests.llm_server`'s (`text`, `tool_calls`, `held`, `broken`…),
rendered as Anthropic streams them: `message_start` (input and cache token
counts), per content block `content_block_start`, `content_block_delta`
(`text_delta`, or `input_json_delta` carrying a tool call's JSON in pieces) and
`content_block_stop`, then `message_delta` (stop reason, output tokens) and
`message_stop`. Errors have Anthropic's body, `{"type": "error", "error":
{"type": …, "message": …}}`, with its types: `rate_limit_error` (429),
`overloaded_error` (529)… A `broken` reply sends an `error` event inside a
stream that began with HTTP 200, which is how Anthropic reports overload
mid-answer.

    server = ScriptedLLMServer(AnthropicHandler); server.start()
    litellm.acompletion(model="anthropic/claude-…", api_base=server.url, …)
"""

from __future__ import annotations

import json
from typing import Any

from tests.llm_server import ErrorReply, MessageReply, ScriptedHandler, error as openai_error, split_text

ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}
_MESSAGES = {
    401: "invalid x-api-key",
    404: "model: claude-scripted",
    429: "Number of request tokens has exceeded your per-minute rate limit.",
    529: "Overloaded",
}


def error(status: int, message: str | None = None, *, retry_after: float | None = None, type: str | None = None) -> ErrorReply:
    """An Anthropic error reply; the type follows the status unless given."""
    return openai_error(
        status,
        message or _MESSAGES.get(status, f"Scripted error {status}."),
        retry_after=retry_after,
        type=type or ERROR_TYPES.get(status, "api_error" if status >= 500 else "invalid_request_error"),
    )


def overloaded() -> ErrorReply:
    """Anthropic's 529: its servers are overloaded (as a status, or inside a stream with `broken`)."""
    return error(529)


def _tool_id(reply: MessageReply, position: int) -> str:
    return reply.calls[position].id or f"toolu_{position:02d}scripted"


def _usage_in(reply: MessageReply) -> dict[str, int]:
    # Anthropic's input_tokens leaves out the tokens read from or written to the cache.
    return {
        "input_tokens": reply.prompt_tokens - reply.cached_tokens - reply.cache_write_tokens,
        "cache_creation_input_tokens": reply.cache_write_tokens,
        "cache_read_input_tokens": reply.cached_tokens,
    }


def stream_events(reply: MessageReply, *, model: str, ident: str) -> list[tuple[str, dict[str, Any]]]:
    """The (event name, data) pairs Anthropic streams for `reply`."""
    stop = "tool_use" if reply.calls else "end_turn"
    events: list[tuple[str, dict[str, Any]]] = [
        ("message_start", {"type": "message_start", "message": {
            "id": ident, "type": "message", "role": "assistant", "model": model, "content": [],
            "stop_reason": None, "stop_sequence": None, "usage": {**_usage_in(reply), "output_tokens": 1},
        }}),
        ("ping", {"type": "ping"}),
    ]
    index = 0
    if reply.text:
        events.append(("content_block_start", {"type": "content_block_start", "index": index,
                                               "content_block": {"type": "text", "text": ""}}))
        for piece in split_text(reply.text, reply.chunks):
            events.append(("content_block_delta", {"type": "content_block_delta", "index": index,
                                                   "delta": {"type": "text_delta", "text": piece}}))
        events.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
        index += 1
    for position, tool in enumerate(reply.calls):
        events.append(("content_block_start", {"type": "content_block_start", "index": index, "content_block": {
            "type": "tool_use", "id": _tool_id(reply, position), "name": tool.name, "input": {}}}))
        for piece in split_text(tool.argument_text(), reply.chunks):
            events.append(("content_block_delta", {"type": "content_block_delta", "index": index,
                                                   "delta": {"type": "input_json_delta", "partial_json": piece}}))
        events.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
        index += 1
    events.append(("message_delta", {"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": None},
                                     "usage": {"output_tokens": reply.output_tokens()}}))
    events.append(("message_stop", {"type": "message_stop"}))
    return events


def message_body(reply: MessageReply, *, model: str, ident: str) -> dict[str, Any]:
    """The whole Messages response for a request that does not stream."""
    content: list[dict[str, Any]] = [{"type": "text", "text": reply.text}] if reply.text else []
    content += [
        {"type": "tool_use", "id": _tool_id(reply, i), "name": c.name, "input": json.loads(c.argument_text())}
        for i, c in enumerate(reply.calls)
    ]
    return {
        "id": ident, "type": "message", "role": "assistant", "model": model, "content": content,
        "stop_reason": "tool_use" if reply.calls else "end_turn", "stop_sequence": None,
        "usage": {**_usage_in(reply), "output_tokens": reply.output_tokens()},
    }


def error_body(reply: ErrorReply) -> dict[str, Any]:
    return {"type": "error", "error": {"type": reply.type, "message": reply.message}}


class AnthropicHandler(ScriptedHandler):
    """Anthropic's Messages API; litellm is given the bare base URL and adds `/v1/messages`."""

    @classmethod
    def answers(cls, path: str) -> bool:
        return path == "/v1/messages"

    @staticmethod
    def make_error(status: int, message: str) -> ErrorReply:
        return error(status, message)

    def send_error_reply(self, reply: ErrorReply) -> None:
        self._send_json(reply.status, error_body(reply), self.error_headers(reply))

    def send_message(self, reply: MessageReply, request: dict[str, Any], number: int) -> None:
        model, ident = str(request.get("model", "claude-scripted")), f"msg_{number:04d}"
        if not request.get("stream"):
            self._send_json(200, message_body(reply, model=model, ident=ident))
            return
        self.start_chunked("text/event-stream")
        for position, (name, data) in enumerate(stream_events(reply, model=model, ident=ident)):
            if reply.cut_after is not None and position >= reply.cut_after:
                if reply.stream_error is None:
                    self._drop()
                    return
                self._write_chunk(f"event: error\ndata: {json.dumps(error_body(reply.stream_error))}\n\n".encode())
                break
            self._write_chunk(f"event: {name}\ndata: {json.dumps(data)}\n\n".encode())
        self.end_chunked()
