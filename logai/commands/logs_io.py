"""What the `logai logs` commands share: options, the source, time ranges, group globs, output.

Records and events go to stdout; notes (truncation, statistics, retries) go
to stderr so pipes stay clean. Only stdlib and Typer load with this module;
boto3 loads inside the commands and litellm never does.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Literal

import typer

from logai.commands.common import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, fail, runtime_of, settings_or_exit

if TYPE_CHECKING:
    from datetime import datetime

    from logai.logs.source import CloudWatchSource
    from logai.ui.logformat import EventFormat

Format = Literal["short", "detailed", "json"]
TIME_FORMS = 'relative (15m, 2h, 3d, "2 hours ago"), ISO-8601 or epoch ms'


def complete_group(incomplete: str) -> list[str]:
    """Shell completion of a log group name (names kept for a minute under LOGAI_HOME)."""
    import time

    from logai.logs.namecache import cached_group_names
    from logai.settings import ConfigError, load_settings

    try:
        settings = load_settings()
    except ConfigError:
        return []
    return [name for name in cached_group_names(settings, now=time.time()) if name.startswith(incomplete)]


GROUPS = typer.Argument(
    ...,
    metavar="GROUP...",
    help="Log group names; globs such as '/aws/lambda/*' pick every matching group.",
    autocompletion=complete_group,
)
PROFILE = typer.Option(None, "--profile", help="AWS profile (default: the standard chain).")
REGION = typer.Option(None, "--region", help="AWS region (default: AWS_REGION or the profile's).")
JSON = typer.Option(False, "--json", help="Print JSON Lines: one object per line.")
FORMAT = typer.Option("detailed", "--format", help="detailed: time, stream, message; short: time, message; json: JSON Lines.")
JSON_FORMAT = typer.Option(False, "--json", help="The same as --format json.")
FILTER = typer.Option(None, "--filter", "-p", help='CloudWatch filter pattern, e.g. "ERROR" or "?ERROR ?timeout".')
STREAMS = typer.Option(None, "--stream", help="Only this log stream (repeatable).")
STREAM_PREFIX = typer.Option(None, "--stream-prefix", help="Only log streams whose names start with this.")
LOCAL = typer.Option(False, "--local", help="Show times in the local time zone instead of UTC.")
# These commands print what the user's own credentials can read, as it is; --redact
# applies the redaction logai applies before log text reaches a model.
REDACT = typer.Option(False, "--redact", help="Redact secrets and personal data (keys, tokens, passwords, e-mails, cards) as logai does for the model.")


def open_source(ctx: typer.Context, profile: str | None, region: str | None, *, settings: Any = None) -> CloudWatchSource:
    """The source for this command; its CloudWatch calls are counted and stored when the command ends."""
    from logai.events import Event, EventBus, FollowRetry, WarningIssued
    from logai.logs.errors import SourceError
    from logai.logs.source import CloudWatchSource
    from logai.metrics.recording import Recording

    def tell(event: Event) -> None:
        if isinstance(event, WarningIssued):
            note(f"warning: {event.message}")
        elif isinstance(event, FollowRetry):
            note(event.message)

    if settings is None:
        settings = settings_or_exit(aws_profile=profile, aws_region=region)
    bus = EventBus(tell)
    try:
        source = CloudWatchSource.from_settings(settings, runtime=runtime_of(ctx), sink=bus.emit)
    except SourceError as exc:
        fail(exc.message, EXIT_USAGE if exc.config else EXIT_FAILURE, exc.hint)
    recording = Recording.open(bus, home=settings.home, enabled=settings.metrics_enabled, command="logs")
    ctx.call_on_close(recording.close)
    return source


@contextmanager
def reported(source: CloudWatchSource | None = None) -> Iterator[None]:
    """A SourceError becomes one sentence and exit 1 (2 when the set-up is wrong).

    With `source`, a missing log group's hint names the closest existing groups.
    """
    from logai.logs.errors import LogGroupNotFound, SourceError

    try:
        yield
    except SourceError as exc:
        hint = exc.hint
        if source is not None and isinstance(exc, LogGroupNotFound) and exc.group:
            hint = did_you_mean(source, exc.group) or hint
        fail(exc.message, EXIT_USAGE if exc.config else EXIT_FAILURE, hint)


def did_you_mean(source: CloudWatchSource, group: str) -> str | None:
    from logai.logs.errors import SourceError
    from logai.logs.groups import closest_group_names

    try:
        close = closest_group_names(group, source.names_near(group))
    except SourceError:
        return None
    return f"did you mean {', '.join(close)}?" if close else None


def expand_groups(source: CloudWatchSource, names: Sequence[str]) -> list[str]:
    """Group names with globs replaced by the groups they match; a glob matching none is an error."""
    from logai.logs.groups import expand_globs

    with reported(source):
        groups, unmatched = expand_globs(names, lambda prefix: [g.name for g in source.list_groups(prefix or None, 10_000)])
    if unmatched:
        fail(f"no log group matches {', '.join(unmatched)}", EXIT_FAILURE, "`logai logs groups --prefix …` lists the names")
    return groups


def event_format(style: Format, as_json: bool, *, groups: Sequence[str], local: bool, redact: bool = False) -> EventFormat:
    from logai.ui.logformat import EventFormat, colour_wanted

    return EventFormat(
        style="json" if as_json else style,
        show_group=len(groups) > 1,
        local=local,
        colour=colour_wanted(sys.stdout),
        redact=redact,
    )


def now() -> datetime:
    from datetime import UTC, datetime

    return datetime.now(UTC)


def one_time(value: str, option: str) -> datetime:
    from logai.logs.timeparse import TimeParseError, parse_time

    try:
        return parse_time(value, now=now())
    except TimeParseError as exc:
        raise typer.BadParameter(str(exc), param_hint=f"'{option}'") from None


def time_range(since: str, until: str) -> tuple[datetime, datetime]:
    from logai.logs.timeparse import TimeParseError, parse_range

    moment = now()
    one_time(since, "--since")
    one_time(until, "--until")
    try:
        return parse_range(since, until, now=moment)
    except TimeParseError as exc:
        raise typer.BadParameter(str(exc), param_hint="'--since' / '--until'") from None


def columns(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Left-aligned columns separated by two spaces; the last column is not padded."""
    from logai.ui.sanitize import sanitize

    if not header:
        return []
    cells = [list(header), *[[" ".join(sanitize(str(c)).split()) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header) - 1)]
    return ["  ".join([*(row[i].ljust(widths[i]) for i in range(len(widths))), row[-1]]).rstrip() for row in cells]


def emit(line: str, *, flush: bool = False) -> None:
    try:
        print(line, flush=flush)
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, and keep Python from
        # complaining again when it flushes stdout at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise typer.Exit(EXIT_OK) from None


def note(message: str) -> None:
    print(f"logai: {message}", file=sys.stderr)
