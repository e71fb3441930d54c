"""A transcript as Markdown: what `logai history export --markdown` and `/save` write."""

from __future__ import annotations

import time
from typing import Any

from logai.figures import dollars
from logai.history.store import summarise


def _when(epoch: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(epoch))


def _arguments(arguments: dict[str, Any]) -> str:
    return " ".join(f"{key}={','.join(map(str, value)) if isinstance(value, list) else value}" for key, value in arguments.items())


def _usage(usage: dict[str, Any]) -> str:
    parts = []
    if usage.get("prompt_tokens") or usage.get("completion_tokens"):
        parts.append(f"{int(usage.get('prompt_tokens', 0)):,} tokens in / {int(usage.get('completion_tokens', 0)):,} out")
    if isinstance(usage.get("cost_usd"), int | float) and usage["cost_usd"] > 0:
        parts.append(dollars(usage["cost_usd"]))
    return " · ".join(parts)


def to_markdown(records: list[dict[str, Any]], fallback_id: str = "") -> str:
    """Heading, then per question: the question, each tool call as a bullet, the answer, its usage."""
    summary = summarise(records, fallback_id)
    lines = [f"# logai {summary.command} {summary.id}", ""]
    lines.append(f"{_when(summary.started)}" + (f", model `{summary.model}`" if summary.model else ""))
    for record in records:
        kind = record.get("type")
        if kind == "question":
            lines += ["", f"## {' '.join(str(record.get('text', '')).split())}", ""]
        elif kind == "tool":
            mark = "✓" if record.get("ok") else "✗"
            lines.append(
                f"- {mark} `{record.get('name')}` {_arguments(record.get('arguments') or {})} → {record.get('summary', '')}"
                f" ({float(record.get('duration_s', 0)):.2f} s)"
            )
        elif kind == "retry":
            lines.append(f"- ↻ {record.get('message', '')}")
        elif kind == "nudge":
            lines.append(f"- ↻ nudged the model ({str(record.get('reason', '')).replace('_', ' ')}, {record.get('attempt')})")
        elif kind == "answer":
            lines.append("")
            if record.get("error"):
                lines.append(f"**error:** {record['error']}")
            else:
                lines.append(str(record.get("text", "")).strip() or "_(no answer)_")
            usage = _usage(record.get("usage") or {})
            if usage:
                lines += ["", f"_{usage}_"]
    return "\n".join(lines).rstrip() + "\n"
