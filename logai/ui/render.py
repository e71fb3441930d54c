"""Rendering a turn's events in the terminal.

The core yields events; this turns them into what a person sees. On a
terminal the answer streams as Markdown; tool calls, retries and nudges show
as dim one-liners. When the answer goes to a pipe it is printed once, as
plain text, when the turn ends, so a retried stream never appears twice.
"""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.live import Live
import rich.markdown  # noqa: F401  loaded with the view: on the first streamed piece it costs ~30 ms of first byte to screen
from rich.status import Status
from rich.text import Text

from logai.figures import plural, seconds_text, shortened
from logai.events import (
    Event,
    NudgeInjected,
    NudgeLimitReached,
    RetryScheduled,
    TextDelta,
    ToolCallFinished,
    ToolCallsSkipped,
    ToolCallStarted,
    TurnDone,
)
from logai.ui.sanitize import safe_markdown, sanitize

# A tool name is the model's own text: a made-up one can be any length.
_NAME_CHARS = 64

_NUDGE_WORDS = {
    "empty_logs": "search found nothing; asking the model to widen it",
    "log_group_not_found": "log group not found; pointing the model at the closest names",
    "intent_without_action": "the model announced a search without making it; asking it to act",
}


def tool_name(name: str) -> str:
    """A tool name as the terminal shows it: sanitised, and cut when the model made up a long one."""
    return shortened(sanitize(name), _NAME_CHARS)


def describe_arguments(arguments: dict[str, Any], limit: int = 90) -> str:
    """Compact, sanitised `key=value` text for a tool line."""
    parts = []
    for key, value in arguments.items():
        if isinstance(value, list):
            shown = ",".join(str(v) for v in value)
        elif isinstance(value, str):
            shown = json.dumps(value, ensure_ascii=False) if (" " in value or not value) else value
        else:
            shown = str(value)
        parts.append(f"{key}={shown}")
    return shortened(sanitize(" ".join(parts)), limit)


def retry_line(event: RetryScheduled) -> str:
    return event.message + (", discarding the partial answer" if event.discard_text else "")


def skipped_line(event: ToolCallsSkipped) -> str:
    parts = []
    if event.merged:
        parts.append(f"{plural(event.merged, 'identical call')} merged")
    if event.over_limit:
        parts.append(f"{plural(event.over_limit, 'call')} over the per-{event.limit} limit not run")
    return "; ".join(parts)


def nudge_line(event: NudgeInjected | NudgeLimitReached) -> str:
    if isinstance(event, NudgeLimitReached):
        return f"no more {event.reason.replace('_', ' ')} retries this turn; asking for an answer with what was found"
    return f"{_NUDGE_WORDS.get(event.reason, event.reason)} (nudge {event.attempt})"


class TurnView:
    """Shows one turn. `out` gets the answer; `status` gets activity lines."""

    def __init__(self, out: Console, status: Console, *, stream_answer: bool) -> None:
        self.out = out
        self.status = status
        self.stream_answer = stream_answer
        self._text = ""
        self._live: Live | None = None
        self._spinner: Status | None = None
        self._running: dict[str, str] = {}
        # Until the answer starts, a spinner says the model is being waited for
        # (a slow model otherwise looks like a frozen screen).
        self._waiting = True
        self._spin()

    def handle(self, event: Event) -> None:
        if isinstance(event, TextDelta):
            self._on_text(event.text)
        elif isinstance(event, RetryScheduled):
            if event.discard_text and self._live is not None:
                # Erase the broken attempt's text: the retry streams the whole answer again.
                self._live.transient = True
            self._end_segment()
            self._note(retry_line(event), style="yellow")
            self._waiting = True
            self._spin()
        elif isinstance(event, ToolCallStarted):
            self._end_segment()
            self._running[event.call_id] = tool_name(event.name)
            self._spin()
        elif isinstance(event, ToolCallFinished):
            self._running.pop(event.call_id, None)
            self._waiting = True  # the results go back to the model next
            self._spin()
            self._tool_line(event)
        elif isinstance(event, (NudgeInjected, NudgeLimitReached)):
            self._end_segment()
            self._note(nudge_line(event))
        elif isinstance(event, ToolCallsSkipped):
            self._note(skipped_line(event), style="yellow")
        elif isinstance(event, TurnDone):
            self._finish(event)

    def close(self) -> None:
        """Stop anything live (after Ctrl-C, say)."""
        self._end_segment()
        self._running.clear()
        self._waiting = False
        self._spin()

    def _on_text(self, text: str) -> None:
        self._text += text
        if not self.stream_answer:
            return
        first = self._live is None
        if self._live is None:
            self._waiting = False
            self._spin()  # the answer takes the waiting indicator's place
            self._live = Live(console=self.out, refresh_per_second=12, vertical_overflow="ellipsis")
            self._live.start()
        # The first piece is painted at once, not on the next refresh tick.
        self._live.update(safe_markdown(self._text), refresh=first)

    def _end_segment(self) -> None:
        """The text so far is final (tools come next): leave it on screen and start afresh."""
        if self._live is not None:
            self._live.stop()
            self._live = None
        self._text = ""

    def _spin(self) -> None:
        if not self.status.is_terminal:
            return
        if self._running or self._waiting:
            running = ", ".join(sorted(set(self._running.values())))
            label = f"running {running}…" if running else "waiting for the model…"
            if self._spinner is None:
                self._spinner = self.status.status(label, spinner="dots")
                self._spinner.start()
            else:
                self._spinner.update(label)
        elif self._spinner is not None:
            self._spinner.stop()
            self._spinner = None

    def _tool_line(self, event: ToolCallFinished) -> None:
        """One line per call: mark, duration, tool, arguments, what it found.

        Long lines wrap rather than being cut at the width, so the outcome
        and the reason a call failed stay in view.
        """
        mark, style = ("✓", "green") if event.ok else ("✗", "red")
        line = Text()
        line.append(f"  {mark} ", style=style)
        line.append(f"{seconds_text(event.duration_s)} ", style="dim")
        line.append(tool_name(event.name), style="bold")
        args = describe_arguments(event.arguments)
        if args:
            line.append(f" {args}", style="dim")
        line.append(f" → {sanitize(event.summary)}", style="" if event.ok else "red")
        self.status.print(line, highlight=False)

    def _note(self, message: str, style: str = "dim") -> None:
        self.status.print(Text(f"  ↻ {sanitize(message)}", style=style), highlight=False)

    def _finish(self, done: TurnDone) -> None:
        streamed = self._live is not None
        self._end_segment()
        self._waiting = False
        self._spin()
        if done.error:
            self.status.print(Text(f"error: {sanitize(done.error)}", style="bold red"), highlight=False)
            return
        if not self.stream_answer:
            # Plain text, printed once: pipes and files get exactly the answer.
            self.out.file.write(sanitize(done.answer.rstrip()) + "\n")
            self.out.file.flush()
        elif not streamed and done.answer:
            self.out.print(safe_markdown(done.answer))
        if done.stop_reason == "max_rounds":
            self._note("the tool-round limit was reached; the answer rests on what was found so far")
