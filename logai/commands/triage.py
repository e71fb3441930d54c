"""`logai triage GROUP…`: the evidence without a model: errors over time per group, onsets, templates, what is new."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from logai.commands.common import EXIT_OK, settings_or_exit

if TYPE_CHECKING:
    from logai.logs.source import CloudWatchSource
    from logai.settings import Settings

ERROR_WORDS = ("ERROR", "Error", "error", "Exception", "FATAL", "CRITICAL", "timed out", "Traceback", "panic")


def triage(
    ctx: typer.Context,
    log_groups: list[str] = typer.Argument(..., metavar="GROUP...", help="Log group names; end one with * for a prefix."),
    since: str = typer.Option("1h", "--since", help="Start of the range: 15m, 2h, 3d, ISO-8601 or epoch ms."),
    until: str = typer.Option("now", "--until", help="End of the range (same forms)."),
    baseline: str | None = typer.Option(None, "--baseline", help="Also say what is new against prev, 1d or 7d."),
    words: list[str] | None = typer.Option(None, "--word", "-w", help="What counts (any of these words); default: error words."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON document."),
    profile: str | None = typer.Option(None, "--profile", help="AWS profile."),
    region: str | None = typer.Option(None, "--region", help="AWS region."),
) -> None:
    """The evidence without a model: errors over time per group, onsets, top templates, what is new."""
    if baseline is not None and baseline not in ("prev", "1d", "7d"):
        raise typer.BadParameter("use prev, 1d or 7d", param_hint="'--baseline'")
    settings = settings_or_exit(aws_profile=profile, aws_region=region)
    from logai.commands.logs_io import expand_groups, open_source, time_range
    from logai.logs.timeparse import to_ms

    start, end = time_range(since, until)
    source = open_source(ctx, profile, region, settings=settings)
    groups = expand_groups(source, log_groups)
    run(source, groups, to_ms(start), to_ms(end), tuple(words or ERROR_WORDS), baseline, as_json, settings)
    raise typer.Exit(EXIT_OK)


def run(
    source: CloudWatchSource,
    groups: list[str],
    start_ms: int,
    end_ms: int,
    words: tuple[str, ...],
    baseline: str | None,
    as_json: bool,
    settings: Settings,
    *,
    width: int | None = None,
) -> None:
    """Triage `groups` and print it (also what `logai demo` shows without a model)."""
    from logai.commands.logs_io import reported
    from logai.evidence.filter import LogFilter
    from logai.evidence.triage import triage as gather

    price = settings.insights_price_per_gb
    with reported(source):
        result = gather(
            source,
            groups,
            start_ms,
            end_ms,
            LogFilter(any_words=words),
            baseline=baseline,
            timeout_s=settings.insights_timeout,
        )
    if as_json:
        import json

        from logai.ui.triage import as_document

        print(json.dumps(as_document(result, price_per_gb=price), indent=2, ensure_ascii=False))
        return
    from logai.ui.console import stdout_console
    from logai.ui.triage import show

    console = stdout_console()
    if width is not None:
        console.width = width
    show(result, console, price_per_gb=price)


def register(app: typer.Typer) -> None:
    app.command("triage")(triage)
