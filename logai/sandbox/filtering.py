"""FilterLogEvents as CloudWatch answers it: faithful filter patterns, time order across streams, paging.

Events are read in one order across the chosen streams: by timestamp, then
stream name, then position in the stream. A nextToken is the position of
the next event to read, so a page can end anywhere, even between events of
one millisecond. In realistic mode a page also ends after a fixed number of
events scanned, matched or not, so a large range comes back in many pages,
some of them empty, as it does from the real service.
"""

from __future__ import annotations

import base64
import bisect
import heapq
import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from logai.sandbox.config import SandboxConfig
from logai.sandbox.errors import AwsError, group_not_found, invalid
from logai.sandbox.records import StoredEvent
from logai.sandbox.storage import EventStore, NoSuchGroup, StreamView

MAX_PAGE_EVENTS = 10_000
# A response carries at most 1 MB of events.
MAX_PAGE_BYTES = 1_048_576
MAX_STREAM_NAMES = 100
# Per event in a response: the JSON around the message (field names, ids, numbers).
_EVENT_OVERHEAD = 120

Position = tuple[int, str, int]  # (timestamp_ms, stream name, index in that stream)


def filter_log_events(
    store: EventStore, region: str, params: Mapping[str, Any], config: SandboxConfig
) -> dict[str, Any]:
    """The FilterLogEvents response for `params` (the request's JSON)."""
    from logai.sandbox.filterpattern import FilterPatternError, compile_pattern

    group = _group_name(params)
    names = params.get("logStreamNames")
    prefix = params.get("logStreamNamePrefix")
    if names is not None and prefix is not None:
        raise invalid("logStreamNames and logStreamNamePrefix are mutually exclusive.")
    if names is not None and (not isinstance(names, list) or not 1 <= len(names) <= MAX_STREAM_NAMES):
        raise invalid(f"logStreamNames must list 1 to {MAX_STREAM_NAMES} log stream names.")
    limit = _int(params, "limit", MAX_PAGE_EVENTS, low=1, high=MAX_PAGE_EVENTS)
    start = _int(params, "startTime", 0, low=0)
    end = _int(params, "endTime", 2**62, low=0)
    try:
        pattern = compile_pattern(str(params.get("filterPattern") or ""))
    except FilterPatternError as exc:
        raise AwsError(exc.code, exc.message) from None
    try:
        views = store.streams(region, group, names=names, prefix=prefix)
    except NoSuchGroup:
        raise group_not_found() from None
    position = _position(params.get("nextToken"), start)
    budget = config.filter_scan_events if config.realistic else None

    events: list[dict[str, Any]] = []
    size = 0
    scanned = 0
    next_position: Position | None = None
    for key, event in _merged(views, position):
        if event.timestamp_ms > end:
            break
        if len(events) >= limit or (budget is not None and scanned >= budget):
            next_position = key
            break
        scanned += 1
        if not pattern.matches(event.message):
            continue
        cost = len(event.message.encode("utf-8")) + _EVENT_OVERHEAD
        if events and size + cost > MAX_PAGE_BYTES:
            next_position = key
            break
        size += cost
        events.append(
            {
                "logStreamName": event.log_stream,
                "timestamp": event.timestamp_ms,
                "message": event.message,
                "ingestionTime": event.ingestion_ms,
                "eventId": event.event_id,
            }
        )
    response: dict[str, Any] = {"events": events, "searchedLogStreams": []}
    if next_position is not None:
        response["nextToken"] = _token(next_position)
    return response


def _merged(views: Sequence[StreamView], position: Position) -> Iterator[tuple[Position, StoredEvent]]:
    """Every event from `position` on, across streams, in (timestamp, stream, index) order."""
    iterators = [_from(view, position) for view in views]
    return heapq.merge(*iterators, key=lambda item: item[0])


def _from(view: StreamView, position: Position) -> Iterator[tuple[Position, StoredEvent]]:
    timestamp, stream, index = position
    events = view.events
    first = bisect.bisect_left(events, timestamp, key=lambda e: e.timestamp_ms)
    if view.stream < stream:
        first = bisect.bisect_right(events, timestamp, key=lambda e: e.timestamp_ms)
    elif view.stream == stream:
        first = max(first, index)
    for at in range(first, len(events)):
        event = events[at]
        yield (event.timestamp_ms, view.stream, at), event


def _group_name(params: Mapping[str, Any]) -> str:
    name = params.get("logGroupName")
    identifier = params.get("logGroupIdentifier")
    if name is not None and identifier is not None:
        raise invalid("logGroupName and logGroupIdentifier are mutually exclusive.")
    chosen = name if name is not None else identifier
    if not isinstance(chosen, str) or not 1 <= len(chosen) <= 2048:
        raise invalid("A log group name (or identifier) of 1 to 512 characters is required.")
    return group_from_identifier(chosen)


def group_from_identifier(identifier: str) -> str:
    """A log group name from a name or an ARN (`arn:aws:logs:region:account:log-group:NAME[:*]`)."""
    if identifier.startswith("arn:"):
        _, _, name = identifier.partition(":log-group:")
        return name[:-2] if name.endswith(":*") else name
    return identifier


def _int(params: Mapping[str, Any], name: str, default: int, *, low: int, high: int | None = None) -> int:
    value = params.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
        bounds = f"at least {low}" if high is None else f"from {low} to {high}"
        raise invalid(f"{name} must be a whole number {bounds}.")
    return value


def _token(position: Position) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(position)).encode()).decode()


def _position(token: Any, start: int) -> Position:
    if token is None:
        return (start, "", 0)
    try:
        timestamp, stream, index = json.loads(base64.urlsafe_b64decode(str(token).encode()))
        return (max(int(timestamp), start), str(stream), int(index))
    except (ValueError, TypeError):
        raise invalid("The specified nextToken is not valid.") from None
