"""`logai chat`'s loop driven by keys from a pipe, read by prompt-toolkit as from a terminal, in process."""

from __future__ import annotations

import asyncio
from pathlib import Path

from logai.events import EventBus
from logai.ui.console import SafeConsole


class _Session:
    bus = EventBus()
    transcript = None


def questions_asked(keys_typed: str, console: SafeConsole, *, history: Path | None = None) -> list[str]:
    """Run the chat loop on `keys_typed` until it ends; the questions it handed to the turn, in order."""
    from prompt_toolkit.application import create_app_session
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    from logai.ui.repl import ChatLoop

    asked: list[str] = []

    async def turn(question: str) -> None:
        asked.append(question)

    with create_pipe_input() as keys, create_app_session(input=keys, output=DummyOutput()):
        keys.send_text(keys_typed)
        loop = ChatLoop(_Session(), console, turn, history=history, errors=console)  # type: ignore[arg-type]
        asyncio.run(loop.run(interactive=True))
    return asked
