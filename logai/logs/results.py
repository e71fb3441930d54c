"""What CloudWatchSource returns, and how raw CloudWatch Logs responses become it.

Plain frozen dataclasses, so callers (tools, commands, tests) can build and
compare them without a client.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from logai.logs.model import LogEvent


@dataclass(frozen=True, slots=True)
class LogGroupInfo:
    """One log group as DescribeLogGroups reports it."""

    name: str
    stored_bytes: int
    retention_days: int | None
    created_ms: int | None
    arn: str | None


@dataclass(frozen=True, slots=True)
class StreamInfo:
    """One log stream as DescribeLogStreams reports it (times in epoch ms)."""

    name: str
    first_event_ms: int | None
    last_event_ms: int | None
    created_ms: int | None


@dataclass(frozen=True, slots=True)
class SearchResult:
    """Events from FilterLogEvents over one or more groups, sorted by time."""

    events: tuple[LogEvent, ...]
    groups: tuple[str, ...]
    start_ms: int
    end_ms: int
    pattern: str | None
    limit: int
    # True when the event cap (or the page cap) stopped the search early.
    truncated: bool
    pages_read: int
    counts_by_group: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StreamResult:
    """Events of one log stream; `log_stream` is None when the group has no streams."""

    log_group: str
    log_stream: str | None
    events: tuple[LogEvent, ...]


@dataclass(frozen=True, slots=True)
class InsightsResult:
    """Rows of a Logs Insights query (field -> value, `@ptr` dropped)."""

    query_id: str
    query: str  # the query text as sent, `| limit N` included
    groups: tuple[str, ...]
    start_ms: int
    end_ms: int
    status: str  # Complete, or Timeout when it did not finish in time (rows are then partial)
    rows: tuple[dict[str, str], ...]
    statistics: Mapping[str, float] = field(default_factory=dict)

    @property
    def timed_out(self) -> bool:
        return self.status == "Timeout"


def log_event_from_api(raw: Mapping[str, Any], group: str, stream: str | None = None) -> LogEvent:
    """One event of a FilterLogEvents or GetLogEvents page; `stream` overrides the event's own."""
    return LogEvent(
        timestamp_ms=int(raw["timestamp"]),
        message=str(raw.get("message", "")),
        log_group=group,
        log_stream=stream or raw.get("logStreamName"),
        event_id=raw.get("eventId"),
    )


def group_info_from_api(raw: Mapping[str, Any]) -> LogGroupInfo:
    """One entry of DescribeLogGroups' `logGroups`."""
    retention = raw.get("retentionInDays")
    created = raw.get("creationTime")
    return LogGroupInfo(
        name=str(raw["logGroupName"]),
        stored_bytes=int(raw.get("storedBytes", 0)),
        retention_days=int(retention) if retention is not None else None,
        created_ms=int(created) if created is not None else None,
        arn=raw.get("logGroupArn") or raw.get("arn"),
    )


def stream_info_from_api(raw: Mapping[str, Any]) -> StreamInfo:
    """One entry of DescribeLogStreams' `logStreams`."""

    def stamp(key: str) -> int | None:
        value = raw.get(key)
        return int(value) if value is not None else None

    return StreamInfo(
        name=str(raw["logStreamName"]),
        first_event_ms=stamp("firstEventTimestamp"),
        last_event_ms=stamp("lastEventTimestamp"),
        created_ms=stamp("creationTime"),
    )


def insights_row_from_api(raw: Sequence[Mapping[str, str]]) -> dict[str, str]:
    """One row of GetQueryResults' `results` as field -> value, without `@ptr`."""
    return {str(cell["field"]): str(cell.get("value", "")) for cell in raw if cell.get("field") != "@ptr"}
