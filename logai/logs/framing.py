"""Log text that could pass for the `<log_data>` frame around it, defused.

Tool results put log text between `<log_data>` and `</log_data>`. A line
that says `</log_data>` could end the frame early in the model's reading and
speak as logai, so it must not survive; nor may anything a model would read
the same way: a zero-width space inside the tag, full-width or other
look-alike brackets, HTML entities or escapes for the brackets, `log-data`,
`log data`, `</log_data/>`, letters from another script that look Latin.

Detection works on a canonical copy of the text (compatibility forms folded,
invisible characters dropped, look-alike letters mapped to Latin); when that
copy holds a frame tag, every bracket of the original, in any of its forms,
becomes a parenthesis. The original's words are kept (a Cyrillic log stays
Cyrillic); only its brackets change, and only in such a line.
"""

from __future__ import annotations

import re
import unicodedata

# Characters that render as nothing (or nearly): zero-width spaces and joiners,
# bidirectional marks, the word joiner, the soft hyphen, the byte-order mark.
_INVISIBLE = re.compile("[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufeff\uffa0]")

# Letters of "log_data" in other scripts that look Latin (after NFKC, which
# already folds full-width and mathematical letters).
_CONFUSABLES = str.maketrans(
    {
        "\u0430": "a", "\u03b1": "a", "\u0251": "a", "\u0410": "a", "\u0391": "a",
        "\u0501": "d", "\u0256": "d", "\u0257": "d",
        "\u0261": "g", "\u0581": "g", "\u0262": "g",
        "\u04cf": "l", "\u01c0": "l", "\u0406": "l", "\u0399": "l", "\u217c": "l", "\u2223": "l", "\u05c0": "l",
        "\u043e": "o", "\u03bf": "o", "\u0585": "o", "\u041e": "o", "\u039f": "o", "\u0ed0": "o", "\u1d0f": "o",
        "\u0442": "t", "\u03c4": "t", "\u0422": "t", "\u03a4": "t",
    }
)

# A bracket in any form a model might read as one: the character, look-alikes,
# HTML entities (named, decimal, hex), and JSON, C and URL escapes.
_OPENING = (
    r"<|[\u2039\u2329\u27e8\u3008\ufe64\uff1c]|&lt;?|&#0*60;?|&#x0*3c;?|\\u003c|\\x3c|%3c"
)
_CLOSING = (
    r">|[\u203a\u232a\u27e9\u3009\ufe65\uff1e]|&gt;?|&#0*62;?|&#x0*3e;?|\\u003e|\\x3e|%3e"
)
_TAG = re.compile(rf"(?:{_OPENING})\s*[/\\]*\s*log[\W_]{{0,3}}data", re.IGNORECASE)
_BRACKET = re.compile(rf"(?:{_OPENING})|(?:{_CLOSING})", re.IGNORECASE)


def canonical(text: str) -> str:
    """The text as a reader might see it: compatibility forms folded, invisible
    characters dropped, look-alike letters in Latin."""
    if text.isascii():
        return text
    return _INVISIBLE.sub("", unicodedata.normalize("NFKC", text)).translate(_CONFUSABLES)


def looks_like_frame_tag(text: str) -> bool:
    """True when `text` holds something a reader could take for `<log_data>` or `</log_data>`."""
    return _TAG.search(canonical(text)) is not None


def defuse_frame_tags(text: str) -> str:
    """`text` with invisible characters dropped and, when it holds a frame look-alike,
    every bracket (in any form) turned into a parenthesis."""
    if not text.isascii():
        text = _INVISIBLE.sub("", text)
    if not looks_like_frame_tag(text):
        return text
    return _BRACKET.sub(lambda match: "(" if _is_opening(match.group()) else ")", text)


def _is_opening(bracket: str) -> bool:
    return re.fullmatch(_OPENING, bracket, re.IGNORECASE) is not None
