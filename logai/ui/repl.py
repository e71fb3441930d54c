"""The chat REPL: prompt, completion, slash commands, turns that Ctrl-C can cancel.

On a terminal the prompt is prompt-toolkit's: history, editing, Tab
completion of slash commands and log group names, Alt-Enter (or Esc then
Enter) for a new line. When stdin is a pipe, each line is one question,
until EOF; answers go to stdout and everything else (slash command output,
notes) to stderr. Ctrl-C during a turn cancels the turn and keeps the
session; Ctrl-C twice at the prompt or Ctrl-D ends it.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.text import Text

from logai.ui.slash import COMMANDS, EXIT_WORDS, SlashCommands

if TYPE_CHECKING:
    from prompt_toolkit.completion import Completion
    from prompt_toolkit.document import Document

    from logai.session import Session

TurnRunner = Callable[[str], Awaitable[object]]


class ChatLoop:
    """Reads questions, dispatches slash commands, runs turns."""

    def __init__(
        self,
        session: Session,
        console: Console,
        run_turn: TurnRunner,
        *,
        history: Path | None,
        errors: Console | None = None,
    ) -> None:
        """`console` is the terminal (stdout); `errors` is where panels go when input is piped (stderr)."""
        from logai.ui.console import stderr_console

        self.session = session
        self.console = console
        self.errors = errors or stderr_console()
        self.panels = console
        self.run_turn = run_turn
        self.history = history
        self.turns = 0
        home = session.transcript.home if session.transcript is not None else history.parent if history else None
        self.commands = SlashCommands(session, home=home, pager=True)

    async def run(self, *, interactive: bool) -> None:
        self.panels = self.console if interactive else self.errors
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
                from logai.home import open_private

                open_private(self.history).close()  # 0600 before the first line: people type passwords
                history = FileHistory(str(self.history))
            except OSError:
                pass  # no history beats no chat
        prompt: PromptSession[str] = PromptSession(
            history=history,
            completer=_completer(self._group_names),
            complete_while_typing=False,
            key_bindings=_newline_on_alt_enter(),
            prompt_continuation="     > ",
        )
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
        """One input (a line, or several from Alt-Enter); False means the session should end."""
        text = line.strip()
        if not text:
            return True
        if text.startswith("/"):
            if text.split()[0].lower() in EXIT_WORDS:
                return False
            await self.commands.run(text, self.panels)
            return True
        await self._turn(text)
        return True

    def _group_names(self) -> list[str]:
        """Group names for completion: listed once per session (the source keeps them)."""
        from logai.logs.errors import SourceError

        source = self.session.source
        if source is None:
            return []
        try:
            return source.group_names()
        except SourceError:
            return []

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
            self.panels.print(Text("cancelled; the conversation is as it was before that question", style="dim"))
        finally:
            if installed:
                loop.remove_signal_handler(signal.SIGINT)


def _completer(group_names: Callable[[], list[str]]) -> Any:
    """Tab completes a slash command at the start of the input, and a log group name in any word starting with `/`."""
    from prompt_toolkit.completion import Completer, Completion

    class _Completions(Completer):
        def get_completions(self, document: Document, complete_event: Any) -> Iterable[Completion]:
            word = document.get_word_before_cursor(WORD=True)
            if not word.startswith("/"):
                return
            first = not document.text_before_cursor[: -len(word)].strip()
            candidates = list(COMMANDS) if first else group_names()
            for candidate in candidates:
                if candidate.startswith(word):
                    yield Completion(candidate, start_position=-len(word))

    return _Completions()


def _newline_on_alt_enter() -> Any:
    from prompt_toolkit.key_binding import KeyBindings

    bindings = KeyBindings()

    @bindings.add("escape", "enter")
    def _newline(event: Any) -> None:
        event.current_buffer.insert_text("\n")

    return bindings
