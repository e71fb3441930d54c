"""CloudWatch Logs, read-only: groups, filtered searches, streams, Insights, tail.

`CloudWatchSource` wraps a boto3 `logs` client. The client and the runtime
(clock, `sleep`) come in through the constructor, so tests neither wait nor
need AWS. Every botocore failure leaves this module as a `SourceError`
with one sentence a person can act on.

Errors live in `logai.logs.errors`, result shapes in `logai.logs.results`,
the tail loop in `logai.logs.tail`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from logai.allowance import current as current_allowance
from logai.deadline import current as current_deadline
from logai.events import CloudWatchCall, EventSink, FollowRetry, InsightsScanned, RateLimitWait
from logai.logs.errors import (
    AccessDenied,
    EndpointUnreachable,
    InvalidQuery,
    LogGroupNotFound,
    LogStreamNotFound,
    SourceError,
    Throttled,
    TimedOut,
    translate_error,
)
from logai.logs.capped import MAX_PAGE_EVENTS, capped_search, first_in_range
from logai.logs.model import LogEvent
from logai.logs.ratelimit import RateLimiter
from logai.logs.results import (
    InsightsResult,
    LogGroupInfo,
    SearchResult,
    StreamInfo,
    StreamResult,
    group_info_from_api,
    log_event_from_api,
    stream_info_from_api,
)
from logai.logs.search import EventFilter, every_event
from logai.logs.tail import FollowPolicy, tail_events
from logai.runtime import REAL, Runtime

# DescribeLogGroups returns at most 50 groups per page.
_MAX_GROUP_PAGE = 50
# Names listed for completion, without paging through a huge account forever.
_MAX_GROUP_NAMES = 10_000
# Pages of names read for one "did you mean": an account of 10,000 groups must not cost
# 200 calls (40 s at DescribeLogGroups' quota) to suggest a name.
_SUGGESTION_PAGES = 4
# Logs Insights accepts at most 10,000 result rows.
MAX_INSIGHTS_ROWS = 10_000
# botocore's socket timeouts: an endpoint that accepts connections and never
# answers costs one read timeout per try, so they never exceed the tool's deadline.
_CONNECT_TIMEOUT = 5.0
_READ_TIMEOUT = 30.0

# How a failed call is counted (the `outcome` of a CloudWatchCall event).
_OUTCOMES: tuple[tuple[type[SourceError], str], ...] = (
    (Throttled, "throttled"),
    (LogGroupNotFound, "not_found"),
    (LogStreamNotFound, "not_found"),
    (AccessDenied, "denied"),
    (InvalidQuery, "invalid"),
    (EndpointUnreachable, "unreachable"),
    (TimedOut, "timeout"),
)


_TIMEOUT_HINT = "search a shorter time range or fewer groups, or raise tool_timeout (LOGAI_TOOL_TIMEOUT)"


class CloudWatchSource:
    """Read-only CloudWatch Logs calls with pagination, caps and clear errors.

    Every API call is reported to `sink` as a `CloudWatchCall` event.
    """

    def __init__(
        self,
        client: Any,
        *,
        runtime: Runtime = REAL,
        sink: EventSink | None = None,
        limiter: RateLimiter | None = None,
    ) -> None:
        self._client = client
        self._runtime = runtime
        self._sink = sink
        self._limiter = limiter
        self._group_names: list[str] | None = None

    @classmethod
    def from_settings(cls, settings: Any, *, runtime: Runtime = REAL, sink: EventSink | None = None) -> CloudWatchSource:
        """A source on the `logs` client `logai.logs.aws` builds from settings.

        Raises SourceError (config=True) when no region or no credentials can be found.
        """
        from logai.logs.aws import aws_client

        limit = float(getattr(settings, "tool_timeout", _READ_TIMEOUT))
        client = aws_client(
            settings,
            "logs",
            runtime=runtime,
            sink=sink,
            connect_timeout=min(_CONNECT_TIMEOUT, limit),
            read_timeout=min(_READ_TIMEOUT, limit),
        )
        rates = getattr(settings, "cloudwatch_rate_limits", None)
        limiter = RateLimiter(rates, clock=runtime.clock, sleep=runtime.sleep) if rates else None
        return cls(client, runtime=runtime, sink=sink, limiter=limiter)

    @property
    def runtime(self) -> Runtime:
        return self._runtime

    @property
    def client(self) -> Any:
        """The boto3 client (tests hook its events)."""
        return self._client

    @property
    def region(self) -> str | None:
        return getattr(self._client.meta, "region_name", None)

    # -- groups ---------------------------------------------------------

    def list_groups(self, prefix: str | None = None, limit: int = 50) -> list[LogGroupInfo]:
        """Up to `limit` groups whose names start with `prefix` (case-sensitive), by name."""
        groups: list[LogGroupInfo] = []
        params: dict[str, Any] = {}
        if prefix:
            params["logGroupNamePrefix"] = prefix
        while len(groups) < limit:
            params["limit"] = min(_MAX_GROUP_PAGE, limit - len(groups))
            page = self._call("describe_log_groups", **params)
            groups.extend(group_info_from_api(raw) for raw in page.get("logGroups", []))
            token = page.get("nextToken")
            if not token:
                break
            params["nextToken"] = token
        return groups[:limit]

    def group_names(self) -> list[str]:
        """Every group name in the account and region, up to 10,000 (cached on this instance): for completion."""
        if self._group_names is None:
            self._group_names = [group.name for group in self.list_groups(None, _MAX_GROUP_NAMES)]
        return list(self._group_names)

    def has_group(self, name: str) -> bool:
        """Whether the group exists, in one call (the name itself sorts first among the names it starts)."""
        found = self._call("describe_log_groups", group=name, logGroupNamePrefix=name, limit=1).get("logGroups", [])
        return bool(found) and found[0].get("logGroupName") == name

    def names_near(self, name: str) -> list[str]:
        """Group names to pick "did you mean" suggestions for `name` from, in at most eight calls:
        every name when the account has at most 200, else the first 200 and the first 200 under
        `name`'s parent path (`/aws/lambda/` for `/aws/lambda/checkout`)."""
        most = _SUGGESTION_PAGES * _MAX_GROUP_PAGE
        if self._group_names is not None:
            return list(self._group_names)
        names = [group.name for group in self.list_groups(None, most)]
        parent = name.rstrip("/").rpartition("/")[0]
        if len(names) >= most and parent:
            names += [group.name for group in self.list_groups(parent + "/", most)]
        return list(dict.fromkeys(names))

    def first_missing(self, groups: Sequence[str]) -> str | None:
        """The first of `groups` that does not exist (one call per group until it is found), or None."""
        return next((group for group in groups if not self.has_group(group)), None)

    # -- searches -------------------------------------------------------

    def filter_events(
        self,
        groups: Sequence[str],
        start_ms: int,
        end_ms: int,
        pattern: str | None = None,
        limit: int = 1000,
        *,
        max_pages: int = 100,
        streams: Sequence[str] = (),
        stream_prefix: str | None = None,
    ) -> SearchResult:
        """FilterLogEvents over each group, at most `limit` events in all, sorted by time (logs/capped.py).

        Each group gets a fair share of the cap (what one group leaves unused
        passes to the next), so one noisy group cannot hide the others, and
        when a group holds more than its share the newest events are kept.
        `max_pages` bounds the pages read per group: CloudWatch may answer a
        large scan with many empty pages.
        """
        where = EventFilter(pattern, tuple(streams), stream_prefix)
        return capped_search(self._filter_page, groups, start_ms, end_ms, where, limit, max_pages)

    def first_events(
        self, group: str, start_ms: int, end_ms: int, pattern: str | None, limit: int, *, max_pages: int = 2
    ) -> tuple[list[LogEvent], int]:
        """The first `limit` events of one group in start..end, oldest first, in at most `max_pages`
        FilterLogEvents calls (a few samples, not a search); also how many calls it took."""
        found, pages, _ = first_in_range(self._filter_page, group, start_ms, end_ms, EventFilter(pattern), limit, max_pages)
        return found, pages

    def _filter_page(self, group: str, params: dict[str, Any]) -> dict[str, Any]:
        return self._call("filter_log_events", group=group, **params)

    def stream_events(
        self,
        group: str,
        stream: str | None = None,
        limit: int = 100,
        start_ms: int | None = None,
    ) -> StreamResult:
        """GetLogEvents on `stream`, or on the group's most recent stream when None.

        Without `start_ms` the newest `limit` events come back; with it, the
        first `limit` events from that time on. Events are in time order.
        """
        if stream is None:
            latest = self._call(
                "describe_log_streams",
                group=group,
                logGroupName=group,
                orderBy="LastEventTime",
                descending=True,
                limit=1,
            ).get("logStreams", [])
            if not latest:
                return StreamResult(log_group=group, log_stream=None, events=())
            stream = str(latest[0]["logStreamName"])
        params: dict[str, Any] = {
            "logGroupName": group,
            "logStreamName": stream,
            "limit": max(1, min(limit, MAX_PAGE_EVENTS)),
            "startFromHead": start_ms is not None,
        }
        if start_ms is not None:
            params["startTime"] = start_ms
        try:
            page = self._call("get_log_events", group=group, **params)
        except LogGroupNotFound:
            # The same error code covers a missing stream; tell them apart.
            if self.has_group(group):
                raise LogStreamNotFound(group, stream) from None
            raise
        events = tuple(log_event_from_api(raw, group, stream) for raw in page.get("events", []))
        return StreamResult(log_group=group, log_stream=stream, events=events)

    # -- Logs Insights --------------------------------------------------

    def run_insights(
        self,
        groups: Sequence[str],
        query: str,
        start_ms: int,
        end_ms: int,
        limit: int = 100,
        timeout_s: float = 60.0,
    ) -> InsightsResult:
        """Run a Logs Insights query and wait for it (see `logai.logs.insights.run_queries`).

        Returns status Complete, or Timeout with the partial rows when it did
        not finish within `timeout_s` (the query is then stopped). A query
        that failed or was cancelled server-side raises SourceError. If
        polling is interrupted (Ctrl-C, task cancellation, any error) the
        query is stopped before the exception propagates.
        """
        from logai.logs.insights import run_queries

        limit = max(1, min(limit, MAX_INSIGHTS_ROWS))
        (outcome,) = run_queries(self, groups, [(query, limit)], start_ms, end_ms, timeout_s=timeout_s)
        return InsightsResult(
            query_id="",
            query=outcome.query,
            groups=tuple(dict.fromkeys(groups)),
            start_ms=start_ms,
            end_ms=end_ms,
            status=outcome.status,
            rows=outcome.rows,
            statistics=dict(outcome.statistics),
        )

    def start_query(self, groups: Sequence[str], query: str, start_ms: int, end_ms: int, limit: int) -> str:
        """StartQuery over `groups` from start to end; the query id.

        The API takes whole seconds and includes all of the end second, so
        the range is start's second to the end of end's second. The API
        `limit` is always passed: CloudWatch enforces it server-side.
        """
        started = self._call(
            "start_query",
            logGroupNames=list(groups),
            startTime=start_ms // 1000,
            endTime=end_ms // 1000,
            queryString=query,
            limit=limit,
        )
        return str(started["queryId"])

    def query_results(self, query_id: str) -> dict[str, Any]:
        """One GetQueryResults answer: status, results, statistics."""
        return self._call("get_query_results", queryId=query_id)

    def stop_query(self, query_id: str) -> None:
        """StopQuery, best effort: a query that already finished cannot be stopped, and that is fine."""
        try:
            self._call("stop_query", queryId=query_id)
        except Exception:  # noqa: BLE001
            pass

    def report_scan(self, response: Mapping[str, Any]) -> None:
        """Tell the bus how many bytes a query scanned: it is what Logs Insights bills."""
        scanned = response.get("statistics", {}).get("bytesScanned")
        if not isinstance(scanned, int | float) or scanned <= 0:
            return
        allowance = current_allowance()
        if allowance is not None:
            allowance.scanned(float(scanned))
        if self._sink is not None:
            self._sink(InsightsScanned(bytes_scanned=float(scanned)))

    def missing_group_error(self, groups: Sequence[str]) -> LogGroupNotFound:
        """The not-found error naming which of `groups` does not exist (StartQuery does not say)."""
        try:
            return LogGroupNotFound(self.first_missing(groups), self.region)
        except SourceError:
            return LogGroupNotFound(None, self.region)

    # -- tail -----------------------------------------------------------

    def tail(
        self,
        groups: Sequence[str],
        *,
        pattern: str | None = None,
        start_ms: int,
        follow: bool,
        poll_s: float = 5.0,
        end_ms: int | None = None,
        streams: Sequence[str] = (),
        stream_prefix: str | None = None,
        lookback_ms: int = 0,
    ) -> Iterator[LogEvent]:
        """Events from `start_ms` on, in time order; with `follow`, keep polling (see `logai.logs.tail`).

        Like `aws logs tail`, each poll restarts at the newest timestamp seen,
        `lookback_ms` before it to catch late events, dropping repeats by id.
        A transient failure while following is reported as a `FollowRetry` event.
        """

        def retrying(error: SourceError, attempt: int, delay_s: float) -> None:
            if self._sink is not None:
                message = f"{error.message.rstrip('.')}; polling again in {delay_s:g} s (attempt {attempt})"
                self._sink(FollowRetry(attempt=attempt, delay_s=delay_s, message=message))

        yield from tail_events(
            self._filter_page,
            groups,
            start_ms=start_ms,
            end_ms=end_ms,
            where=EventFilter(pattern, tuple(streams), stream_prefix),
            follow=follow,
            sleep=self._runtime.sleep,
            policy=FollowPolicy(poll_s=poll_s, lookback_ms=lookback_ms),
            now_ms=lambda: int(self._runtime.wall_clock() * 1000),
            on_retry=retrying,
        )

    def every_event(self, groups: Sequence[str], start_ms: int, end_ms: int, where: EventFilter = EventFilter()) -> Iterator[LogEvent]:
        """Every matching event in start..end, oldest first, as the pages arrive (see `logai.logs.search`)."""
        yield from every_event(self._filter_page, groups, start_ms, end_ms, where)

    def list_streams(self, group: str, prefix: str | None = None, limit: int = 50) -> list[StreamInfo]:
        """Up to `limit` streams of `group`: by name when a prefix is given, else the most recently written first
        (CloudWatch cannot do both at once)."""
        params: dict[str, Any] = {"logGroupName": group}
        if prefix:
            params.update(logStreamNamePrefix=prefix, orderBy="LogStreamName")
        else:
            params.update(orderBy="LastEventTime", descending=True)
        found: list[StreamInfo] = []
        while len(found) < limit:
            params["limit"] = min(_MAX_GROUP_PAGE, limit - len(found))
            page = self._call("describe_log_streams", group=group, **params)
            found.extend(stream_info_from_api(raw) for raw in page.get("logStreams", []))
            token = page.get("nextToken")
            if not token:
                break
            params["nextToken"] = token
        return found[:limit]

    # -- plumbing -------------------------------------------------------

    def _call(self, operation: str, *, group: str | None = None, **params: Any) -> dict[str, Any]:
        deadline = current_deadline()
        if deadline is not None and deadline.passed():
            # StopQuery is the one call still worth making: it ends the billing.
            if operation != "stop_query":
                raise TimedOut(f"{deadline.message('The tool call')}.", _TIMEOUT_HINT)
        allowance = current_allowance()
        if allowance is not None:
            allowance.admit(operation)  # BudgetSpent once the turn's (or MCP call's) CloudWatch budget is spent
        action = "".join(part.capitalize() for part in operation.split("_"))
        if self._limiter is not None:
            waited = self._limiter.acquire(action)
            if waited > 0 and self._sink is not None:
                self._sink(RateLimitWait(action=action, seconds=waited))
        began = self._runtime.clock()
        outcome = "ok"
        try:
            return getattr(self._client, operation)(**params)
        except Exception as exc:
            translated = translate_error(exc, group=group, region=self.region, endpoint=self._endpoint())
            if translated is not None and deadline is not None and deadline.passed():
                translated = TimedOut(f"{deadline.message('The tool call')}: {translated.message}", _TIMEOUT_HINT)
            if translated is None:
                outcome = "error"
                raise
            outcome = next((name for kind, name in _OUTCOMES if isinstance(translated, kind)), "error")
            raise translated from None
        finally:
            if self._sink is not None:
                self._sink(CloudWatchCall(action=action, outcome=outcome, duration_s=self._runtime.clock() - began))

    def _endpoint(self) -> str | None:
        return getattr(self._client.meta, "endpoint_url", None)
