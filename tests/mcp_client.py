"""The official MCP SDK's client on a `logai mcp` process, for tests: how to start one, and a session plain tests can drive."""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import sys
import threading
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TextIO, TypeVar

from mcp import ClientSession, StdioServerParameters, stdio_client, types

from logai.metrics.store import MetricsStore
from logai.sandbox.server import CREDENTIALS

REPO = Path(__file__).resolve().parents[1]
T = TypeVar("T")


def server_env(sandbox_url: str, home: Path) -> dict[str, str]:
    """What an MCP client's configuration would pass: the AWS variables (here the sandbox's) and LOGAI_HOME."""
    return {
        "AWS_ENDPOINT_URL": sandbox_url,
        "AWS_ACCESS_KEY_ID": CREDENTIALS[0],
        "AWS_SECRET_ACCESS_KEY": CREDENTIALS[1],
        "AWS_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
        "LOGAI_HOME": str(home),
        "HOME": str(home.parent / "user-home"),
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    }


def command() -> tuple[str, list[str]]:
    """`logai mcp` as a client would start it."""
    return sys.executable, ["-m", "logai", "mcp"]


class Client:
    """The SDK's client on a `logai mcp` process, for plain tests: its event loop runs in a thread of its own."""

    def __init__(self, env: dict[str, str], errlog: TextIO) -> None:
        self.stray: list[Exception] = []  # anything on the server's stdout that is not the protocol
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="mcp-client", daemon=True)
        self._thread.start()
        self._opened: concurrent.futures.Future[ClientSession] = concurrent.futures.Future()
        self._held = asyncio.run_coroutine_threadsafe(self._hold(env, errlog), self._loop)
        self.session = self._opened.result(timeout=60)

    async def _hold(self, env: dict[str, str], errlog: TextIO) -> None:
        self._leave = asyncio.Event()
        program, args = command()
        try:
            params = StdioServerParameters(command=program, args=args, env=env, cwd=str(REPO))
            async with stdio_client(params, errlog=errlog) as (r, w), ClientSession(r, w, message_handler=self._received) as session:
                await session.initialize()
                self._opened.set_result(session)
                await self._leave.wait()
        except BaseException as exc:
            if not self._opened.done():
                self._opened.set_exception(exc)
            raise

    async def _received(self, message: Any) -> None:
        if isinstance(message, Exception):
            self.stray.append(message)

    def __call__(self, work: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(work, self._loop).result(timeout=60)

    def call(self, name: str, **arguments: Any) -> tuple[bool, str]:
        """(is_error, text) of one tool call."""
        result = self(self.session.call_tool(name, arguments))
        assert isinstance(result, types.CallToolResult) and len(result.content) == 1
        block = result.content[0]
        assert isinstance(block, types.TextContent)
        return result.is_error, block.text

    def close(self) -> None:
        self._loop.call_soon_threadsafe(self._leave.set)
        self._held.result(timeout=30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()


def counter(home: Path, name: str, **labels: str) -> float:
    """What the servers using `home` stored for counter `name`, summed over the series with `labels`."""
    store = MetricsStore(home)
    try:
        counters = store.totals().counters
    finally:
        store.close()
    return sum(value for (metric, key), value in counters.items() if metric == name and labels.items() <= dict(key).items())


def sessions(home: Path) -> list[tuple[str, bool]]:
    """(command, ended) of every session stored under `home`."""
    store = MetricsStore(home)
    try:
        return [(row.command, row.ended_at is not None) for row in store.sessions()]
    finally:
        store.close()
