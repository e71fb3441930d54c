"""The process's seams: clocks, sleeps and randomness, passed in rather than reached for.

Every component that waits or reads the time takes these through its
constructor; commands take a `Runtime` from the command-line context
(`CliRunner().invoke(app, args, obj=Runtime(...))` in tests), so a test can
drive deadlines and backoff without waiting.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Runtime:
    """`clock`: monotonic seconds (durations, deadlines). `wall_clock`: epoch
    seconds (what "now" is). `sleep` blocks a thread; `async_sleep` waits in
    the event loop. `rng` returns a float in [0, 1) (backoff jitter)."""

    clock: Callable[[], float] = time.monotonic
    wall_clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep
    async_sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    rng: Callable[[], float] = random.random


REAL = Runtime()
