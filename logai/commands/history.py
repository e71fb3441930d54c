"""`logai history`: the transcripts of past chats and queries (kept under LOGAI_HOME/sessions).

Light like `logai metrics`: LOGAI_HOME is found without pydantic and the
output is plain text, so listing takes a fraction of a second.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from logai.commands.common import EXIT_FAILURE, EXIT_USAGE, fail, settings_or_exit
from logai.figures import shortened
from logai.ui.sanitize import json_safe


def _home() -> Path:
    from logai.home import home_dir

    return home_dir() or settings_or_exit().home


def _found(wanted: str) -> Path:
    from logai.history.store import HistoryError, find_session

    try:
        return find_session(_home(), wanted)
    except HistoryError as exc:
        fail(str(exc), EXIT_FAILURE, hint="`logai history` lists the kept sessions")


def _write(text: str) -> None:
    from logai.ui.sanitize import sanitize

    sys.stdout.write(sanitize(text))


def listing(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print JSON Lines: one object per session."),
    limit: int = typer.Option(20, "--limit", min=1, help="Most sessions to list, newest first."),
) -> None:
    """Past chat and query sessions: list, show, export as Markdown."""
    if ctx.invoked_subcommand is not None:
        return
    import time

    from logai.commands.logs_io import columns
    from logai.history.store import list_sessions

    sessions = list_sessions(_home(), limit)
    if as_json:
        for session in sessions:
            print(json_safe(json.dumps(session.as_dict(), ensure_ascii=False)))
        return
    if not sessions:
        print("no sessions kept yet (chat and query keep one each, unless history_enabled is off)", file=sys.stderr)
        return
    rows = [
        (
            s.id,
            time.strftime("%Y-%m-%d %H:%M", time.localtime(s.started)),
            s.command,
            str(s.questions),
            shortened(s.first_question, 60),
        )
        for s in sessions
    ]
    for line in columns(("ID", "STARTED", "COMMAND", "QUESTIONS", "FIRST QUESTION"), rows):
        print(line)


def show(
    session_id: str = typer.Argument(..., metavar="ID", help="A session id, a unique start of one, or `last`."),
    as_json: bool = typer.Option(False, "--json", help="Print the transcript's records as JSON Lines."),
) -> None:
    """Print one session's transcript."""
    from logai.history.markdown import to_markdown
    from logai.history.store import read_records

    path = _found(session_id)
    records = read_records(path)
    if as_json:
        for record in records:
            print(json_safe(json.dumps(record, ensure_ascii=False)))
        return
    _write(to_markdown(records, path.stem))


def export(
    session_id: str = typer.Argument(..., metavar="ID", help="A session id, a unique start of one, or `last`."),
    markdown: bool = typer.Option(False, "--markdown", help="Export as Markdown (the one format so far)."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write to this file instead of stdout."),
) -> None:
    """Export one session's transcript as Markdown."""
    from logai.history.markdown import to_markdown
    from logai.history.store import read_records

    if not markdown:
        fail("say which format: --markdown", EXIT_USAGE, hint="logai history export last --markdown")
    path = _found(session_id)
    text = to_markdown(read_records(path), path.stem)
    if output is None:
        _write(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror or exc}", EXIT_FAILURE)
    print(f"logai: wrote {output}", file=sys.stderr)


def register(app: typer.Typer) -> None:
    history_app = typer.Typer(name="history", rich_markup_mode=None)
    history_app.callback(invoke_without_command=True)(listing)
    history_app.command("show")(show)
    history_app.command("export")(export)
    app.add_typer(history_app, name="history")
