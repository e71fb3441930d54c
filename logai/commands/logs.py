"""`logai logs …`: the same CloudWatch Logs reads the model makes, without a model.

`groups`, `streams` and `insights` live here; `search` and `tail`, which
print events, in `logs_events.py`; what they share in `logs_io.py`. Output
is unredacted (these are the user's own logs) and sanitised for the
terminal; `--json` prints JSON Lines, one object per group, stream, row or
event.
"""

from __future__ import annotations

from typing import Any

import typer

from logai.commands.common import EXIT_FAILURE, fail, settings_or_exit
from logai.commands.logs_events import search, tail
from logai.commands.logs_io import (
    GROUPS,
    JSON,
    PROFILE,
    REDACT,
    REGION,
    TIME_FORMS,
    columns,
    complete_group,
    emit,
    expand_groups,
    note,
    open_source,
    reported,
    time_range,
)


def groups(
    ctx: typer.Context,
    prefix: str | None = typer.Option(None, "--prefix", help="Only groups whose names start with this."),
    limit: int = typer.Option(50, "--limit", min=1, max=10_000, help="Most groups to list."),
    as_json: bool = JSON,
    profile: str | None = PROFILE,
    region: str | None = REGION,
) -> None:
    """List log groups: name, stored bytes, retention."""
    from logai.figures import human_bytes
    from logai.ui.logformat import json_line

    source = open_source(ctx, profile, region)
    with reported():
        found = source.list_groups(prefix, limit)
    if as_json:
        for g in found:
            emit(json_line(_group_document(g)))
    elif found:
        rows = [
            (g.name, human_bytes(g.stored_bytes), f"{g.retention_days} days" if g.retention_days else "never expires")
            for g in found
        ]
        for line in columns(("NAME", "STORED", "RETENTION"), rows):
            emit(line)
    if not found:
        note(f"no log groups{f' start with {prefix}' if prefix else ''} in this account and region")
    elif len(found) == limit:
        note(f"listed the first {limit} groups; use --prefix or --limit to see others")


def streams(
    ctx: typer.Context,
    group: str = typer.Argument(..., metavar="GROUP", help="Log group name.", autocompletion=complete_group),
    prefix: str | None = typer.Option(None, "--prefix", help="Only streams whose names start with this (listed by name)."),
    limit: int = typer.Option(50, "--limit", min=1, max=10_000, help="Most streams to list."),
    local: bool = typer.Option(False, "--local", help="Show times in the local time zone instead of UTC."),
    as_json: bool = JSON,
    profile: str | None = PROFILE,
    region: str | None = REGION,
) -> None:
    """List a group's log streams, the most recently written first (by name with --prefix)."""
    from logai.ui.logformat import json_line

    source = open_source(ctx, profile, region)
    with reported(source):
        found = source.list_streams(group, prefix, limit)
    if as_json:
        for s in found:
            emit(json_line(_stream_document(s)))
    elif found:
        rows = [(s.name, _when(s.first_event_ms, local), _when(s.last_event_ms, local)) for s in found]
        for line in columns(("STREAM", "FIRST EVENT", "LAST EVENT"), rows):
            emit(line)
    if not found:
        note(f"no log streams{f' start with {prefix}' if prefix else ''} in {group}")
    elif len(found) == limit:
        note(f"listed the first {limit} streams; use --prefix or --limit to see others")


def insights(
    ctx: typer.Context,
    log_groups: list[str] = GROUPS,
    query: str = typer.Option(..., "--query", "-q", help="Logs Insights query, e.g. 'stats count(*) by bin(5m)'."),
    since: str = typer.Option("1h", "--since", help=f"Start of the range: {TIME_FORMS}."),
    until: str = typer.Option("now", "--until", help="End of the range (same forms as --since)."),
    limit: int = typer.Option(100, "--limit", min=1, max=10_000, help="Most rows to return."),
    as_json: bool = JSON,
    redact: bool = REDACT,
    profile: str | None = PROFILE,
    region: str | None = REGION,
) -> None:
    """Run a Logs Insights query and print its rows."""
    from logai.logs.timeparse import to_ms
    from logai.ui.logformat import json_line

    if not query.strip():
        raise typer.BadParameter("the query is empty", param_hint="'--query'")
    start, end = time_range(since, until)
    settings = settings_or_exit(aws_profile=profile, aws_region=region)
    source = open_source(ctx, profile, region, settings=settings)
    names = expand_groups(source, log_groups)
    with reported(source):
        result = source.run_insights(names, query, to_ms(start), to_ms(end), limit=limit, timeout_s=settings.insights_timeout)
    if redact:
        from dataclasses import replace

        from logai.logs.redact import redact as redacted

        result = replace(result, rows=tuple({field: redacted(value) for field, value in row.items()} for row in result.rows))
    if as_json:
        for row in result.rows:
            emit(json_line(dict(row)))
    elif result.rows:
        fields = list(dict.fromkeys(name for row in result.rows for name in row))
        if not fields:
            note(f"{len(result.rows)} rows came back without fields; does the query name any (fields/stats)?")
        for line in columns(tuple(fields), [tuple(row.get(f, "") for f in fields) for row in result.rows]):
            emit(line)
    stats = result.statistics
    counted = (
        f"{int(stats.get('recordsMatched', 0))} records matched, {int(stats.get('recordsScanned', 0))} scanned"
        if stats
        else ""
    )
    if not result.rows:
        note("the query returned no rows" + (f" ({counted})" if counted else ""))
    elif counted:
        note(f"{len(result.rows)} rows; {counted}")
    if result.timed_out:
        fail(
            f"the query did not finish within {settings.insights_timeout:g} seconds and was stopped; rows above are partial",
            EXIT_FAILURE,
            "narrow --since/--until or raise insights_timeout",
        )


def register(app: typer.Typer) -> None:
    logs_app = typer.Typer(
        name="logs",
        help="CloudWatch Logs reads without a model: groups, streams, search, tail, insights.",
        no_args_is_help=True,
        rich_markup_mode=None,
    )
    logs_app.command("groups")(groups)
    logs_app.command("streams")(streams)
    logs_app.command("search")(search)
    logs_app.command("tail")(tail)
    logs_app.command("insights")(insights)
    app.add_typer(logs_app, name="logs")


def _when(epoch_ms: int | None, local: bool) -> str:
    from logai.ui.logformat import EventFormat

    return "-" if epoch_ms is None else EventFormat(local=local).time_text(epoch_ms)


def _group_document(group: Any) -> dict[str, Any]:
    return {
        "logGroupName": group.name,
        "storedBytes": group.stored_bytes,
        "retentionInDays": group.retention_days,
        "creationTime": group.created_ms,
        "arn": group.arn,
    }


def _stream_document(stream: Any) -> dict[str, Any]:
    return {
        "logStreamName": stream.name,
        "firstEventTimestamp": stream.first_event_ms,
        "lastEventTimestamp": stream.last_event_ms,
        "creationTime": stream.created_ms,
    }
