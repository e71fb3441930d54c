"""The chat's slash commands: what each does, and the help that lists them.

Each command prints on `panels`: the terminal in an interactive chat, stderr
when questions are piped in (so stdout carries answers only).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.text import Text

from logai.events import Event, ToolCallFinished
from logai.figures import dollars
from logai.ui.sanitize import sanitize

if TYPE_CHECKING:
    from logai.session import Session

# name -> (argument, what it does); /help prints them in this order.
COMMANDS: dict[str, tuple[str, str]] = {
    "/help": ("", "this text"),
    "/groups": ("[prefix]", "list log groups (names complete with Tab anywhere in a line)"),
    "/last": ("", "the full result of the last tool call, in a pager"),
    "/save": ("[file]", "save this conversation as Markdown"),
    "/model": ("[name]", "show or switch the model (a litellm model string)"),
    "/cost": ("", "tokens and dollars this session"),
    "/stats": ("", "metrics of this session so far"),
    "/metrics": ("", "metrics of every session so far"),
    "/history": ("", "past sessions (logai history show ID prints one)"),
    "/clear": ("", "forget the conversation (start afresh)"),
    "/exit": ("", "end the session (also Ctrl-D, or Ctrl-C twice)"),
}
EXIT_WORDS = ("/exit", "/quit", "/q")


def help_text() -> str:
    commands = "\n".join(f"  {f'{name} {arg}'.strip():17} {what}" for name, (arg, what) in COMMANDS.items())
    return (
        "Ask a question about your CloudWatch Logs in plain words, for example:\n"
        "  why did checkout start failing at 14:05?\n"
        "  which log groups had the most errors in the last hour?\n"
        "Alt-Enter (or Esc, Enter) starts a new line; Enter sends. Tab completes commands and log group names.\n"
        f"Commands:\n{commands}\n"
        "Ctrl-C while an answer runs cancels that answer and keeps the session."
    )


class SlashCommands:
    """Runs one slash command against the session; keeps what `/last` shows."""

    def __init__(self, session: Session, *, home: Path | None, pager: bool) -> None:
        self.session = session
        self.home = home
        self.pager = pager
        self.last_tool: ToolCallFinished | None = None
        session.bus.subscribe(self._observe)

    def _observe(self, event: Event) -> None:
        if isinstance(event, ToolCallFinished):
            self.last_tool = event

    async def run(self, text: str, panels: Console) -> None:
        name, _, argument = text.strip().partition(" ")
        handlers: dict[str, Callable[[str, Console], Awaitable[None] | None]] = {
            "/help": lambda _, out: out.print(help_text(), highlight=False, markup=False),
            "/clear": self._clear,
            "/stats": self._stats,
            "/last": self._last,
            "/save": self._save,
            "/model": self._model,
            "/cost": self._cost,
            "/groups": self._groups,
            "/history": self._history,
            "/metrics": self._metrics,
        }
        handler = handlers.get(name.lower())
        if handler is None:
            panels.print(Text(f"unknown command {sanitize(name)}; /help lists them", style="yellow"))
            return
        outcome = handler(argument.strip(), panels)
        if outcome is not None:
            await outcome

    def _clear(self, _: str, out: Console) -> None:
        self.session.clear()
        out.print(Text("conversation cleared", style="dim"))

    def _stats(self, _: str, out: Console) -> None:
        from logai.ui.summary import session_summary

        out.print(session_summary(self.session.metrics.export_summary()))

    def _last(self, _: str, out: Console) -> None:
        event = self.last_tool
        if event is None:
            out.print(Text("no tool has run yet in this session", style="dim"))
            return
        heading = Text(f"{sanitize(event.name)} {sanitize(str(event.arguments))}", style="bold")
        if self.pager and out.is_terminal:
            with out.pager(styles=False):
                out.print(heading)
                out.print(sanitize(event.result), highlight=False, markup=False)
        else:
            out.print(heading)
            out.print(sanitize(event.result), highlight=False, markup=False)

    def _save(self, argument: str, out: Console) -> None:
        from logai.history.markdown import to_markdown

        transcript = self.session.transcript
        if transcript is None or not transcript.records:
            out.print(Text("nothing to save yet" if transcript is not None else "history is off (history_enabled)", style="yellow"))
            return
        target = Path(argument).expanduser() if argument else Path(f"logai-{transcript.id}.md")
        try:
            target.write_text(to_markdown(transcript.records, transcript.id), encoding="utf-8")
        except OSError as exc:
            out.print(Text(f"cannot write {target}: {exc.strerror or exc}", style="red"))
            return
        out.print(Text(f"saved to {target}", style="dim"))

    def _model(self, argument: str, out: Console) -> None:
        llm: Any = self.session.agent.llm
        if argument:
            if "/" not in argument:
                out.print(Text(f"{argument!r} has no provider prefix (openai/…, anthropic/…, bedrock/…, ollama/…)", style="yellow"))
                return
            llm.model = argument
        out.print(Text(f"model: {sanitize(str(getattr(llm, 'model', '?')))}", style="dim"))

    def _cost(self, _: str, out: Console) -> None:
        from logai.metrics import names

        summary = self.session.metrics.export_summary()
        counters = summary.get("counters", [])

        def total(name: str, **labels: str) -> float:
            return sum(c["value"] for c in counters if c["name"] == name and all(c["labels"].get(k) == v for k, v in labels.items()))

        priced = any(c["name"] == names.LLM_COST_USD for c in counters)
        cost = dollars(total(names.LLM_COST_USD)) if priced else "no price known for this model"
        tokens_in, tokens_out = total(names.LLM_TOKENS, direction="input"), total(names.LLM_TOKENS, direction="output")
        out.print(f"this session: {tokens_in:,.0f} tokens in, {tokens_out:,.0f} out; {cost}", highlight=False)

    async def _groups(self, prefix: str, out: Console) -> None:
        from logai.logs.errors import SourceError

        source = self.session.source
        if source is None:
            out.print(Text("no CloudWatch source in this session", style="yellow"))
            return
        try:
            found = await asyncio.to_thread(source.list_groups, prefix or None, 100)
        except SourceError as exc:
            out.print(Text(f"error: {sanitize(exc.message)}", style="red"))
            return
        for group in found:
            out.print(sanitize(group.name), highlight=False, markup=False)
        if not found:
            out.print(Text(f"no log groups{f' start with {prefix}' if prefix else ''}", style="dim"))

    def _history(self, _: str, out: Console) -> None:
        from logai.history.store import list_sessions

        sessions = list_sessions(self.home, 10) if self.home is not None else []
        if not sessions:
            out.print(Text("no sessions kept yet", style="dim"))
        for s in sessions:
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(s.started))
            out.print(f"{s.id}  {when}  {s.command:5}  {sanitize(s.first_question)[:60]}", highlight=False, markup=False)

    def _metrics(self, _: str, out: Console) -> None:
        from logai.commands.metrics import as_document, read_totals
        from logai.ui.summary import session_summary

        if self.home is None:
            out.print(Text("metrics are not kept for this session", style="dim"))
            return
        document = as_document(read_totals(self.home, None), since=None, selectors={}, by=[])
        out.print(session_summary(document, title=f"All sessions ({document['sessions']})"))
