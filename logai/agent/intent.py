"""Does a model reply announce an action it did not take?

When the model answers without calling a tool, the agent asks `IntentDetector`
whether the reply only *announces* a CloudWatch action ("Let me search the
checkout logs…", "I'll widen the time range to 24 hours.") so it can nudge the
model to make the call. Finished answers, advice, questions, offers,
explanations and quoted log text must not count.

It reads structure, not phrases: quoted material (code, quotes, log lines,
tables) is masked with offsets kept and the rest is split into sentences
(`reply_text.py`); a sentence counts when a first-person prospective form
("let me", "I'll", "I'm going to", a leading "Searching … now") is followed
by an action verb and nothing makes it a question, condition, offer or
advice. The verb and its object give the type; the cue, the verb, the object
and the sentence's place (last, or followed by findings) give the confidence.

Standard library only; a few KB are read in well under a millisecond.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from logai.agent.reply_text import CODE_MARK, QUOTE_MARK, Span, mask, sentences


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

# --- the grammar of an announcement ------------------------------------------------

_TOKEN = re.compile(rf"[a-z]+(?:[-'][a-z]+)*|{CODE_MARK}+|{QUOTE_MARK}+|\d[\w.:%-]*|[,;:—–()?!]| - ")
# A cheap pre-filter: only sentences that pass it are tokenised.
_CUE_SUBSTRINGS = ("let", "i'll", "i will", "i shall", "going to", "gonna", "about to", "want to", "need to", "step")
_LEADING_PARTICIPLE = re.compile(
    r"\W*(?:(?:ok|okay|alright|right|sure|so|now|next|and|then|hmm|great)\W+)*(?:[a-z]+ing\b|time to\b)"
)


def _may_announce(lower: str) -> bool:
    return any(cue in lower for cue in _CUE_SUBSTRINGS) or bool(_LEADING_PARTICIPLE.match(lower))


_SEARCH = {"search", "query", "grep", "scan", "check", "inspect", "pull", "fetch", "review", "read", "tail", "examine",
           "find", "look", "see", "filter", "get", "hunt", "recheck", "re-check", "open", "browse"}
_LIST = {"list", "enumerate", "discover", "locate", "identify"}
_WIDEN = {"widen", "extend", "expand", "broaden", "increase", "lengthen", "enlarge", "stretch", "push"}
_CHANGE = {"change", "adjust", "switch", "swap", "substitute", "loosen", "tighten", "narrow", "refine", "drop", "tweak",
           "modify", "relax", "update", "rewrite", "simplify", "replace", "exclude", "remove", "alter"}
_ANALYSE = {"analyse", "analyze", "correlate", "dig", "compare", "break", "cluster", "group", "count", "aggregate",
            "compute", "calculate", "trace", "investigate", "chart", "plot", "measure", "quantify", "tally", "bucket",
            "work", "figure", "determine"}
_RETRY = {"rerun", "re-run", "retry", "try", "redo", "repeat"}
_GENERIC = _RETRY | {"run", "use", "do", "perform", "execute"}
_LISTISH = {"find", "see", "get", "look-up", "list", "enumerate", "discover", "locate", "identify", "check-which"}
_DOUBLED = {"grep", "scan", "dig", "drop", "run", "rerun", "get"}  # grepping, scanning …


def _ing(verb: str) -> str:
    if verb in _DOUBLED:
        return verb + verb[-1] + "ing"
    if verb.endswith("e") and not verb.endswith("ee"):
        return verb[:-1] + "ing"
    return verb + "ing"


_CLASSES = {
    "search": _SEARCH, "list": _LIST, "widen": _WIDEN, "change": _CHANGE, "analyse": _ANALYSE, "generic": _GENERIC
}
_VERB_CLASS = {verb: name for name, verbs in _CLASSES.items() for verb in verbs}
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
_AGG_WORDS = {"count", "counts", "per", "top", "frequent", "common", "bin", "bins", "stats", "aggregate",
              "distribution", "distributed", "trend", "trends", "rate", "percentile", "p50", "p90", "p95", "p99",
              "average", "breakdown", "timeline", "histogram", "frequency", "correlation"}
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
    has_code = any(w.startswith(CODE_MARK) for w in obj)
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
    if word is None and "-" in tokens[i]:
        head, _, tail = tokens[i].rpartition("-")
        word = _LEMMA.get(tail)  # "double-check", "cross-check"; "re-query" is the same search again
        word = "rerun" if head == "re" and word in _SEARCH else word
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
    if word in ("work", "figure", "find") and nxt == "out":
        return word, i + 2
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


_CUE_TRIGGERS = {"let", "let's", "i'll", "i", "going", "need", "gonna", "want", "about", "time", "step"}


def _subject_before(tokens: list[str], i: int) -> str:
    """The word before tokens[i], looking past adverbs ("I'm *now* going to")."""
    j = i - 1
    while j >= 0 and (tokens[j] in _FILLER or tokens[j].endswith("ly")):
        j -= 1
    return tokens[j] if j >= 0 else ""


def _cue_ends(tokens: list[str]) -> list[int]:
    """Indexes just past each first-person prospective cue in the sentence."""
    ends: list[int] = []
    for i, tok in enumerate(tokens):
        if tok not in _CUE_TRIGGERS:
            continue
        prev = tokens[i - 1] if i else ""
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        after = tokens[i + 2] if i + 2 < len(tokens) else ""
        if tok == "let" and nxt == "me" and prev not in _NOT_BEFORE_LET:
            ends.append(i + 2)
        elif tok == "let's" and prev not in _NOT_BEFORE_LET:
            ends.append(i + 1)
        elif tok == "i'll" or (tok == "i" and nxt in ("will", "shall")):
            ends.append(i + (1 if tok == "i'll" else 2))
        elif tok == "going" and nxt == "to" and (_subject_before(tokens, i) in ("i'm", "am") or i == 0):
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
    lower = sentence.lower()
    if not _may_announce(lower):
        return None
    if lower.rstrip().endswith("?") or _CONDITION_FIRST.match(lower) or _TOWARDS_USER.search(lower):
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
        best = max(best, _scored(verb, tokens, obj_start, score), key=_by_score)
    # "Searching `/ecs/api` for OOM kills now." — a leading participle, not a gerund subject.
    lead = 0
    while lead < len(tokens) - 1 and tokens[lead] in _INTERJECTIONS:
        lead += 1
    if tokens and tokens[lead].endswith("ing"):
        found = _phrasal(tokens, lead)
        rest = set(tokens[lead + 1 :])
        if found and not rest & _FINITE and ("now" in rest or is_last):
            verb, obj_start = found
            best = max(best, _scored(verb, tokens, obj_start, 0.5 if "now" in rest else 0.35), key=_by_score)
    return best


def _scored(verb: str, tokens: list[str], obj_start: int, cue_score: float) -> _Announcement:
    obj = _object(tokens, obj_start)
    verb_class = _VERB_CLASS.get(verb, "search")
    intent_type, verb_score = _resolve(verb, verb_class, obj, tokens)
    score = cue_score + verb_score
    if set(obj) & _DOMAIN_WORDS or any(w[0] in (CODE_MARK, QUOTE_MARK) for w in obj):
        score += 0.1
    if {"now", "next", "first"} & set(tokens):
        score += 0.05
    return _Announcement(intent_type, score)


def _by_score(announcement: _Announcement | None) -> float:
    return -1.0 if announcement is None else announcement.score


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
        masked, data = mask(reply)
        spans = sentences(masked, data)
        last_text = max((i for i, span in enumerate(spans) if not span.is_data), default=-1)
        candidates: list[tuple[int, _Announcement]] = []
        for i, span in enumerate(spans):
            if span.is_data:
                continue
            sentence = masked[span.start : span.end]
            found = _announcement(sentence, is_last=i == last_text)
            if found is None:
                continue
            if sentence.rstrip().endswith(":") and i + 1 < len(spans) and not spans[i + 1].is_data:
                continue  # "Let me break this down:" introduces the prose that follows
            candidates.append((i, found))
        if not candidates:
            return NO_INTENT
        adjustment = _position_adjustments(masked, spans, candidates[0][0])
        score, index, found = max((found.score + adjustment[i], i, found) for i, found in candidates)
        confidence = round(max(0.0, min(1.0, score)), 3)
        if confidence < self.min_confidence:
            return NO_INTENT
        span = spans[index]
        return Intent(found.type, confidence, reply[span.start : span.end].strip())


# Sentences that report results: an announcement before them narrates an action already taken.
_FINDINGS = re.compile(
    r"\b(?:found|returned|showed|shows?|logged|appears?|accounts? for"
    r"|there (?:were|was|are|is)|no (?:matches|results|errors|events|hits)"
    r"|zero (?:results|events|matches)"
    r"|i(?:'ve)? (?:\w+ly )?(?:searched|checked|looked|listed|widened|ran|queried|went|counted|compared"
    r"|correlated|analy[sz]ed|filtered|scanned|grepped|pulled|fetched))\b"
    r"|\b\d[\d,.]*%?\s+(?:\w+\s)?(?:events?|errors?|requests?|lines?|invocations?|times|matches|results"
    r"|hits|kills?|timeouts?|failures?|warnings?|restarts?)\b"
)


def _position_adjustments(masked: str, spans: list[Span], first: int) -> dict[int, float]:
    """For each span from `first` on, how where it sits changes an announcement's score.

    Last is a strong sign; a question after it (waiting for the user) or findings
    after it (narrating an action already taken) are not.
    """
    adjustments: dict[int, float] = {}
    anything = question = findings = False
    plain_text = 0  # later sentences that are neither findings nor announcements
    for i in range(len(spans) - 1, first - 1, -1):
        if not anything:
            adjustments[i] = 0.15
        elif question:
            adjustments[i] = -0.25
        elif findings:
            adjustments[i] = -0.45  # "Let me check X. I found 12 …"
        else:
            adjustments[i] = -0.1 if plain_text >= 2 else 0.05
        span = spans[i]
        if span.is_data:
            anything |= span.findings
            findings |= span.findings
            continue
        lower = masked[span.start : span.end].lower()
        anything = True
        question |= lower.rstrip().endswith("?")
        has_findings = bool(_FINDINGS.search(lower))
        findings |= has_findings
        plain_text += not has_findings and not _may_announce(lower)
    return adjustments
