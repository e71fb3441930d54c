"""Every event of a search, as the pages arrive: what `logs search` prints without `--limit`.

Like aws-cli's `filter-log-events`, the whole range is read, oldest first,
and each event is handed on as soon as its page is in, so the first lines
show at once however large the range. Several groups are read side by side
and merged by time (one FilterLogEvents call reads one group). A capped
search, which keeps the newest events instead, is `CloudWatchSource.filter_events`.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from logai.logs.model import LogEvent
from logai.logs.results import log_event_from_api

# (group, FilterLogEvents parameters) -> one response page; errors already translated.
FilterPage = Callable[[str, dict[str, Any]], Mapping[str, Any]]


@dataclass(frozen=True, slots=True)
class EventFilter:
    """Which events of a group: a filter pattern and the streams (by name, or by prefix).

    CloudWatch takes stream names or a prefix, not both.
    """

    pattern: str | None = None
    streams: tuple[str, ...] = ()
    stream_prefix: str | None = None

    def params(self) -> dict[str, Any]:
        """The FilterLogEvents parameters that say this."""
        params: dict[str, Any] = {}
        if self.pattern:
            params["filterPattern"] = self.pattern
        if self.streams:
            params["logStreamNames"] = list(self.streams)
        elif self.stream_prefix:
            params["logStreamNamePrefix"] = self.stream_prefix
        return params


def every_event(
    filter_page: FilterPage, groups: Sequence[str], start_ms: int, end_ms: int, where: EventFilter = EventFilter()
) -> Iterator[LogEvent]:
    """Each matching event of `groups` in start..end (inclusive), oldest first, read lazily."""
    pages = (_group_events(filter_page, group, start_ms, end_ms, where) for group in dict.fromkeys(groups))
    yield from heapq.merge(*pages, key=lambda event: event.timestamp_ms)


def _group_events(filter_page: FilterPage, group: str, start_ms: int, end_ms: int, where: EventFilter) -> Iterator[LogEvent]:
    # `interleaved` is deprecated (AWS always interleaves now) but servers
    # that still honour it, such as moto, need it to sort across streams.
    params: dict[str, Any] = {"logGroupName": group, "startTime": start_ms, "endTime": end_ms, "interleaved": True, **where.params()}
    seen: set[str] = set()
    while True:
        page = filter_page(group, params)
        for raw in page.get("events", []):
            event = log_event_from_api(raw, group)
            # An event can end one page and begin the next.
            if event.event_id is not None:
                if event.event_id in seen:
                    continue
                seen.add(event.event_id)
            yield event
        token = page.get("nextToken")
        if not token:
            return
        params["nextToken"] = token
