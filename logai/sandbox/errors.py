"""Errors the sandbox answers with, in the shape AWS's JSON 1.1 protocol uses."""

from __future__ import annotations

from typing import Any


class AwsError(Exception):
    """An error response: HTTP `status`, the `__type` code, a message, and extra members (queryCompileError…)."""

    def __init__(self, code: str, message: str, *, status: int = 400, **extra: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"__type": self.code, "message": self.message, **self.extra}


def invalid(message: str) -> AwsError:
    return AwsError("InvalidParameterException", message)


def group_not_found() -> AwsError:
    return AwsError("ResourceNotFoundException", "The specified log group does not exist.")
