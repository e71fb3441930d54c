"""The error a Logs Insights query string earns when it does not compile."""

from __future__ import annotations


class MalformedQueryError(ValueError):
    """A query Logs Insights would reject with `MalformedQueryException`.

    `message` says what is wrong without the position; `line` and `column` are
    1-based and point at the first character of the offending text; `start`
    and `end` are character offsets into the query (end exclusive), the span
    AWS reports in `queryCompileError.location` (`startCharOffset`,
    `endCharOffset`). `str(error)` is the full sentence the sandbox returns.
    """

    def __init__(self, message: str, *, line: int, column: int, start: int, end: int) -> None:
        super().__init__(f"{message} at line {line} and position {column}")
        self.message = message
        self.line = line
        self.column = column
        self.start = start
        self.end = end

    @classmethod
    def at(cls, query: str, start: int, end: int, message: str) -> MalformedQueryError:
        """The error for `query[start:end]`, with the line and column worked out from the offset."""
        line = query.count("\n", 0, start) + 1
        column = start - (query.rfind("\n", 0, start) + 1) + 1
        return cls(message, line=line, column=column, start=start, end=max(end, start))
