"""The `pattern` command, built on logai's own template miner (`logai.logs.patterns`).

Only the rows that reach `pattern` (those that passed the filters) are mined,
whole lines with their headers, because the service's patterns keep the
timestamp as a dynamic token (`<*> <*> [INFO] Calling DynamoDB … id <*>`, the
Pattern analysis page). The miner writes each variable part as `<*>`, as
that page shows them; how much text one `<*>` covers is the miner's call.

Fields per pattern, most frequent first: `@pattern`, `@ratio` (its share of
the mined rows), `@sampleCount`, `@severityLabel` (the level named in the
pattern or its samples; absent when there is none), `@tokens` (the pattern's
tokens as the API's PatternToken objects, without value enumerations, which
the miner does not keep), `@logSamples` (up to five events, as
`{"timestamp", "message"}`) and `@PatternId` (a hash of the pattern).
`@visualization`, `@relatedPattern` and `@regexString` are not produced.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable

from ...logs.patterns import PatternMiner
from .compiler import Reader, Row
from .values import Value, to_text

PATTERN_FIELDS = ("@pattern", "@ratio", "@sampleCount", "@severityLabel", "@tokens", "@logSamples", "@PatternId")

SAMPLES_PER_PATTERN = 5

_LEVELS = {
    "FATAL": "FATAL",
    "CRITICAL": "FATAL",
    "ERROR": "ERROR",
    "ERR": "ERROR",
    "SEVERE": "ERROR",
    "WARN": "WARN",
    "WARNING": "WARN",
    "INFO": "INFO",
    "NOTICE": "INFO",
    "DEBUG": "DEBUG",
    "TRACE": "TRACE",
}
# A level as headers print it (upper case or capitalised) or as a JSON "level" value.
_LEVEL_WORD = re.compile(
    r"(?<![\w-])(" + "|".join(sorted({*_LEVELS, *(level.capitalize() for level in _LEVELS)}, key=len, reverse=True))
    + r")(?![\w-])"
)
_JSON_LEVEL = re.compile(r'"(?:level|severity|levelname|log_level)"\s*:\s*"(\w+)"', re.IGNORECASE)


class PatternStage:
    """One compiled `pattern` command; `run` mines the rows and returns one row per pattern."""

    def __init__(self, source: Reader, timestamp: Callable[[Row], int | None]) -> None:
        self.source = source
        self.timestamp = timestamp

    def run(self, rows: Iterable[Row]) -> list[Row]:
        miner = PatternMiner(strip_headers=False)
        samples: dict[int, list[tuple[int | None, str]]] = {}
        total = 0
        for row in rows:
            text = to_text(self.source(row))
            if text is None:
                continue
            total += 1
            kept = samples.setdefault(miner.add(text), [])
            if len(kept) < SAMPLES_PER_PATTERN:
                kept.append((self.timestamp(row), text))
        templates = miner.templates()
        # Templates merge as evidence grows: `resolve` maps the ids `add` gave to the survivor.
        by_template: dict[int, list[tuple[int | None, str]]] = {}
        for template_id, kept in samples.items():
            merged = by_template.setdefault(miner.resolve(template_id), [])
            merged.extend(kept[: SAMPLES_PER_PATTERN - len(merged)])
        return [
            Row(None, _pattern_values(template.template, template.count, total, by_template.get(template.id, [])))
            for template in templates
        ]


def _pattern_values(pattern: str, count: int, total: int, samples: list[tuple[int | None, str]]) -> dict[str, Value]:
    tokens = pattern.split(" ")
    return {
        "@pattern": pattern,
        "@ratio": count / total if total else 0.0,
        "@sampleCount": count,
        "@severityLabel": _severity(pattern, [text for _, text in samples]),
        "@tokens": json.dumps(_pattern_tokens(tokens), separators=(",", ":")),
        "@logSamples": json.dumps(
            [{"timestamp": at, "message": text} for at, text in samples], separators=(",", ":"), ensure_ascii=False
        ),
        "@PatternId": hashlib.md5(pattern.encode(), usedforsecurity=False).hexdigest(),
    }


def _pattern_tokens(tokens: list[str]) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    dynamic = 0
    for token in tokens:
        if "<*>" in token:
            dynamic += 1
            out.append({"dynamicTokenPosition": dynamic, "isDynamic": True, "tokenString": token})
        else:
            out.append({"dynamicTokenPosition": 0, "isDynamic": False, "tokenString": token})
    return out


def _severity(pattern: str, samples: list[str]) -> str | None:
    for text in (pattern, *samples):
        word = _LEVEL_WORD.search(text)
        if word:
            return _LEVELS[word.group(1).upper()]
        field = _JSON_LEVEL.search(text)
        if field and field.group(1).upper() in _LEVELS:
            return _LEVELS[field.group(1).upper()]
    return None
