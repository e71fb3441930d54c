"""A read position in a filter pattern, with the lexical reads all pattern kinds share."""

from __future__ import annotations

from .errors import FilterPatternError, invalid_character, invalid_pattern

SPACES = frozenset(" \t\r\n")


class Cursor:
    """Reads a pattern left to right; every read either consumes text or raises."""

    __slots__ = ("text", "pos")

    def __init__(self, text: str, pos: int = 0) -> None:
        self.text = text
        self.pos = pos

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def peek(self) -> str:
        """The next character, or "" at the end."""
        return self.text[self.pos : self.pos + 1]

    def advance(self) -> None:
        self.pos += 1

    def skip_spaces(self) -> None:
        text, pos = self.text, self.pos
        while pos < len(text) and text[pos] in SPACES:
            pos += 1
        self.pos = pos

    def take(self, token: str) -> bool:
        """Consume `token` if the text continues with it."""
        if self.text.startswith(token, self.pos):
            self.pos += len(token)
            return True
        return False

    def expect(self, token: str, syntax: str) -> None:
        if not self.take(token):
            raise self.unexpected(syntax)

    def read_while(self, allowed: frozenset[str]) -> str:
        text, start = self.text, self.pos
        end = start
        while end < len(text) and text[end] in allowed:
            end += 1
        self.pos = end
        return text[start:end]

    def read_quoted(self) -> str:
        """A double-quoted string at the cursor, without its quotes; a backslash escapes the next character."""
        start = self.pos
        self.pos += 1
        parts: list[str] = []
        text = self.text
        while self.pos < len(text):
            char = text[self.pos]
            if char == '"':
                self.pos += 1
                return "".join(parts)
            if char == "\\" and self.pos + 1 < len(text):
                self.pos += 1
                char = text[self.pos]
            parts.append(char)
            self.pos += 1
        raise invalid_pattern(start)

    def read_percent_delimited(self) -> tuple[str, int]:
        """The body of a `%regex%` at the cursor and where the body starts.

        `%` is not a character the regex dialect allows, so the next one closes it.
        """
        start = self.pos
        end = self.text.find("%", start + 1)
        if end < 0:
            raise invalid_pattern(start)
        self.pos = end + 1
        return self.text[start + 1 : end], start + 1

    def unexpected(self, syntax: str) -> FilterPatternError:
        """The error for whatever stands at the cursor where something else was due.

        A character that is part of the pattern kind's syntax (`syntax`, letters,
        digits) is a structural mistake; any other character is named, as the
        service does.
        """
        if self.at_end():
            return invalid_pattern(self.pos)
        char = self.text[self.pos]
        if char.isascii() and (char.isalnum() or char in syntax or char in SPACES):
            return invalid_pattern(self.pos)
        return invalid_character(char, self.pos)
