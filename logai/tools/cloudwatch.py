"""The CloudWatch Logs tools the model may call: plain typed functions.

The registry builds each tool's JSON schema from the signature and the
Google-style docstring, so the docstrings are written for the model. Tools
never raise for a problem the model or the account can cause: they return a
failed ToolResult whose text starts with `Error:` and names the parameters
used, so the model can correct itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, StringConstraints

from logai.figures import human_bytes, plural
from logai.logs.errors import LogGroupNotFound, SourceError
from logai.logs.groups import closest_group_names
from logai.logs.source import MAX_INSIGHTS_ROWS, CloudWatchSource
from logai.logs.timeparse import TimeParseError, format_duration, iso, parse_range, to_ms
from logai.runtime import REAL, Runtime
from logai.tools.result import SearchScope, ToolResult, error_result

# FilterLogEvents searches one group per call; more groups means more calls
# and a thinner share of the event cap for each.
MAX_SEARCH_GROUPS = 10
# StartQuery accepts at most 50 log groups.
MAX_INSIGHTS_GROUPS = 50
MAX_STREAM_EVENTS = 1000
MAX_LISTED_GROUPS = 200
# CloudWatch's own limits: group names up to 512 characters, filter patterns
# up to 1,024, Insights queries up to 10,000.
MAX_GROUP_NAME = 512
MAX_FILTER_PATTERN = 1024
MAX_QUERY = 10_000
MAX_TIME_TEXT = 64


def _one_or_many(value: Any) -> Any:
    """Models often send one group as a plain string: take it as a list of one."""
    return [value] if isinstance(value, str) else value


def _distinct(names: list[str]) -> list[str]:
    return list(dict.fromkeys(names))


GroupName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_GROUP_NAME)]
TimeText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TIME_TEXT)]


SearchGroups = Annotated[list[GroupName], BeforeValidator(_one_or_many), Field(min_length=1, max_length=MAX_SEARCH_GROUPS)]
InsightsGroups = Annotated[
    list[GroupName], BeforeValidator(_one_or_many), Field(min_length=1, max_length=MAX_INSIGHTS_GROUPS)
]


class LogTools:
    """list_log_groups, read_log_stream and run_insights_query over one source (see `evidence.EvidenceTools` for the searches).

    Arguments reach these methods already validated against their signatures
    (the registry checks them once, with the limits the model sees in the schema).
    """

    def __init__(
        self,
        source: CloudWatchSource,
        *,
        budget_tokens: int = 3000,
        max_events: int = 2000,
        insights_timeout: float = 60.0,
        insights_max_days: float = 7.0,
        runtime: Runtime = REAL,
    ) -> None:
        self._source = source
        self._budget = budget_tokens
        self._max_events = max_events
        self._insights_timeout = insights_timeout
        self._insights_max_days = insights_max_days
        self._runtime = runtime

    def functions(self) -> list[Callable[..., ToolResult]]:
        """The plain reads, in the order the model should consider them (the evidence tools add the searches)."""
        return [self.list_log_groups, self.read_log_stream, self.run_insights_query]

    def list_log_groups(
        self,
        prefix: Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_GROUP_NAME)] | None = None,
        limit: Annotated[int, Field(ge=1, le=MAX_LISTED_GROUPS)] = 50,
    ) -> ToolResult:
        """List the CloudWatch log groups that exist, with stored size and retention.

        Use this first when you do not know the exact group name: names are
        case-sensitive, e.g. /aws/lambda/<function> or /ecs/<service>.

        Args:
            prefix: Only groups whose names start with this (case-sensitive), e.g. "/aws/lambda/". Omit to list all.
            limit: Most groups to return.
        """
        parameters: dict[str, Any] = {"prefix": prefix or "", "limit": limit}
        try:
            groups = self._source.list_groups(prefix or None, limit)
        except SourceError as exc:
            return error_result(exc.message, parameters, hint=exc.hint)
        if not groups:
            where = f'starting with "{prefix}"' if prefix else "in this account and region"
            text = f"No log groups exist {where}."
            if prefix:
                close = self._suggest(prefix)
                text += f" Names that look close: {', '.join(close)}." if close else " Try a shorter prefix."
            return ToolResult(text=text, summary=f"no log groups {where}", empty=True)
        from logai.logs.shaping import fit_text

        lines = [f"{len(groups)} log groups{' (limit reached; use a prefix to narrow)' if len(groups) == limit else ''}:"]
        for group in groups:
            retention = f"{group.retention_days}d retention" if group.retention_days else "never expires"
            lines.append(f"- {group.name} ({human_bytes(group.stored_bytes)}, {retention})")
        return ToolResult(
            text=fit_text("\n".join(lines), self._budget),
            summary=f"{len(groups)} log groups" + (f' starting with "{prefix}"' if prefix else ""),
        )

    def read_log_stream(
        self,
        log_group: GroupName,
        log_stream: Annotated[str, StringConstraints(strip_whitespace=True, max_length=512)] | None = None,
        limit: Annotated[int, Field(ge=1, le=MAX_STREAM_EVENTS)] = 100,
    ) -> ToolResult:
        """Read the latest events of one log stream, in order, to see what happened around an error.

        Without a stream name the group's most recently written stream is read.

        Args:
            log_group: Exact log group name, e.g. "/ecs/payments".
            log_stream: Exact log stream name; omit to read the most recent stream.
            limit: How many of the newest events to read.
        """
        stream = log_stream or None
        parameters: dict[str, Any] = {"log_group": log_group, "log_stream": stream, "limit": limit}
        scope = SearchScope(log_groups=(log_group,), log_stream=stream)
        try:
            result = self._source.stream_events(log_group, stream, limit)
        except SourceError as exc:
            return self._failed(exc, [log_group], parameters, scope)
        if result.log_stream is None:
            return ToolResult(
                text=f"Log group {log_group} has no log streams, so it holds no events.",
                summary=f"{log_group} has no streams",
                empty=True,
                scope=scope,
            )
        if not result.events:
            return ToolResult(
                text=f"Log stream {result.log_stream} in log group {log_group} holds no events.",
                summary=f"no events in {result.log_stream}",
                empty=True,
                scope=SearchScope(log_groups=(log_group,), log_stream=result.log_stream),
            )
        from logai.logs.shaping import shape_events

        first, last = result.events[0].timestamp_ms, result.events[-1].timestamp_ms
        header = (
            f"Log stream {result.log_stream} in log group {log_group}: the latest "
            f"{plural(len(result.events), 'event')}, from {iso(first)} to {iso(last)}."
        )
        return ToolResult(
            text=shape_events(result.events, budget_tokens=self._budget, header=header),
            summary=f"{len(result.events)} events from {log_group} / {result.log_stream}",
            scope=SearchScope(
                log_groups=(log_group,),
                log_stream=result.log_stream,
                start=datetime.fromtimestamp(first / 1000, UTC),
                end=datetime.fromtimestamp(last / 1000, UTC),
            ),
        )

    def run_insights_query(
        self,
        log_groups: InsightsGroups,
        query: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_QUERY)],
        start: TimeText = "1h",
        end: TimeText = "now",
        limit: Annotated[int, Field(ge=1, le=MAX_INSIGHTS_ROWS)] = 100,
    ) -> ToolResult:
        """Run a CloudWatch Logs Insights query on the server: best for counts, trends and large scans.

        Example queries: `filter @message like /ERROR/ | stats count(*) by bin(5m)`;
        `fields @timestamp, @message | filter @message like /timeout/ | sort @timestamp desc`;
        `stats count(*) as n by @logStream | sort n desc`. Rows are summarised to fit.

        Args:
            log_groups: Exact log group names.
            query: Logs Insights query text; a `| limit` is added when it has none.
            start: Start of the time range: relative ("15m", "2h", "3d"), ISO-8601 or epoch milliseconds.
            end: End of the time range, same formats, default "now".
            limit: Most result rows to return.
        """
        groups = _distinct(log_groups)
        parameters: dict[str, Any] = {"log_groups": groups, "start": start, "end": end, "query": query}
        try:
            start_dt, end_dt = parse_range(start, end, now=self._now())
        except TimeParseError as exc:
            return error_result(str(exc), parameters)
        parameters.update(start=iso(start_dt), end=iso(end_dt), limit=limit)
        scope = SearchScope(log_groups=tuple(groups), start=start_dt, end=end_dt, query=query)
        too_long = self._too_long(
            start_dt, end_dt, "a Logs Insights query", "query a shorter range (run several queries if you must)", parameters, scope
        )
        if too_long is not None:
            return too_long
        try:
            result = self._source.run_insights(
                groups, query, to_ms(start_dt), to_ms(end_dt), limit=limit, timeout_s=self._insights_timeout
            )
        except SourceError as exc:
            return self._failed(exc, groups, parameters, scope)
        parameters["query"] = result.query
        scope = SearchScope(log_groups=tuple(groups), start=start_dt, end=end_dt, query=result.query)
        span = format_duration(end_dt - start_dt)
        described = f"Logs Insights query `{result.query}` on {', '.join(groups)} from {iso(start_dt)} to {iso(end_dt)} ({span})"
        if result.timed_out and not result.rows:
            return error_result(
                f"The Logs Insights query did not finish within {self._insights_timeout:g} seconds and was stopped; "
                "narrow the time range or the groups",
                parameters,
                scope=scope,
            )
        if not result.rows:
            return ToolResult(
                text=f"The {described} returned no rows.",
                summary=f"insights: no rows over {span}",
                empty=True,
                scope=scope,
            )
        from logai.logs.shaping import shape_rows

        header = f"{described}: {plural(len(result.rows), 'row')}"
        matched = result.statistics.get("recordsMatched")
        scanned = result.statistics.get("recordsScanned")
        if matched is not None and scanned is not None:
            header += f" ({int(matched)} records matched of {int(scanned)} scanned)"
        header += "."
        if result.timed_out:
            header += f" The query did not finish within {self._insights_timeout:g} seconds: these rows are partial."
        elif len(result.rows) >= limit:
            header += f" The row limit of {limit} was reached; more rows may exist."
        return ToolResult(
            text=shape_rows(result.rows, budget_tokens=self._budget, header=header),
            summary=f"insights: {len(result.rows)} rows over {span}" + (" (partial)" if result.timed_out else ""),
            scope=scope,
        )

    # -- helpers ----------------------------------------------------------

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._runtime.wall_clock(), UTC)

    def _suggest(self, name: str) -> list[str]:
        try:
            known = self._source.names_near(name)
        except SourceError:
            return []  # suggestions are a courtesy; the real error is already reported
        return closest_group_names(name, known)

    def _too_long(
        self, start: datetime, end: datetime, what: str, advice: str, parameters: dict[str, Any], scope: SearchScope
    ) -> ToolResult | None:
        """The error for a range wider than `insights_max_days`: Insights bills by the bytes it scans,
        and a wide window over busy groups costs real money."""
        if end - start <= timedelta(days=self._insights_max_days):
            return None
        return error_result(
            f"the time range spans {format_duration(end - start)}, longer than the "
            f"{format_duration(timedelta(days=self._insights_max_days))} {what} may cover here",
            parameters,
            hint=f"{advice}; the user can raise insights_max_days",
            scope=scope,
        )

    def _failed(self, exc: SourceError, groups: Sequence[str], parameters: dict[str, Any], scope: SearchScope) -> ToolResult:
        """What the model is told when a read fails: for a missing group, the closest existing names."""
        if isinstance(exc, LogGroupNotFound):
            return self._not_found(exc, groups, parameters, scope)
        return error_result(exc.message, parameters, hint=exc.hint, scope=scope)

    def _not_found(
        self, exc: LogGroupNotFound, groups: Sequence[str], parameters: dict[str, Any], scope: SearchScope
    ) -> ToolResult:
        missing = exc.group
        if missing is None:
            try:
                missing = self._source.first_missing(groups)
            except SourceError:
                missing = None
            missing = missing or (groups[0] if groups else "")
        suggestions = tuple(self._suggest(missing))
        message = exc.message.rstrip(".")
        if suggestions:
            message = f"{message}. Closest existing names: {', '.join(suggestions)}"
        else:
            message = f"{message}; no similar name exists, call list_log_groups to see the groups"
        return error_result(
            message,
            parameters,
            scope=scope,
            summary=f"log group {missing} not found",
            missing_log_group=missing,
            suggestions=suggestions,
        )
