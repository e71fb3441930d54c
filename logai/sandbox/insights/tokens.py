"""The tokenizer for Logs Insights queries.

Tokens are read on demand at an offset (`Lexer.token_at`), because whether `/`
divides or opens a regex depends on what the parser expects there: after
`like`, `=~` or `parse FIELD` it is a regex, after an operand it is division.
The parser asks for `Lexer.regex_at` in those places.

A `#` outside a string, regex or backticks comments out the rest of its line
(the docs comment out whole lines and trail comments after a command).
Field names may hold letters, digits, `_`, `@`, `$` and inner dots
(`userIdentity.type`, `items.0.instanceId`); anything else goes in backticks.
A number glued to letters is a period (`5m`, `1hr`), checked against the units.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum, auto

from .errors import MalformedQueryError
from .periods import Period, period


class TokenType(Enum):
    IDENT = auto()  # a bare word: command, keyword, function or field name
    FIELD = auto()  # a `backticked` field name
    STRING = auto()
    NUMBER = auto()
    PERIOD = auto()
    REGEX = auto()
    LPAREN = auto()
    RPAREN = auto()
    LBRACKET = auto()
    RBRACKET = auto()
    COMMA = auto()
    PIPE = auto()
    DOT = auto()
    STAR = auto()
    PLUS = auto()
    MINUS = auto()
    SLASH = auto()
    PERCENT = auto()
    CARET = auto()
    EQ = auto()
    NE = auto()
    LT = auto()
    LE = auto()
    GT = auto()
    GE = auto()
    MATCH = auto()  # =~
    EOF = auto()


TokenValue = str | int | float | Period | None


@dataclass(frozen=True, slots=True)
class Token:
    """One token: its type, decoded value, and `[start, end)` offsets in the query."""

    type: TokenType
    value: TokenValue
    start: int
    end: int

    @property
    def word(self) -> str:
        """The lower-cased text of an IDENT (keywords are case-insensitive), else ''."""
        return self.value.lower() if self.type is TokenType.IDENT and isinstance(self.value, str) else ""


_SPACE_OR_COMMENT = re.compile(r"(?:\s+|#[^\n]*)*")
_IDENT = re.compile(r"[A-Za-z_@$][\w@$]*(?:\.[\w@$]+)*")
_NUMBER = re.compile(r"(\d+(?:\.\d+)?|\.\d+)([A-Za-z]+)?")
_OPERATORS: tuple[tuple[str, TokenType], ...] = (
    ("=~", TokenType.MATCH),
    ("!=", TokenType.NE),
    ("<=", TokenType.LE),
    (">=", TokenType.GE),
    ("(", TokenType.LPAREN),
    (")", TokenType.RPAREN),
    ("[", TokenType.LBRACKET),
    ("]", TokenType.RBRACKET),
    (",", TokenType.COMMA),
    ("|", TokenType.PIPE),
    (".", TokenType.DOT),
    ("*", TokenType.STAR),
    ("+", TokenType.PLUS),
    ("-", TokenType.MINUS),
    ("/", TokenType.SLASH),
    ("%", TokenType.PERCENT),
    ("^", TokenType.CARET),
    ("=", TokenType.EQ),
    ("<", TokenType.LT),
    (">", TokenType.GT),
)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'"}


class Lexer:
    """Reads the tokens of one query string."""

    def __init__(self, text: str) -> None:
        self.text = text

    def error(self, start: int, end: int, message: str) -> MalformedQueryError:
        return MalformedQueryError.at(self.text, start, end, message)

    def token_at(self, pos: int) -> Token:
        """The token starting at or after `pos`, skipping blanks and comments."""
        text = self.text
        space = _SPACE_OR_COMMENT.match(text, pos)
        pos = space.end() if space else pos
        if pos >= len(text):
            return Token(TokenType.EOF, None, len(text), len(text))
        char = text[pos]
        if char in "\"'":
            return self._string(pos)
        if char == "`":
            end = text.find("`", pos + 1)
            if end < 0:
                raise self.error(pos, len(text), "unterminated backtick field name")
            return Token(TokenType.FIELD, text[pos + 1 : end], pos, end + 1)
        number = _NUMBER.match(text, pos)
        if number:
            return self._number(number)
        ident = _IDENT.match(text, pos)
        if ident:
            return Token(TokenType.IDENT, ident.group(), pos, ident.end())
        for symbol, kind in _OPERATORS:
            if text.startswith(symbol, pos):
                return Token(kind, symbol, pos, pos + len(symbol))
        raise self.error(pos, pos + 1, f"unexpected symbol found {char!r}")

    def regex_at(self, pos: int) -> Token:
        """The `/regex/` starting at `pos`; `\\/` inside stands for a slash."""
        text = self.text
        index = pos + 1
        body: list[str] = []
        while index < len(text):
            char = text[index]
            if char == "\\" and index + 1 < len(text):
                nxt = text[index + 1]
                body.append("/" if nxt == "/" else char + nxt)
                index += 2
                continue
            if char == "/":
                return Token(TokenType.REGEX, "".join(body), pos, index + 1)
            body.append(char)
            index += 1
        raise self.error(pos, len(text), "unterminated regular expression")

    def _string(self, pos: int) -> Token:
        text = self.text
        quote = text[pos]
        index = pos + 1
        chars: list[str] = []
        while index < len(text):
            char = text[index]
            if char == "\\" and index + 1 < len(text):
                nxt = text[index + 1]
                chars.append(_ESCAPES.get(nxt, "\\" + nxt))
                index += 2
                continue
            if char == quote:
                return Token(TokenType.STRING, "".join(chars), pos, index + 1)
            chars.append(char)
            index += 1
        raise self.error(pos, len(text), "unterminated string")

    def _number(self, match: re.Match[str]) -> Token:
        digits, unit = match.group(1), match.group(2)
        start, end = match.start(), match.end()
        if unit is None:
            value: int | float = float(digits) if "." in digits else int(digits)
            return Token(TokenType.NUMBER, value, start, end)
        found = period(int(digits), unit, match.group()) if digits.isdigit() else None
        if found is None:
            raise self.error(start, end, f"invalid time period {match.group()!r}")
        return Token(TokenType.PERIOD, found, start, end)
