"""Tail log groups the way `aws logs tail` does: poll FilterLogEvents, drop repeats.

`CloudWatchSource.tail` is the entry point; this module holds the polling
loop and the per-group cursor so the source stays a thin client wrapper.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from logai.logs.model import LogEvent
from logai.logs.results import log_event_from_api

# (group, FilterLogEvents parameters) -> one response page; errors already translated.
FilterPage = Callable[[str, dict[str, Any]], Mapping[str, Any]]


def tail_events(
    filter_page: FilterPage,
    groups: Sequence[str],
    *,
    pattern: str | None,
    start_ms: int,
    follow: bool,
    poll_s: float,
    sleep: Callable[[float], None],
) -> Iterator[LogEvent]:
    """Events from `start_ms` on, in time order; with `follow`, keep polling forever.

    Like `aws logs tail`: each poll restarts at the newest timestamp seen,
    so events at that timestamp come back again and are dropped by id.
    """
    cursors = [_TailCursor(group, start_ms) for group in dict.fromkeys(groups)]
    while True:
        batches = [_poll(filter_page, cursor, pattern) for cursor in cursors]
        yield from heapq.merge(*batches, key=lambda event: event.timestamp_ms)
        if not follow:
            return
        sleep(poll_s)


def _poll(filter_page: FilterPage, cursor: _TailCursor, pattern: str | None) -> Iterator[LogEvent]:
    params: dict[str, Any] = {
        "logGroupName": cursor.group,
        "startTime": cursor.start_ms,
        "interleaved": True,
    }
    if pattern:
        params["filterPattern"] = pattern
    while True:
        page = filter_page(cursor.group, params)
        for raw in page.get("events", []):
            event = log_event_from_api(raw, cursor.group)
            if cursor.is_new(event):
                yield event
        cursor.forget_older()
        token = page.get("nextToken")
        if not token:
            cursor.advance()
            return
        params["nextToken"] = token


class _TailCursor:
    """Where one group's tail stands: the next start time and the ids seen there."""

    def __init__(self, group: str, start_ms: int) -> None:
        self.group = group
        self.start_ms = start_ms
        self._seen: dict[int, set[str]] = {}

    def is_new(self, event: LogEvent) -> bool:
        ids = self._seen.setdefault(event.timestamp_ms, set())
        key = event.event_id or f"{event.log_stream}:{event.message}"
        if key in ids:
            return False
        ids.add(key)
        return True

    def forget_older(self) -> None:
        # Only the newest timestamp can repeat on the next poll.
        if self._seen:
            newest = max(self._seen)
            self._seen = {newest: self._seen[newest]}

    def advance(self) -> None:
        if self._seen:
            self.start_ms = max(self._seen)

