"""A scripted Amazon Bedrock runtime for tests: `ConverseStream` (and `Converse`).

The replies are `tests.llm_server`'s, rendered as Bedrock sends them: the body
is an AWS event stream (`application/vnd.amazon.eventstream`), binary frames
of prelude (total and header lengths, CRC32), string headers (`:event-type`,
`:content-type`, `:message-type`), a JSON payload and a CRC32 of the whole
frame; `encode_frame` writes one, and botocore's `EventStreamBuffer` (which
litellm uses) reads them. The events: `messageStart`, per content block
`contentBlockStart` (tool use: id and name), `contentBlockDelta` (`text`, or
`toolUse.input` with the call's JSON in pieces) and `contentBlockStop`,
then `messageStop` (stop reason) and `metadata` (usage, cache reads and writes
included, and latency).

Errors before the stream are HTTP errors with `{"message": …}` and the
exception's name in `x-amzn-ErrorType` (`ThrottlingException` is 429); a
`broken` reply sends an exception frame (`:message-type: exception`) inside a
stream that began with HTTP 200, as Bedrock does when it throttles mid-answer.

    server = ScriptedLLMServer(BedrockHandler); server.start()
    env AWS_ENDPOINT_URL_BEDROCK_RUNTIME=server.url, model "bedrock/<model id>"
"""

from __future__ import annotations

import json
import re
import struct
from binascii import crc32
from typing import Any

from tests.llm_server import ErrorReply, MessageReply, ScriptedHandler, error as openai_error, split_text

EXCEPTIONS = {
    400: "ValidationException",
    403: "AccessDeniedException",
    404: "ResourceNotFoundException",
    408: "ModelTimeoutException",
    424: "ModelErrorException",
    429: "ThrottlingException",
    500: "InternalServerException",
    503: "ServiceUnavailableException",
}
_MESSAGES = {
    403: "You don't have access to the model with the specified model ID.",
    429: "Too many requests, please wait before trying again.",
    503: "Bedrock is unable to process your request.",
}
_PATH = re.compile(r"^/model/[^/]+/(converse|converse-stream)$")


def error(status: int, message: str | None = None, *, exception: str | None = None) -> ErrorReply:
    """A Bedrock error; the exception name follows the status unless given."""
    return openai_error(
        status,
        message or _MESSAGES.get(status, f"Scripted error {status}."),
        type=exception or EXCEPTIONS.get(status, "InternalServerException"),
    )


def throttled() -> ErrorReply:
    """Bedrock's ThrottlingException: too many requests or tokens for the account's quota on this model."""
    return error(429)


def encode_frame(headers: dict[str, str], payload: bytes) -> bytes:
    """One AWS event-stream message: prelude, string headers (type 7), payload, CRC32s."""
    encoded = b"".join(
        struct.pack("!B", len(name)) + name + b"\x07" + struct.pack("!H", len(value)) + value
        for name, value in ((k.encode(), v.encode()) for k, v in headers.items())
    )
    prelude = struct.pack("!II", 12 + len(encoded) + len(payload) + 4, len(encoded))
    prelude += struct.pack("!I", crc32(prelude))
    frame = prelude + encoded + payload
    return frame + struct.pack("!I", crc32(frame))


def event_frame(event_type: str, data: dict[str, Any]) -> bytes:
    headers = {":event-type": event_type, ":content-type": "application/json", ":message-type": "event"}
    return encode_frame(headers, json.dumps(data).encode())


def exception_frame(reply: ErrorReply) -> bytes:
    # Inside a stream the exception's name starts lower-case (throttlingException).
    name = reply.type[:1].lower() + reply.type[1:]
    headers = {":exception-type": name, ":content-type": "application/json", ":message-type": "exception"}
    return encode_frame(headers, json.dumps({"message": reply.message}).encode())


def _tool_id(reply: MessageReply, position: int) -> str:
    return reply.calls[position].id or f"tooluse_scripted{position:02d}"


def _usage(reply: MessageReply) -> dict[str, int]:
    # Like Anthropic's, Bedrock's inputTokens leaves out what was read from or written to the cache.
    fresh = reply.prompt_tokens - reply.cached_tokens - reply.cache_write_tokens
    out = reply.output_tokens()
    usage = {"inputTokens": fresh, "outputTokens": out, "totalTokens": reply.prompt_tokens + out}
    if reply.cached_tokens or reply.cache_write_tokens:
        usage |= {"cacheReadInputTokens": reply.cached_tokens, "cacheWriteInputTokens": reply.cache_write_tokens}
    return usage


def stream_events(reply: MessageReply) -> list[tuple[str, dict[str, Any]]]:
    """The (event type, payload) pairs of a ConverseStream answer."""
    events: list[tuple[str, dict[str, Any]]] = [("messageStart", {"role": "assistant"})]
    index = 0
    if reply.text:
        for piece in split_text(reply.text, reply.chunks):
            events.append(("contentBlockDelta", {"contentBlockIndex": index, "delta": {"text": piece}}))
        events.append(("contentBlockStop", {"contentBlockIndex": index}))
        index += 1
    for position, tool in enumerate(reply.calls):
        events.append(("contentBlockStart", {"contentBlockIndex": index, "start": {
            "toolUse": {"toolUseId": _tool_id(reply, position), "name": tool.name}}}))
        for piece in split_text(tool.argument_text(), reply.chunks):
            events.append(("contentBlockDelta", {"contentBlockIndex": index, "delta": {"toolUse": {"input": piece}}}))
        events.append(("contentBlockStop", {"contentBlockIndex": index}))
        index += 1
    events.append(("messageStop", {"stopReason": "tool_use" if reply.calls else "end_turn"}))
    events.append(("metadata", {"usage": _usage(reply), "metrics": {"latencyMs": 412}}))
    return events


def converse_body(reply: MessageReply) -> dict[str, Any]:
    """The `Converse` (not streamed) answer."""
    content: list[dict[str, Any]] = [{"text": reply.text}] if reply.text else []
    content += [
        {"toolUse": {"toolUseId": _tool_id(reply, i), "name": c.name, "input": json.loads(c.argument_text())}}
        for i, c in enumerate(reply.calls)
    ]
    return {
        "output": {"message": {"role": "assistant", "content": content}},
        "stopReason": "tool_use" if reply.calls else "end_turn",
        "usage": _usage(reply),
        "metrics": {"latencyMs": 412},
    }


class BedrockHandler(ScriptedHandler):
    """The Bedrock runtime's `POST /model/{modelId}/converse-stream` and `/converse`."""

    @classmethod
    def answers(cls, path: str) -> bool:
        return bool(_PATH.match(path))

    @staticmethod
    def make_error(status: int, message: str) -> ErrorReply:
        return error(status, message)

    def send_error_reply(self, reply: ErrorReply) -> None:
        kind = f"{reply.type}:http://internal.amazon.com/coral/com.amazon.bedrock/"
        extra = [("x-amzn-ErrorType", kind), ("x-amzn-RequestId", "scripted-request"), *self.error_headers(reply)]
        self._send_json(reply.status, {"message": reply.message}, extra)

    def send_message(self, reply: MessageReply, request: dict[str, Any], number: int) -> None:
        if not self.path.endswith("/converse-stream"):
            self._send_json(200, converse_body(reply), [("x-amzn-RequestId", f"scripted-{number}")])
            return
        self.start_chunked("application/vnd.amazon.eventstream", [("x-amzn-RequestId", f"scripted-{number}")])
        for position, (name, data) in enumerate(stream_events(reply)):
            if reply.cut_after is not None and position >= reply.cut_after:
                if reply.stream_error is None:
                    self._drop()
                    return
                self._write_chunk(exception_frame(reply.stream_error))
                break
            self._write_chunk(event_frame(name, data))
        self.end_chunked()
