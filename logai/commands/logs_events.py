"""`logai logs search` and `logai logs tail`: events, printed as they arrive.

`search` without `--limit` prints every event of the range, oldest first,
as the pages come in (like aws-cli); with `--limit N` it prints the newest
N in time order (the capped search the model uses). `tail` is `aws logs
tail` with awslogs' look-back for late events, and a follow that survives
throttling and network trouble.
"""

from __future__ import annotations

import typer

from logai.commands.common import EXIT_OK
from logai.commands.logs_io import (
    FILTER,
    FORMAT,
    GROUPS,
    JSON_FORMAT,
    LOCAL,
    PROFILE,
    REDACT,
    REGION,
    STREAM_PREFIX,
    STREAMS,
    TIME_FORMS,
    Format,
    emit,
    event_format,
    expand_groups,
    note,
    one_time,
    open_source,
    reported,
    time_range,
)

# How often `tail --follow` asks for new events, like `aws logs tail`.
FOLLOW_POLL_SECONDS = 5.0
# How far before the newest event each follow poll starts: CloudWatch can
# index an event seconds after newer ones, and a poll from the newest
# timestamp on would miss it.
LATE_EVENTS_MS = 30_000
# An unlimited search this long is rarely what was meant; say how to narrow it.
NARROW_AFTER = 10_000


def search(
    ctx: typer.Context,
    log_groups: list[str] = GROUPS,
    pattern: str | None = FILTER,
    since: str = typer.Option("1h", "--since", help=f"Start of the range: {TIME_FORMS}."),
    until: str = typer.Option("now", "--until", help="End of the range (same forms as --since)."),
    limit: int | None = typer.Option(None, "--limit", min=1, max=100_000, help="Print only the newest N events (default: all, as they arrive)."),
    streams: list[str] | None = STREAMS,
    stream_prefix: str | None = STREAM_PREFIX,
    style: Format = FORMAT,
    as_json: bool = JSON_FORMAT,
    local: bool = LOCAL,
    redact: bool = REDACT,
    profile: str | None = PROFILE,
    region: str | None = REGION,
) -> None:
    """Search events with FilterLogEvents, printed oldest first."""
    from logai.logs.search import EventFilter
    from logai.logs.timeparse import iso, to_ms

    _one_stream_choice(streams, stream_prefix)
    start, end = time_range(since, until)
    source = open_source(ctx, profile, region)
    names = expand_groups(source, log_groups)
    shown = event_format(style, as_json, groups=names, local=local, redact=redact)
    where = EventFilter(pattern, tuple(streams or ()), stream_prefix)
    count = 0
    with reported(source):
        if limit is None:
            for event in source.every_event(names, to_ms(start), to_ms(end), where):
                emit(shown.line(event))
                count += 1
                if count == NARROW_AFTER:
                    note(
                        f"{NARROW_AFTER:,} events so far and still reading; narrow with --since/--until, "
                        "--filter or --stream, or keep the newest with --limit"
                    )
        else:
            result = source.filter_events(
                names, to_ms(start), to_ms(end), pattern, limit, streams=where.streams, stream_prefix=stream_prefix
            )
            for event in result.events:
                emit(shown.line(event))
            count = len(result.events)
            if result.truncated:
                note(f"more than {limit} events matched; these are the newest: raise --limit or narrow --since")
    if not count:
        note(f"no events matched in {', '.join(names)} from {iso(start)} to {iso(end)}")


def tail(
    ctx: typer.Context,
    log_groups: list[str] = GROUPS,
    pattern: str | None = FILTER,
    since: str = typer.Option("10m", "--since", help=f"Where to start: {TIME_FORMS}."),
    until: str | None = typer.Option(None, "--until", help="Where to stop (same forms); a follow ends once it has passed."),
    follow: bool = typer.Option(False, "--follow", "-f", help="Keep polling for new events until Ctrl-C."),
    streams: list[str] | None = STREAMS,
    stream_prefix: str | None = STREAM_PREFIX,
    style: Format = FORMAT,
    as_json: bool = JSON_FORMAT,
    local: bool = LOCAL,
    redact: bool = REDACT,
    profile: str | None = PROFILE,
    region: str | None = REGION,
) -> None:
    """Print events like `aws logs tail`: time, stream, message; --follow keeps going."""
    from logai.logs.timeparse import to_ms

    _one_stream_choice(streams, stream_prefix)
    start = one_time(since, "--since")
    end = time_range(since, until)[1] if until is not None else None
    source = open_source(ctx, profile, region)
    names = expand_groups(source, log_groups)
    shown = event_format(style, as_json, groups=names, local=local, redact=redact)
    events = source.tail(
        names,
        pattern=pattern,
        start_ms=to_ms(start),
        end_ms=to_ms(end) if end is not None else None,
        follow=follow,
        poll_s=FOLLOW_POLL_SECONDS,
        streams=tuple(streams or ()),
        stream_prefix=stream_prefix,
        lookback_ms=LATE_EVENTS_MS if follow else 0,
    )
    try:
        with reported(source):
            for event in events:
                emit(shown.line(event), flush=follow)
    except KeyboardInterrupt:
        # Ctrl-C is the way to end a follow, so it is a normal end (exit 0,
        # as `aws logs tail` does) and a pipeline does not see a failure.
        # Without --follow it interrupts work: the CLI makes it 130.
        if not follow:
            raise
        raise typer.Exit(EXIT_OK) from None


def _one_stream_choice(streams: list[str] | None, prefix: str | None) -> None:
    if streams and prefix:
        raise typer.BadParameter("give --stream or --stream-prefix, not both (CloudWatch takes one)", param_hint="'--stream'")
