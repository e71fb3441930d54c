"""The tools the model may call, and the one place that calls them.

Whatever goes wrong (an unknown tool, arguments that are not JSON or do not
validate, a tool that raises) comes back as a failed ToolResult whose text
the model reads: an `Error: …` sentence with the parameters used. The loop
goes on; nothing here raises to the caller.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterable
from typing import Any

from pydantic import ValidationError

from logai.tools.result import ToolResult
from logai.tools.schema import ToolSpec, tool_spec


class ToolRegistry:
    """Named tools, their schemas, and validated dispatch."""

    def __init__(self, functions: Iterable[Callable[..., ToolResult]] = ()) -> None:
        self._specs: dict[str, ToolSpec] = {}
        for function in functions:
            self.add(function)

    def add(self, function: Callable[..., ToolResult], *, name: str | None = None) -> ToolSpec:
        spec = tool_spec(function, name=name)
        if spec.name in self._specs:
            raise ValueError(f"two tools are called {spec.name!r}")
        self._specs[spec.name] = spec
        return spec

    @property
    def names(self) -> list[str]:
        return list(self._specs)

    def schemas(self) -> list[dict[str, Any]]:
        """The `tools=[…]` list for the model."""
        return [spec.openai_schema() for spec in self._specs.values()]

    def parse_arguments(self, name: str, raw: str) -> tuple[dict[str, Any], str | None]:
        """Decode the model's argument text: (arguments as sent, error sentence or None)."""
        text = raw.strip() if raw else ""
        if not text:
            return {}, None
        try:
            decoded = json.loads(text)
        except json.JSONDecodeError as exc:
            return {"_raw": raw[:500]}, f"the arguments for {name} are not valid JSON ({exc.msg} at position {exc.pos})"
        if not isinstance(decoded, dict):
            return {"_raw": raw[:500]}, f"the arguments for {name} must be a JSON object, not {type(decoded).__name__}"
        return decoded, None

    async def call(self, name: str, raw_arguments: str) -> tuple[dict[str, Any], ToolResult]:
        """Validate and run one tool call in a worker thread (tools do blocking I/O)."""
        arguments, problem = self.parse_arguments(name, raw_arguments)
        spec = self._specs.get(name)
        if spec is None:
            known = ", ".join(self._specs) or "none"
            return arguments, _error(f"there is no tool named {name!r}; the tools are: {known}", arguments)
        if problem:
            return arguments, _error(problem, arguments)
        try:
            validated = spec.arguments_model.model_validate(arguments)
        except ValidationError as exc:
            return arguments, _error(f"invalid arguments for {name}: {_validation_summary(exc)}", arguments)
        kwargs = {field: getattr(validated, field) for field in type(validated).model_fields}
        try:
            result = await asyncio.to_thread(spec.function, **kwargs)
        except Exception as exc:  # a bug in a tool must not end the conversation
            return arguments, _error(f"{name} failed unexpectedly: {type(exc).__name__}: {exc}", arguments)
        if not isinstance(result, ToolResult):
            result = ToolResult(text=str(result), summary=f"{name} done")
        return arguments, result


def _validation_summary(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "arguments"
        if err["type"] == "extra_forbidden":
            parts.append(f"unknown parameter {where!r}")
        elif err["type"] == "missing":
            parts.append(f"missing required parameter {where!r}")
        else:
            parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)


def _error(message: str, arguments: dict[str, Any]) -> ToolResult:
    shown = json.dumps(arguments, default=str, ensure_ascii=False)
    return ToolResult(
        text=f"Error: {message}. Parameters used: {shown}",
        summary=f"error: {message}",
        ok=False,
    )
