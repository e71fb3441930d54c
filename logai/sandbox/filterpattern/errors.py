"""The errors CloudWatch Logs answers for a filter pattern it will not compile."""

from __future__ import annotations

#: What the service says for a pattern whose structure it cannot parse.
INVALID_PATTERN = "Invalid filter pattern"

#: FilterLogEvents, PutMetricFilter and TestMetricFilter all cap `filterPattern` here.
MAX_PATTERN_LENGTH = 1024


class FilterPatternError(ValueError):
    """A filter pattern CloudWatch Logs would reject.

    `message` is the text AWS puts in the error, `code` the error code the sandbox
    answers with (`InvalidParameterException`, or `ValidationException` for a
    pattern over the length limit), and `position` the offset in the pattern where
    the problem was found, when there is one.
    """

    def __init__(
        self, message: str, position: int | None = None, code: str = "InvalidParameterException"
    ) -> None:
        super().__init__(message)
        self.message = message
        self.position = position
        self.code = code


def invalid_pattern(position: int | None) -> FilterPatternError:
    return FilterPatternError(INVALID_PATTERN, position)


def invalid_character(chars: str, position: int) -> FilterPatternError:
    """The service names the offending character(s), e.g. `Invalid character(s) in term ':'`."""
    return FilterPatternError(f"Invalid character(s) in term '{chars}'", position)


def too_long(pattern: str) -> FilterPatternError:
    # The length cap is checked by the API front end before the pattern is parsed,
    # so it comes back as a ValidationException in the front end's wording.
    return FilterPatternError(
        f"1 validation error detected: Value '{pattern}' at 'filterPattern' failed to satisfy "
        f"constraint: Member must have length less than or equal to {MAX_PATTERN_LENGTH}",
        code="ValidationException",
    )
