"""Masking: the parts of a message that are values, replaced by `<*>` before grouping.

One convention throughout: every variable is shown as `<*>` (loghub's and
Drain's), and a run of variables with only punctuation or spaces between
them is one `<*>` (`10.0.0.7:5432`, `Dec 04 04:47:44 2005`, `1, 2, 3`), so a
value that sometimes takes one token and sometimes three does not change
the shape of the message.

What counts as a value, in order:

- URLs, and paths (`/var/log/x`, `./x`, `~/x`, `C:\\x`);
- host names ending in a known top-level domain (`proxy.example.org`), and
  any lower-case dotted name with a port (`cdn.example.tv:443`); bare host
  names without digits look like words and are left to the grouping, which
  sees them vary;
- any segment holding a digit: numbers, ids, hex, UUIDs, IPs, times,
  versions, `node-246`, `blk_-12`, `eth0`. A segment runs between spaces,
  `=`, `:`, commas, semicolons, brackets and quotes, so keys and brackets
  stay (`uid=<*>`, `[<*>]`, `(HWID=<*>)`, `PendingReds:<*>`); a trailing `.`
  stays too, and so does a run of dots (`instruction......<*>`);
- the value of `key=value` and `key:value` even without digits (`ws=null`,
  `isOverlap:false`), a quoted value of up to two words included; an empty
  value in brackets or quotes (`()` after a space, `""`);
- a month or weekday name next to a masked value (a date in the message);
- a unit after a masked number (`<1 sec`, `1.16 KB`, `300 ms`), so a value
  with or without its unit is one token.
"""

from __future__ import annotations

import re

__all__ = ["WILDCARD", "mask", "is_variable_token"]

WILDCARD = "<*>"

_URL = re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]*://[^\s\"'<>]*")
# Starts at the slash (a literal is found fast); the look-behind keeps `and/or` whole.
_PATH = re.compile(r"""/(?:(?<=^/)|(?<=[\s=("'\[,~.]/))[^\s"'()\[\],;]*[^\s"'()\[\],;.:]|\b[A-Za-z]:\\[^\s"']*""")
_GENERIC_TLDS = "com|net|org|edu|gov|mil|info|biz|cloud|internal|local|localdomain|lan|arpa"
# Country domains only after two dots (`proxy.cuhk.edu.hk`), so `file.py` or `libc.so` stay.
_COUNTRY_TLDS = "uk|de|fr|jp|cn|hk|au|ca|in|ru|br|nl|se|it|es|kr|tw|sg|us|eu|pl|cz|at|be|dk|fi|no|nz|za|mx|ar|il|ie|pt|gr|tr"
# Any lower-case dotted name followed by a port is a host too (`media.example.tv:443`;
# not `state.clipTopAmount:43`).
_HOST = re.compile(
    rf"(?<![\w.-])(?:(?:(?:[A-Za-z0-9-]+\.)+(?:{_GENERIC_TLDS})|(?:[A-Za-z0-9-]+\.){{2,}}(?:{_COUNTRY_TLDS}))(?::\d+)?"
    rf"|(?:[a-z0-9-]+\.)+[a-z][a-z0-9-]*:\d{{2,5}})(?![\w.-])"
)
_HOST_HINT = re.compile(rf"\.(?:{_GENERIC_TLDS}|{_COUNTRY_TLDS})\b|:(?<=[a-z]:)\d")
_SEGMENT = r"""[^\s=,;:()\[\]{}"']"""
_SEGMENT_END = r"""[^\s=,;:()\[\]{}"'.]"""
_DIGIT = re.compile(r"\d")
_DIGIT_SEGMENT = re.compile(rf"(?<!{_SEGMENT})(?={_SEGMENT}*?\d){_SEGMENT}*{_SEGMENT_END}")
# The same where a run of dots is a leader (`instruction......0`), not part of a value; slower, so only then.
_LEADER_SEGMENT = r"""(?:[^\s=,;:()\[\]{}"'.]|(?<!\.)\.(?!\.))"""
_DIGIT_SEGMENT_AFTER_LEADERS = re.compile(rf"(?<!{_LEADER_SEGMENT})(?={_LEADER_SEGMENT}*?\d){_LEADER_SEGMENT}*{_SEGMENT_END}")
# The value of `key=value` or `key:value` (no space after the colon): values are variables
# even without digits (`ws=null`, `isOverlap:false`). A quoted value of more than two words
# is a message, not a value, and so is logfmt's `msg=` / `message=` however short.
# Each starts at its `=` or `:` (found fast) and looks back for the key.
_EQUALS_VALUE = re.compile(
    r"""=(?<=[A-Za-z_]=)(?<!\bmsg=)(?<!\bmessage=)(?:"[^"\s]*(?: [^"\s]*)?"|'[^'\s]*(?: [^'\s]*)?'"""
    r"""|(?!<\*>|["'])[^\s,;()\[\]{}<>]+(?:[({\[][^\s)}\]]*[)}\]])?)"""
)
_COLON_VALUE = re.compile(r":(?<=[A-Za-z_]:)(?![:/<]|\\)[^\s,;()\[\]{}<>:]+")
# An empty value printed in brackets (`connection from 1.2.3.4 () at`), not a call (`run()`).
_EMPTY_BRACKETS = re.compile(r"""(?<![^\s=:])(?:\(\)|\[\]|\{\}|""|'')""")

_DATE_WORDS = (
    "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|January|February|March|April|June|July|August|"
    "September|October|November|December|Mon|Tue|Wed|Thu|Fri|Sat|Sun|Monday|Tuesday|Wednesday|Thursday|"
    "Friday|Saturday|Sunday"
)
_DATE_WORD_ANY = rf"(?:{_DATE_WORDS}|{_DATE_WORDS.upper()})(?![A-Za-z])\.?,?"
# A name before a masked value or another name (`Sun Dec <*>`), or one after a value (`<*> Dec <*>`).
_DATE_WORD = re.compile(rf"(?<![A-Za-z]){_DATE_WORD_ANY}(?=\s*<\*>|\s+{_DATE_WORD_ANY})|(?<=<\*> ){_DATE_WORD_ANY}")
_DATE_WORD_HINT = re.compile(rf"(?:{_DATE_WORDS}|{_DATE_WORDS.upper()})(?![a-z])")
_UNITS = "ns|us|µs|ms|s|sec|secs|second|seconds|min|mins|minute|minutes|h|hr|hrs|hour|hours|[KMGTP]?i?B|kB|%"

# Variables joined by punctuation or spaces only, or followed by a unit: one value.
_RUN = re.compile(rf"<\*>(?:[\s\-._:/@,+#|]*<\*>|\s?(?:{_UNITS})(?!\w))+")
_VARIABLE_TOKEN = re.compile(r"""[^\w]*<\*>[^\w]*""")


def mask(text: str) -> str:
    """`text` with its values replaced by `<*>` (see the module docstring)."""
    if "://" in text:
        text = _URL.sub(WILDCARD, text)
    if "/" in text or "\\" in text:
        text = _PATH.sub(WILDCARD, text)
    if _HOST_HINT.search(text):
        text = _HOST.sub(WILDCARD, text)
    if _DIGIT.search(text):
        text = (_DIGIT_SEGMENT_AFTER_LEADERS if ".." in text else _DIGIT_SEGMENT).sub(WILDCARD, text)
    if "=" in text:
        text = _EQUALS_VALUE.sub("=" + WILDCARD, text)
    if ":" in text:
        text = _COLON_VALUE.sub(":" + WILDCARD, text)
    if "()" in text or "[]" in text or "{}" in text or '""' in text or "''" in text:
        text = _EMPTY_BRACKETS.sub(_empty_value, text)
    if WILDCARD in text:
        if _DATE_WORD_HINT.search(text):
            text = _DATE_WORD.sub(WILDCARD, text)
        text = _RUN.sub(WILDCARD, text)
    return text


def _empty_value(match: re.Match[str]) -> str:
    return match.group()[0] + WILDCARD + match.group()[1]


def is_variable_token(token: str) -> bool:
    """A token that is only a masked value, maybe in brackets or with punctuation (`(<*>)`, `<*>,`)."""
    return bool(_VARIABLE_TOKEN.fullmatch(token))
