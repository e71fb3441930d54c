"""The Logs Insights queries behind the evidence, and how their rows are read.

Counts, the histogram and the first and last match of each group come from
one `stats … by bin(), @log` query, templates with exact counts from
`pattern`, both at once. A last query, once the templates and a few samples
are known, splits the matches by stream, level, whether each top template
matches (so when each was first and last seen) and one JSON field, all in
one `stats`: three scans in all, which is what Logs Insights bills.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime

# Level words as log headers write them; `level` JSON fields too. Normalised by `normal_level`.
LEVEL_REGEX = r'(?<level>\b(?:FATAL|CRITICAL|ERROR|WARN|WARNING|INFO|DEBUG|TRACE)\b|"(?:level|severity|lvl)"\s*:\s*"\w+")'
_LEVEL_JSON = re.compile(r'"\w+"\s*:\s*"(\w+)"')
_INSIGHTS_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?$")
# A template's literal runs: the text between variables, long enough to pick it out.
_CHUNK_MIN = 12
TEMPLATE_FLAGS = 6
JSON_FIELDS = 1


def _filtered(filter_command: str, rest: str) -> str:
    return f"{filter_command} | {rest}" if filter_command else rest


def histogram_query(filter_command: str, bin_text: str) -> str:
    return _filtered(
        filter_command, f"stats count(*) as n, min(@timestamp) as first, max(@timestamp) as last by bin({bin_text}), @log"
    )


def pattern_query(filter_command: str) -> str:
    return _filtered(filter_command, "pattern @message")


def detail_query(filter_command: str, chunks: Sequence[str], fields: Sequence[str]) -> str:
    """Counts, first and last seen by group, stream, level, template flag and JSON field, in one stats."""
    flags = [f"strcontains(@message, {json.dumps(chunk)}) as t{index}" for index, chunk in enumerate(chunks)]
    by = ", ".join(["@log", "@logStream", "level", *(f"t{i}" for i in range(len(chunks))), *(f"`{f}`" for f in fields)])
    fields_command = f" | fields {', '.join(flags)}" if flags else ""
    return _filtered(
        filter_command,
        f"parse @message /{LEVEL_REGEX}/{fields_command}"
        f" | stats count(*) as n, min(@timestamp) as first, max(@timestamp) as last by {by}",
    )


def insights_time(value: str | None) -> int | None:
    """Epoch ms from an Insights timestamp (`2026-11-27 14:05:00.000`, UTC) or epoch digits."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        number = int(text)
        return number if number > 10**11 else number * 1000
    match = _INSIGHTS_TIME.match(text)
    if not match:
        try:
            return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)
        except ValueError:
            return None
    day, clock, fraction = match.groups()
    moment = datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000) + int((fraction or "0").ljust(3, "0")[:3])


def group_of(log_value: str) -> str:
    """The group name in `@log` (`account-id:group-name`)."""
    account, _, name = log_value.partition(":")
    return name if name and account.isdigit() else log_value


def normal_level(raw: str | None) -> str:
    if not raw:
        return "(none)"
    json_level = _LEVEL_JSON.match(raw)
    word = (json_level.group(1) if json_level else raw).upper()
    return {"WARNING": "WARN", "CRITICAL": "FATAL"}.get(word, word)


def literal_chunk(template: str, example: str = "") -> str | None:
    """A distinctive literal piece of a template (text between `<*>` variables) that is in its events as written.

    A miner joins a message's tokens with single spaces, so a run of several
    words may not appear verbatim in a message that had tabs or newlines
    between them: a run is taken only when the example holds it, else the
    longest single word that it holds (or, without an example, that is long).
    """
    runs = sorted((run.strip() for run in template.split("<*>")), key=len, reverse=True)
    for run in runs:
        if len(run) >= _CHUNK_MIN and example and run in example:
            return run
    words = sorted((word for run in runs for word in run.split()), key=len, reverse=True)
    for word in words:
        if len(word) >= _CHUNK_MIN and (not example or word in example):
            return word
    return None


def pattern_rows(rows: Iterable[Mapping[str, str]]) -> list[tuple[str, int, str]]:
    """(template, count, one example) per row of a `pattern` query, most frequent first.

    The example comes from `@logSamples` when the service gives it, else "".
    """
    found: dict[str, tuple[int, str]] = {}
    for row in rows:
        example = ""
        try:
            logged = json.loads(row.get("@logSamples") or "[]")
            if logged and isinstance(logged[0], dict):
                example = str(logged[0].get("message", ""))
        except ValueError:
            pass
        template = row.get("@pattern", "")
        seen, kept = found.get(template, (0, ""))
        found[template] = (seen + count(row, "@sampleCount"), kept or example)
    return sorted(((t, n, e) for t, (n, e) in found.items()), key=lambda item: -item[1])


def count(row: Mapping[str, str], name: str = "n") -> int:
    try:
        return int(float(row.get(name, "0") or 0))
    except ValueError:
        return 0


def json_field_candidates(messages: Iterable[str], most: int = JSON_FIELDS) -> list[str]:
    """Scalar JSON fields (dotted) that take 2-20 distinct values across `messages`, most varied first."""
    values: dict[str, set[str]] = {}
    seen = 0
    for message in messages:
        document = _json(message)
        if document is None:
            continue
        seen += 1
        for name, value in _flatten(document):
            values.setdefault(name, set()).add(value)
    if not seen:
        return []
    chosen = [(name, len(found)) for name, found in values.items() if 2 <= len(found) <= 20 and not name.startswith("@")]
    chosen.sort(key=lambda item: (-item[1], item[0]))
    return [name for name, _ in chosen[:most]]


def _json(message: str) -> dict[str, object] | None:
    text = message.strip()
    start = text.find("{")
    if start < 0:
        return None
    try:
        document = json.loads(text[start:])
    except ValueError:
        return None
    return document if isinstance(document, dict) else None


def _flatten(document: Mapping[str, object], prefix: str = "") -> Iterable[tuple[str, str]]:
    for key, value in document.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from _flatten(value, f"{name}.")
        elif isinstance(value, str | int | float | bool) and not isinstance(value, float):
            yield name, str(value)
