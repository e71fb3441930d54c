"""The evidence tools: what happened over the whole range, what changed, and which group broke first.

`search_logs` is the tool the model reaches for first; it computes on the
server (Logs Insights) and returns figures, not dumps. Its filter is
structured (words, a regex, field conditions), so the model never writes
filter syntax. Group names may end in `*` to take every group with that prefix.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, StringConstraints

from logai.evidence.filter import FieldCondition, LogFilter
from logai.figures import dollars, human_bytes, plural
from logai.logs.errors import SourceError
from logai.logs.timeparse import (
    TimeParseError,
    format_duration,
    iso,
    parse_range,
    to_ms,
)
from logai.tools.cloudwatch import MAX_GROUP_NAME, LogTools, TimeText, _one_or_many
from logai.tools.result import SearchScope, ToolResult, error_result

GB = 1024**3
MAX_PREFIX_GROUPS = 50
ERROR_WORDS = ("ERROR", "Error", "error", "Exception", "FATAL", "CRITICAL", "timed out", "Traceback", "panic")

GroupOrPrefix = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_GROUP_NAME + 1)]
EvidenceGroups = Annotated[list[GroupOrPrefix], BeforeValidator(_one_or_many), Field(min_length=1, max_length=50)]
Words = Annotated[
    list[Annotated[str, StringConstraints(min_length=1, max_length=200)]], BeforeValidator(_one_or_many), Field(max_length=10)
]
Condition = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
_CONDITION = re.compile(r"^([A-Za-z_@][\w@.\-]*)\s*(=|!=|<=|>=|<|>|\s+exists|\s+missing)\s*(.*)$")


class EvidenceTools(LogTools):
    """LogTools, with `search_logs` computed on the server, baseline comparison and the cross-group timeline."""

    def __init__(self, *args: Any, price_per_gb: float = 0.005, max_gb_per_query: float | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._price = price_per_gb
        self._max_bytes = max_gb_per_query * GB if max_gb_per_query else None

    def functions(self) -> list[Callable[..., ToolResult]]:
        return [
            self.list_log_groups,
            self.search_logs,
            self.error_timeline,
            self.compare_with_baseline,
            self.read_log_stream,
            self.run_insights_query,
        ]

    def search_logs(
        self,
        log_groups: EvidenceGroups,
        start: TimeText = "1h",
        end: TimeText = "now",
        all_words: Words = [],  # noqa: B006 - pydantic copies defaults; the schema shows []
        any_words: Words = [],  # noqa: B006
        exclude_words: Words = [],  # noqa: B006
        regex: Annotated[str, StringConstraints(max_length=500)] | None = None,
        where: Annotated[list[Condition], Field(max_length=5)] = [],  # noqa: B006
    ) -> ToolResult:
        """Evidence about the matching events over the WHOLE range, computed on the server: start here.

        Returns the exact number of matches per group, when they began, rose,
        peaked and whether they are still going, a histogram, message templates
        with exact counts and when each was first and last seen, breakdowns by
        level, stream and a JSON field, and a few samples (the first matches and
        the newest). Words are matched case-sensitively as substrings (ERROR is
        not error). With no words every event counts.

        Args:
            log_groups: Log group names, e.g. ["/aws/lambda/checkout-api"]; a glob such as "/ecs/*" takes every group it matches.
            start: Start of the range: relative ("15m", "2h", "3d"), ISO-8601 ("2026-11-26T14:05:00Z") or epoch milliseconds.
            end: End of the range, same formats, default "now".
            all_words: Words or phrases that must all appear, e.g. ["ERROR"].
            any_words: Words or phrases of which at least one must appear, e.g. ["ERROR", "Exception", "timed out"].
            exclude_words: Words or phrases that must not appear, e.g. ["healthcheck"].
            regex: A regular expression the message must match, e.g. "HTTP/1.1\\" 5\\d\\d".
            where: Conditions on fields of JSON messages, "field op value" with op one of = != < <= > >= exists missing, e.g. ["status >= 500", "level = ERROR"].
        """
        from logai.evidence.collect import EvidenceCollector, Limits
        from logai.evidence.report import render

        parameters: dict[str, Any] = {"log_groups": log_groups, "start": start, "end": end}
        parameters.update(_filter_parameters(all_words, any_words, exclude_words, regex, where))
        prepared = self._prepare(log_groups, start, end, parameters, all_words, any_words, exclude_words, regex, where)
        if isinstance(prepared, ToolResult):
            return prepared
        groups, start_ms, end_ms, log_filter, scope = prepared
        collector = EvidenceCollector(self._source, Limits(self._insights_timeout, self._max_bytes, self._price))
        try:
            evidence = collector.collect(groups, start_ms, end_ms, log_filter)
        except SourceError as exc:
            return self._failed(exc, groups, parameters, scope)
        span = format_duration(timedelta(milliseconds=end_ms - start_ms))
        where_text = f"{plural(len(groups), 'group')} over {span}"
        cost = evidence.provenance
        spent = f"{human_bytes(cost.bytes_scanned)}, {dollars(cost.cost_usd)}" if cost.method == "insights" else "FilterLogEvents"
        if not evidence.total:
            summary = f"no matches in {where_text} ({spent})"
        else:
            summary = f"{evidence.total:,}{'' if evidence.exact else '+'} matches in {where_text}; first {iso(evidence.first_ms or 0)[11:19]}Z ({spent})"
        return ToolResult(
            text=render(evidence, budget_tokens=self._budget),
            summary=summary,
            empty=not evidence.total,
            scope=scope,
        )

    def compare_with_baseline(
        self,
        log_groups: EvidenceGroups,
        start: TimeText = "1h",
        end: TimeText = "now",
        baseline: Literal["prev", "1d", "7d"] = "prev",
        all_words: Words = [],  # noqa: B006
        any_words: Words = [],  # noqa: B006
        exclude_words: Words = [],  # noqa: B006
        regex: Annotated[str, StringConstraints(max_length=500)] | None = None,
        where: Annotated[list[Condition], Field(max_length=5)] = [],  # noqa: B006
    ) -> ToolResult:
        """What changed: message templates that are new in the range, or rose or fell sharply, against a baseline.

        Use it to tell what broke from what was always there: a red herring
        that logs the same rate every day is not the cause.

        Args:
            log_groups: Log group names; a glob such as "/ecs/*" takes every group it matches.
            start: Start of the range: relative ("15m", "2h"), ISO-8601 or epoch milliseconds.
            end: End of the range, default "now".
            baseline: "prev" (the period just before, same length), "1d" (same time yesterday) or "7d" (same time last week).
            all_words: Words that must all appear.
            any_words: Words of which one must appear.
            exclude_words: Words that must not appear.
            regex: A regular expression the message must match.
            where: Conditions on JSON fields, e.g. ["status >= 500"].
        """
        from logai.evidence.compare import compare, render_comparison

        parameters: dict[str, Any] = {"log_groups": log_groups, "start": start, "end": end, "baseline": baseline}
        parameters.update(_filter_parameters(all_words, any_words, exclude_words, regex, where))
        prepared = self._prepare(log_groups, start, end, parameters, all_words, any_words, exclude_words, regex, where)
        if isinstance(prepared, ToolResult):
            return prepared
        groups, start_ms, end_ms, log_filter, scope = prepared
        try:
            result = compare(self._source, groups, start_ms, end_ms, baseline, log_filter, timeout_s=self._insights_timeout)
        except SourceError as exc:
            return self._failed(exc, groups, parameters, scope)
        kinds = ", ".join(f"{sum(c.kind == k for c in result.changes)} {k}" for k in ("new", "rose") if any(c.kind == k for c in result.changes))
        return ToolResult(
            text=render_comparison(result, log_filter, self._price, budget_tokens=self._budget),
            summary=f"vs {baseline}: {kinds or 'nothing changed'}",
            empty=not result.window_total,
            scope=scope,
        )

    def error_timeline(
        self,
        log_groups: EvidenceGroups,
        start: TimeText = "3h",
        end: TimeText = "now",
        any_words: Words = list(ERROR_WORDS),  # noqa: B006
    ) -> ToolResult:
        """Which service broke first: when each group's errors began, rose sharply and peaked, in that order.

        One server-side count over all the groups (up to 50 a query), so it is
        cheap to run over many services. Follow up with search_logs on the
        group that broke first.

        Args:
            log_groups: Log group names or globs, e.g. ["/aws/lambda/*", "/ecs/*"].
            start: Start of the range, default the last 3 hours.
            end: End of the range, default "now".
            any_words: What counts as an error: words of which one must appear (default: common error words).
        """
        from logai.evidence.onsets import onsets, render_onsets

        parameters: dict[str, Any] = {"log_groups": log_groups, "start": start, "end": end, "any_words": any_words}
        prepared = self._prepare(log_groups, start, end, parameters, [], any_words, [], None, [], most=1000)
        if isinstance(prepared, ToolResult):
            return prepared
        groups, start_ms, end_ms, log_filter, scope = prepared
        try:
            result = onsets(self._source, groups, start_ms, end_ms, log_filter, timeout_s=self._insights_timeout)
        except SourceError as exc:
            return self._failed(exc, groups, parameters, scope)
        first = result.groups[0].group if result.groups else None
        return ToolResult(
            text=render_onsets(result, log_filter, self._price),
            summary=f"{plural(len(result.groups), 'group')} with errors" + (f"; first: {first}" if first else ""),
            empty=not result.groups,
            scope=scope,
        )

    # -- helpers ----------------------------------------------------------------------

    def _prepare(
        self,
        log_groups: Sequence[str],
        start: str,
        end: str,
        parameters: dict[str, Any],
        all_words: Sequence[str],
        any_words: Sequence[str],
        exclude_words: Sequence[str],
        regex: str | None,
        where: Sequence[str],
        *,
        most: int = MAX_PREFIX_GROUPS,
    ) -> ToolResult | tuple[list[str], int, int, LogFilter, SearchScope]:
        """Groups resolved, range parsed and bounded, filter built; or the error result to return."""
        try:
            log_filter = LogFilter(
                all_words=tuple(all_words),
                any_words=tuple(any_words),
                exclude_words=tuple(exclude_words),
                regex=regex or None,
                fields=tuple(_condition(text) for text in where),
            )
        except ValueError as exc:
            return error_result(_first_problem(exc), parameters)
        try:
            start_dt, end_dt = parse_range(start, end, now=self._now())
        except TimeParseError as exc:
            return error_result(str(exc), parameters)
        start_dt, end_dt = start_dt.replace(microsecond=0), end_dt.replace(microsecond=999_000)
        parameters.update(start=iso(start_dt), end=iso(end_dt))
        try:
            groups = self._resolve(log_groups, most)
        except SourceError as exc:
            return error_result(exc.message, parameters, hint=exc.hint)
        scope = SearchScope(
            log_groups=tuple(groups), start=start_dt, end=end_dt, filter_pattern=log_filter.describe() if not log_filter.empty else ""
        )
        if not groups:
            return error_result(
                f"no log group matches {', '.join(log_groups)}",
                parameters,
                hint="call list_log_groups to see the names",
                scope=scope,
            )
        too_long = self._too_long(start_dt, end_dt, "a server-side search", "search a shorter range", parameters, scope)
        if too_long is not None:
            return too_long
        # Insights counts whole seconds: the range stated is the range counted.
        return groups, to_ms(start_dt), to_ms(end_dt), log_filter, scope

    def _resolve(self, names: Sequence[str], most: int) -> list[str]:
        """Names as given; globs such as `/ecs/*` expanded to the groups they match (at most `most` in all)."""
        from logai.logs.groups import expand_globs

        groups, _ = expand_globs(names, lambda prefix: [g.name for g in self._source.list_groups(prefix or None, most)])
        return groups[:most]


def _condition(text: str) -> FieldCondition:
    match = _CONDITION.match(text)
    if not match:
        raise ValueError(f'cannot read the condition {text!r}: write "field op value", e.g. "status >= 500"')
    field, op, raw = match.group(1), match.group(2).strip(), match.group(3).strip()
    if raw[:1] in ("<", ">", "=", "!") or (op not in ("exists", "missing") and not raw):
        raise ValueError(f'cannot read the condition {text!r}: write "field op value", e.g. "status >= 500"')
    if op in ("exists", "missing"):
        return FieldCondition(field=field, op=op)  # type: ignore[arg-type]
    value: str | float | bool | None
    if raw.lower() in ("true", "false"):
        value = raw.lower() == "true"
    elif raw.lower() == "null":
        value = None
    else:
        try:
            value = float(raw) if "." in raw or "e" in raw.lower() else int(raw)
        except ValueError:
            value = raw[1:-1] if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'" else raw
    return FieldCondition(field=field, op=op, value=value)  # type: ignore[arg-type]


def _first_problem(exc: ValueError) -> str:
    text = str(exc)
    for line in text.splitlines():
        if line.strip().startswith("Value error,"):
            return line.strip().removeprefix("Value error, ").split(" [type=")[0]
    return text.splitlines()[0]


def _filter_parameters(
    all_words: Sequence[str], any_words: Sequence[str], exclude_words: Sequence[str], regex: str | None, where: Sequence[str]
) -> dict[str, Any]:
    given = {"all_words": list(all_words), "any_words": list(any_words), "exclude_words": list(exclude_words), "regex": regex, "where": list(where)}
    return {key: value for key, value in given.items() if value}
