"""The chat REPL: prompt, slash commands, turns that Ctrl-C can cancel.

On a terminal the prompt is prompt-toolkit's (history, editing). When stdin
is a pipe, each line is one question, until EOF. Ctrl-C during a turn
cancels the turn and keeps the session; Ctrl-C twice at the prompt or Ctrl-D
ends it.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.text import Text

if TYPE_CHECKING:
    from logai.session import Session

HELP = """\
Ask a question about your CloudWatch Logs in plain words, for example:
  why did checkout start failing at 14:05?
  which log groups had the most errors in the last hour?
Commands:
  /help   this text
  /clear  forget the conversation (start afresh)
  /stats  metrics of this session so far
  /exit   end the session (also Ctrl-D, or Ctrl-C twice)
Ctrl-C while an answer runs cancels that answer and keeps the session."""

TurnRunner = Callable[[str], Awaitable[object]]


class ChatLoop:
    """Reads questions, dispatches slash commands, runs turns."""

    def __init__(self, session: Session, console: Console, run_turn: TurnRunner, *, history: Path | None) -> None:
        self.session = session
        self.console = console
        self.run_turn = run_turn
        self.history = history
        self.turns = 0

    async def run(self, *, interactive: bool) -> None:
        if interactive:
            await self._interactive()
        else:
            await self._piped()

    async def _interactive(self) -> None:
        from prompt_toolkit import PromptSession
        from prompt_toolkit.history import FileHistory, History, InMemoryHistory

        history: History = InMemoryHistory()
        if self.history is not None:
            try:
                self.history.parent.mkdir(parents=True, exist_ok=True)
                history = FileHistory(str(self.history))
            except OSError:
                pass  # no history beats no chat
        prompt: PromptSession[str] = PromptSession(history=history)
        self.console.print(Text("logai chat: ask about your logs; /help for commands, Ctrl-D to leave.", style="dim"))
        interrupted = False
        while True:
            try:
                line = await prompt.prompt_async("logai> ")
            except KeyboardInterrupt:
                if interrupted:
                    return
                interrupted = True
                self.console.print(Text("(Ctrl-C again or Ctrl-D to leave)", style="dim"))
                continue
            except EOFError:
                return
            interrupted = False
            if not await self.handle(line):
                return

    async def _piped(self) -> None:
        while True:
            line = await asyncio.to_thread(sys.stdin.readline)
            if not line:
                return
            if not await self.handle(line):
                return

    async def handle(self, line: str) -> bool:
        """One input line; False means the session should end."""
        text = line.strip()
        if not text:
            return True
        if text.startswith("/"):
            return self._command(text)
        await self._turn(text)
        return True

    def _command(self, text: str) -> bool:
        command = text.split()[0].lower()
        if command in ("/exit", "/quit", "/q"):
            return False
        if command == "/help":
            self.console.print(HELP, highlight=False)
        elif command == "/clear":
            self.session.clear()
            self.console.print(Text("conversation cleared", style="dim"))
        elif command == "/stats":
            from logai.ui.summary import session_summary

            self.console.print(session_summary(self.session.metrics.export_summary()))
        else:
            self.console.print(Text(f"unknown command {command}; /help lists them", style="yellow"))
        return True

    async def _turn(self, question: str) -> None:
        task = asyncio.ensure_future(self.run_turn(question))
        loop = asyncio.get_running_loop()
        try:
            loop.add_signal_handler(signal.SIGINT, task.cancel)
            installed = True
        except (NotImplementedError, RuntimeError, ValueError):
            installed = False  # not the main thread or no signals here: Ctrl-C ends the session instead
        try:
            await task
            self.turns += 1
        except asyncio.CancelledError:
            if not task.cancelled():
                raise
            self.console.print(Text("cancelled; the conversation is as it was before that question", style="dim"))
        finally:
            if installed:
                loop.remove_signal_handler(signal.SIGINT)
