"""The leading fields of a log line, each with a kind: the vocabulary headers are learned in.

A header is a run of fields (times, levels, pids, hosts, thread groups,
logger names) joined by spaces, tabs or pipes. `lex_fields` cuts the start
of a line into such fields and gives each a one-letter kind; the header
rules (`header.py`) and the learned header shapes work on those kinds, never
on a list of known formats.

Kinds:

- `T` a date or time piece: digit groups joined by date/time punctuation in
  any order (`2015-10-18`, `18:01:47,978`, `17/06/09`, `2005.06.03`,
  `20171223-22:15:29:606`, `10.30`), a month or weekday name (`Jun`,
  `Sunday,`), a zone (`+0000`, `UTC` after another piece), a glog stamp
  (`I0501`); or a bracket group that starts with one (`[Sun Dec 04 …]`).
- `N` a plain number (pid, line number, epoch, compact date `081109`).
- `L` a level word (`INFO`, `Warn`, `[error]`, `<info>`, `E` after a pid).
- `C` a component that closes a header: a token ending in `:` (`sshd[42]:`,
  `dfs.DataNode$PacketResponder:`) or in `]` without an opening bracket
  (glog's `file.go:12]`), or a bracket group ending in `:`.
- `B` a bracket group (`[main]`, `[req-1 - - -]`, `(pid 7)`).
- `I` an identifier holding a digit (`node-246`, `dn228`, a request id).
- `D` a dotted name (`nova.compute.manager`, `chrome.exe`).
- `W` a word; `-` a dash placeholder or separator; `X` anything else.
"""

from __future__ import annotations

import re
from typing import NamedTuple

__all__ = ["Field", "lex_fields"]

_LEVEL_WORDS = frozenset(
    "trace debug info information notice warn warning error err fatal crit critical severe alert emerg "
    "emergency fine finer finest verbose".split()
)
_MONTHS = frozenset(
    "jan feb mar apr may jun jul aug sep sept oct nov dec january february march april june july august "
    "september october november december".split()
)
_DAYS = frozenset("mon tue tues wed thu thur thurs fri sat sun monday tuesday wednesday thursday friday saturday sunday".split())
_DATE_NAMES = _MONTHS | _DAYS
_ZONES = frozenset("utc gmt z am pm cet cest est edt pst pdt cst cdt mst mdt bst ist jst".split())

# Digit groups joined by date/time punctuation, with an optional fraction and zone.
_DIGIT_STAMP = re.compile(r"\d+(?:[-/.:_T]\d+)+(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?")
_ZONE_OFFSET = re.compile(r"[+-]\d\d:?\d\d")
# glog and klog glue a one-letter level to the month and day: I0501, E1231.
_GLOG_STAMP = re.compile(r"[IWEFD]\d{4}")
_HAS_DIGIT = re.compile(r"\d")
_DOTTED_NAME = re.compile(r"[A-Za-z_$][\w$-]*(?:\.[\w$-]+)+")
_NAMES = frozenset("WDI")
# A field (a bracket group followed by a separator, else a bare token) and the separator after it.
_FIELD = re.compile(
    r"\s*(?P<text>(?P<group>\[(?:[^\[\]]|\[[^\[\]]*\])*\][:,]?|\((?:[^()]|\([^()]*\))*\)[:,]?|<[^<>]*>[:,]?)"
    r"(?=[\s|]|$)|[^\s|]+)(?P<gap>\s*\|\s*|\s+|$)"
)


class Field(NamedTuple):
    """One leading field: its kind, the bracket it opens with ('' if bare), its span, and the separator after it."""

    kind: str
    opener: str
    text: str
    start: int
    end: int
    separator: str  # " " for whitespace, "|" for a pipe, "" at the end of the line
    padded: bool  # followed by two or more spaces: a column in a fixed-width layout


def _is_month_or_day(token: str) -> bool:
    """A month or weekday name as headers print them: capitalised or upper case, maybe with `.` or `,`."""
    core = token.rstrip(".,")
    return 3 <= len(core) <= 9 and core[0].isupper() and core.lower() in _DATE_NAMES and (core[1:].islower() or core.isupper())


def _is_level(core: str) -> bool:
    word = core.rstrip(":")
    return word.lower() in _LEVEL_WORDS and (word.isupper() or word.istitle() or core.endswith(":"))


def _bare_kind(token: str, previous: str) -> str:
    if token in {"-", "--", "---"}:
        return "-"
    core = token.rstrip(",;")
    if not core:
        return "X"
    if core.isdigit() or (core[0] in "+-" and core[1:].isdigit()):
        return "N"
    first = core[0]
    if first.isdigit():
        if _DIGIT_STAMP.fullmatch(core):
            return "T"
    elif _GLOG_STAMP.fullmatch(core) or _is_month_or_day(core):
        return "T"
    if previous == "T" and (_ZONE_OFFSET.fullmatch(core) or core.lower() in _ZONES):
        return "T"
    if _is_level(core):
        return "L"
    key, equals, value = core.partition("=")
    if equals and key.isalpha() and value:
        # logfmt and friends: `ts=2024-05-01T12:00:00Z level=info` are a time and a level.
        value = value.strip("\"'")
        if value.lower() in _LEVEL_WORDS:
            return "L"
        if value and _bare_kind(value, previous) == "T":
            return "T"
    # logcat and glog print the level as one letter, right after pids or the time.
    if len(core) == 1 and core in "VDIWEFA" and previous in {"N", "T"}:
        return "L"
    if (first.isalnum() or first in "_/$") and (core.endswith(":") or (core.endswith("]") and "[" not in core)):
        return "C"  # `sshd[7]:`, `file.go:12]`, nginx's `6840#0:`
    if _HAS_DIGIT.search(core):
        return "I"
    if _DOTTED_NAME.fullmatch(core):
        return "D"
    if first.isalpha():
        return "W"
    return "X"


def _group_kind(text: str) -> str:
    inner = text.rstrip(":,")[1:-1].strip()
    if not inner:
        return "B"
    head = inner.split(None, 1)[0]
    if _bare_kind(head, "") == "T":
        return "T"
    if inner.lower() in _LEVEL_WORDS:
        return "L"
    # A group that ends in a colon closes a header like a component (`prog[1] (sub.domain.42): …`).
    return "C" if text.endswith(":") else "B"


def lex_fields(line: str, limit: int = 10, window: int = 400) -> list[Field]:
    """The first `limit` fields of `line` (within its first `window` characters).

    Fields are split at whitespace and at pipes; a bracket group counts as
    one field even when it holds spaces, and a lone `:` after a word padded
    into a column joins that word (logcat's `chatty  :` is a component).
    """
    fields: list[Field] = []
    previous = ""
    for match in _FIELD.finditer(line, 0, min(len(line), window)):
        text, group, gap = match.group("text", "group", "gap")
        start, end = match.span("text")
        separator = "|" if "|" in gap else (" " if gap else "")
        if group:
            opener = text[0]
            kind = _group_kind(text)
        elif text == ":" and fields and previous in _NAMES and fields[-1].padded:
            # `tag  : message` (logcat pads tags into a column before the colon).
            last = fields.pop()
            fields.append(Field("C", "", line[last.start : end], last.start, end, separator, False))
            previous = "C"
            continue
        else:
            opener = ""
            kind = _bare_kind(text, previous)
        fields.append(Field(kind, opener, text, start, end, separator, gap.startswith("  ") or "\t" in gap))
        previous = kind
        if len(fields) >= limit or not separator:
            break
    return fields
