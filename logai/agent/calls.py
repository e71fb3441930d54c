"""Which of a reply's tool calls run: identical calls merged, the rest capped per reply and per turn.

A model can ask for a thousand calls in one reply, most of them the same.
Each would cost a CloudWatch call and a tool result in every later request,
so a reply's calls are planned first: a call that repeats an earlier one of
the same reply (same tool, same arguments) is merged into it, and only the
first `per_reply` distinct calls run, fewer when the turn's allowance is
nearly spent. The model is told, in one note, what did not run.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from logai.events import ToolCall
from logai.figures import shortened

# A tool name in the note is the model's own text: keep it short.
_NAME_CHARS = 64
_NAMES_LISTED = 8


@dataclass(frozen=True, slots=True)
class CallPlan:
    """`run`: the calls to make, in the model's order. `merged`: how many repeated one of them.
    `skipped`: distinct calls past the cap; `limit` says which cap (`reply` or `turn`)."""

    run: tuple[ToolCall, ...]
    merged: int = 0
    skipped: tuple[ToolCall, ...] = field(default_factory=tuple)
    limit: Literal["reply", "turn", ""] = ""

    def note(self, prefix: str, *, per_reply: int, per_turn: int) -> str | None:
        """What the model is told about calls that did not run; None when all ran."""
        parts: list[str] = []
        if self.merged:
            parts.append(
                f"{self.merged} of your tool calls repeated another call of the same reply with identical arguments; "
                "each ran once and its result above stands for all its copies."
            )
        if self.skipped:
            counts = Counter(_short(call.name) for call in self.skipped)
            listed = ", ".join(f"{name} x{count}" for name, count in counts.most_common(_NAMES_LISTED))
            if len(counts) > _NAMES_LISTED:
                listed += f" and {len(counts) - _NAMES_LISTED} other tools"
            cap = f"at most {per_reply} tool calls run per reply" if self.limit == "reply" else f"this turn reached its limit of {per_turn} tool calls"
            parts.append(f"{len(self.skipped)} calls were not run ({listed}): {cap}.")
            parts.append(
                "Answer now with what you found." if self.limit == "turn" else "Make fewer, more targeted calls if you need more."
            )
        return f"{prefix} " + " ".join(parts) if parts else None


def plan_calls(calls: Sequence[ToolCall], *, per_reply: int, turn_left: int) -> CallPlan:
    """Merge identical calls, then keep at most `min(per_reply, turn_left)` distinct ones."""
    distinct: list[ToolCall] = []
    seen: set[tuple[str, str]] = set()
    for call in calls:
        key = (call.name, _canonical(call.arguments))
        if key in seen:
            continue
        seen.add(key)
        distinct.append(call)
    allowed = max(0, min(per_reply, turn_left))
    limit: Literal["reply", "turn", ""] = ""
    if len(distinct) > allowed:
        limit = "turn" if turn_left <= per_reply else "reply"
    return CallPlan(
        run=tuple(distinct[:allowed]),
        merged=len(calls) - len(distinct),
        skipped=tuple(distinct[allowed:]),
        limit=limit,
    )


def _canonical(arguments: str) -> str:
    """The arguments as canonical JSON, so `{"a":1,"b":2}` and `{"b": 2, "a": 1}` are the same call."""
    try:
        return json.dumps(json.loads(arguments or "{}"), sort_keys=True, separators=(",", ":"))
    except json.JSONDecodeError:
        return arguments


def _short(name: str) -> str:
    return shortened(name, _NAME_CHARS)
