"""Logs Insights queries as the service runs them: StartQuery, GetQueryResults, StopQuery, DescribeQueries, GetLogRecord.

A query is parsed and run when it starts (the evaluator is fast); what the
client sees follows the service's life cycle on the sandbox's clock. In
plain mode a query is Complete at once. In realistic mode it is Scheduled,
then Running for `query_base_s` plus `query_per_million_s` per million
events scanned, with statistics growing as it runs, then Complete; a query
that would outlast `query_timeout_s` ends as Timeout. StopQuery cancels a
query that has not finished. At most `max_concurrent_queries` may be
unfinished at once.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from logai.sandbox.config import SandboxConfig
from logai.sandbox.errors import AwsError, invalid
from logai.sandbox.filtering import group_from_identifier
from logai.sandbox.storage import ACCOUNT_ID, EventStore

MAX_GROUPS = 50
MAX_QUERY_CHARS = 10_000
MAX_LIMIT = 10_000
# A Scheduled query starts Running after this share of its run time.
_SCHEDULED_SHARE = 0.1
UNFINISHED = ("Scheduled", "Running")


@dataclass
class Query:
    """One started query: what it asked, what it found, and when it finishes."""

    query_id: str
    text: str
    groups: tuple[str, ...]
    region: str
    created_s: float
    done_at_s: float
    rows: list[list[tuple[str, str]]]
    statistics: dict[str, float]
    ended_as: str | None = None  # set once Complete, Cancelled or Timeout is reached


class QueryService:
    """The account's Insights queries, on the sandbox clock (`clock` in seconds)."""

    def __init__(self, store: EventStore, config: SandboxConfig, clock: Callable[[], float]) -> None:
        self._store = store
        self._config = config
        self._clock = clock
        self._lock = threading.Lock()
        self._queries: dict[str, Query] = {}

    def reset(self) -> None:
        with self._lock:
            self._queries.clear()

    # -- the API ----------------------------------------------------------------

    def start_query(self, region: str, params: Mapping[str, Any]) -> dict[str, Any]:
        from logai.sandbox.insights import MalformedQueryError, execute, parse_query

        groups = self._groups(region, params)
        start_s, end_s = _seconds(params, "startTime"), _seconds(params, "endTime")
        if end_s < start_s:
            raise invalid("endTime must be greater than or equal to startTime.")
        text = params.get("queryString")
        if not isinstance(text, str) or not 1 <= len(text) <= MAX_QUERY_CHARS:
            raise invalid(f"queryString must hold 1 to {MAX_QUERY_CHARS} characters.")
        limit = params.get("limit")
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT):
            raise invalid(f"limit must be a whole number from 1 to {MAX_LIMIT}.")
        try:
            parsed = parse_query(text)
        except MalformedQueryError as exc:
            raise AwsError(
                "MalformedQueryException",
                str(exc),
                queryCompileError={
                    "location": {"startCharOffset": exc.start, "endCharOffset": exc.end},
                    "message": exc.message,
                },
            ) from None
        with self._lock:
            running = sum(1 for query in self._queries.values() if self._status(query) in UNFINISHED)
            if running >= self._config.max_concurrent_queries:
                raise AwsError(
                    "LimitExceededException",
                    f"Account maximum query concurrency limit of [{self._config.max_concurrent_queries}] reached.",
                )
        now = self._clock()
        output = execute(
            parsed,
            self._store.events(region, groups),
            start_ms=start_s * 1000,
            end_ms=end_s * 1000 + 999,
            limit=limit,
            account_id=ACCOUNT_ID,
            now_ms=int(now * 1000),
        )
        run_s = 0.0
        if self._config.realistic:
            run_s = self._config.query_base_s + self._config.query_per_million_s * output.records_scanned / 1e6
        query = Query(
            query_id=str(uuid.uuid4()),
            text=text,
            groups=groups,
            region=region,
            created_s=now,
            done_at_s=now + run_s,
            rows=output.rows,
            statistics={
                "recordsMatched": float(output.records_matched),
                "recordsScanned": float(output.records_scanned),
                "bytesScanned": float(output.bytes_scanned),
            },
        )
        with self._lock:
            self._queries[query.query_id] = query
        return {"queryId": query.query_id}

    def get_query_results(self, params: Mapping[str, Any]) -> dict[str, Any]:
        query = self._query(params)
        with self._lock:
            status = self._status(query)
        done = 1.0 if status == "Complete" else self._progress(query)
        statistics = {name: value * done for name, value in query.statistics.items()}
        rows = query.rows if status == "Complete" else []
        return {
            "status": status,
            "results": [[{"field": name, "value": value} for name, value in row] for row in rows],
            "statistics": statistics,
        }

    def stop_query(self, params: Mapping[str, Any]) -> dict[str, Any]:
        query = self._query(params)
        with self._lock:
            if self._status(query) not in UNFINISHED:
                # The service answers success=false for a query that already ended.
                return {"success": False}
            query.ended_as = "Cancelled"
        return {"success": True}

    def describe_queries(self, params: Mapping[str, Any]) -> dict[str, Any]:
        wanted_group = params.get("logGroupName")
        wanted_status = params.get("status")
        found = []
        with self._lock:
            for query in self._queries.values():
                status = self._status(query)
                if wanted_status and status != wanted_status:
                    continue
                if wanted_group and wanted_group not in query.groups:
                    continue
                found.append(
                    {
                        "queryId": query.query_id,
                        "queryString": query.text,
                        "status": status,
                        "createTime": int(query.created_s * 1000),
                        "logGroupName": query.groups[0],
                    }
                )
        return {"queries": found}

    def get_log_record(self, region: str, params: Mapping[str, Any]) -> dict[str, Any]:
        from logai.sandbox.insights import log_record, parse_record_pointer

        pointer = params.get("logRecordPointer")
        where = parse_record_pointer(pointer) if isinstance(pointer, str) else None
        if where is None:
            raise invalid("The specified logRecordPointer is not valid.")
        group, stream, event_id = where
        if self._store.has_group(region, group):
            for view in self._store.streams(region, group, names=[stream]):
                for event in view.events:
                    if event.event_id == event_id:
                        return {"logRecord": log_record(event, ACCOUNT_ID)}
        raise AwsError("ResourceNotFoundException", "The specified log record does not exist.")

    # -- helpers ------------------------------------------------------------------

    def _groups(self, region: str, params: Mapping[str, Any]) -> tuple[str, ...]:
        given = [key for key in ("logGroupName", "logGroupNames", "logGroupIdentifiers") if params.get(key) is not None]
        if len(given) != 1:
            raise invalid("Specify exactly one of logGroupName, logGroupNames and logGroupIdentifiers.")
        raw = params[given[0]]
        names = [raw] if isinstance(raw, str) else raw
        if not isinstance(names, list) or not names or not all(isinstance(n, str) and n for n in names):
            raise invalid(f"{given[0]} must name at least one log group.")
        if len(names) > MAX_GROUPS:
            raise invalid(f"A query can search at most {MAX_GROUPS} log groups, not {len(names)}.")
        groups = tuple(dict.fromkeys(group_from_identifier(name) for name in names))
        for group in groups:
            if not self._store.has_group(region, group):
                raise AwsError("ResourceNotFoundException", f"Log group '{group}' does not exist for account ID '{ACCOUNT_ID}'")
        return groups

    def _query(self, params: Mapping[str, Any]) -> Query:
        query_id = params.get("queryId")
        query = self._queries.get(query_id) if isinstance(query_id, str) else None
        if query is None:
            raise AwsError("ResourceNotFoundException", "The specified query could not be found.")
        return query

    def _status(self, query: Query) -> str:
        """The query's state now (the caller holds the lock)."""
        if query.ended_as is not None:
            return query.ended_as
        now = self._clock()
        if now - query.created_s >= self._config.query_timeout_s and query.done_at_s - query.created_s >= self._config.query_timeout_s:
            query.ended_as = "Timeout"
            query.rows = []
            return "Timeout"
        if now >= query.done_at_s:
            query.ended_as = "Complete"
            return "Complete"
        if now < query.created_s + (query.done_at_s - query.created_s) * _SCHEDULED_SHARE:
            return "Scheduled"
        return "Running"

    def _progress(self, query: Query) -> float:
        span = query.done_at_s - query.created_s
        if span <= 0:
            return 1.0
        return max(0.0, min(1.0, (self._clock() - query.created_s) / span))


def _seconds(params: Mapping[str, Any], name: str) -> int:
    value = params.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise invalid(f"{name} is required, in seconds since the epoch.")
    return value
