"""The evidence as the model reads it: the figures first, then the log text, all within a token budget.

What matters most comes first and is never cut: what was searched, the exact
counts per group, how the matches were spread in time (onset, rise, peak,
whether they are still coming) and how it was computed and what it cost.
Then the histogram, templates with counts, the breakdowns and samples, each
added while it fits. Template and sample text comes from the logs: it is
redacted and framed as untrusted data, like every tool result's log text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from logai.evidence.model import Evidence
from logai.evidence.timeline import read_shape
from logai.figures import dollars, human_bytes, plural
from logai.logs.model import LogEvent
from logai.logs.redact import Redactor
from logai.logs.shaping import UNTRUSTED_NOTE, as_data, estimate_tokens
from logai.logs.timeparse import format_duration, iso

TEMPLATES = 10
SAMPLES = 6
TEMPLATE_CHARS = 400
ONSET_SAMPLES = 3
SAMPLE_CHARS = 600
_OPEN, _CLOSE = "<log_data>", "</log_data>"


def moment(ms: int, reference_ms: int) -> str:
    """`14:05:03Z` when on the reference's day, the full ISO time otherwise."""
    full = iso(ms)
    return full[11:] if full[:10] == iso(reference_ms)[:10] else full


def span_text(ms: int) -> str:
    from datetime import timedelta

    return format_duration(timedelta(milliseconds=max(ms, 0)))


def figures(evidence: Evidence) -> list[str]:
    """The lines that are never cut: scope, counts, shape, provenance."""
    end = evidence.end_ms
    lines = [
        f"Searched {', '.join(evidence.groups)} from {iso(evidence.start_ms)} to {iso(end)} "
        f"({span_text(end - evidence.start_ms)}) for {evidence.filter.describe()}."
    ]
    exactness = "exact" if evidence.exact else "a lower bound"
    if not evidence.total:
        lines.append("No events matched in the whole range.")
    else:
        parts = "; ".join(f"{g.group} {g.count:,}" for g in evidence.per_group if g.count)
        lines.append(f"Matches: {evidence.total:,} ({exactness}): {parts}.")
        lines.append(shape_sentence(evidence))
        onsets = [g for g in evidence.per_group if g.first_ms is not None]
        if len(onsets) > 1:
            ordered = sorted(onsets, key=lambda g: g.first_ms or 0)
            lines.append("First match per group: " + "; ".join(f"{g.group} {moment(g.first_ms or 0, end)}" for g in ordered) + ".")
    lines.append(provenance_sentence(evidence))
    return lines


def shape_sentence(evidence: Evidence) -> str:
    end = evidence.end_ms
    shape = read_shape(evidence.histogram, evidence.first_ms, evidence.last_ms, evidence.start_ms)
    bucket = span_text(evidence.histogram.bucket_ms)
    said = []
    if shape.first_ms is not None:
        said.append(f"First match {moment(shape.first_ms, end)} ({span_text(end - shape.first_ms)} before the end)")
        if shape.first_ms - evidence.start_ms < evidence.histogram.bucket_ms:
            said[-1] += ", so matches were already there when the range began"
    if shape.rise_ms is not None:
        said.append(f"rising sharply from {moment(shape.rise_ms, end)}")
    if shape.peak_ms is not None:
        said.append(f"peak {shape.peak_count:,} in the {bucket} from {moment(shape.peak_ms, end)}")
    if shape.last_bucket_count:
        said.append(f"still going: {shape.last_bucket_count:,} in the last {bucket}")
    elif shape.last_ms is not None:
        said.append(f"stopped: last match {moment(shape.last_ms, end)} ({span_text(end - shape.last_ms)} before the end)")
    return "; ".join(said) + "." if said else ""


def provenance_sentence(evidence: Evidence) -> str:
    p = evidence.provenance
    if p.method == "insights":
        how = (
            f"How computed: {plural(p.queries, 'Logs Insights query', 'Logs Insights queries')} on the server over "
            f"{int(p.records_scanned):,} records ({human_bytes(p.bytes_scanned)} scanned, about {dollars(p.cost_usd)})"
        )
        if p.filter_calls:
            how += f", and {plural(p.filter_calls, 'FilterLogEvents call')} for samples"
    else:
        how = f"How computed: {plural(p.filter_calls, 'FilterLogEvents call')} reading the matching events themselves"
    return how + "." + "".join(f" Note: {caveat}." for caveat in p.caveats)


def histogram_lines(evidence: Evidence) -> list[str]:
    h = evidence.histogram
    if not evidence.total:
        return []
    label = f"Matches per {span_text(h.bucket_ms)} from {moment(h.start_ms, evidence.end_ms)}"
    lines = [f"{label}: {' '.join(str(n) for n in h.counts)}"]
    if 1 < len(evidence.groups) <= 4:
        for group, counts in h.per_group.items():
            if any(counts):
                lines.append(f"  {group}: {' '.join(str(n) for n in counts)}")
    return lines


def breakdown_lines(evidence: Evidence, most: int = 6) -> list[str]:
    lines = []
    for breakdown in evidence.breakdowns:
        if not breakdown.counts:
            continue
        total = sum(n for _, n in breakdown.counts) or 1
        shown = ", ".join(f"{value or '(empty)'} {n:,} ({n * 100 // total}%)" for value, n in breakdown.counts[:most])
        more = len(breakdown.counts) - most
        lines.append(f"By {breakdown.name}: {shown}" + (f", and {more} more" if more > 0 else "") + ".")
    return lines


def render(evidence: Evidence, *, budget_tokens: int, redactor: Redactor | None = None) -> str:
    """The whole result, fitted to `budget_tokens` (by logai's token estimate)."""
    redactor = redactor or Redactor()
    head = figures(evidence)
    text = "\n".join(head)
    for line in histogram_lines(evidence) + breakdown_lines(evidence):
        text = _append(text, line, budget_tokens)
    framed = _framed(evidence, redactor)
    if framed:
        room = budget_tokens - estimate_tokens(text) - estimate_tokens(UNTRUSTED_NOTE + _OPEN + _CLOSE) - 8
        body: list[str] = []
        for line in framed:
            if estimate_tokens("\n".join([*body, line])) > room:
                break
            body.append(line)
        if body:
            text = "\n".join([text, UNTRUSTED_NOTE, _OPEN, *body, _CLOSE])
    return text


def _append(text: str, line: str, budget: int) -> str:
    candidate = f"{text}\n{line}"
    return candidate if estimate_tokens(candidate) <= budget else text


def _framed(evidence: Evidence, redactor: Redactor) -> list[str]:
    """Templates, then the first matches, then diverse newest samples: log text, one item a line."""
    end = evidence.end_ms
    lines: list[str] = []
    if evidence.templates:
        lines.append(f"Templates ({'exact counts' if evidence.provenance.method == 'insights' else 'counts in what was read'}), most frequent first:")
        for template in evidence.templates[:TEMPLATES]:
            seen = ""
            if template.first_ms is not None and template.last_ms is not None:
                seen = f" [seen {moment(template.first_ms, end)} to {moment(template.last_ms, end)}]"
            lines.append(f"{template.count:,}{seen} {as_data(condensed(template.template), redactor, TEMPLATE_CHARS)}")
    if evidence.onset_samples:
        shape = read_shape(evidence.histogram, evidence.first_ms, evidence.last_ms, evidence.start_ms)
        lines.append("The first matches of the sharp rise:" if shape.rise_ms is not None else "The first matches:")
        lines += [_event_line(e, evidence, redactor) for e in _what_began(evidence, shape.rise_ms)]
    samples = diverse(evidence.samples, SAMPLES)
    if samples:
        lines.append("Newest matches (one per kind first):")
        lines += [_event_line(e, evidence, redactor) for e in samples]
    return lines


def _what_began(evidence: Evidence, rise_ms: int | None) -> list[LogEvent]:
    """The first events of a rise that belong to templates first seen around it, not the background before."""
    from logai.evidence.queries import literal_chunk

    events = list(evidence.onset_samples)
    if rise_ms is not None:
        since = rise_ms - evidence.histogram.bucket_ms
        fresh = [
            c for t in evidence.templates if t.first_ms is not None and t.first_ms >= since and (c := literal_chunk(t.template, t.example))
        ]
        new = [e for e in events if any(chunk in e.message for chunk in fresh)]
        events = new or events
    return events[:ONSET_SAMPLES]


def _event_line(event: object, evidence: Evidence, redactor: Redactor) -> str:
    from logai.logs.model import LogEvent

    assert isinstance(event, LogEvent)
    where = f"{event.log_group} " if len(evidence.groups) > 1 else ""
    return f"{iso(event.timestamp_ms)} {where}{event.log_stream or '-'} {as_data(condensed(event.message), redactor, SAMPLE_CHARS)}"


# Stack frames ("\tat com.x.Y.z(Y.java:42)", '  File "x.py", line 3, in f', "... 51 common frames omitted"):
# the exception lines around them say what went wrong; the frames, where.
_FRAME = re.compile(r'^\s+(?:at |File "|\.\.\. \d+ (?:common frames omitted|more))')
# The same frames in a template, where the miner has joined the lines with spaces.
_INLINE_FRAMES = re.compile(r"(?:\s+at [\w$.<>*/]+\([^)]*\))+(?:\s+\.\.\. (?:<\*>|\d+) (?:common frames omitted|more))?")


def condensed(message: str) -> str:
    """A message without its stack frames, so the exception lines fit where frames would not."""
    if "\n" not in message:
        return _INLINE_FRAMES.sub(" [stack frames]", message)
    lines = message.rstrip("\n").split("\n")
    kept = [line for line in lines if not _FRAME.match(line)]
    dropped = len(lines) - len(kept)
    return "\n".join(kept) + (f"\n[{dropped} stack frames]" if dropped else "")


def diverse(events: Sequence[object], most: int) -> list[object]:
    """Up to `most` of the newest events, one per template before any template repeats, in time order."""
    from logai.logs.model import LogEvent
    from logai.logs.patterns import PatternMiner

    typed = [e for e in events if isinstance(e, LogEvent)]
    if len(typed) <= most:
        return list(typed)
    miner = PatternMiner()
    kinds = [miner.add(e.message) for e in typed]
    kinds = [miner.resolve(k) for k in kinds]
    chosen: list[int] = []
    taken: set[int] = set()
    for index in range(len(typed) - 1, -1, -1):
        if kinds[index] not in taken:
            taken.add(kinds[index])
            chosen.append(index)
        if len(chosen) == most:
            break
    for index in range(len(typed) - 1, -1, -1):
        if len(chosen) == most:
            break
        if index not in chosen:
            chosen.append(index)
    return [typed[i] for i in sorted(chosen)]
