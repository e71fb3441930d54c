"""Running Logs Insights queries: several at once, polled together with backoff, never left running.

A query runs on the server and is polled with GetQueryResults, which has its
own quota (5 requests per second per account). The queries of one batch
start together and scan the same events, so they finish at about the same
time: each round (after a doubling wait) polls the first unfinished query,
and only once it is done the ones after it. A batch costs a few calls
however long it runs. Whatever ends the wait (a timeout,
the tool's deadline, Ctrl-C, an error) stops every query still running:
an abandoned query goes on scanning, and billing, on the server.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from logai.deadline import current as current_deadline
from logai.logs.errors import LogGroupNotFound, SourceError
from logai.logs.results import insights_row_from_api

if TYPE_CHECKING:
    from logai.logs.source import CloudWatchSource

# Logs Insights returns at most 10,000 rows.
MAX_ROWS = 10_000
# Waits between polling rounds: the first round right away (a small query is done
# by then), then doubling up to the cap.
FIRST_WAIT_S = 0.5
MAX_WAIT_S = 5.0
# StartQuery accepts at most 50 log groups.
MAX_GROUPS = 50

_LIMIT_COMMAND = re.compile(r"(^|\|)\s*limit\s+\d+", re.IGNORECASE)
_DONE = ("Complete", "Timeout")
_FAILED = ("Failed", "Cancelled")


@dataclass(frozen=True, slots=True)
class QueryOutcome:
    """One query's end: `status` is Complete, Timeout (partial rows, or stopped by logai) or Stopped (over the scan ceiling)."""

    query: str
    status: str
    rows: tuple[dict[str, str], ...]
    statistics: Mapping[str, float] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return self.status == "Complete"


def with_limit(query: str, limit: int) -> str:
    """The query text as sent: a `| limit N` is added unless the query sets its own."""
    text = query.strip().rstrip("|").strip()
    return text if _LIMIT_COMMAND.search(text) else f"{text} | limit {limit}"


def run_queries(
    source: CloudWatchSource,
    groups: Sequence[str],
    queries: Sequence[tuple[str, int]],
    start_ms: int,
    end_ms: int,
    *,
    timeout_s: float,
    max_bytes_per_query: float | None = None,
    ranges: Sequence[tuple[int, int]] | None = None,
) -> list[QueryOutcome]:
    """Run each (query, row limit) over `groups` in start..end at once; outcomes in the same order.

    `ranges` gives each query its own (start_ms, end_ms) instead (a window and its baseline).

    A query still running after `timeout_s` (or near the tool's deadline) is
    stopped and comes back as Timeout with what it had. A query whose scan
    passes `max_bytes_per_query` is stopped and comes back as Stopped. A query
    that fails on the server raises SourceError, after the others are stopped.
    """
    group_list = list(dict.fromkeys(groups))
    if len(group_list) > MAX_GROUPS:
        raise SourceError(f"Logs Insights searches at most {MAX_GROUPS} log groups at once, not {len(group_list)}.")
    texts = [with_limit(query, limit) for query, limit in queries]
    clock, sleep = source.runtime.clock, source.runtime.sleep
    deadline = clock() + timeout_s
    tool = current_deadline()
    if tool is not None:
        # Leave the tool's last second for stopping the queries and reading the partial rows.
        deadline = min(deadline, tool.expires_at - min(1.0, tool.seconds / 4))
    running: dict[int, str] = {}
    outcomes: dict[int, QueryOutcome] = {}
    try:
        spans = list(ranges) if ranges is not None else [(start_ms, end_ms)] * len(texts)
        for index, (text, (_, limit), (begin, finish)) in enumerate(zip(texts, queries, spans, strict=True)):
            running[index] = _start(source, group_list, text, begin, finish, limit)
        wait = FIRST_WAIT_S
        while running:
            for index, query_id in list(running.items()):
                response = source.query_results(query_id)
                status = str(response.get("status", "Unknown"))
                if status in _FAILED:
                    raise SourceError(
                        f"The Logs Insights query {status.lower()} on the server.",
                        "check the query syntax and try a shorter time range",
                    )
                scanned = float(response.get("statistics", {}).get("bytesScanned", 0) or 0)
                over = max_bytes_per_query is not None and scanned > max_bytes_per_query
                if status in _DONE or over or clock() >= deadline:
                    if status not in _DONE:
                        source.stop_query(query_id)
                        status = "Stopped" if over else "Timeout"
                    del running[index]
                    outcomes[index] = _outcome(texts[index], status, response)
                    source.report_scan(response)
                else:
                    break  # still running: the ones after it most likely are too
            if running:
                sleep(min(wait, max(0.0, deadline - clock())))
                wait = min(wait * 2, MAX_WAIT_S)
    finally:
        # Whatever interrupted the wait, do not leave a query running (and billing).
        for query_id in running.values():
            source.stop_query(query_id)
    return [outcomes[index] for index in range(len(texts))]


def _start(source: CloudWatchSource, groups: list[str], text: str, start_ms: int, end_ms: int, limit: int) -> str:
    try:
        return source.start_query(groups, text, start_ms, end_ms, limit)
    except LogGroupNotFound as exc:
        if exc.group is None:
            raise source.missing_group_error(groups) from None
        raise


def _outcome(text: str, status: str, response: Mapping[str, Any]) -> QueryOutcome:
    return QueryOutcome(
        query=text,
        status=status,
        rows=tuple(insights_row_from_api(raw) for raw in response.get("results", [])),
        statistics={k: float(v) for k, v in dict(response.get("statistics", {})).items() if isinstance(v, int | float)},
    )
