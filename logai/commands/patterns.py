"""`logai patterns FILE…`: mine log templates from files or stdin, no AWS and no model.

Input streams: lines are read one at a time (each capped at 64 KiB) and only
the templates are kept, plus one integer per line with `--per-line`. Bytes
that are not UTF-8 are decoded with replacement characters, so binary input
cannot crash the command. Only stdlib and Typer load with this module; the miner
and Rich load inside the command, litellm and boto3 never.

Exit codes: 0 done; 2 when a named file does not exist or cannot be opened
(nothing was read: the command line is wrong); 1 when reading fails midway.
"""

from __future__ import annotations

import json
import os
import re
import sys
from array import array
from collections.abc import Iterator
from typing import cast, IO, TYPE_CHECKING

import typer

from logai.commands.common import EXIT_FAILURE, EXIT_USAGE, fail
from logai.figures import shortened

if TYPE_CHECKING:
    from logai.logs.patterns import Template

# A longer line is cut here; the rest of it is skipped, so memory stays bounded.
MAX_LINE_BYTES = 64 * 1024
# Real logs have hundreds to thousands of templates; input with no structure
# (every line unique) would otherwise grow without bound. Past this many, the
# least recently seen templates are dropped.
MAX_TEMPLATES = 100_000
_STDIN = "-"
# Terminal control characters in log text could move the cursor or recolour the
# terminal; tabs are kept.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")


class _ReadError(Exception):
    """Reading an input failed after it was opened."""


def _printable(text: str, limit: int | None = None) -> str:
    text = _CONTROL.sub("?", text)
    return text if limit is None else shortened(text, limit)


def _open_all(paths: list[str]) -> list[tuple[str, IO[bytes], bool]]:
    """Open every input before reading any, so a wrong name fails fast with exit 2.

    Each entry is (name, handle, whether this command opened it and must close it).
    """
    opened: list[tuple[str, IO[bytes], bool]] = []
    for path in paths:
        if path == _STDIN:
            stdin = getattr(sys.stdin, "buffer", None)
            opened.append(("stdin", stdin if stdin is not None else cast(IO[bytes], _TextAsBytes(sys.stdin)), False))
            continue
        try:
            if os.path.isdir(path):
                raise IsADirectoryError(path)
            opened.append((path, open(path, "rb"), True))  # noqa: SIM115 - closed after reading
        except OSError as exc:
            for _, handle, owned in opened:
                if owned:
                    handle.close()
            reason = {
                FileNotFoundError: "no such file",
                IsADirectoryError: "it is a directory",
                PermissionError: "permission denied",
            }.get(type(exc), exc.strerror or str(exc))
            fail(f"cannot read {path}: {reason}.", EXIT_USAGE, hint="give readable log files, or - for stdin")
    return opened


class _TextAsBytes:
    """A text stream seen as bytes (stdin replaced by a text-only object, as some test runners do)."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream

    def readline(self, limit: int = -1) -> bytes:
        return self._stream.readline(limit).encode("utf-8", "replace")

    def close(self) -> None:
        pass


def _lines(inputs: list[tuple[str, IO[bytes], bool]]) -> Iterator[str]:
    """Every line of every input, in order, decoded (bad bytes replaced), without its newline."""
    for name, handle, _ in inputs:
        try:
            while True:
                chunk = handle.readline(MAX_LINE_BYTES)
                if not chunk:
                    break
                if not chunk.endswith(b"\n") and len(chunk) == MAX_LINE_BYTES:
                    rest = chunk
                    while rest and not rest.endswith(b"\n"):
                        rest = handle.readline(MAX_LINE_BYTES)
                yield chunk.decode("utf-8", "replace").rstrip("\r\n")
        except OSError as exc:
            raise _ReadError(f"reading {name} failed: {exc.strerror or exc}") from exc


def patterns(
    files: list[str] | None = typer.Argument(None, help="Log files to read; - or none reads stdin."),
    top: int = typer.Option(20, "--top", "-n", min=0, help="Templates to show, most frequent first; 0 shows all."),
    per_line: bool = typer.Option(
        False, "--per-line", help="Print <line number><TAB><template> for every input line (--top/--min-count do not apply)."
    ),
    as_json: bool = typer.Option(
        False, "--json", help="Print one JSON document (with --per-line: every template and each line's template id)."
    ),
    min_count: int = typer.Option(1, "--min-count", "-k", min=1, help="Hide templates seen fewer times than this."),
) -> None:
    """Group log lines into templates (variable parts masked) and count them."""
    from logai.logs.patterns import PatternMiner

    inputs = _open_all(files or [_STDIN])
    miner = PatternMiner(max_clusters=MAX_TEMPLATES)
    line_templates = array("q") if per_line else None
    total = 0
    try:
        for line in _lines(inputs):
            template_id = miner.add(line)
            total += 1
            if line_templates is not None:
                line_templates.append(template_id)
    except _ReadError as exc:
        fail(f"{exc}.", EXIT_FAILURE)
    finally:
        for _, handle, owned in inputs:
            if owned:
                handle.close()
    found = miner.templates()
    if line_templates is not None:
        for index, template_id in enumerate(line_templates):  # ids from `add` may have merged since
            line_templates[index] = miner.resolve(template_id)
    shown = found
    if line_templates is None:  # per-line output refers to every template, so none is hidden then
        shown = [template for template in found if template.count >= min_count]
        shown = shown[:top] if top else shown
    try:
        if as_json:
            _print_json(total, found, shown, line_templates)
        elif line_templates is not None:
            _print_per_line(found, line_templates)
        else:
            _print_table(total, found, shown)
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, and keep Python from
        # complaining while it flushes stdout on the way out.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise typer.Exit(0) from None


def _print_json(total: int, found: list[Template], shown: list[Template], line_templates: array | None) -> None:
    document: dict[str, object] = {
        "lines": total,
        "templates_total": len(found),
        "templates": [
            {
                "id": template.id,
                "count": template.count,
                "share": round(template.count / total, 6) if total else 0.0,
                "template": template.template,
                "example": template.example,
            }
            for template in shown
        ],
    }
    if line_templates is not None:
        # One id per input line: written compactly, as it can be millions long.
        document["line_templates"] = line_templates.tolist()
        sys.stdout.write(json.dumps(document, separators=(",", ":")) + "\n")
        return
    sys.stdout.write(json.dumps(document, indent=2) + "\n")


def _print_per_line(found: list[Template], line_templates: array) -> None:
    # A line's template is its cluster's final form, so every line of a group prints the same text.
    text_of = {template.id: _printable(template.template) for template in found}
    dropped = f"(rare template dropped: more than {MAX_TEMPLATES:,} templates)"
    out = sys.stdout
    batch: list[str] = []
    for number, template_id in enumerate(line_templates, start=1):
        batch.append(f"{number}\t{text_of.get(template_id, dropped)}\n")
        if len(batch) >= 4096:
            out.write("".join(batch))
            batch.clear()
    out.write("".join(batch))
    out.flush()


def _print_table(total: int, found: list[Template], shown: list[Template]) -> None:
    from rich.table import Table
    from rich.text import Text

    from logai.ui.console import stdout_console

    console = stdout_console()  # honours NO_COLOR, and a closed pipe ends quietly
    if not total:
        print("logai: no input lines.", file=sys.stderr)
        return
    table = Table(
        title=f"{total:,} lines, {len(found):,} templates" + (f" (top {len(shown):,} shown)" if len(shown) < len(found) else ""),
        title_justify="left",
        show_lines=False,
    )
    table.add_column("count", justify="right", no_wrap=True)
    table.add_column("share", justify="right", no_wrap=True)
    table.add_column("template", overflow="fold", ratio=3)
    table.add_column("example", overflow="fold", ratio=2)
    for template in shown:
        table.add_row(
            f"{template.count:,}",
            f"{template.count / total:.1%}",
            Text(_printable(template.template, 400) or "(empty line)"),
            Text(_printable(template.example, 200)),
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command("patterns")(patterns)
