"""Timestamps rendered the way each kind of log writes them (all UTC).

Every event carries its time as epoch milliseconds; the text of many lines
repeats it in the writer's own format. The part up to the minute is cached:
a generator renders tens of thousands of lines in time order.
"""

from __future__ import annotations

import functools
import time

MINUTE = 60_000
HOUR = 60 * MINUTE


@functools.lru_cache(maxsize=4096)
def _minute(epoch_minute: int, fmt: str) -> str:
    return time.strftime(fmt, time.gmtime(epoch_minute * 60))


def _parts(ts_ms: int, fmt: str) -> tuple[str, int, int]:
    """The minute rendered with `fmt` (cached), and the second and millisecond to append."""
    seconds, ms = divmod(ts_ms, 1000)
    minute, second = divmod(seconds, 60)
    return _minute(minute, fmt), second, ms


def iso_z(ts_ms: int) -> str:
    """`2026-11-27T14:05:00.123Z`: Lambda runtimes, Spring Boot, Node and most JSON loggers."""
    minute, second, ms = _parts(ts_ms, "%Y-%m-%dT%H:%M")
    return f"{minute}:{second:02d}.{ms:03d}Z"


def iso_offset(ts_ms: int) -> str:
    """`2026-11-27T14:05:00.123+0000`: the JVM's unified logging (`-Xlog` time decoration)."""
    minute, second, ms = _parts(ts_ms, "%Y-%m-%dT%H:%M")
    return f"{minute}:{second:02d}.{ms:03d}+0000"


def powertools(ts_ms: int) -> str:
    """`2026-11-27 14:05:00,123+0000`: AWS Lambda Powertools for Python."""
    minute, second, ms = _parts(ts_ms, "%Y-%m-%d %H:%M")
    return f"{minute}:{second:02d},{ms:03d}+0000"


def log4j(ts_ms: int) -> str:
    """`2026-11-27 14:05:00.123`: log4j2's `%d{yyyy-MM-dd HH:mm:ss.SSS}`."""
    minute, second, ms = _parts(ts_ms, "%Y-%m-%d %H:%M")
    return f"{minute}:{second:02d}.{ms:03d}"


def postgres(ts_ms: int) -> str:
    """`2026-11-27 14:05:00 UTC`: PostgreSQL's `%t` in `log_line_prefix`."""
    minute, second, _ = _parts(ts_ms, "%Y-%m-%d %H:%M")
    return f"{minute}:{second:02d} UTC"


def clf(ts_ms: int) -> str:
    """`27/Nov/2026:14:05:00 +0000`: API Gateway's `$context.requestTime`."""
    minute, second, _ = _parts(ts_ms, "%d/%b/%Y:%H:%M")
    return f"{minute}:{second:02d} +0000"


def event_time(ts_ms: int) -> str:
    """`2026-11-27T14:05:00Z`: the `time` of an EventBridge event."""
    minute, second, _ = _parts(ts_ms, "%Y-%m-%dT%H:%M")
    return f"{minute}:{second:02d}Z"


def lambda_stream_day(ts_ms: int) -> str:
    """`2026/11/27`: the date a Lambda execution environment's log stream is named after."""
    return _minute(ts_ms // MINUTE, "%Y/%m/%d")


def java_date(ts_ms: int) -> str:
    """`Fri Nov 27 13:00:00 UTC 2026`: `java.util.Date.toString()`, as certificate errors print it."""
    return time.strftime("%a %b %d %H:%M:%S UTC %Y", time.gmtime(ts_ms // 1000))
