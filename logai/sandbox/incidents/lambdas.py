"""AWS Lambda functions as CloudWatch Logs shows them.

Each execution environment writes to its own stream, named
`2026/11/27/[$LATEST]<32 hex>` after the day it started; an environment runs
one invocation at a time, so a burst of slow invocations opens new
environments (cold starts: `INIT_START` and an `Init Duration` in the REPORT).
Environments are reaped when idle for a while or old; after a timeout or an
out-of-memory kill the runtime restarts in the same environment (and stream),
so the next invocation there is a cold start again. The platform lines are Lambda's exact text,
newline included:

    START RequestId: <id> Version: $LATEST
    END RequestId: <id>
    REPORT RequestId: <id>\tDuration: 102.25 ms\tBilled Duration: 103 ms\tMemory Size: 512 MB\tMax Memory Used: 91 MB\t
    <iso time> <id> Task timed out after 6.00 seconds

Function output goes through the runtime's own line format (Node's
`console.log`, Python's logging handler, log4j2's Lambda appender), or raw
for JSON loggers.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from logai.sandbox.incidents.clock import MINUTE, iso_z, lambda_stream_day, log4j, powertools
from logai.sandbox.incidents.ids import hex_id, uuid4
from logai.sandbox.incidents.timeline import Timeline


@dataclass(frozen=True, slots=True)
class Runtime:
    version: str
    """As `INIT_START Runtime Version:` prints it."""
    line: Callable[[int, str, str, str], str]
    """(time, request id, level, text) -> the line the runtime writes."""


def _node_line(ts_ms: int, request_id: str, level: str, text: str) -> str:
    return f"{iso_z(ts_ms)}\t{request_id}\t{level}\t{text}\n"


def _python_line(ts_ms: int, request_id: str, level: str, text: str) -> str:
    return f"[{level}]\t{iso_z(ts_ms)}\t{request_id}\t{text}\n"


def _java_line(ts_ms: int, request_id: str, level: str, text: str) -> str:
    # log4j2 with aws-lambda-java-log4j2: %d{yyyy-MM-dd HH:mm:ss.SSS} %X{AWSRequestId} %-5p %c{1} - %m%n
    return f"{log4j(ts_ms)} {request_id} {level:<5} {text}\n"


NODE = Runtime("nodejs:20.v33", _node_line)
PYTHON = Runtime("python:3.12.v38", _python_line)
JAVA = Runtime("java:21.v24", _java_line)


@dataclass(slots=True)
class _Environment:
    stream: str
    free_at_ms: int
    idle_limit_ms: int
    retire_at_ms: int
    memory_mb: float = 0.0
    runtime_running: bool = False
    """False until the first invocation, and again after a timeout or an out-of-memory kill."""
    unreported_init_ms: float | None = None
    """How long the runtime took to start, until the REPORT of the invocation it delayed."""


class LambdaFunction:
    """One function: picks or opens an environment per invocation and writes its lines."""

    def __init__(
        self,
        timeline: Timeline,
        rng: random.Random,
        group: str,
        runtime: Runtime,
        *,
        memory_size_mb: int,
        timeout_s: float,
        resident_mb: int,
        init_ms: tuple[int, int] = (180, 520),
        lifetime_min: tuple[int, int] = (70, 160),
    ) -> None:
        self.timeline = timeline
        self.rng = rng
        self.group = group
        self.runtime = runtime
        self.memory_size_mb = memory_size_mb
        self.timeout_ms = int(timeout_s * 1000)
        self.resident_mb = resident_mb
        self._init_ms = init_ms
        self._lifetime_min = lifetime_min
        self._runtime_arn_hash = hex_id(rng, 64)
        self._environments: list[_Environment] = []

    @property
    def name(self) -> str:
        """The function's name, from its log group `/aws/lambda/<name>`."""
        return self.group.rsplit("/", 1)[-1]

    def invoke(self, ts_ms: int) -> Invocation:
        """Start an invocation requested at `ts_ms` (later by the init time on a cold start)."""
        environment = self._warm_environment(ts_ms)
        if environment is None:
            environment = _Environment(
                stream=f"{lambda_stream_day(ts_ms)}/[$LATEST]{hex_id(self.rng, 32)}",
                free_at_ms=ts_ms,
                idle_limit_ms=self.rng.randint(6, 25) * MINUTE,
                retire_at_ms=ts_ms + self.rng.randint(*self._lifetime_min) * MINUTE,
            )
            self._environments.append(environment)
        if not environment.runtime_running:
            self._initialise(environment, ts_ms)
        start_ms = max(ts_ms, environment.free_at_ms)
        invocation = Invocation(self, environment, uuid4(self.rng), start_ms)
        start_line = f"START RequestId: {invocation.request_id} Version: $LATEST\n"
        self.timeline.add(self.group, environment.stream, start_ms, start_line)
        return invocation

    def update_code(self) -> None:
        """A deploy: invocations from now on run in new environments (those running finish)."""
        self._environments.clear()

    def _warm_environment(self, ts_ms: int) -> _Environment | None:
        live = [
            e for e in self._environments
            if e.free_at_ms > ts_ms or (ts_ms - e.free_at_ms < e.idle_limit_ms and ts_ms < e.retire_at_ms)
        ]
        self._environments = live
        idle = [e for e in live if e.free_at_ms <= ts_ms]
        # Lambda reuses the environment that finished last; the others idle and get reaped.
        return max(idle, key=lambda e: e.free_at_ms) if idle else None

    def _initialise(self, environment: _Environment, ts_ms: int) -> None:
        """Start the runtime in `environment` at `ts_ms`: INIT_START now, the request after the init."""
        init_ms = self.rng.uniform(*self._init_ms)
        environment.runtime_running = True
        environment.unreported_init_ms = init_ms
        environment.free_at_ms = ts_ms + int(init_ms)
        environment.memory_mb = self.resident_mb + self.rng.uniform(0, 8)
        self.timeline.add(
            self.group, environment.stream, ts_ms,
            f"INIT_START Runtime Version: {self.runtime.version}\tRuntime Version ARN: "
            f"arn:aws:lambda:eu-west-1::runtime:{self._runtime_arn_hash}\n",
        )


class Invocation:
    """One request being handled: its lines are written relative to its start."""

    def __init__(self, function: LambdaFunction, environment: _Environment, request_id: str, start_ms: int) -> None:
        self.function = function
        self.request_id = request_id
        self.start_ms = start_ms
        self.cold = environment.unreported_init_ms is not None
        self._environment = environment
        # The environment is busy until finish() says how long this took.
        environment.free_at_ms = start_ms + function.timeout_ms

    @property
    def stream(self) -> str:
        """The log stream of the environment running this invocation."""
        return self._environment.stream

    @property
    def memory_mb(self) -> float:
        """The environment's memory in use; it stays between invocations, leaks included."""
        return self._environment.memory_mb

    def grow(self, mb: float) -> None:
        """Memory this invocation leaves behind in the environment."""
        self._environment.memory_mb += mb

    def init_log(self, level: str, text: str) -> None:
        """A line the runtime wrote while the environment started, before any request existed."""
        fn = self.function
        ts = self.start_ms - 40
        fn.timeline.add(fn.group, self._environment.stream, ts, fn.runtime.line(ts, "undefined", level, text))

    def log(self, offset_ms: int, level: str, text: str, tag: str | None = None) -> None:
        """A line of function output in the runtime's format, `offset_ms` after the start."""
        fn = self.function
        message = fn.runtime.line(self.start_ms + offset_ms, self.request_id, level, text)
        fn.timeline.add(fn.group, self._environment.stream, self.start_ms + offset_ms, message, tag)

    def raw(self, offset_ms: int, text: str, tag: str | None = None) -> None:
        """A line written as is (a JSON logger's output)."""
        fn = self.function
        fn.timeline.add(fn.group, self._environment.stream, self.start_ms + offset_ms, text + "\n", tag)

    def powertools(
        self, offset_ms: int, level: str, location: str, message: str, *, tag: str | None = None, **keys: object
    ) -> None:
        """A line from AWS Lambda Powertools' Logger (Python): JSON with its standard keys first."""
        fn = self.function
        record: dict[str, object] = {
            "level": level,
            "location": location,
            "message": message,
            "timestamp": powertools(self.start_ms + offset_ms),
            "service": fn.name,
            "cold_start": self.cold,
            "function_name": fn.name,
            "function_memory_size": str(fn.memory_size_mb),
            "function_arn": f"arn:aws:lambda:eu-west-1:123456789012:function:{fn.name}",
            "function_request_id": self.request_id,
            **keys,
        }
        self.raw(offset_ms, json.dumps(record, separators=(",", ":")), tag)

    def finish(self, duration_ms: float, status: Literal["ok", "timeout", "oom"] = "ok", tag: str | None = None) -> int:
        """END and REPORT after `duration_ms`; returns the end time.

        `status` is "ok", "timeout" (the duration becomes the function's timeout and
        Lambda prints `Task timed out`) or "oom" (`Runtime.OutOfMemory` in the REPORT).
        `tag` marks the line that proves the status: the timeout line, or the REPORT.
        """
        fn, env = self.function, self._environment
        if status == "timeout":
            duration_ms = fn.timeout_ms + fn.rng.uniform(1, 40)
        else:
            duration_ms += fn.rng.random()  # Lambda measures to the hundredth of a millisecond
        end_ms = self.start_ms + int(duration_ms)
        stream, rid = env.stream, self.request_id
        billed = fn.timeout_ms if status == "timeout" else math.ceil(duration_ms)
        used = min(fn.memory_size_mb, int(env.memory_mb)) if status != "oom" else fn.memory_size_mb
        report = (
            f"REPORT RequestId: {rid}\tDuration: {duration_ms:.2f} ms\tBilled Duration: {billed} ms\t"
            f"Memory Size: {fn.memory_size_mb} MB\tMax Memory Used: {used} MB\t"
        )
        if env.unreported_init_ms is not None:
            report += f"Init Duration: {env.unreported_init_ms:.2f} ms\t"
            env.unreported_init_ms = None
        if status == "timeout":
            report += "Status: timeout\t"
            timed_out = f"{iso_z(end_ms)} {rid} Task timed out after {duration_ms / 1000:.2f} seconds\n"
            fn.timeline.add(fn.group, stream, end_ms, timed_out, tag)
        elif status == "oom":
            report += "Status: error\tError Type: Runtime.OutOfMemory\t"
        fn.timeline.add(fn.group, stream, end_ms, f"END RequestId: {rid}\n")
        fn.timeline.add(fn.group, stream, end_ms, report + "\n", tag if status == "oom" else None)
        env.free_at_ms = end_ms
        if status in ("timeout", "oom"):
            # Lambda kills the runtime; the next request here starts it again.
            env.runtime_running = False
        elif env.memory_mb < fn.resident_mb + 30:
            # A healthy runtime's heap settles a little above where it started.
            env.memory_mb += fn.rng.uniform(0, 0.08)
        return end_ms
