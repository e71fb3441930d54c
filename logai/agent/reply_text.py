"""A model reply's own words, told apart from the material it quotes.

`mask` returns a same-length copy of the reply in which fenced and indented
code, log-looking lines, block quotes and tables are blanked out (and listed
as data spans), inline code becomes `CODE_MARK`s and double-quoted text
`QUOTE_MARK`s, so offsets into the copy still point into the reply.
`sentences` then splits what is left into sentences, without markdown list
and heading prefixes, interleaved in order with the data spans.
`IntentDetector` reads these sentences; quoted text never counts as the
model speaking.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

# --- masking -----------------------------------------------------------------

CODE_MARK = "\ue000"  # stands in for inline code: a pattern, a group name, a command
QUOTE_MARK = "\ue001"  # stands in for double-quoted text
_FENCE = re.compile(r"```.*?(?:```|\Z)", re.DOTALL)
_INLINE_CODE = re.compile(r"`[^`\n]+`")
_DOUBLE_QUOTED = re.compile(r'"[^"\n]{1,300}"')
_LOG_START = r"""(?:
    \[?\d{4}-\d{2}-\d{2}[T\ ]\d{2}:\d{2}             # ISO-ish timestamp
  | \[?\d{2}:\d{2}:\d{2}                           # clock time
  | \d{10,13}[\ \t]                                 # epoch
  | \[?(?:TRACE|DEBUG|INFO|WARN|WARNING|ERROR|FATAL|CRITICAL)\]?[\ \t:]
  | (?:START|END|REPORT)\ +RequestId
  | \[[\w.:/-]+\][\ \t]                            # [GC] , [main] …
  | \{[\ \t]*"                                      # a JSON log record
)"""
_LOG_LINE = re.compile(r"[ \t]*" + _LOG_START, re.VERBOSE)
# Quoted log output, block quotes and result tables: evidence the model already has data.
_DATA_LINE = re.compile(rf"^[\ \t]*(?:{_LOG_START}|>|\|)[^\n]*", re.MULTILINE | re.VERBOSE)
# Indented code, but not a nested list item.
_INDENTED_LINE = re.compile(r"^(?: {4}|\t)(?![ \t]*(?:[-*+]|\d+\.)\s)[^\n]*\S[^\n]*", re.MULTILINE)
# Masked data becomes NUL, which no sentence keeps and no word pattern in intent.py matches.
_BLANK = "\0"


def _blanked(chunk: str) -> str:
    return "\n".join(_BLANK * len(line) for line in chunk.split("\n"))


class Span(NamedTuple):
    """A stretch of the reply: a sentence of the model's own words, or masked data.

    `start`/`end` are offsets into the reply; `findings` is True for data that
    looks like results (log lines, quoted output, tables), never for sentences.
    """

    start: int
    end: int
    is_data: bool
    findings: bool


def mask(text: str) -> tuple[str, list[Span]]:
    """Same-length copy of `text` with quoted content masked, plus the masked data spans."""
    data: list[Span] = []
    for fence in _FENCE.finditer(text):
        body = fence.group(0).splitlines()[1:]
        data.append(Span(fence.start(), fence.end(), True, any(_LOG_LINE.match(line) for line in body)))
    text = text.replace("’", "'")  # same length, so offsets still point into the reply
    masked = _FENCE.sub(lambda m: _blanked(m.group(0)), text) if data else text

    def blank_line(findings: bool) -> Callable[[re.Match[str]], str]:
        def blank(match: re.Match[str]) -> str:
            data.append(Span(match.start(), match.end(), True, findings))
            return _BLANK * len(match.group(0))

        return blank

    masked = _DATA_LINE.sub(blank_line(True), masked)
    masked = _INDENTED_LINE.sub(blank_line(False), masked)
    masked = _INLINE_CODE.sub(lambda m: CODE_MARK * len(m.group(0)), masked)
    masked = _DOUBLE_QUOTED.sub(lambda m: QUOTE_MARK * len(m.group(0)), masked)
    return masked, data


# --- sentences -----------------------------------------------------------------

_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)")
_MARKUP_START = frozenset(" \t#-*+_0123456789")
_MARKUP_PREFIX = re.compile(r"(?:\s|#+\s|[-*+]\s|\d+[.)]\s|\*\*|__)+")
# "First step: listing the groups", "Next steps for you: check …": a short label then a clause.
_LABEL = re.compile(r"[A-Za-z][\w' ]{0,30}?:\s+(?=\S)")
_LETTER = re.compile(r"[A-Za-z]")
_STEP_LABEL = re.compile(r"(?i)(?:first|next) step\s*:")


def _add_sentence(masked: str, s: int, e: int, spans: list[Span]) -> None:
    """Append the sentence in masked[s:e] without its markdown prefix, splitting off a short label."""
    if masked[s] in _MARKUP_START:
        lead = _MARKUP_PREFIX.match(masked, s, e)
        s = lead.end() if lead else s
    while e > s and masked[e - 1] in " \t":
        e -= 1
    if s >= e or not _LETTER.search(masked, s, e):
        return
    label = _LABEL.match(masked, s, e) if masked.find(":", s, min(e, s + 34)) >= 0 else None
    if label and label.group(0).count(" ") <= 4 and not _STEP_LABEL.match(label.group(0)):
        spans.append(Span(s, label.end(), False, False))
        s = label.end()
    spans.append(Span(s, e, False, False))  # findings are read later, only where needed


def sentences(masked: str, data: list[Span]) -> list[Span]:
    """The reply's sentences interleaved with its data spans, in order (offsets into the reply)."""
    spans: list[Span] = list(data)
    offset = 0
    for line in masked.split("\n"):
        if line and line[0] != _BLANK:
            start = 0
            for cut in [m.end() for m in _SENTENCE_END.finditer(line)] + [len(line)]:
                if cut > start:
                    _add_sentence(masked, offset + start, offset + cut, spans)
                start = cut
        offset += len(line) + 1
    spans.sort(key=lambda span: span.start)
    return spans
