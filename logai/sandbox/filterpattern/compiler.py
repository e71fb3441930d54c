"""Which kind of filter pattern a text is, and compiling it."""

from __future__ import annotations

from functools import lru_cache

from .delimited import compile_delimited
from .errors import MAX_PATTERN_LENGTH, too_long
from .json_pattern import compile_json
from .pattern import FilterPattern, MatchAll
from .regex import RegexPattern, compile_regex
from .terms import compile_terms


def compile_pattern(text: str) -> FilterPattern:
    """Compile a CloudWatch Logs filter pattern; raises FilterPatternError where the service would refuse it.

    The kind follows from the first character: `{` a JSON pattern, `[` a
    space-delimited one, `%…%` (the whole pattern) a regex, anything else terms
    and phrases. An empty or blank pattern matches every event. The same text
    compiles to the same (immutable) object.
    """
    return _compile(text)


# A search pages through FilterLogEvents with the same pattern, request after request.
@lru_cache(maxsize=256)
def _compile(text: str) -> FilterPattern:
    if len(text) > MAX_PATTERN_LENGTH:
        raise too_long(text)
    stripped = text.strip()
    if not stripped:
        return MatchAll(text)
    first = stripped[0]
    if first == "{":
        return compile_json(text)
    if first == "[":
        return compile_delimited(text)
    if first == "%" and len(stripped) > 1 and stripped.endswith("%"):
        start = text.index("%") + 1
        return RegexPattern(text, compile_regex(stripped[1:-1], start))
    return compile_terms(text)
