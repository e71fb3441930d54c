"""Assembling one model reply from what the provider sends back.

A `ReplyAssembly` takes either streamed chunks (`take_chunk`) or one whole
response (`take_response`) and keeps what the reply says so far: its text,
its tool calls (streamed fragments merged by the call's index), the finish
reason and the token counts the provider reported. It does no I/O and knows
nothing of retries; `LLMClient` makes one per attempt and reads it when the
attempt ends or fails.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from logai.events import TextDelta, ToolCall


@dataclass
class ReplyAssembly:
    """What one attempt produced before it ended or failed.

    `clock` is read once more, at the first text or tool-call fragment
    (`first_token_s` is then the seconds since `started_at`).
    """

    started_at: float
    clock: Callable[[], float]
    streamed: bool = False  # a response chunk arrived
    text_yielded: bool = False
    first_token_at: float | None = None
    content: list[str] = field(default_factory=list)
    calls: dict[int, dict[str, Any]] = field(default_factory=dict)
    moved: dict[int, int] = field(default_factory=dict)  # the provider's call index -> where that call is kept
    finish_reason: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cached_tokens: int = 0
    cache_write_tokens: int = 0

    def take_chunk(self, chunk: Any) -> list[TextDelta]:
        """Fold one streamed chunk in; returns the text it carried, as deltas to show."""
        self.streamed = True
        out: list[TextDelta] = []
        self._take_usage(chunk)
        for choice in getattr(chunk, "choices", None) or []:
            if getattr(choice, "finish_reason", None):
                self.finish_reason = choice.finish_reason
            delta = getattr(choice, "delta", None)
            if delta is None:
                continue
            text = getattr(delta, "content", None)
            if text:
                self._first_token()
                self.content.append(text)
                self.text_yielded = True
                out.append(TextDelta(text))
            for position, call in enumerate(getattr(delta, "tool_calls", None) or []):
                self._first_token()
                _merge_call_delta(self.calls, call, position, self.moved)
        return out

    def take_response(self, response: Any) -> None:
        """Take a whole (non-streamed) response as the reply."""
        self.streamed = True
        self._first_token()
        self._take_usage(response)
        choices = getattr(response, "choices", None) or []
        if not choices:
            return
        self.finish_reason = getattr(choices[0], "finish_reason", None)
        message = getattr(choices[0], "message", None)
        content = getattr(message, "content", None)
        if content:
            self.content.append(content)
        for index, call in enumerate(getattr(message, "tool_calls", None) or []):
            function = getattr(call, "function", None)
            self.calls[index] = {
                "id": getattr(call, "id", None) or f"call_{index}",
                "name": getattr(function, "name", None) or "",
                "arguments": [getattr(function, "arguments", None) or ""],
            }

    def text(self) -> str:
        """The reply's text so far."""
        return "".join(self.content)

    def tool_calls(self) -> list[ToolCall]:
        """The reply's tool calls in index order; a call the provider sent without an id gets `call_<index>`."""
        return [
            ToolCall(id=entry["id"] or f"call_{index}", name=entry["name"], arguments="".join(entry["arguments"]))
            for index, entry in sorted(self.calls.items())
        ]

    def first_token_s(self) -> float | None:
        """Seconds from the start of the attempt to its first token; None before one arrived."""
        return None if self.first_token_at is None else self.first_token_at - self.started_at

    def _first_token(self) -> None:
        if self.first_token_at is None:
            self.first_token_at = self.clock()

    def _take_usage(self, source: Any) -> None:
        usage = getattr(source, "usage", None)
        if usage is not None:
            # litellm counts every input token in prompt_tokens, cache reads and writes included,
            # and states the cached ones the OpenAI way (prompt_tokens_details) for every provider;
            # cache writes only Anthropic's way.
            self.prompt_tokens = getattr(usage, "prompt_tokens", None)
            self.completion_tokens = getattr(usage, "completion_tokens", None)
            details = getattr(usage, "prompt_tokens_details", None)
            self.cached_tokens = _count(getattr(details, "cached_tokens", None) or getattr(usage, "cache_read_input_tokens", None))
            self.cache_write_tokens = _count(
                getattr(usage, "cache_creation_input_tokens", None) or getattr(details, "cache_creation_tokens", None)
            )


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _merge_call_delta(calls: dict[int, dict[str, Any]], delta: Any, position: int, moved: dict[int, int]) -> None:
    """Fold one streamed tool-call fragment into `calls`, keyed by the call's index."""
    index = getattr(delta, "index", None)
    call_id = getattr(delta, "id", None)
    if isinstance(index, int):
        taken = calls.get(moved.get(index, index))
        if call_id and taken is not None and taken["id"] and taken["id"] != call_id:
            # A new id at a taken index is a new call: Ollama streams each call in a chunk
            # of its own, and litellm numbers the calls per chunk, so every one is index 0.
            moved[index] = max(calls) + 1
        index = moved.get(index, index)
    else:
        # Some providers omit the index: a new id starts a new call, else continue the last one.
        known = {c["id"]: i for i, c in calls.items()}
        if call_id and call_id not in known:
            index = len(calls)
        elif call_id:
            index = known[call_id]
        else:
            index = max(calls) if calls else position
    entry = calls.setdefault(index, {"id": None, "name": "", "arguments": []})
    if call_id:
        entry["id"] = call_id
    function = getattr(delta, "function", None)
    name = getattr(function, "name", None)
    if name:
        entry["name"] = name
    fragment = getattr(function, "arguments", None)
    if fragment:
        entry["arguments"].append(fragment)
