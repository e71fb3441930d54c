"""Where a log line's header ends: per line by generic rules, per source by learning its shape.

`header_length` reads one line's leading fields (see `fields.py`) and says
how many belong to the header: a run that starts with a time (or a level, or
one tag before a time) and ends at a level and what follows it (thread
groups, a logger), at a `component:`, at a ` - ` separator, at the end of a
pipe-joined run, or after an epoch that follows a few name fields. Lines
that do not start like that have no header.

One line can mislead those rules (a message that starts with `Word:`, a
` - ` or a long number in the message), so `HeaderModel` learns from a
sample of a stream which header *shapes* (kind sequences, such as
time-time-level-logger) its lines share, and strips every later line by a
learned shape it fits. Lines that fit no learned shape fall back to the
per-line rules, and a shape that keeps coming back among them is learned
too, so a stream that changes format (files concatenated, a log group fed
by several programs) is followed.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

from .fields import Field, lex_fields

__all__ = ["HeaderModel", "header_length", "strip_header"]

# Per field: its kind, its opening bracket (or, for a constant column, its text), the separator after it.
Signature = tuple[tuple[str, str, str], ...]
_CONSTANT = "="  # the kind of a column every line repeats (`stdout F` in container logs)
_PADDED = "  "  # the separator of a column padded with spaces or a tab
# A column after the header joins it when this share of the sample's lines agree on it.
_COLUMN_SHARE = 0.95
_COLUMN_LINES = 8
_HAS_DIGIT = re.compile(r"\d")
_PRIORITY = re.compile(r"<\d{1,3}>(?=\S)")
_PADDED_FIELD = re.compile(r"[^\s|]++(?: {2,}|\t)\s*+(?=\S)")

# At most this many unrecognised fields (hosts, tags, facility words) inside a header.
_UNKNOWN_FIELDS = 4
# A component (`prog[7]:`) closes a header only after at most this many of them.
_UNKNOWN_BEFORE_COMPONENT = 3
_EPOCH_DIGITS = (10, 13)


def _is_anchor(field: Field) -> bool:
    """A time, or a long number (an epoch, a compact date, a sequence number): where headers start."""
    return field.kind == "T" or (field.kind == "N" and len(field.text.rstrip(",;")) >= 6)


def _is_late_stamp(field: Field) -> bool:
    """A time or epoch trusted as a header field even after name fields (`node-7 unix.hw 1077804742 1 …`)."""
    return (field.kind == "T" and ":" in field.text) or (
        field.kind == "N" and len(field.text.rstrip(",;")) in _EPOCH_DIGITS
    )


def _is_leading_level(field: Field) -> bool:
    """A level that can start a header without a time: upper case, bracketed or with a colon."""
    return field.kind == "L" and (bool(field.opener) or field.text.isupper() or field.text.endswith(":"))


def _is_separator(field: Field) -> bool:
    return field.kind == "-" or (field.kind == "X" and not field.text.strip(":|-"))


def header_length(fields: Sequence[Field]) -> int:
    """How many of `fields` (a line's leading fields) form its header; 0 when it has none."""
    count = len(fields)
    if not count:
        return 0
    first = fields[0]
    if _is_leading_level(first) and count > 1:
        return _after_level(fields, 1, level_first=True)
    if first.kind == "B" and count > 2 and _is_leading_level(fields[1]):
        return _after_level(fields, 2, level_first=True)  # `[main] INFO app.Db - message`, no time
    start = 0
    if first.kind not in {"T", "N"}:
        # One tag before the time: a file name, a `-` placeholder, a shipper prefix.
        if count > 1 and _is_anchor(fields[1]) and first.kind in {"-", "I", "W", "D", "X", "B"}:
            start = 1
        else:
            return 0
    run_end = start
    while run_end < count and fields[run_end].kind in {"T", "N"}:
        run_end += 1
    # A short number alone (`404 Not Found`) starts a header only if a level, component or
    # epoch follows; a time or a long number (epoch, compact date) is a header by itself.
    end = run_end if any(_is_anchor(field) for field in fields[start:run_end]) else 0
    late_end = 0
    unknown = 0
    seen_time = False
    index = start
    while index < count:
        field = fields[index]
        kind = field.kind
        if kind in {"T", "N"}:
            # An epoch after name fields ends a header that has no time yet (`42 node-7 unix.hw
            # 1077804742 1 …`); after a time, a long number is message (`Processed 1714567890 rows`).
            if unknown and not seen_time and _is_late_stamp(field):
                late_end = index + 1
            elif late_end and late_end == index:
                late_end = index + 1  # the fields right after a late stamp (`… 1077804742 1 message`)
            seen_time = seen_time or kind == "T"
            index += 1
            continue
        if kind == "L":
            if index == count - 1:  # a level word that ends the line is the message (`Link error`)
                break
            return _after_level(fields, index + 1, level_first=False)
        if kind == "C":
            if unknown <= _UNKNOWN_BEFORE_COMPONENT:
                return index + 1
            break
        if kind == "-":
            if unknown <= _UNKNOWN_BEFORE_COMPONENT and index > start:
                end = index + 1  # `name - message`, `host app 42 - - message`
            index += 1
            continue
        if kind == "B":
            index += 1
            continue
        unknown += 1
        if unknown > _UNKNOWN_FIELDS:
            break
        index += 1
    pipe_end = start
    while pipe_end < count and fields[pipe_end].separator == "|":
        pipe_end += 1
    return max(end, late_end, pipe_end)


def _after_level(fields: Sequence[Field], index: int, *, level_first: bool) -> int:
    """The end of a header after its level: thread and context groups, separators, one logger.

    After a level that starts the line, the time and request id that follow
    it belong to the header too (`[ERROR] <time> <request id> message`).
    """
    count = len(fields)
    while index < count - 1:
        field = fields[index]
        kind = field.kind
        if kind == "B" or _is_separator(field) or (level_first and kind in {"T", "N", "I"}):
            index += 1
        elif kind == "C":
            return index + 1
        elif kind in {"W", "D", "I"}:
            # A logger name: followed by a group, a ` - `, or padding into a column.
            following = fields[index + 1]
            if following.kind == "B" or following.kind == "-" or field.padded:
                return index + 2 if following.kind in {"B", "-"} else index + 1
            break
        else:
            break
    return index


def _signature(fields: Sequence[Field]) -> Signature:
    return tuple((field.kind, field.opener, field.separator) for field in fields)


# The text each kind of field may have in a learned shape. Loose on purpose for
# names and levels (a level slot takes `FAILURE` as well as `INFO`), strict
# enough on times and numbers that continuation lines (`\tat Foo.bar(…)`) fail.
# Possessive quantifiers: a line that does not fit fails at once, without backtracking.
_BARE_SLOTS = {
    "T": r"(?=[^\s|]*\d|[A-Z][A-Za-z]{1,8}[.,]?(?:[\s|]|$))[^\s|]++",
    "N": r"[+-]?\d++[,;]?",
    "L": r"[A-Za-z]++[:,]?",
    "C": r"(?=[^\s|]*[:\]](?:[\s|]|$))[^\s|]++",
    "-": r"-++",
}
_GROUP_SLOTS = {
    "[": r"\[(?:[^\[\]]|\[[^\[\]]*+\])*+\][:,]?",
    "(": r"\((?:[^()]|\([^()]*+\))*+\)[:,]?",
    "<": r"<[^<>]*+>[:,]?",
}
_ANY_FIELD = r"[^\s|]++"


# Before a closing component, a few more words: program names may hold spaces (`Google Chrome Helper[7]:`).
_WORDS_BEFORE_COMPONENT = r"(?:[^\s|:\[\]]++\s++){0,3}?"


_SEPARATORS = {"|": r"\s*+\|\s*+", _PADDED: r"(?: {2,}|\t)\s*+", " ": r"(?:\s++|$)", "": r"(?:\s++|$)"}


def _shape_regex(signature: Signature) -> re.Pattern[str]:
    parts = [r"\s*+"]
    for index, (kind, opener, separator) in enumerate(signature):
        if kind == "C" and not opener and index == len(signature) - 1:
            parts.append(_WORDS_BEFORE_COMPONENT)
        if kind == _CONSTANT:
            parts.append(re.escape(opener))
        else:
            parts.append(_GROUP_SLOTS[opener] if opener else _BARE_SLOTS.get(kind, _ANY_FIELD))
        parts.append(_SEPARATORS[separator])
    return re.compile("".join(parts))


class HeaderShape:
    """A learned header shape: a kind per field, compiled into one regex matched at line start."""

    __slots__ = ("signature", "regex", "uses", "is_prefix")

    def __init__(self, signature: Signature) -> None:
        self.signature = signature
        self.regex = _shape_regex(signature)
        self.uses = 0
        self.is_prefix = False  # the start of another learned shape


def _without_priority(line: str) -> str:
    """`line` without a syslog priority glued to its start (`<13>Feb 27 …`): transport, not message."""
    if line.startswith("<"):
        match = _PRIORITY.match(line)
        if match:
            return line[match.end() :]
    return line


def strip_header(line: str) -> str:
    """The message part of `line`, its header cut by the per-line rules (no learning).

    A line without a recognisable header is returned whole (minus
    surrounding whitespace), and so is a line that is all header.
    """
    line = _without_priority(line)
    fields = lex_fields(line)
    length = header_length(fields)
    return _message_after(line, fields, length) if length else line.strip()


class HeaderModel:
    """The header shapes of one stream, learned from a sample and kept up to date.

    `learn(sample)` picks the shapes shared by at least `min_share` of the
    sample; `message(line)` cuts a line's header by the first shape it fits
    (the last one that fitted is tried first: formats come in runs), or by
    the per-line rules when it fits none. A shape seen `relearn_after` times
    among lines that fit none is learned then. At most `max_shapes` are kept;
    past that, a new shape replaces the least used one.
    """

    def __init__(self, *, min_share: float = 0.1, relearn_after: int = 20, max_shapes: int = 32) -> None:
        self.shapes: list[HeaderShape] = []
        self._min_share = min_share
        self._relearn_after = relearn_after
        self._max_shapes = max_shapes
        self._unmatched: Counter[Signature] = Counter()
        self._last: HeaderShape | None = None

    def learn(self, sample: Iterable[str]) -> None:
        """Learn the shapes shared by at least `min_share` of `sample` (most common first).

        A shape is then extended over the columns right after it that nearly
        every line fitting it repeats: a column padded into fixed width (`PM
        nova.compute  message`), or one or two constant words followed by
        varying text (`stdout F message` in container logs). The shorter shape
        stays for lines without them.
        """
        lines = [_without_priority(line) for line in sample]
        signatures: Counter[Signature] = Counter()
        for line in lines:
            fields = lex_fields(line)
            length = header_length(fields)
            if length and (length < len(fields) or fields[-1].separator):  # a header with a message after it
                signatures[_signature(fields[:length])] += 1
        for signature, support in signatures.most_common():
            if support < max(2.0, self._min_share * len(lines)):
                break
            self._add(signature)
        for shape in list(self.shapes):
            columns = _shared_columns(shape, lines)
            if columns:
                shape.is_prefix = True
                self.shapes.insert(self.shapes.index(shape), HeaderShape(shape.signature + columns))

    def _add(self, signature: Signature) -> None:
        # A shape that extends one already learned would never be reached: lines fitting it fit the shorter one first.
        if any(signature[: len(shape.signature)] == shape.signature for shape in self.shapes):
            return
        if len(self.shapes) >= self._max_shapes:
            self.shapes.remove(min(self.shapes, key=lambda shape: shape.uses))
            self._last = None
        shape = HeaderShape(signature)
        # A shorter shape learned later must not cut lines that fit a longer one: it is tried after it, never first.
        shape.is_prefix = any(other.signature[: len(signature)] == signature for other in self.shapes)
        self.shapes.append(shape)

    def message(self, line: str) -> str:
        """`line` without its header."""
        line = _without_priority(line)
        last = self._last
        if last is not None:
            match = last.regex.match(line)
            if match and match.end() < len(line):
                last.uses += 1
                return line[match.end() :].strip()
        for shape in self.shapes:
            if shape is last:
                continue
            match = shape.regex.match(line)
            if match and match.end() < len(line):  # a header with a message after it
                shape.uses += 1
                self._last = None if shape.is_prefix else shape
                return line[match.end() :].strip()
        return self._fallback(line)

    def _fallback(self, line: str) -> str:
        fields = lex_fields(line, limit=2)
        if not fields or not (fields[0].kind in {"T", "N", "L"} or (len(fields) > 1 and _is_anchor(fields[1]))):
            return line.strip()  # no header starts like this: skip the full reading
        fields = lex_fields(line)
        length = header_length(fields)
        if not length:
            return line.strip()
        signature = _signature(fields[:length])
        self._unmatched[signature] += 1
        if self._unmatched[signature] >= self._relearn_after:
            self._unmatched.clear()
            self._add(signature)
        elif len(self._unmatched) > 256:  # bounded: a stream of ever-new shapes only costs this much
            self._unmatched.clear()
        return _message_after(line, fields, length)


def _shared_columns(shape: HeaderShape, sample: Sequence[str]) -> Signature:
    """The columns after `shape` that nearly all sample lines fitting it share (see `HeaderModel.learn`)."""
    rests = []
    for line in sample:
        match = shape.regex.match(line)
        if match and match.end() < len(line):
            rests.append(line[match.end() :])
    needed = max(_COLUMN_LINES, _COLUMN_SHARE * len(rests))
    columns: list[tuple[str, str, str]] = []
    while len(columns) < 2:
        padded = [_PADDED_FIELD.match(rest) for rest in rests]
        if sum(1 for match in padded if match) < needed:
            break
        columns.append(("W", "", _PADDED))
        rests = [rest[match.end() :] for rest, match in zip(rests, padded) if match]
    if columns:
        return tuple(columns)
    words = [rest.split(None, 3) for rest in rests]
    constant: list[str] = []
    for position in range(3):
        common = Counter(split[position] for split in words if len(split) > position + 1).most_common(1)
        if not common or common[0][1] < needed:
            break
        constant.append(common[0][0])
    # One or two constant words, then messages that start with different words. A longer run,
    # or one followed by values only (`worker 7 done`), is a message most lines repeat.
    after = {split[len(constant)] for split in words if len(split) > len(constant)}
    if not 1 <= len(constant) <= 2 or sum(1 for word in after if not _HAS_DIGIT.search(word)) < 3:
        return ()
    return tuple((_CONSTANT, word, " ") for word in constant)


def _message_after(line: str, fields: Sequence[Field], length: int) -> str:
    """What follows the first `length` fields of `line`; the whole line if nothing does."""
    rest = line[fields[length - 1].end :].strip()
    if fields[length - 1].separator == "|":
        rest = rest.lstrip("|").strip()
    return rest or line.strip()
