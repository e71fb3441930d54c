"""Does a model reply announce an action it did not take?

When the model answers without calling a tool, the agent asks `IntentDetector`
whether the reply only *announces* a CloudWatch action ("Let me search the
checkout logs…", "I'll widen the time range to 24 hours.") so it can nudge the
model to make the call. Finished answers, advice, questions, offers,
explanations and quoted log text must not count.

The detector reads structure rather than matching phrases:

1. Quoted material is masked (code fences, inline code, double-quoted text,
   block quotes, indented code, table rows and lines that look like log
   lines), keeping offsets so the evidence is the reply's own sentence.
2. The rest is split into sentences.
3. A sentence is a candidate when a first-person prospective form ("let me",
   "I'll", "I'm going to", "I need to", a leading "Searching … now") is
   followed directly by an action verb, and nothing turns it into a question,
   a condition, an offer or advice to the user.
4. The verb and its object give the intent type; the cue, the verb's
   clarity, the object and where the sentence sits (last, or followed by
   findings) give the confidence.

Standard library only; a few KB are read in well under a millisecond.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal


class IntentType(StrEnum):
    SEARCH_LOGS = "search_logs"
    LIST_GROUPS = "list_groups"
    WIDEN_TIME_RANGE = "widen_time_range"
    CHANGE_FILTER = "change_filter"
    ANALYSE = "analyse"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Intent:
    """What a reply announced. `evidence` is the triggering sentence ("" for NONE)."""

    type: IntentType
    confidence: float
    evidence: str

    @property
    def bucket(self) -> Literal["high", "medium", "low"]:
        """Confidence bucket for metrics: >= 0.8 high, >= 0.5 medium, else low."""
        if self.confidence >= 0.8:
            return "high"
        if self.confidence >= 0.5:
            return "medium"
        return "low"

    @property
    def detected(self) -> bool:
        """True when the reply announced an action (the type is not NONE)."""
        return self.type is not IntentType.NONE


NO_INTENT = Intent(IntentType.NONE, 0.0, "")

# --- masking -----------------------------------------------------------------

_CODE = "\ue000"  # stands in for inline code: a pattern, a group name, a command
_QUOTE = "\ue001"  # stands in for double-quoted text
_FENCE = re.compile(r"```.*?(?:```|\Z)", re.DOTALL)
_INLINE_CODE = re.compile(r"`[^`\n]+`")
_DOUBLE_QUOTED = re.compile(r'"[^"\n]{1,300}"')
_LOG_LINE = re.compile(
    r"""^\s*(?:
        \[?\d{4}-\d{2}-\d{2}[T\s]\d{2}:\d{2}          # ISO-ish timestamp
      | \[?\d{2}:\d{2}:\d{2}                           # clock time
      | \d{10,13}\s                                    # epoch
      | \[?(?:TRACE|DEBUG|INFO|WARN|WARNING|ERROR|FATAL|CRITICAL)\]?[\s:]
      | (?:START|END|REPORT)\s+RequestId
      | \[[\w.:/-]+\]\s                                # [GC] , [main] …
      | \{\s*"                                         # a JSON log record
    )""",
    re.VERBOSE,
)
_BLOCKQUOTE = re.compile(r"^\s*>")
_TABLE_ROW = re.compile(r"^\s*\|")
_INDENTED_CODE = re.compile(r"^(?: {4}|\t)(?!\s*(?:[-*+]|\d+\.)\s)")


@dataclass(frozen=True, slots=True)
class _Span:
    """A stretch of the reply: a sentence of the model's own words, or masked data."""

    start: int
    end: int
    is_data: bool
    findings: bool


def _blank(match: re.Match[str]) -> str:
    return re.sub(r"[^\n]", " ", match.group(0))


def _mask(text: str) -> tuple[str, list[_Span]]:
    """Same-length copy of `text` with quoted content masked, plus the masked data spans."""
    data: list[_Span] = []
    for fence in _FENCE.finditer(text):
        body = fence.group(0).splitlines()[1:]
        data.append(_Span(fence.start(), fence.end(), True, any(_LOG_LINE.match(line) for line in body)))
    masked = _FENCE.sub(_blank, text)
    out: list[str] = []
    offset = 0
    for line in masked.splitlines(keepends=True):
        bare = line.rstrip("\n")
        if bare.strip():
            log_like = bool(_LOG_LINE.match(bare))
            # Quoted log output and result tables are evidence the model already has data.
            if log_like or _BLOCKQUOTE.match(bare) or _TABLE_ROW.match(bare):
                data.append(_Span(offset, offset + len(bare), True, True))
                line = re.sub(r"[^\n]", " ", line)
            elif _INDENTED_CODE.match(bare):
                data.append(_Span(offset, offset + len(bare), True, False))
                line = re.sub(r"[^\n]", " ", line)
        out.append(line)
        offset += len(line)
    masked = "".join(out)
    masked = _INLINE_CODE.sub(lambda m: _CODE * len(m.group(0)), masked)
    masked = _DOUBLE_QUOTED.sub(lambda m: _QUOTE * len(m.group(0)), masked)
    return masked, data


# --- sentences -----------------------------------------------------------------

_BOUNDARY = re.compile(r"[.!?]+(?=\s|$)|\n")
_MARKUP_PREFIX = re.compile(r"^(?:\s|#+\s|[-*+]\s|\d+[.)]\s|\*\*|__)*")
# "First step: listing the groups", "Next steps for you: check …": a short label then a clause.
_LABEL = re.compile(r"^[A-Za-z][\w' ]{0,30}?:\s+(?=\S)")
_STEP_LABEL = re.compile(r"(?i)(?:first|next) step\s*:")
_FINDINGS = re.compile(
    r"\b(?:found|returned|showed|shows?|logged|appears?|accounts? for"
    r"|there (?:were|was|are|is)|no (?:matches|results|errors|events|hits)"
    r"|zero (?:results|events|matches)"
    r"|i(?:'ve)? (?:\w+ly )?(?:searched|checked|looked|listed|widened|ran|queried|went|counted|compared"
    r"|correlated|analy[sz]ed|filtered|scanned|grepped|pulled|fetched))\b"
    r"|\b\d[\d,.]*%?\s+(?:\w+\s)?(?:events?|errors?|requests?|lines?|invocations?|times|matches|results"
    r"|hits|kills?|timeouts?|failures?|warnings?|restarts?)\b"
)


def _sentences(text: str, masked: str, data: list[_Span]) -> list[_Span]:
    """The reply's sentences (offsets into `text`) interleaved with its data spans, in order."""
    spans: list[_Span] = list(data)
    start = 0
    cuts = [m.end() for m in _BOUNDARY.finditer(masked)] + [len(masked)]
    for end in cuts:
        piece = masked[start:end]
        lead = _MARKUP_PREFIX.match(piece)
        s = start + (lead.end() if lead else 0)
        e = start + len(piece.rstrip())
        if s < e and re.search(r"[A-Za-z]", masked[s:e]):
            label = _LABEL.match(masked[s:e])
            if label and len(label.group(0).split()) <= 4 and not _STEP_LABEL.match(label.group(0)):
                spans.append(_Span(s, s + label.end(), False, False))
                s += label.end()
            spans.append(_Span(s, e, False, bool(_FINDINGS.search(masked[s:e].lower()))))
        start = end
    spans.sort(key=lambda span: span.start)
    return spans


# --- the grammar of an announcement ------------------------------------------------

_TOKEN = re.compile(rf"[a-z]+(?:[-'][a-z]+)*|{_CODE}+|{_QUOTE}+|\d[\w.:%-]*|[,;:—–()?!]| - ")
# A cheap pre-filter: only sentences with one of these are tokenised.
_CUE_HINT = re.compile(
    r"\b(?:let me|let's|i'll|i will|i'm going to|i am going to|i need to|going to|gonna|about to|i want to"
    r"|step is to|step:)"
    r"|^\W*(?:(?:ok|okay|alright|right|sure|so|now|next|and|then|hmm|great)\W+)*(?:[a-z]+ing\b|time to\b)"
)

_SEARCH = {"search", "query", "grep", "scan", "check", "inspect", "pull", "fetch", "review", "read", "tail",
           "examine", "find", "look", "see", "filter", "get", "hunt", "recheck", "re-check", "open", "browse"}
_LIST = {"list", "enumerate", "discover", "locate", "identify"}
_WIDEN = {"widen", "extend", "expand", "broaden", "increase", "lengthen", "enlarge", "stretch", "push"}
_CHANGE = {"change", "adjust", "switch", "swap", "substitute", "loosen", "tighten", "narrow", "refine", "drop", "tweak", "modify",
           "relax", "update", "rewrite", "simplify", "replace", "exclude", "remove", "alter"}
_ANALYSE = {"analyse", "analyze", "correlate", "dig", "compare", "break", "cluster", "group", "count",
            "aggregate", "compute", "calculate", "trace", "investigate", "chart", "plot", "measure", "quantify",
            "tally", "bucket", "work", "figure", "determine"}
_RETRY = {"rerun", "re-run", "retry", "try", "redo", "repeat"}
_GENERIC = _RETRY | {"run", "use", "do", "perform", "execute"}
_LISTISH = {"find", "see", "get", "look-up", "list", "enumerate", "discover", "locate", "identify", "check-which"}
_DOUBLED = {"grep", "scan", "dig", "drop", "run", "rerun", "plan", "stop", "get", "chart", "tap"}


def _ing(verb: str) -> str:
    if verb in _DOUBLED:
        return verb + verb[-1] + "ing"
    if verb.endswith("e") and not verb.endswith("ee"):
        return verb[:-1] + "ing"
    return verb + "ing"


_VERB_CLASS: dict[str, str] = {}
for _cls, _verbs in (("search", _SEARCH), ("list", _LIST), ("widen", _WIDEN), ("change", _CHANGE),
                     ("analyse", _ANALYSE), ("generic", _GENERIC)):
    for _verb in _verbs:
        _VERB_CLASS[_verb] = _cls
_LEMMA = {_ing(v): v for v in _VERB_CLASS} | {v: v for v in _VERB_CLASS}

# Words that may sit between the cue and the verb ("let me *quickly go ahead and* check").
_FILLER = {"now", "first", "next", "then", "also", "just", "again", "go", "ahead", "and", "quickly", "briefly",
           "actually", "immediately", "still", "need", "to", "try", "instead", "please"}
_HABITUAL = {"usually", "typically", "normally", "generally", "always", "often", "sometimes", "never", "rarely"}
_START = {"start", "begin", "kick", "starting", "beginning"}
# Openers that may precede a leading participle ("OK — switching to …").
_INTERJECTIONS = {"ok", "okay", "alright", "right", "sure", "so", "now", "next", "and", "then", "hmm", "great",
                  ",", "—", "–", " - ", "!"}
# A `let me` after these is not an imperative ("that would let me narrow …").
_NOT_BEFORE_LET = {"would", "will", "could", "can", "should", "might", "may", "to", "must", "i'll", "you'll", "it'll"}
_CLAUSE_END = {",", ";", "—", "–", "(", " - ", "so", "because", "since", "which", "while", "where", "but",
               "whereas", "though", "although"}
_PURPOSE = {"see", "check", "confirm", "make", "understand", "determine", "figure", "find", "rule", "verify",
            "spot", "catch", "tell", "learn", "know"}
# Finite verbs after a leading -ing word mean it is a gerund subject ("Widening the range makes …").
_FINITE = {"is", "are", "was", "were", "makes", "make", "doesn't", "does", "do", "don't", "can", "can't", "will",
           "won't", "would", "helps", "takes", "costs", "means", "requires", "should", "lets", "gives", "isn't",
           "aren't", "may", "might", "works", "returns", "runs", "uses", "needs"}

_GROUP_WORDS = {"group", "groups"}
_TIME_WORDS = {"range", "window", "lookback", "timeframe", "hours", "days", "day", "week", "weeks", "month",
               "months", "yesterday", "further", "back", "earlier", "longer", "24h", "7d", "48h", "12h"}
_FILTER_WORDS = {"filter", "filters", "pattern", "patterns", "term", "terms", "spelling", "spellings", "regex",
                 "keyword", "keywords", "case", "phrase", "expression"}
_AGG_WORDS = {"count", "counts", "per", "top", "frequent", "common", "bin", "bins", "stats", "aggregate", "distribution", "distributed",
              "trend", "trends", "rate", "percentile", "p50", "p90", "p95", "p99", "average", "breakdown",
              "timeline", "histogram", "frequency", "correlation"}
# Words that say the model means to do something *differently* from the last call.
_CHANGE_MARKERS = {"instead", "rather", "again", "different", "another", "new", "looser", "broader", "wider",
                   "narrower", "tighter", "stricter", "longer", "further", "both"}
# Nouns that say what a search is about; the first one met tells groups from their contents.
_CONTENT_NOUNS = {"logs", "events", "errors", "messages", "lines", "entries", "traces", "exceptions", "requests"}
_DOMAIN_WORDS = _GROUP_WORDS | _TIME_WORDS | _FILTER_WORDS | _AGG_WORDS | {
    "logs", "log", "events", "errors", "error", "exceptions", "query", "stream", "streams", "requests",
    "timeouts", "invocations", "search", "messages", "lines", "results"}

_CONDITION_FIRST = re.compile(r"^\W*(?:if|once|when|whenever|unless|as soon as|after you|should you)\b")
_TOWARDS_USER = re.compile(
    r"\b(?:you (?:may|might|can|could|should|would|will|want|need|wish|prefer)|you'd|you'll|would you|do you"
    r"|did you|are you|shall i|should i|want me|like me|tell me|let me know|happy to|feel free|i recommend"
    r"|i'd recommend|i suggest|i'd suggest)\b"
    r"|\bif (?:you\b|you'|that would|that helps|that's|it helps|it would help|needed|necessary|useful"
    r"|helpful|desired|wanted|required)"
)


@dataclass(frozen=True, slots=True)
class _Announcement:
    type: IntentType
    score: float


def _resolve(verb: str, verb_class: str, obj: list[str], sentence: list[str]) -> tuple[IntentType, float]:
    """The intent type of an action verb given its object, and how much the verb says."""
    words = set(obj)
    has_code = any(w.startswith(_CODE) for w in obj)
    agg, time = bool(words & _AGG_WORDS), bool(words & _TIME_WORDS)
    filt = bool(words & _FILTER_WORDS) or verb == "filter"
    changed = bool(set(sentence) & _CHANGE_MARKERS) or verb in _RETRY
    if verb_class == "analyse":
        return IntentType.ANALYSE, 0.25
    if verb_class == "list":
        if verb == "identify" and not words & _GROUP_WORDS:
            return IntentType.ANALYSE, 0.15
        return IntentType.LIST_GROUPS, 0.25
    if verb_class == "widen":
        if filt and not time:
            return IntentType.CHANGE_FILTER, 0.25
        return IntentType.WIDEN_TIME_RANGE, 0.25
    if verb_class == "change":
        if words & _GROUP_WORDS and not filt:
            return IntentType.SEARCH_LOGS, 0.15  # "switch to the payments group": a search elsewhere
        if time and not filt:
            return IntentType.WIDEN_TIME_RANGE, 0.15
        return IntentType.CHANGE_FILTER, 0.25
    if verb_class == "search":
        if words & _GROUP_WORDS and (verb in _LISTISH or _about_groups(obj)):
            return IntentType.LIST_GROUPS, 0.25
        if agg:
            return IntentType.ANALYSE, 0.15
        # "look at the last 7 days instead", "search for `timed out` rather than `Timeout`"
        if changed and time:
            return IntentType.WIDEN_TIME_RANGE, 0.15
        if changed and (filt or has_code):
            return IntentType.CHANGE_FILTER, 0.15
        return IntentType.SEARCH_LOGS, 0.25
    # A generic verb ("run", "retry", "use") takes its meaning from what it works on.
    if agg:
        return IntentType.ANALYSE, 0.15
    if time and changed:
        return IntentType.WIDEN_TIME_RANGE, 0.15
    if filt or (has_code and (changed or verb == "use")):
        return IntentType.CHANGE_FILTER, 0.15
    return IntentType.SEARCH_LOGS, 0.1


def _about_groups(obj: list[str]) -> bool:
    """True when the object is the log groups themselves, not what is inside them."""
    for word in obj:
        if word in _CONTENT_NOUNS:
            return False
        if word == "groups":
            return "for" not in obj  # "scan the groups for errors" searches inside them
        if word in ("list", "inventory"):
            return True
    return False


def _phrasal(tokens: list[str], i: int) -> tuple[str, int] | None:
    """The action verb at `tokens[i]` (folding phrasal forms) and where its object starts."""
    word = _LEMMA.get(tokens[i])
    if word is None and tokens[i].startswith("re-"):
        word = _LEMMA.get(tokens[i][3:])  # "re-query", "re-scan": the same action again
        word = "rerun" if word in _SEARCH else word
    nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
    after = tokens[i + 2] if i + 2 < len(tokens) else ""
    if tokens[i] in ("take", "taking", "have", "having") and nxt == "a" and after in ("look", "peek", "glance"):
        return "look", i + 3
    if tokens[i] in ("go", "going") and (nxt == "back" or (nxt == "further" and after == "back")):
        return "widen", i + 2
    if tokens[i] in ("go", "going", "dig", "digging") and nxt in ("through", "around"):
        return "review", i + 2
    if word is None:
        return None
    if word == "look":
        if nxt == "up":
            return "look-up", i + 2
        if nxt == "back" or (nxt == "further" and after == "back"):
            return "widen", i + 2
    if word in ("work", "figure") and nxt != "out":
        return None
    if word == "check" and nxt in ("which", "what"):
        return "check-which", i + 1
    return word, i + 1


def _verb_after_cue(tokens: list[str], i: int) -> tuple[str, int] | None:
    """The main verb that follows a cue ending before `tokens[i]`, skipping fillers and "start by"."""
    while i < len(tokens):
        tok = tokens[i]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        if tok == "try" and nxt not in ("to", "and"):
            break  # "let me try a looser pattern": try is the verb
        if tok == "go" and _phrasal(tokens, i):
            return _phrasal(tokens, i)  # "go back 14 days", "go through the logs"
        if tok in _HABITUAL:
            return None  # "I'll usually start with a search": a habit, not an announcement
        if tok in _FILLER or (tok.endswith("ly") and tok not in _LEMMA):
            i += 1
            continue
        break
    if i >= len(tokens):
        return None
    if tokens[i] in _START:
        # "I'll start by grepping …", "I'll begin with step 1 and search …"
        for j in range(i + 1, min(i + 10, len(tokens))):
            if tokens[j] in _CLAUSE_END:
                return None
            found = _phrasal(tokens, j)
            if found and tokens[j - 1] in ("by", "and", "with", "then"):
                return found
        return None
    return _phrasal(tokens, i)


def _cue_ends(tokens: list[str]) -> list[int]:
    """Indexes just past each first-person prospective cue in the sentence."""
    ends: list[int] = []
    for i, tok in enumerate(tokens):
        prev = tokens[i - 1] if i else ""
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        after = tokens[i + 2] if i + 2 < len(tokens) else ""
        if tok == "let" and nxt == "me" and prev not in _NOT_BEFORE_LET:
            ends.append(i + 2)
        elif tok == "let's" and prev not in _NOT_BEFORE_LET:
            ends.append(i + 1)
        elif tok == "i'll" or (tok == "i" and nxt in ("will", "shall")):
            ends.append(i + (1 if tok == "i'll" else 2))
        elif tok == "going" and nxt == "to" and (prev in ("i'm", "am") or i == 0):
            ends.append(i + 2)
        elif tok == "need" and nxt == "to" and prev in ("i", "i'll", "first", "now"):
            ends.append(i + 2)
        elif (tok == "gonna" and prev in ("i'm", "am")) or (tok == "want" and nxt == "to" and prev == "i"):
            ends.append(i + (1 if tok == "gonna" else 2))
        elif tok == "about" and nxt == "to" and prev in ("i'm", "am"):
            ends.append(i + 2)
        elif tok == "time" and nxt == "to" and i == 0:
            ends.append(2)
        elif tok == "step" and prev in ("first", "next") and (nxt == ":" or (nxt == "is" and after == "to")):
            ends.append(i + (2 if nxt == ":" else 3))
    return ends


def _object(tokens: list[str], start: int) -> list[str]:
    """The verb's object: the words up to the end of the clause or a purpose clause."""
    obj: list[str] = []
    for j in range(start, len(tokens)):
        tok = tokens[j]
        # A relative "which"/"where" needs an antecedent: right after the verb it opens the object.
        if tok in _CLAUSE_END and (obj or tok not in ("which", "where")):
            break
        if tok == "to" and j + 1 < len(tokens) and tokens[j + 1] in _PURPOSE:
            break
        obj.append(tok)
    return obj


def _announcement(sentence: str, *, is_last: bool) -> _Announcement | None:
    """Score one masked sentence as an announcement of a CloudWatch action, if it is one."""
    lower = sentence.lower().replace("’", "'")
    if not _CUE_HINT.search(lower):
        return None
    stripped = lower.rstrip()
    if stripped.endswith("?") or _CONDITION_FIRST.match(lower) or _TOWARDS_USER.search(lower):
        return None
    tokens = _TOKEN.findall(lower)
    best: _Announcement | None = None
    for cue_end in _cue_ends(tokens):
        found = _verb_after_cue(tokens, cue_end)
        if found is None:
            continue
        verb, obj_start = found
        cue = tokens[cue_end - 2] if cue_end >= 2 else ""
        score = 0.4 if cue == "need" else 0.45
        best = _better(best, _scored(verb, tokens, obj_start, score))
    # "Searching `/ecs/api` for OOM kills now." — a leading participle, not a gerund subject.
    lead = 0
    while lead < len(tokens) - 1 and tokens[lead] in _INTERJECTIONS:
        lead += 1
    if tokens and tokens[lead].endswith("ing"):
        found = _phrasal(tokens, lead)
        rest = set(tokens[lead + 1 :])
        if found and not rest & _FINITE and ("now" in rest or is_last):
            verb, obj_start = found
            best = _better(best, _scored(verb, tokens, obj_start, 0.5 if "now" in rest else 0.35))
    return best


def _scored(verb: str, tokens: list[str], obj_start: int, cue_score: float) -> _Announcement:
    obj = _object(tokens, obj_start)
    verb_class = _VERB_CLASS.get(verb, "search")
    intent_type, verb_score = _resolve(verb, verb_class, obj, tokens)
    score = cue_score + verb_score
    if set(obj) & _DOMAIN_WORDS or any(w[0] in (_CODE, _QUOTE) for w in obj):
        score += 0.1
    if {"now", "next", "first"} & set(tokens):
        score += 0.05
    return _Announcement(intent_type, score)


def _better(a: _Announcement | None, b: _Announcement) -> _Announcement:
    return b if a is None or b.score > a.score else a


# --- the detector --------------------------------------------------------------------------


class IntentDetector:
    """Finds replies that announce a CloudWatch action without taking it.

    `min_confidence` is the score (0..1) a reply needs to count; below it
    `detect` returns NONE.
    """

    def __init__(self, *, min_confidence: float = 0.5) -> None:
        if not 0.0 <= min_confidence <= 1.0:
            raise ValueError(f"min_confidence must be between 0 and 1, got {min_confidence}")
        self.min_confidence = min_confidence

    def detect(self, reply: str) -> Intent:
        """The action `reply` announces, or an Intent of type NONE (confidence 0, no evidence)."""
        if not reply or not reply.strip():
            return NO_INTENT
        masked, data = _mask(reply)
        spans = _sentences(reply, masked, data)
        text_spans = [i for i, span in enumerate(spans) if not span.is_data]
        best: tuple[float, _Announcement, _Span] | None = None
        for n, index in enumerate(text_spans):
            span = spans[index]
            sentence = masked[span.start : span.end]
            later = spans[index + 1 :]
            found = _announcement(sentence, is_last=not any(not s.is_data for s in later))
            if found is None:
                continue
            if sentence.rstrip().endswith(":") and later and not later[0].is_data:
                continue  # "Let me break this down:" introduces the prose that follows
            score = found.score + _position_adjustment(masked, later)
            if best is None or score >= best[0]:
                best = (score, found, span)
        if best is None:
            return NO_INTENT
        score, found, span = best
        confidence = round(max(0.0, min(1.0, score)), 3)
        if confidence < self.min_confidence:
            return NO_INTENT
        return Intent(found.type, confidence, reply[span.start : span.end].strip())


def _position_adjustment(masked: str, later: list[_Span]) -> float:
    """Where the announcement sits: last is a strong sign; findings or a question after it are not."""
    after = [s for s in later if not (s.is_data and not s.findings)]
    if not after:
        return 0.15
    if any(masked[s.start : s.end].rstrip().endswith("?") for s in after if not s.is_data):
        return -0.25
    if any(s.findings for s in after):
        return -0.3
    text_after = [s for s in after if not s.is_data]
    prospective = [s for s in text_after if _CUE_HINT.search(masked[s.start : s.end].lower())]
    if len(text_after) - len(prospective) >= 2:
        return -0.1
    return 0.05
