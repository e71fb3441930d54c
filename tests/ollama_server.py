"""A scripted Ollama server for tests (`POST /api/chat`, Ollama's native tool calling).

The replies are `tests.llm_server`'s, rendered as Ollama streams them: one JSON
object per line (`application/x-ndjson`), each with a `message` piece; tool
calls come whole (arguments as a JSON object, never in fragments), one line
each as current Ollama streams them (`in_one_line(reply)`: all in one line, as
older releases did); the last line has `"done": true`, the `done_reason` and the
token counts `prompt_eval_count` and `eval_count`. Errors are `{"error": "…"}`;
`model_not_found` is Ollama's 404 for a model that was never pulled.

    server = ScriptedLLMServer(OllamaHandler); server.start()
    litellm.acompletion(model="ollama_chat/llama3.1", api_base=server.url, …)

Ollama has no prompt cache to report, so `cached_tokens` is not sent. Any other
path (`/api/generate`, where litellm's `ollama/` route goes) is answered 404
and recorded, so a test sees where a request went.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from typing import Any

from tests.llm_server import ErrorReply, MessageReply, ScriptedHandler, error as openai_error, split_text

CREATED_AT = "2026-11-27T12:00:00.000000Z"


def error(status: int, message: str) -> ErrorReply:
    """An Ollama error: the status and `{"error": message}`."""
    return openai_error(status, message)


def model_not_found(name: str = "llama3.1") -> ErrorReply:
    """What Ollama answers for a model that is not pulled on this machine."""
    return error(404, f'model "{name}" not found, try pulling it first')


def no_tool_support(name: str = "llama3") -> ErrorReply:
    """What Ollama answers when the request offers tools to a model that cannot call them."""
    return error(400, f"registry.ollama.ai/library/{name}:latest does not support tools")


@dataclass(frozen=True, slots=True, kw_only=True)
class OneLineReply(MessageReply):
    """A reply whose tool calls all come in one line."""


def in_one_line(reply: MessageReply) -> OneLineReply:
    """`reply` with all its tool calls in one line, as Ollama releases before streaming tool calls sent them."""
    return OneLineReply(**{f.name: getattr(reply, f.name) for f in fields(reply)})


def stream_lines(reply: MessageReply, *, model: str) -> list[dict[str, Any]]:
    """The objects Ollama streams for `reply`, one per line."""

    def line(message: dict[str, Any], **extra: Any) -> dict[str, Any]:
        return {"model": model, "created_at": CREATED_AT, "message": {"role": "assistant", **message}, "done": False, **extra}

    lines = [line({"content": piece}) for piece in split_text(reply.text, reply.chunks)] if reply.text else []
    calls = [
        {"function": {"index": i, "name": c.name, "arguments": json.loads(c.argument_text())}}
        for i, c in enumerate(reply.calls)
    ]
    if calls and isinstance(reply, OneLineReply):
        lines.append(line({"content": "", "tool_calls": calls}))
    else:
        lines += [line({"content": "", "tool_calls": [one]}) for one in calls]
    lines.append(line({"content": ""}, **_done(reply)))
    return lines


def _done(reply: MessageReply) -> dict[str, Any]:
    return {
        "done": True,
        "done_reason": "stop",
        "total_duration": 912_000_000,
        "load_duration": 21_000_000,
        "prompt_eval_count": reply.prompt_tokens,
        "prompt_eval_duration": 300_000_000,
        "eval_count": reply.output_tokens(),
        "eval_duration": 580_000_000,
    }


def chat_body(reply: MessageReply, *, model: str) -> dict[str, Any]:
    """The one object Ollama answers when the request says `"stream": false`."""
    message: dict[str, Any] = {"role": "assistant", "content": reply.text}
    if reply.calls:
        message["tool_calls"] = [
            {"function": {"index": i, "name": c.name, "arguments": json.loads(c.argument_text())}}
            for i, c in enumerate(reply.calls)
        ]
    return {"model": model, "created_at": CREATED_AT, "message": message, **_done(reply)}


class OllamaHandler(ScriptedHandler):
    """Ollama's `/api/chat`; litellm is given the bare base URL (as for a local `ollama serve`)."""

    @classmethod
    def answers(cls, path: str) -> bool:
        return path == "/api/chat"

    @staticmethod
    def make_error(status: int, message: str) -> ErrorReply:
        return error(status, message)

    def send_error_reply(self, reply: ErrorReply) -> None:
        self._send_json(reply.status, {"error": reply.message}, self.error_headers(reply))

    def send_message(self, reply: MessageReply, request: dict[str, Any], number: int) -> None:
        model = str(request.get("model", "llama3.1"))
        # Ollama streams unless told not to.
        if request.get("stream") is False:
            self._send_json(200, chat_body(reply, model=model))
            return
        self.start_chunked("application/x-ndjson")
        for position, item in enumerate(stream_lines(reply, model=model)):
            if reply.cut_after is not None and position >= reply.cut_after:
                if reply.stream_error is None:
                    self._drop()
                    return
                # Ollama reports a failure after the 200 as one more line holding only the error.
                self._write_chunk(json.dumps({"error": reply.stream_error.message}).encode() + b"\n")
                break
            self._write_chunk(json.dumps(item).encode() + b"\n")
        self.end_chunked()
