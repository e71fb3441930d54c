"""A capped search: at most N events over several groups, the newest kept, each group its share.

`CloudWatchSource.filter_events` is the entry point; this module holds the
paging so the source stays a thin client wrapper. FilterLogEvents reads
forwards only, so keeping the newest events of a range that holds more than
the cap means reading windows that step back from its end.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from logai.logs.model import LogEvent
from logai.logs.results import SearchResult, log_event_from_api
from logai.logs.search import EventFilter, FilterPage

# FilterLogEvents returns at most 10,000 events per page.
MAX_PAGE_EVENTS = 10_000
# The narrowest window the newest-first search steps back by.
_MIN_WINDOW_MS = 1_000


def capped_search(
    filter_page: FilterPage,
    groups: Sequence[str],
    start_ms: int,
    end_ms: int,
    where: EventFilter,
    limit: int,
    max_pages: int,
) -> SearchResult:
    """At most `limit` events in all, sorted by time (see `CloudWatchSource.filter_events`)."""
    unique_groups = tuple(dict.fromkeys(groups))
    events: list[LogEvent] = []
    counts: dict[str, int] = {}
    pages_read = 0
    truncated = False
    for index, group in enumerate(unique_groups):
        remaining = limit - len(events)
        if remaining <= 0:
            truncated = True
            break
        groups_left = len(unique_groups) - index
        share = -(-remaining // groups_left)
        found, pages, more = _newest_of_group(filter_page, group, start_ms, end_ms, where, share, max_pages)
        events.extend(found)
        counts[group] = len(found)
        pages_read += pages
        truncated = truncated or more
    events.sort(key=lambda event: (event.timestamp_ms, event.log_group or "", event.event_id or ""))
    return SearchResult(
        events=tuple(events),
        groups=unique_groups,
        start_ms=start_ms,
        end_ms=end_ms,
        pattern=where.pattern or None,
        limit=limit,
        truncated=truncated,
        pages_read=pages_read,
        counts_by_group=counts,
    )


def _newest_of_group(
    filter_page: FilterPage, group: str, start_ms: int, end_ms: int, where: EventFilter, cap: int, max_pages: int
) -> tuple[list[LogEvent], int, bool]:
    """(events, pages read, whether more events exist past the cap).

    When the range holds more than `cap` events, the newest are kept: in
    an incident the latest events matter most, and the earliest ones of a
    long range usually predate the problem.
    """
    found, pages, more = first_in_range(filter_page, group, start_ms, end_ms, where, cap, max_pages)
    if not more or not found or pages >= max_pages:
        return found, pages, more
    newest, extra = _stepping_back(filter_page, group, start_ms, end_ms, where, cap, max_pages - pages)
    return newest, pages + extra, True


def _stepping_back(
    filter_page: FilterPage, group: str, start_ms: int, end_ms: int, where: EventFilter, cap: int, max_pages: int
) -> tuple[list[LogEvent], int]:
    """The newest `cap` events, read in windows stepping back from `end_ms`.

    Each window ends where the later one began and is twice as wide; a
    window that alone holds more than what is still wanted is narrowed, so
    the events kept sit next to the end of the range rather than at the
    start of an overfull window.
    """
    chunks: list[list[LogEvent]] = []
    total = pages = 0
    width = max((end_ms - start_ms) // 16, _MIN_WINDOW_MS)
    high = end_ms
    while high >= start_ms and total < cap and pages < max_pages:
        low = max(start_ms, high - width)
        wanted = cap - total
        found, used, more = first_in_range(filter_page, group, low, high, where, wanted, max_pages - pages)
        pages += used
        if more and pages < max_pages:
            if width > _MIN_WINDOW_MS:
                width = max(width // 4, _MIN_WINDOW_MS)
                continue  # too many in this window: look at a narrower slice next to `high`
            # The narrowest window is still overfull: read it whole and keep its end.
            found, used, _ = first_in_range(filter_page, group, low, high, where, MAX_PAGE_EVENTS, max_pages - pages)
            pages += used
            found = found[-wanted:]
        chunks.append(found)
        total += len(found)
        high = low - 1  # FilterLogEvents' endTime is inclusive
        width *= 2
    events = [event for chunk in reversed(chunks) for event in chunk]
    return events[-cap:], pages


def first_in_range(
    filter_page: FilterPage, group: str, start_ms: int, end_ms: int, where: EventFilter, cap: int, max_pages: int
) -> tuple[list[LogEvent], int, bool]:
    """The first `cap` events of one group in start..end, oldest first; pages read; whether more exist."""
    # `interleaved` is deprecated (AWS always interleaves now) but servers
    # that still honour it, such as moto, need it to sort across streams.
    params: dict[str, Any] = {
        "logGroupName": group,
        "startTime": start_ms,
        "endTime": end_ms,
        "interleaved": True,
        **where.params(),
    }
    found: list[LogEvent] = []
    seen: set[str] = set()
    pages = 0
    while True:
        params["limit"] = min(cap - len(found), MAX_PAGE_EVENTS)
        page = filter_page(group, params)
        pages += 1
        for raw in page.get("events", []):
            event = log_event_from_api(raw, group)
            if event.event_id is not None and event.event_id in seen:
                continue
            if event.event_id is not None:
                seen.add(event.event_id)
            found.append(event)
        token = page.get("nextToken")
        if not token:
            return found[:cap], pages, len(found) > cap
        if len(found) >= cap or pages >= max_pages:
            return found[:cap], pages, True
        params["nextToken"] = token
