"""The CloudWatch Logs tools the model may call: plain typed functions.

The registry builds each tool's JSON schema from the signature and the
Google-style docstring, so the docstrings are written for the model. Tools
never raise for a problem the model or the account can cause: they return a
failed ToolResult whose text starts with `Error:` and names the parameters
used, so the model can correct itself.
"""

from __future__ import annotations

import difflib
import json
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from logai.logs.errors import LogGroupNotFound, SourceError
from logai.logs.source import MAX_INSIGHTS_ROWS, CloudWatchSource
from logai.logs.timeparse import TimeParseError, format_duration, iso, parse_range, to_ms
from logai.tools.result import ToolResult

# FilterLogEvents searches one group per call; more groups means more calls
# and a thinner share of the event cap for each.
MAX_SEARCH_GROUPS = 10
# StartQuery accepts at most 50 log groups.
MAX_INSIGHTS_GROUPS = 50
MAX_SUGGESTIONS = 5
MAX_STREAM_EVENTS = 1000
MAX_LISTED_GROUPS = 200


class LogTools:
    """search_logs, read_log_stream, run_insights_query and list_log_groups over one source."""

    def __init__(
        self,
        source: CloudWatchSource,
        *,
        budget_tokens: int = 3000,
        max_events: int = 2000,
        insights_timeout: float = 60.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._source = source
        self._budget = budget_tokens
        self._max_events = max_events
        self._insights_timeout = insights_timeout
        self._clock = clock

    def functions(self) -> list[Callable[..., ToolResult]]:
        """The tools, in the order the model should consider them."""
        return [self.list_log_groups, self.search_logs, self.read_log_stream, self.run_insights_query]

    def list_log_groups(self, prefix: str | None = None, limit: int = 50) -> ToolResult:
        """List the CloudWatch log groups that exist, with stored size and retention.

        Use this first when you do not know the exact group name: names are
        case-sensitive, e.g. /aws/lambda/<function> or /ecs/<service>.

        Args:
            prefix: Only groups whose names start with this (case-sensitive), e.g. "/aws/lambda/". Omit to list all.
            limit: Most groups to return (1-200).
        """
        limit = _clamp(limit, 1, MAX_LISTED_GROUPS)
        searched: dict[str, Any] = {"prefix": prefix or "", "limit": limit}
        try:
            groups = self._source.list_groups(prefix or None, limit)
        except SourceError as exc:
            return _error(exc, searched)
        if not groups:
            where = f'starting with "{prefix}"' if prefix else "in this account and region"
            text = f"No log groups exist {where}."
            if prefix:
                close = self._suggest(prefix)
                text += f" Names that look close: {', '.join(close)}." if close else " Try a shorter prefix."
            return ToolResult(text=text, summary=f"no log groups {where}", empty=True, searched=searched)
        from logai.logs.shaping import fit_text

        lines = [f"{len(groups)} log groups{' (limit reached; use a prefix to narrow)' if len(groups) == limit else ''}:"]
        for group in groups:
            retention = f"{group.retention_days}d retention" if group.retention_days else "never expires"
            lines.append(f"- {group.name} ({human_bytes(group.stored_bytes)}, {retention})")
        return ToolResult(
            text=fit_text("\n".join(lines), self._budget),
            summary=f"{len(groups)} log groups" + (f' starting with "{prefix}"' if prefix else ""),
            searched=searched,
        )

    def search_logs(
        self,
        log_groups: list[str],
        filter_pattern: str = "",
        start: str = "1h",
        end: str = "now",
        limit: int = 200,
    ) -> ToolResult:
        """Find log events matching a CloudWatch filter pattern in one or more log groups.

        Good for reading recent errors and samples. The result is summarised to
        fit: event count, time span, message templates with counts, samples.
        For counts or trends over many events use run_insights_query instead.
        Filter pattern syntax: `ERROR` (term), `ERROR timeout` (both terms),
        `?ERROR ?Exception` (either), `"exact phrase"`, `-DEBUG` (exclude),
        `{ $.level = "error" }` (JSON logs); empty matches everything.

        Args:
            log_groups: Exact log group names (1-10), e.g. ["/aws/lambda/checkout-api"].
            filter_pattern: CloudWatch filter pattern; empty string matches every event.
            start: Start of the time range: relative ("15m", "2h", "3d", "1w"), ISO-8601 ("2026-11-26T14:05:00Z") or epoch milliseconds.
            end: End of the time range, same formats, default "now".
            limit: Most events to read (1 up to the configured cap); more are not fetched.
        """
        pattern = (filter_pattern or "").strip()
        params: dict[str, Any] = {"log_groups": log_groups, "start": start, "end": end, "filter_pattern": pattern}
        groups, problem = _clean_groups(log_groups, MAX_SEARCH_GROUPS, "search_logs")
        if problem:
            return _error(problem, params)
        try:
            start_dt, end_dt = parse_range(start, end, now=self._now())
        except TimeParseError as exc:
            return _error(str(exc), params)
        limit = _clamp(limit, 1, self._max_events)
        searched = {
            "log_groups": groups,
            "start": iso(start_dt),
            "end": iso(end_dt),
            "filter_pattern": pattern,
            "limit": limit,
        }
        try:
            result = self._source.filter_events(groups, to_ms(start_dt), to_ms(end_dt), pattern or None, limit)
        except LogGroupNotFound as exc:
            return self._not_found(exc, groups, searched)
        except SourceError as exc:
            return _error(exc, searched)

        span = format_duration(end_dt - start_dt)
        where = f"{_plural(len(groups), 'group')} over {span}" + (f' (pattern "{pattern}")' if pattern else "")
        described = (
            f"log groups {', '.join(groups)} from {iso(start_dt)} to {iso(end_dt)} ({span}), "
            + (f'filter pattern "{pattern}"' if pattern else "no filter pattern")
        )
        if not result.events:
            return ToolResult(
                text=f"No events matched. Searched {described}.",
                summary=f"no events in {where}",
                empty=True,
                searched=searched,
            )
        from logai.logs.shaping import shape_events

        count = len(result.events)
        header = f"Searched {described}: {_plural(count, 'event')}"
        if len(groups) > 1:
            header += " (" + ", ".join(f"{g}: {n}" for g, n in result.counts_by_group.items()) + ")"
        header += "."
        if result.truncated:
            header += (
                f" More events matched than the cap of {limit}: these are the most recent ones, so counts are"
                " lower bounds; narrow the range, or use run_insights_query to count over all of it on the server."
            )
        return ToolResult(
            text=shape_events(result.events, budget_tokens=self._budget, header=header),
            summary=f"{count}{'+' if result.truncated else ''} events in {where}",
            searched=searched,
        )

    def read_log_stream(self, log_group: str, log_stream: str | None = None, limit: int = 100) -> ToolResult:
        """Read the latest events of one log stream, in order, to see what happened around an error.

        Without a stream name the group's most recently written stream is read.

        Args:
            log_group: Exact log group name, e.g. "/ecs/payments".
            log_stream: Exact log stream name; omit to read the most recent stream.
            limit: How many of the newest events to read (1-1000).
        """
        limit = _clamp(limit, 1, MAX_STREAM_EVENTS)
        group = (log_group or "").strip() if isinstance(log_group, str) else ""
        stream = log_stream.strip() if isinstance(log_stream, str) and log_stream.strip() else None
        searched: dict[str, Any] = {"log_groups": [group] if group else [], "log_stream": stream, "limit": limit}
        if not group:
            return _error("No log group was given; name exactly one log group", searched)
        try:
            result = self._source.stream_events(group, stream, limit)
        except LogGroupNotFound as exc:
            return self._not_found(exc, [group], searched)
        except SourceError as exc:
            return _error(exc, searched)
        searched["log_stream"] = result.log_stream
        if result.log_stream is None:
            return ToolResult(
                text=f"Log group {group} has no log streams, so it holds no events.",
                summary=f"{group} has no streams",
                empty=True,
                searched=searched,
            )
        if not result.events:
            return ToolResult(
                text=f"Log stream {result.log_stream} in log group {group} holds no events.",
                summary=f"no events in {result.log_stream}",
                empty=True,
                searched=searched,
            )
        from logai.logs.shaping import shape_events

        first, last = result.events[0].timestamp_ms, result.events[-1].timestamp_ms
        searched.update(start=iso(first), end=iso(last))
        header = (
            f"Log stream {result.log_stream} in log group {group}: the latest "
            f"{_plural(len(result.events), 'event')}, from {iso(first)} to {iso(last)}."
        )
        return ToolResult(
            text=shape_events(result.events, budget_tokens=self._budget, header=header),
            summary=f"{len(result.events)} events from {group} / {result.log_stream}",
            searched=searched,
        )

    def run_insights_query(
        self,
        log_groups: list[str],
        query: str,
        start: str = "1h",
        end: str = "now",
        limit: int = 100,
    ) -> ToolResult:
        """Run a CloudWatch Logs Insights query on the server: best for counts, trends and large scans.

        Example queries: `filter @message like /ERROR/ | stats count(*) by bin(5m)`;
        `fields @timestamp, @message | filter @message like /timeout/ | sort @timestamp desc`;
        `stats count(*) as n by @logStream | sort n desc`. Rows are summarised to fit.

        Args:
            log_groups: Exact log group names (1-50).
            query: Logs Insights query text; a `| limit` is added when it has none.
            start: Start of the time range: relative ("15m", "2h", "3d"), ISO-8601 or epoch milliseconds.
            end: End of the time range, same formats, default "now".
            limit: Most result rows to return (1-10000).
        """
        text_query = (query or "").strip() if isinstance(query, str) else ""
        params: dict[str, Any] = {"log_groups": log_groups, "start": start, "end": end, "query": text_query}
        groups, problem = _clean_groups(log_groups, MAX_INSIGHTS_GROUPS, "run_insights_query")
        if problem:
            return _error(problem, params)
        if not text_query:
            return _error("The query is empty; give a Logs Insights query such as `fields @timestamp, @message`", params)
        try:
            start_dt, end_dt = parse_range(start, end, now=self._now())
        except TimeParseError as exc:
            return _error(str(exc), params)
        limit = _clamp(limit, 1, MAX_INSIGHTS_ROWS)
        searched: dict[str, Any] = {
            "log_groups": groups,
            "start": iso(start_dt),
            "end": iso(end_dt),
            "query": text_query,
            "limit": limit,
        }
        try:
            result = self._source.run_insights(
                groups, text_query, to_ms(start_dt), to_ms(end_dt), limit=limit, timeout_s=self._insights_timeout
            )
        except LogGroupNotFound as exc:
            return self._not_found(exc, groups, searched)
        except SourceError as exc:
            return _error(exc, searched)
        searched["query"] = result.query
        span = format_duration(end_dt - start_dt)
        described = f"Logs Insights query `{result.query}` on {', '.join(groups)} from {iso(start_dt)} to {iso(end_dt)} ({span})"
        if result.timed_out and not result.rows:
            return _error(
                f"The Logs Insights query did not finish within {self._insights_timeout:g} seconds and was stopped; "
                "narrow the time range or the groups",
                searched,
            )
        if not result.rows:
            return ToolResult(
                text=f"The {described} returned no rows.",
                summary=f"insights: no rows over {span}",
                empty=True,
                searched=searched,
            )
        from logai.logs.shaping import shape_rows

        header = f"{described}: {_plural(len(result.rows), 'row')}"
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
            searched=searched,
        )

    # -- helpers ----------------------------------------------------------

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), UTC)

    def _suggest(self, name: str) -> list[str]:
        try:
            known = self._source.group_names()
        except SourceError:
            return []  # suggestions are a courtesy; the real error is already reported
        return closest_group_names(name, known)

    def _not_found(self, exc: LogGroupNotFound, groups: Sequence[str], searched: dict[str, Any]) -> ToolResult:
        missing = exc.group
        if missing is None:
            try:
                known = set(self._source.group_names())
            except SourceError:
                known = set()
            missing = next((g for g in groups if g not in known), groups[0] if groups else "")
        suggestions = self._suggest(missing)
        message = exc.message
        if suggestions:
            message = f"{message.rstrip('.')}. Closest existing names: {', '.join(suggestions)}."
        else:
            message = f"{message.rstrip('.')}; no similar name exists, call list_log_groups to see the groups."
        failed = _error(message, searched)
        return ToolResult(
            text=failed.text,
            summary=f"log group {missing} not found",
            ok=False,
            missing_log_group=missing,
            suggestions=tuple(suggestions),
            searched=searched,
        )


def closest_group_names(name: str, known: Sequence[str], limit: int = MAX_SUGGESTIONS) -> list[str]:
    """Up to `limit` existing names a mistyped or partial group name most likely meant.

    Case-insensitive: exact matches first, then names containing the given
    name (or its last path segment), then names that merely look alike.
    """
    target = name.strip().lower()
    if not target:
        return []
    segment = target.rstrip("/").rsplit("/", 1)[-1]
    ranked: dict[str, float] = {}
    for candidate in known:
        lowered = candidate.lower()
        tail = lowered.rstrip("/").rsplit("/", 1)[-1]
        likeness = max(
            difflib.SequenceMatcher(None, target, lowered).ratio(),
            difflib.SequenceMatcher(None, segment, tail).ratio(),
        )
        if lowered == target:
            ranked[candidate] = 3.0
        elif target in lowered or (len(segment) >= 3 and segment in lowered):
            ranked[candidate] = 2.0 + likeness / 10
        elif len(tail) >= 3 and tail in target:
            ranked[candidate] = 1.5 + likeness / 10
        elif likeness >= 0.6:
            ranked[candidate] = likeness
    return sorted(ranked, key=lambda c: (-ranked[c], c))[:limit]


def _clean_groups(raw: Any, most: int, tool: str) -> tuple[list[str], str | None]:
    """The distinct, stripped group names, or a sentence saying what is wrong."""
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list | tuple) or not all(isinstance(g, str) for g in raw):
        return [], "log_groups must be a list of log group names"
    groups = list(dict.fromkeys(g.strip() for g in raw if g.strip()))
    if not groups:
        return [], "No log group was given; name at least one, or call list_log_groups to find them"
    if len(groups) > most:
        return groups, f"{tool} takes at most {most} log groups, but {len(groups)} were given; search fewer at a time"
    return groups, None


def _error(problem: SourceError | str, params: dict[str, Any]) -> ToolResult:
    sentence = problem.message if isinstance(problem, SourceError) else problem
    sentence = sentence.strip().rstrip(".") + "."
    text = f"Error: {sentence} Parameters used: {json.dumps(params, default=str, ensure_ascii=False)}"
    if isinstance(problem, SourceError) and problem.hint:
        text += f"\nHint: {problem.hint}."
    return ToolResult(text=text, summary=f"error: {sentence}", ok=False, searched=params)


def _clamp(value: Any, low: int, high: int) -> int:
    """`value` within [low, high]; something that is not a number counts as `high`."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return high
    return max(low, min(number, high))


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def human_bytes(size: int) -> str:
    """A byte count for people: `512 B`, `1.5 KB`, `3.2 GB`."""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"

