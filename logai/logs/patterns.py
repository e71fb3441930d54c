"""Log template mining: group lines that differ only in their variable parts.

The miner is drain3's Drain tree with masking configured here in code (drain3
would otherwise look for a `drain3.ini` in the working directory). Before a
line is mined, a recognised log header (timestamp, level, pid, thread,
logger/component) is stripped, so templates are about what happened, not
about when or where it was printed.

Why a token classifier rather than one regex per log format: the formats seen
in CloudWatch are open-ended (application loggers, syslog, logcat, Lambda
runtime lines, shipper prefixes). Nearly all of them are a run of
timestamp-like tokens, optionally a host or source tag, a level word, an
optional `[thread]` and a `logger:` before the message. Classifying the first
few tokens covers those shapes with one small routine and leaves lines it does
not recognise (JSON, free text) untouched.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["Template", "PatternMiner", "mine", "strip_header"]

# Tokens made only of digits and date/time punctuation: dates, times, epochs, pids.
_TIME_LIKE = re.compile(r"[\d:.,/_+\-TZ]*\d[\d:.,/_+\-TZ]*,?")
# Tokens that are certainly a date, a clock time or an epoch, not just any number.
_STRONG_STAMP = re.compile(r"\d{10}|\d{13}|\d{4}[-./]\d\d[-./]\d\d\S*|\d\d?:\d\d:\d\d\S*")
_MONTH_OR_DAY = re.compile(
    r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec|Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]{0,6},?",
)
# Level words as headers print them: upper case or capitalised. A lower-case
# `error` is far more often part of the message ("Link error on tree 3").
_LEVEL_WORDS = (
    "trace|debug|info|notice|warn|warning|error|err|fatal|crit|critical|severe|alert|emerg|emergency|"
    "fine|finer|finest|verbose|information"
)
_LEVEL = re.compile(
    rf"(?:(?:{_LEVEL_WORDS.upper()})|(?:{'|'.join(word.capitalize() for word in _LEVEL_WORDS.split('|'))}))[:,]?"
    rf"|[\[<](?i:{_LEVEL_WORDS})[\]>]:?",
)
# logcat and glog use one letter for the level; only trusted right after a timestamp/pid run.
_LETTER_LEVEL = re.compile(r"[VDIWEF]")
# A logger or program name that ends the header: `sshd[42]:`, `dfs.DataNode$PacketResponder:`.
_COMPONENT = re.compile(r"[A-Za-z_/][\w$.()\[\]/@#-]*:")
# A dotted logger name without a colon, as in `nova.compute.manager` or `org.apache.Foo`.
_DOTTED_LOGGER = re.compile(r"[A-Za-z_][\w$]*(?:\.[\w$]+)+")
_TOKEN = re.compile(r"\S+")
_WORD = re.compile(r"[A-Za-z][\w.-]*")

# How many leading tokens may belong to a header, and how many of them may be
# unrecognised (host names, node ids, facility words such as `RAS KERNEL`).
_HEADER_TOKENS = 14
_HEADER_OTHER_TOKENS = 4


def _is_time_like(token: str) -> bool:
    return token == "-" or bool(_TIME_LIKE.fullmatch(token) or _MONTH_OR_DAY.fullmatch(token))


def strip_header(line: str) -> str:
    """The message part of `line`, with a recognised log header removed.

    A header starts with timestamp-like tokens (at most one source tag may come
    first). It ends after the first level word or `component:` token found
    among the first few tokens, and includes the `[thread]`/`[context]` groups
    and logger name that directly follow a level. Without a level or
    component, a leading run of timestamp tokens is removed when it holds a
    real date, clock time or epoch (so "404 Not Found" keeps its 404), as is
    a run of fields ending in such a stamp. A line that does not start like
    that is returned unchanged (minus surrounding whitespace).
    """
    tokens = [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(line, 0, min(len(line), 400))]
    tokens = tokens[:_HEADER_TOKENS]
    if not tokens:
        return line.strip()
    start = 0
    if not _is_time_like(tokens[0][0]):
        # One source tag before a real timestamp (OpenStack file names, shipper prefixes).
        if len(tokens) < 2 or not _STRONG_STAMP.fullmatch(tokens[1][0]):
            return line.strip()
        start = 1
    time_run_end = start
    while time_run_end < len(tokens) and _is_time_like(tokens[time_run_end][0]):
        time_run_end += 1
    # A leading number alone ("404 Not Found") is message, not header: without a real
    # date, time or epoch up front, only a level, component or later stamp makes a header.
    header_end = time_run_end if any(_STRONG_STAMP.fullmatch(t) for t, _, _ in tokens[start:time_run_end]) else 0
    # A second timestamp after a few fields (`LogId node-7 unix.hw <epoch> 1 message`)
    # marks a header too, when no level or component closes it.
    late_stamp_end = 0
    others = 0
    for index in range(start, len(tokens)):
        token = tokens[index][0]
        if _is_time_like(token):
            starts_late_stamp = 0 < others <= 3 and _STRONG_STAMP.fullmatch(token)
            if starts_late_stamp or (late_stamp_end and late_stamp_end == index):
                late_stamp_end = index + 1
            continue
        is_level = _LEVEL.fullmatch(token) or (index == time_run_end and _LETTER_LEVEL.fullmatch(token))
        # A level word that ends the line is the message (`Link error`), not a header field.
        if is_level and tokens[index][2] < len(line.rstrip()):
            header_end = _after_level(line, tokens, index + 1)
            break
        if token == ":" and index > start:
            header_end = index + 1
            break
        if _COMPONENT.fullmatch(token) and others <= 2:
            header_end = index + 1
            break
        others += 1
        if others > _HEADER_OTHER_TOKENS:
            header_end = max(header_end, late_stamp_end)
            break
    else:
        header_end = max(header_end, late_stamp_end)
    if header_end < len(tokens):
        return line[tokens[header_end][1] :].rstrip()
    rest = line[tokens[-1][2] :].strip()
    # A line that is all header (a bare timestamp) keeps its text rather than becoming empty.
    return rest or line.strip()


def _after_level(line: str, tokens: list[tuple[str, int, int]], index: int) -> int:
    """Skip what may follow a level: `[thread]` groups, a logger name, `-`/`:` separators.

    A logger ending in `:` closes the header. A dotted logger without a colon
    may carry one `[request context]` group after it (OpenStack, Python
    logging formats); a bare word padded into a column (`Info  CBS  msg`) is
    a component too.
    """
    while index < len(tokens):
        token, _, end = tokens[index]
        if token.startswith("["):
            after = _skip_bracket_group(tokens, index)
            if after == index:  # unclosed within the window: it belongs to the message
                break
            index = after
        elif token in {"-", ":", "|"}:
            index += 1
        elif _COMPONENT.fullmatch(token):
            return index + 1
        elif _DOTTED_LOGGER.fullmatch(token):
            index += 1
            if index < len(tokens) and tokens[index][0].startswith("["):
                index = _skip_bracket_group(tokens, index)
            return index
        elif _WORD.fullmatch(token) and line.startswith("  ", end):
            return index + 1
        else:
            break
    return index


def _skip_bracket_group(tokens: list[tuple[str, int, int]], index: int) -> int:
    """Index after the token that closes the `[` group opened at `index` (within the window)."""
    depth = 0
    for position in range(index, len(tokens)):
        token = tokens[position][0]
        depth += token.count("[") - token.count("]")
        if depth <= 0:
            return position + 1
    return index  # unclosed: leave it to the message


@dataclass(frozen=True, slots=True)
class Template:
    """One mined template: `<*>` and `<NUM>`-style masks stand for the variable parts."""

    id: int
    template: str
    count: int
    example: str


# Masks run in order, before Drain tokenises. Specific shapes come first so a
# UUID is not half-eaten by the number mask. Every mask checks that it is not
# glued to letters or digits, so names such as `e1000`, `eth0` or `v2` keep
# their shape, while values after punctuation (`blk_<NUM>`, `id=<NUM>`) go.
_B = r"(?<![A-Za-z0-9])"
_E = r"(?![A-Za-z0-9])"
_MASKS: tuple[tuple[str, str], ...] = (
    (_B + r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}" + _E, "UUID"),
    # A comma-separated list of addresses (X-Forwarded-For) is one value, not several tokens.
    (_B + r"\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?(?:,\s?\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?)*" + _E, "IP"),
    (_B + r"(?:[0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}" + _E, "MAC"),
    (_B + r"0[xX][0-9a-fA-F]+" + _E, "HEX"),
    (_B + r"(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{8,}" + _E, "NUM"),
    (_B + r"[-+]?\d+(?:\.\d+)?" + _E, "NUM"),
)


class PatternMiner:
    """Streaming template miner: feed lines with `add`, read `templates` at any time.

    `similarity` is the share of a line's tokens that must equal a template's
    for the line to join it; `depth` is drain's prefix-tree depth (it routes by
    the first `depth - 2` tokens). The defaults (0.7, 5) scored best on the
    ten loghub systems (bench/bench_patterns.py --sweep: 0.89 average
    grouping accuracy). Memory grows with the number of templates, not lines
    (one example line is kept per template). With `max_clusters`, the least
    recently used templates are forgotten once that many exist.
    """

    def __init__(
        self,
        *,
        similarity: float = 0.7,
        depth: int = 5,
        max_clusters: int | None = None,
        strip_headers: bool = True,
    ) -> None:
        from drain3.masking import MaskingInstruction
        from drain3.template_miner import TemplateMiner
        from drain3.template_miner_config import TemplateMinerConfig

        if not 0.0 <= similarity <= 1.0:
            raise ValueError(f"similarity must be between 0 and 1, got {similarity}")
        if depth < 3:
            raise ValueError(f"depth must be at least 3, got {depth}")
        if max_clusters is not None and max_clusters < 1:
            raise ValueError(f"max_clusters must be positive, got {max_clusters}")
        config = TemplateMinerConfig()  # built in code: never reads drain3.ini
        config.drain_sim_th = similarity
        config.drain_depth = depth
        config.drain_max_children = 100
        config.drain_max_clusters = max_clusters
        config.masking_instructions = [MaskingInstruction(pattern, name) for pattern, name in _MASKS]
        config.snapshot_interval_minutes = 0
        self._miner = TemplateMiner(persistence_handler=None, config=config)
        self._strip_headers = strip_headers
        self._max_clusters = max_clusters
        self._examples: dict[int, str] = {}  # cluster id -> first line seen

    def add(self, line: str) -> int:
        """Mine one line (header stripped first) and return the id of its template."""
        line = line.rstrip("\r\n")
        content = strip_header(line) if self._strip_headers else line.strip()
        result = self._miner.add_log_message(content)
        cluster_id: int = result["cluster_id"]
        if cluster_id not in self._examples:
            self._examples[cluster_id] = line
            if self._max_clusters is not None and len(self._examples) > 2 * self._max_clusters:
                self._forget_evicted_examples()
        return cluster_id

    def _forget_evicted_examples(self) -> None:
        # drain evicts clusters from its LRU cache silently; drop their examples too.
        live = set(self._miner.drain.id_to_cluster.keys())
        self._examples = {cluster_id: kept for cluster_id, kept in self._examples.items() if cluster_id in live}

    def templates(self) -> list[Template]:
        """Templates most frequent first (ties: the older template first)."""
        found = [
            Template(
                id=cluster.cluster_id,
                template=cluster.get_template(),
                count=cluster.size,
                example=self._examples.get(cluster.cluster_id, ""),
            )
            for cluster in self._miner.drain.clusters
        ]
        found.sort(key=lambda template: (-template.count, template.id))
        return found


def mine(lines: Iterable[str]) -> tuple[list[Template], list[int]]:
    """Mine `lines` with the default settings: templates (most frequent first) and each line's template id."""
    miner = PatternMiner()
    ids = [miner.add(line) for line in lines]
    return miner.templates(), ids
