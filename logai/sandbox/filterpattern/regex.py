"""CloudWatch's regex dialect (`%…%`): the documented subset, checked and translated to `re`.

Allowed, per "Supported regular expressions (regex) syntax": letters, digits,
the symbols `: _ # = @ / ; , -`, the operators `^ $ ? [ ] { } | \\ * + .`, and
the escapes `\\d \\D \\s \\S \\w \\W \\xhh`. Parentheses (even escaped), other
symbols and multi-byte characters are rejected. There is no length limit for a
regex of its own; the pattern's 1024 characters bound it.
"""

from __future__ import annotations

import re
import string
import warnings

from .errors import invalid_character, invalid_pattern
from .pattern import FilterPattern

# The docs' own examples use a space (`%^shutting down%`, `"[ ]"` matched by `%\[.\]%`).
_LITERALS = frozenset(string.ascii_letters + string.digits + ":_#=@/;,- ")
_OPERATORS = frozenset("^$?[]{}|\\*+.")
_CLASS_ESCAPES = frozenset("dDsSwW")
# The docs write `{m, n}` and say either bound may be left out.
_QUANTIFIER = re.compile(r"\{ *(\d*) *(?:(,) *(\d*) *)?\}")


def compile_regex(body: str, position: int) -> re.Pattern[str]:
    """The Python regex for a CloudWatch regex body (between the `%` signs) found at `position`."""
    if not body:
        raise invalid_pattern(position)
    translated: list[str] = []
    in_class = False
    index = 0
    while index < len(body):
        char = body[index]
        at = position + index
        if char == "\\":
            escaped, index = _translate_escape(body, index, at)
            translated.append(escaped)
            continue
        if char in _LITERALS:
            translated.append(char)
        elif char not in _OPERATORS:
            raise invalid_character(char, at)
        elif in_class:
            # Inside a class only `]` (not first) and `^`/`-` mean anything, and `re` reads them alike.
            if char == "]" and body[index - 1] != "[" and body[index - 2 : index] != "[^":
                in_class = False
            translated.append(char)
        elif char == "[":
            in_class = True
            translated.append(char)
        elif char == "{":
            quantifier = _QUANTIFIER.match(body, index)
            if quantifier is None or not (quantifier.group(1) or quantifier.group(3)):
                raise invalid_pattern(at)
            low, comma, high = quantifier.group(1), quantifier.group(2), quantifier.group(3) or ""
            translated.append("{" + low + ("," + high if comma else "") + "}")
            index = quantifier.end()
            continue
        else:
            translated.append(char)
        index += 1
    if in_class:
        raise invalid_pattern(position)
    try:
        with warnings.catch_warnings():
            # `re` warns about sets like `[[]` that may change meaning in later Pythons.
            warnings.simplefilter("ignore", FutureWarning)
            return re.compile("".join(translated), re.ASCII)
    except re.error as error:
        raise invalid_pattern(position) from error


def _translate_escape(body: str, index: int, at: int) -> tuple[str, int]:
    """The `re` text for the escape at `body[index]` and the index after it."""
    following = body[index + 1 : index + 2]
    if following in _CLASS_ESCAPES:
        return "\\" + following, index + 2
    if following == "x":
        digits = body[index + 2 : index + 4]
        if len(digits) == 2 and all(d in string.hexdigits for d in digits):
            return "\\x" + digits, index + 4
        raise invalid_pattern(at)
    if following and (following in _OPERATORS or (following in _LITERALS and not following.isalnum())):
        return re.escape(following), index + 2
    if following and not following.isalnum() and following not in _LITERALS:
        # `\(` is still a `(`: the service rejects it, and the docs point to `\x28`.
        raise invalid_character(following, at + 1)
    # Undocumented letter escapes (`\b`, `\n`, `\t`…) and a trailing backslash.
    raise invalid_pattern(at)


class RegexPattern(FilterPattern):
    """A standalone `%regex%` pattern: matches when the regex is found anywhere in the message."""

    __slots__ = ("_search",)

    def __init__(self, text: str, regex: re.Pattern[str]) -> None:
        super().__init__(text)
        self._search = regex.search

    def matches(self, message: str) -> bool:
        return self._search(message) is not None
