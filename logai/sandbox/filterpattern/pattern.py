"""The compiled filter pattern every pattern kind implements."""

from __future__ import annotations

from abc import ABC, abstractmethod


class FilterPattern(ABC):
    """A compiled CloudWatch Logs filter pattern; immutable, so one may serve many searches."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    @abstractmethod
    def matches(self, message: str) -> bool:
        """Whether CloudWatch Logs would return an event with this message."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.text!r})"


class MatchAll(FilterPattern):
    """An empty pattern (or one of only empty phrases): every event matches."""

    __slots__ = ()

    def matches(self, message: str) -> bool:
        return True
