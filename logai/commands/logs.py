"""`logai logs …`: the same CloudWatch Logs reads the model makes, without a model.

Events go to stdout, one per line, unredacted (these are the user's own
logs); notes about truncation and statistics go to stderr so pipes stay
clean. Only stdlib and Typer load with this module; boto3 loads inside the
commands and litellm never does.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import typer

from logai.commands.common import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, fail, runtime_of, settings_or_exit

if TYPE_CHECKING:
    from datetime import datetime

    from logai.logs.model import LogEvent
    from logai.logs.source import CloudWatchSource

_PROFILE = typer.Option(None, "--profile", help="AWS profile (default: the standard chain).")
_REGION = typer.Option(None, "--region", help="AWS region (default: AWS_REGION or the profile's).")
_JSON = typer.Option(False, "--json", help="Print JSON instead of text.")
_FILTER = typer.Option(None, "--filter", "-p", help='CloudWatch filter pattern, e.g. "ERROR" or "?ERROR ?timeout".')
_UNTIL = typer.Option("now", "--until", help="End of the range (same forms as --since).")
_TIME_FORMS = 'relative (15m, 2h, 3d, "2 hours ago"), ISO-8601 or epoch ms'

# How often `tail --follow` asks for new events, like `aws logs tail`.
_FOLLOW_POLL_SECONDS = 5.0


def groups(
    ctx: typer.Context,
    prefix: str | None = typer.Option(None, "--prefix", help="Only groups whose names start with this."),
    limit: int = typer.Option(50, "--limit", min=1, max=10_000, help="Most groups to list."),
    as_json: bool = _JSON,
    profile: str | None = _PROFILE,
    region: str | None = _REGION,
) -> None:
    """List log groups: name, stored bytes, retention."""
    from logai.figures import human_bytes

    source = _open_source(ctx, profile, region)
    with _reported():
        found = source.list_groups(prefix, limit)
    if as_json:
        _emit(json.dumps([_group_dict(g) for g in found], indent=2))
        return
    if not found:
        _note(f"no log groups{f' start with {prefix}' if prefix else ''} in this account and region")
        return
    rows = [
        (g.name, human_bytes(g.stored_bytes), f"{g.retention_days} days" if g.retention_days else "never expires")
        for g in found
    ]
    for line in _columns(("NAME", "STORED", "RETENTION"), rows):
        _emit(line)
    if len(found) == limit:
        _note(f"listed the first {limit} groups; use --prefix or --limit to see others")


def search(
    ctx: typer.Context,
    log_groups: list[str] = typer.Argument(..., metavar="GROUP...", help="Log group names."),
    pattern: str | None = _FILTER,
    since: str = typer.Option("1h", "--since", help=f"Start of the range: {_TIME_FORMS}."),
    until: str = _UNTIL,
    limit: int = typer.Option(1000, "--limit", min=1, max=100_000, help="Most events to read."),
    as_json: bool = _JSON,
    profile: str | None = _PROFILE,
    region: str | None = _REGION,
) -> None:
    """Search events with FilterLogEvents, printed oldest first (a capped search keeps the newest)."""
    from logai.logs.timeparse import iso, to_ms

    start, end = _time_range(since, until)
    source = _open_source(ctx, profile, region)
    with _reported(source):
        result = source.filter_events(log_groups, to_ms(start), to_ms(end), pattern, limit)
    if as_json:
        document = {
            "searched": {"log_groups": list(result.groups), "start": iso(start), "end": iso(end), "filter_pattern": pattern or ""},
            "truncated": result.truncated,
            "pages_read": result.pages_read,
            "events": [_event_dict(e) for e in result.events],
        }
        _emit(json.dumps(document, indent=2, ensure_ascii=False))
    else:
        for event in result.events:
            _emit(_event_line(event, show_group=len(result.groups) > 1))
    if not result.events:
        _note(f"no events matched in {', '.join(result.groups)} from {iso(start)} to {iso(end)}")
    elif result.truncated:
        _note(f"more than {limit} events matched; these are the newest: raise --limit or narrow --since")


def tail(
    ctx: typer.Context,
    log_groups: list[str] = typer.Argument(..., metavar="GROUP...", help="Log group names."),
    pattern: str | None = _FILTER,
    since: str = typer.Option("10m", "--since", help=f"Where to start: {_TIME_FORMS}."),
    follow: bool = typer.Option(False, "--follow", "-f", help="Keep polling for new events until Ctrl-C."),
    profile: str | None = _PROFILE,
    region: str | None = _REGION,
) -> None:
    """Print events like `aws logs tail`: timestamp, stream, message."""
    from logai.logs.timeparse import to_ms

    start = _one_time(since, "--since")
    source = _open_source(ctx, profile, region)
    show_group = len(set(log_groups)) > 1
    events = source.tail(log_groups, pattern=pattern, start_ms=to_ms(start), follow=follow, poll_s=_FOLLOW_POLL_SECONDS)
    try:
        with _reported(source):
            for event in events:
                _emit(_event_line(event, show_group=show_group), flush=follow)
    except KeyboardInterrupt:
        # Ctrl-C is the only way to end a follow, so it is a normal end
        # (exit 0, as `aws logs tail` does) and a pipeline does not see a
        # failure. Without --follow it interrupts work: cli.main makes it 130.
        if not follow:
            raise
        raise typer.Exit(EXIT_OK) from None


def insights(
    ctx: typer.Context,
    log_groups: list[str] = typer.Argument(..., metavar="GROUP...", help="Log group names (up to 50)."),
    query: str = typer.Option(..., "--query", "-q", help="Logs Insights query, e.g. 'stats count(*) by bin(5m)'."),
    since: str = typer.Option("1h", "--since", help=f"Start of the range: {_TIME_FORMS}."),
    until: str = _UNTIL,
    limit: int = typer.Option(100, "--limit", min=1, max=10_000, help="Most rows to return."),
    as_json: bool = _JSON,
    profile: str | None = _PROFILE,
    region: str | None = _REGION,
) -> None:
    """Run a Logs Insights query and print its rows."""
    from logai.logs.timeparse import to_ms

    if not query.strip():
        raise typer.BadParameter("the query is empty", param_hint="'--query'")
    start, end = _time_range(since, until)
    settings = settings_or_exit(aws_profile=profile, aws_region=region)
    source = _open_source(ctx, profile, region, settings=settings)
    with _reported(source):
        result = source.run_insights(log_groups, query, to_ms(start), to_ms(end), limit=limit, timeout_s=settings.insights_timeout)
    if as_json:
        document = {"query": result.query, "status": result.status, "statistics": dict(result.statistics), "rows": list(result.rows)}
        _emit(json.dumps(document, indent=2, ensure_ascii=False))
    elif result.rows:
        fields = list(dict.fromkeys(name for row in result.rows for name in row))
        if not fields:
            _note(f"{len(result.rows)} rows came back without fields; does the query name any (fields/stats)?")
        for line in _columns(tuple(fields), [tuple(row.get(f, "") for f in fields) for row in result.rows]):
            _emit(line)
    stats = result.statistics
    counted = (
        f"{int(stats.get('recordsMatched', 0))} records matched, {int(stats.get('recordsScanned', 0))} scanned"
        if stats
        else ""
    )
    if not result.rows:
        _note("the query returned no rows" + (f" ({counted})" if counted else ""))
    elif counted:
        _note(f"{len(result.rows)} rows; {counted}")
    if result.timed_out:
        fail(
            f"the query did not finish within {settings.insights_timeout:g} seconds and was stopped; rows above are partial",
            EXIT_FAILURE,
            "narrow --since/--until or raise insights_timeout",
        )


def register(app: typer.Typer) -> None:
    logs_app = typer.Typer(
        name="logs",
        help="CloudWatch Logs reads without a model: groups, search, tail, insights.",
        no_args_is_help=True,
    )
    logs_app.command("groups")(groups)
    logs_app.command("search")(search)
    logs_app.command("tail")(tail)
    logs_app.command("insights")(insights)
    app.add_typer(logs_app, name="logs")


# -- plumbing -------------------------------------------------------------


def _open_source(ctx: typer.Context, profile: str | None, region: str | None, *, settings: Any = None) -> CloudWatchSource:
    """The source for this command; its CloudWatch calls are counted and stored when the command ends."""
    from logai.events import Event, EventBus, WarningIssued
    from logai.logs.errors import SourceError
    from logai.logs.source import CloudWatchSource
    from logai.metrics.recording import Recording

    def warn(event: Event) -> None:
        if isinstance(event, WarningIssued):
            _note(f"warning: {event.message}")

    if settings is None:
        settings = settings_or_exit(aws_profile=profile, aws_region=region)
    bus = EventBus(warn)
    try:
        source = CloudWatchSource.from_settings(settings, runtime=runtime_of(ctx), sink=bus.emit)
    except SourceError as exc:
        fail(exc.message, EXIT_USAGE if exc.config else EXIT_FAILURE, exc.hint)
    recording = Recording.open(bus, home=settings.home, enabled=settings.metrics_enabled, command="logs")
    ctx.call_on_close(recording.close)
    return source


@contextmanager
def _reported(source: CloudWatchSource | None = None) -> Iterator[None]:
    """A SourceError becomes one sentence and exit 1 (2 when the set-up is wrong).

    With `source`, a missing log group's hint names the closest existing groups.
    """
    from logai.logs.errors import LogGroupNotFound, SourceError

    try:
        yield
    except SourceError as exc:
        hint = exc.hint
        if source is not None and isinstance(exc, LogGroupNotFound) and exc.group:
            hint = _did_you_mean(source, exc.group) or hint
        fail(exc.message, EXIT_USAGE if exc.config else EXIT_FAILURE, hint)


def _did_you_mean(source: CloudWatchSource, group: str) -> str | None:
    from logai.logs.errors import SourceError
    from logai.logs.groups import closest_group_names

    try:
        close = closest_group_names(group, source.group_names())
    except SourceError:
        return None
    return f"did you mean {', '.join(close)}?" if close else None


def _now() -> datetime:
    from datetime import UTC, datetime

    return datetime.now(UTC)


def _one_time(value: str, option: str) -> datetime:
    from logai.logs.timeparse import TimeParseError, parse_time

    try:
        return parse_time(value, now=_now())
    except TimeParseError as exc:
        raise typer.BadParameter(str(exc), param_hint=f"'{option}'") from None


def _time_range(since: str, until: str) -> tuple[datetime, datetime]:
    from logai.logs.timeparse import TimeParseError, parse_range

    now = _now()
    _one_time(since, "--since")
    _one_time(until, "--until")
    try:
        return parse_range(since, until, now=now)
    except TimeParseError as exc:
        raise typer.BadParameter(str(exc), param_hint="'--since' / '--until'") from None


def _event_line(event: LogEvent, *, show_group: bool) -> str:
    from logai.logs.timeparse import iso

    where = f"{event.log_group} {event.log_stream or '-'}" if show_group else (event.log_stream or "-")
    return f"{iso(event.timestamp_ms)} {where} {event.message.rstrip()}"


def _event_dict(event: LogEvent) -> dict[str, Any]:
    from logai.logs.timeparse import iso

    return {
        "timestamp": iso(event.timestamp_ms),
        "timestamp_ms": event.timestamp_ms,
        "log_group": event.log_group,
        "log_stream": event.log_stream,
        "event_id": event.event_id,
        "message": event.message,
    }


def _group_dict(group: Any) -> dict[str, Any]:
    return {
        "name": group.name,
        "stored_bytes": group.stored_bytes,
        "retention_days": group.retention_days,
        "created_ms": group.created_ms,
        "arn": group.arn,
    }


def _columns(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Left-aligned columns separated by two spaces; the last column is not padded."""
    if not header:
        return []
    cells = [list(header), *[[" ".join(str(c).split()) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header) - 1)]
    return ["  ".join([*(row[i].ljust(widths[i]) for i in range(len(widths))), row[-1]]).rstrip() for row in cells]


def _emit(line: str, *, flush: bool = False) -> None:
    try:
        print(line, flush=flush)
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, and keep Python from
        # complaining again when it flushes stdout at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise typer.Exit(EXIT_OK) from None


def _note(message: str) -> None:
    print(f"logai: {message}", file=sys.stderr)
