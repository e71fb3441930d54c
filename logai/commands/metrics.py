"""`logai metrics`: the persisted metrics as a table, JSON, Prometheus text, an endpoint or CloudWatch data.

Only Typer is imported at load time. The default table needs the store and
Rich, nothing else: prometheus_client is imported for `--prometheus` and
`--serve`, boto3 only for `--push-cloudwatch`, litellm never.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import typer

from logai.commands.common import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, fail, settings_or_exit

if TYPE_CHECKING:
    from pathlib import Path

    from logai.metrics.store import MetricsStore, StoreTotals
    from logai.settings import Settings

EMPTY_MESSAGE = "no metrics recorded yet"


def parse_label_selectors(values: list[str]) -> dict[str, str]:
    """`["reason=empty_logs", …]` as a dict; a value without `=` is a usage error."""
    selectors: dict[str, str] = {}
    for value in values:
        key, sep, wanted = value.partition("=")
        if not sep or not key.strip():
            fail(f"--label {value!r} is not KEY=VALUE.", EXIT_USAGE, hint="--label reason=empty_logs")
        selectors[key.strip()] = wanted.strip()
    return selectors


def parse_since(value: str | None) -> float | None:
    """`--since 24h|7d|ISO-8601` as epoch seconds; an unreadable value is a usage error."""
    if value is None:
        return None
    from datetime import UTC, datetime

    from logai.logs.timeparse import TimeParseError, parse_time

    try:
        return parse_time(value, now=datetime.now(UTC)).timestamp()
    except TimeParseError as exc:
        fail(f"--since: {exc}", EXIT_USAGE, hint="--since 24h, --since 7d or --since 2026-01-31")


def open_store(home: Path, *, read_only: bool = False) -> MetricsStore:
    from logai.metrics.store import MetricsStore, MetricsStoreError

    try:
        return MetricsStore(home, read_only=read_only)
    except MetricsStoreError as exc:
        fail(str(exc), EXIT_FAILURE, hint=exc.hint)


def read_totals(home: Path, since: float | None, *, running: bool = False) -> StoreTotals:
    """The store's totals; a store that does not exist yet is empty (and is not created).

    The store is opened read-only, so a read-only home works. `running` reads
    the running totals (all time, what a scrape serves) instead of the
    retained sessions.
    """
    from logai.metrics.store import DB_NAME, MetricsStoreError, StoreTotals

    if not (home / DB_NAME).exists():
        return StoreTotals()
    store = open_store(home, read_only=True)
    try:
        return store.running_totals() if running else store.totals(since=since)
    except MetricsStoreError as exc:
        fail(str(exc), EXIT_FAILURE, hint=exc.hint)
    finally:
        store.close()


def warn_about_home(home: Path) -> None:
    """Tighten loose modes under LOGAI_HOME, saying so on stderr (never failing)."""
    from logai.private_home import tighten
    from logai.ui.sanitize import sanitize

    for warning in tighten(home):
        print(sanitize(f"logai: warning: {warning}"), file=sys.stderr)


def shape(totals: StoreTotals, selectors: dict[str, str], by: list[str]) -> StoreTotals:
    """Keep the series matching `--label`, then merge away the labels not named by `--by`."""
    if selectors:
        totals = totals.matching(selectors)
    if by:
        totals = totals.grouped(by)
    return totals


def as_document(totals: StoreTotals, *, since: float | None, selectors: dict[str, str], by: list[str]) -> dict[str, Any]:
    """The `--json` document: sessions, counters and histogram figures per series."""
    from datetime import UTC, datetime

    from logai.metrics.collector import describe

    return {
        "sessions": totals.sessions,
        "since": datetime.fromtimestamp(since, UTC).replace(microsecond=0).isoformat() if since is not None else None,
        "label_filter": selectors,
        "by": by,
        "counters": [
            {"name": name, "labels": dict(labels), "value": value}
            for (name, labels), value in sorted(totals.counters.items())
        ],
        "histograms": [
            {"name": name, "labels": dict(labels), **describe(values)}
            for (name, labels), values in sorted(totals.samples.items())
            if values
        ],
    }


def _labels_text(labels: dict[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in labels.items()) or "-"


def _figure(name: str, value: float) -> str:
    if name.endswith("_seconds"):
        if value < 0.01:
            return f"{value * 1000:.1f} ms"
        return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.4f}"


def print_tables(document: dict[str, Any]) -> None:
    """Counters grouped by name and labels; histograms with count and p50/p95/p99."""
    from rich.table import Table

    from logai.ui.console import stdout_console

    console = stdout_console()
    heading = f"{document['sessions']} session(s)"
    if document["since"]:
        heading += f" started since {document['since']}"
    console.print(heading, highlight=False)
    if document["counters"]:
        counters = Table(title="Counters", title_justify="left")
        # Figures are never cut short; in a narrow terminal names and labels fold instead.
        counters.add_column("metric", style="bold", overflow="fold")
        counters.add_column("labels", overflow="fold")
        counters.add_column("value", justify="right", no_wrap=True)
        previous = None
        for item in document["counters"]:
            if previous is not None and item["name"] != previous:
                counters.add_section()
            shown = item["name"] if item["name"] != previous else ""
            counters.add_row(shown, _labels_text(item["labels"]), _figure(item["name"], item["value"]))
            previous = item["name"]
        console.print(counters)
    if document["histograms"]:
        histograms = Table(title="Histograms", title_justify="left")
        histograms.add_column("metric", style="bold", overflow="fold")
        histograms.add_column("labels", overflow="fold")
        for column in ("count", "p50", "p95", "p99"):
            histograms.add_column(column, justify="right", no_wrap=True)
        for item in document["histograms"]:
            name = item["name"]
            histograms.add_row(
                name,
                _labels_text(item["labels"]),
                f"{item['count']:,}",
                *(_figure(name, item[q]) for q in ("p50", "p95", "p99")),
            )
        console.print(histograms)


def confirm_reset(home: Path, yes: bool) -> None:
    """Ask before deleting; without a terminal only `--yes` may delete."""
    if yes:
        return
    if not sys.stdin.isatty():
        fail("--reset needs confirmation and there is no terminal to ask.", EXIT_USAGE, hint="add --yes to reset without asking")
    if not typer.confirm(f"Delete every recorded metric in {home}?", default=False):
        print("Nothing deleted.", file=sys.stderr)
        raise typer.Exit(EXIT_OK)


def do_reset(home: Path, yes: bool) -> None:
    from logai.metrics.store import MetricsStoreError

    confirm_reset(home, yes)
    store = open_store(home)
    try:
        count = len(store.sessions())
        store.reset()
    except MetricsStoreError as exc:
        fail(str(exc), EXIT_FAILURE, hint=exc.hint)
    finally:
        store.close()
    print(f"Deleted the metrics of {count} session(s).")


def do_serve(home: Path, host: str, port: int, since: str | None, selectors: dict[str, str], by: list[str]) -> None:
    """Serve /metrics until interrupted; every scrape reads the store anew.

    A relative `--since` (24h) slides: each scrape counts back from its own now.
    """
    from logai.metrics.exposition import serve
    from logai.metrics.store import DB_NAME

    store = open_store(home, read_only=(home / DB_NAME).exists())

    def totals() -> StoreTotals:
        # Without --since a scrape reads the running totals: one row per series, whatever the store holds.
        return shape(store.running_totals() if since is None else store.totals(since=parse_since(since)), selectors, by)

    try:
        server = serve(totals, host=host, port=port)
    except OSError as exc:
        store.close()
        fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}.", EXIT_FAILURE, hint="pick another --port")
    print(f"Serving logai metrics on {server.url} (Ctrl-C to stop)", flush=True)
    try:
        server.wait()
    except KeyboardInterrupt:
        # Ctrl-C is how a person stops the endpoint, so it is a clean exit.
        print("stopped", file=sys.stderr)
    finally:
        server.close()
        store.close()


def do_prune(home: Path, days: float) -> None:
    """Drop the detail of sessions older than the retention; the running totals stay."""
    import time

    from logai.metrics.store import DB_NAME, MetricsStoreError

    if not (home / DB_NAME).exists():
        print(f"{EMPTY_MESSAGE}: nothing to prune.")
        return
    store = open_store(home)
    try:
        gone = store.prune(time.time() - days * 86_400)
    except MetricsStoreError as exc:
        fail(str(exc), EXIT_FAILURE, hint=exc.hint)
    finally:
        store.close()
    print(f"Dropped the detail of {gone} session(s) older than {days:g} days; the running totals keep what they counted.")


def do_push(totals: StoreTotals, namespace: str, settings: Settings) -> None:
    """Publish the totals with PutMetricData; AWS set-up problems exit 2, refusals 1."""
    from logai.metrics.cloudwatch import push_to_cloudwatch

    if totals.is_empty():
        print(f"{EMPTY_MESSAGE}: nothing to publish.")
        return
    from botocore.exceptions import BotoCoreError, ClientError

    from logai.logs.aws import aws_client
    from logai.logs.errors import SourceError

    try:
        client = aws_client(settings, "cloudwatch")
        sent = push_to_cloudwatch(totals, namespace, client)
    except SourceError as exc:
        fail(exc.message, EXIT_USAGE if exc.config else EXIT_FAILURE, hint=exc.hint)
    except ClientError as exc:
        error = exc.response.get("Error", {})
        fail(f"CloudWatch refused the metrics: {error.get('Code', 'error')}: {error.get('Message', exc)}.", EXIT_FAILURE)
    except BotoCoreError as exc:
        fail(f"cannot reach CloudWatch: {exc}.", EXIT_FAILURE)
    print(f"Published {sent} metric data point(s) to CloudWatch namespace {namespace}.")


def metrics(
    json_output: bool = typer.Option(False, "--json", help="Print one JSON document."),
    prometheus: bool = typer.Option(False, "--prometheus", help="Print the Prometheus text exposition."),
    label: list[str] | None = typer.Option(None, "--label", metavar="KEY=VALUE", help="Keep series with this label (repeatable)."),
    by: list[str] | None = typer.Option(None, "--by", metavar="LABEL", help="Keep only these labels, summing the rest away (repeatable)."),
    since: str | None = typer.Option(None, "--since", help="Only sessions started since: 30m, 24h, 7d or an ISO-8601 time."),
    reset: bool = typer.Option(False, "--reset", help="Delete every recorded metric (asks first)."),
    prune: bool = typer.Option(
        False, "--prune", help="Drop the detail of sessions older than metrics_retention_days (running totals stay)."
    ),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask before --reset."),
    serve: bool = typer.Option(False, "--serve", help="Serve /metrics for Prometheus until Ctrl-C."),
    host: str | None = typer.Option(None, "--host", help="Address for --serve (default 127.0.0.1)."),
    port: int | None = typer.Option(None, "--port", min=0, max=65535, help="Port for --serve (default 9464; 0 picks a free one)."),
    push_cloudwatch: str | None = typer.Option(None, "--push-cloudwatch", metavar="NAMESPACE", help="Publish the totals to CloudWatch."),
    profile: str | None = typer.Option(None, "--profile", help="AWS profile for --push-cloudwatch."),
    region: str | None = typer.Option(None, "--region", help="AWS region for --push-cloudwatch."),
) -> None:
    """Show the metrics every logai session recorded: retries, nudges, tool calls, tokens, timings."""
    modes = [
        flag
        for flag, on in (
            ("--json", json_output),
            ("--prometheus", prometheus),
            ("--serve", serve),
            ("--push-cloudwatch", push_cloudwatch is not None),
            ("--reset", reset),
            ("--prune", prune),
        )
        if on
    ]
    if len(modes) > 1:
        fail(f"{' and '.join(modes)} cannot be used together.", EXIT_USAGE, hint="pick one output")
    if (host is not None or port is not None) and not serve:
        fail("--host and --port only go with --serve.", EXIT_USAGE, hint="logai metrics --serve --port 9464")
    if (profile is not None or region is not None) and push_cloudwatch is None:
        fail("--profile and --region only go with --push-cloudwatch.", EXIT_USAGE)
    if yes and not reset:
        fail("--yes only goes with --reset.", EXIT_USAGE)
    if push_cloudwatch is not None:
        from logai.metrics.cloudwatch import check_namespace

        try:
            check_namespace(push_cloudwatch)
        except ValueError as exc:
            fail(str(exc), EXIT_USAGE)
    selectors = parse_label_selectors(label or [])
    group_by = [name.strip() for name in by or [] if name.strip()]
    since_ts = parse_since(since)
    from logai.home import home_dir

    # Reading the store needs LOGAI_HOME alone, found without pydantic (the
    # table comes up in a fraction of the time); pushing needs AWS settings.
    settings = settings_or_exit(aws_profile=profile, aws_region=region) if push_cloudwatch is not None else None
    home = settings.home if settings is not None else home_dir() or settings_or_exit().home

    warn_about_home(home)
    if reset:
        do_reset(home, yes)
        return
    if prune:
        do_prune(home, settings_or_exit().metrics_retention_days)
        return
    if serve:
        do_serve(home, host or "127.0.0.1", 9464 if port is None else port, since, selectors, group_by)
        return

    # A scrape-like read (Prometheus text, all time) comes from the running totals.
    stored = read_totals(home, since_ts, running=prometheus and since_ts is None)
    totals = shape(stored, selectors, group_by)
    if push_cloudwatch is not None:
        assert settings is not None
        do_push(totals, push_cloudwatch, settings)
        return
    if prometheus:
        from logai.metrics.exposition import render_prometheus

        from logai.ui.sanitize import sanitize

        sys.stdout.write(sanitize(render_prometheus(totals)))
        return
    document = as_document(totals, since=since_ts, selectors=selectors, by=group_by)
    if json_output:
        import json

        print(json.dumps(document, indent=2))
        return
    if stored.is_empty():
        print(EMPTY_MESSAGE if since is None else f"no sessions started since {document['since']}")
        return
    if not document["counters"] and not document["histograms"]:
        print("no metrics match " + " ".join(f"--label {k}={v}" for k, v in selectors.items()))
        return
    print_tables(document)


def register(app: typer.Typer) -> None:
    app.command("metrics")(metrics)
