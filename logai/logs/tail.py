"""Tail log groups the way `aws logs tail` does, and catch what it misses.

`CloudWatchSource.tail` is the entry point; this module holds the polling
loop and the per-group cursor so the source stays a thin client wrapper.

Each poll asks FilterLogEvents for everything from a little before the
newest event seen: CloudWatch indexes events some seconds after their
timestamp, so an event can turn up after newer ones were already returned
(awslogs looks back for this reason; aws-cli does not and loses them). The
ids seen inside that look-back window are remembered, so nothing prints
twice. A follow survives transient failures (throttling, an unreachable
endpoint, a 5xx): it waits, doubling the wait, and says so through
`on_retry`; a failure before anything was read is a set-up problem and ends
it at once.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from logai.logs.errors import EndpointUnreachable, ServiceUnavailable, SourceError, Throttled
from logai.logs.model import LogEvent
from logai.logs.results import log_event_from_api
from logai.logs.search import EventFilter, FilterPage
# (the failure, the attempt about to be made, seconds until then)
RetryNotice = Callable[[SourceError, int, float], None]

TRANSIENT = (Throttled, EndpointUnreachable, ServiceUnavailable)


@dataclass(frozen=True, slots=True)
class FollowPolicy:
    """How a follow waits. `lookback_ms`: how far before the newest event each
    poll starts. Failed polls wait `backoff_base_s`, doubling up to
    `backoff_cap_s`; after `max_failures` in a row the last error is raised."""

    poll_s: float = 5.0
    lookback_ms: int = 0
    backoff_base_s: float = 1.0
    backoff_cap_s: float = 30.0
    max_failures: int = 8

    def backoff(self, failures: int) -> float:
        return float(min(self.backoff_cap_s, self.backoff_base_s * 2 ** (failures - 1)))


def tail_events(
    filter_page: FilterPage,
    groups: Sequence[str],
    *,
    start_ms: int,
    follow: bool,
    sleep: Callable[[float], None],
    end_ms: int | None = None,
    where: EventFilter = EventFilter(),
    policy: FollowPolicy = FollowPolicy(),
    now_ms: Callable[[], int] | None = None,
    on_retry: RetryNotice | None = None,
) -> Iterator[LogEvent]:
    """Events from `start_ms` on, in time order per poll; with `follow`, keep polling.

    A follow with `end_ms` (inclusive) ends once the look-back window has passed
    that time (`now_ms` says when); otherwise it ends when the caller stops.
    """
    cursors = {group: _TailCursor(group, start_ms, policy.lookback_ms) for group in groups}
    failures = 0
    read_once = False
    while True:
        try:
            polls = (_poll(filter_page, cursor, end_ms, where) for cursor in cursors.values())
            for event in heapq.merge(*polls, key=lambda e: e.timestamp_ms):
                # Marked when handed on, not when read: a poll that fails part
                # way is read again, and what was read but not handed on must
                # not count as seen.
                cursors[event.log_group or ""].mark(event)
                yield event
        except TRANSIENT as exc:
            failures += 1
            if not follow or not read_once or failures >= policy.max_failures:
                raise
            wait = policy.backoff(failures)
            if on_retry is not None:
                on_retry(exc, failures + 1, wait)
            sleep(wait)
            continue
        failures = 0
        read_once = True
        if not follow:
            return
        if end_ms is not None and now_ms is not None and now_ms() - policy.lookback_ms > end_ms:
            return
        sleep(policy.poll_s)


def _poll(filter_page: FilterPage, cursor: _TailCursor, end_ms: int | None, where: EventFilter) -> Iterator[LogEvent]:
    params: dict[str, Any] = {
        "logGroupName": cursor.group,
        "startTime": cursor.window_start(),
        "interleaved": True,
        **where.params(),
    }
    if end_ms is not None:
        params["endTime"] = end_ms
    while True:
        page = filter_page(cursor.group, params)
        for raw in page.get("events", []):
            event = log_event_from_api(raw, cursor.group)
            if not cursor.seen(event):
                yield event
        token = page.get("nextToken")
        if not token:
            cursor.forget_before_window()
            return
        params["nextToken"] = token


class _TailCursor:
    """Where one group's tail stands: the newest timestamp seen and the ids seen in the window before it."""

    def __init__(self, group: str, start_ms: int, lookback_ms: int) -> None:
        self.group = group
        self.start_ms = start_ms
        self.lookback_ms = lookback_ms
        self.newest_ms = start_ms
        self._seen: dict[int, set[str]] = {}

    def window_start(self) -> int:
        return max(self.start_ms, self.newest_ms - self.lookback_ms)

    def seen(self, event: LogEvent) -> bool:
        return _key(event) in self._seen.get(event.timestamp_ms, ())

    def mark(self, event: LogEvent) -> None:
        self._seen.setdefault(event.timestamp_ms, set()).add(_key(event))
        self.newest_ms = max(self.newest_ms, event.timestamp_ms)

    def forget_before_window(self) -> None:
        # Only events inside the next poll's window can come back.
        start = self.window_start()
        self._seen = {stamp: ids for stamp, ids in self._seen.items() if stamp >= start}


def _key(event: LogEvent) -> str:
    return event.event_id or f"{event.log_stream}:{event.message}"
