"""The tools the model may call, and the one place that calls them.

Whatever goes wrong (an unknown tool, arguments that are not JSON or do not
validate, a tool that raises) comes back as a failed ToolResult whose text
the model reads: an `Error: …` sentence with the parameters used. The loop
goes on; nothing here raises to the caller.

Every result leaves through `_finished`, errors and empty results included:
redacted whole (headers quote group and stream names, errors echo the
model's arguments) and cut to the token budget, so nothing the model sees
escapes either rule.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from pydantic import ValidationError

from logai.allowance import CloudWatchAllowance, spending_from
from logai.deadline import Deadline, within
from logai.events import ToolCall
from logai.figures import shortened
from logai.logs.redact import redact
from logai.logs.shaping import fit_text
from logai.tools.result import ToolResult, error_result
from logai.tools.schema import ToolSpec, tool_spec

# How much of unreadable argument text is echoed back to the model.
_RAW_ECHO_CHARS = 500


@dataclass(frozen=True, slots=True)
class PreparedCall:
    """A tool call parsed and validated once.

    `arguments` are what the model sent (for display and for "Parameters
    used"); `kwargs` the validated values the tool runs with; `problem` the
    error result to hand back instead of running, when the call cannot run.
    """

    call: ToolCall
    arguments: dict[str, Any]
    known: bool
    kwargs: dict[str, Any] = field(default_factory=dict)
    problem: ToolResult | None = None


class ToolRegistry:
    """Named tools, their schemas, and validated dispatch."""

    def __init__(self, functions: Iterable[Callable[..., ToolResult]] = (), *, budget_tokens: int = 3000) -> None:
        self.budget_tokens = budget_tokens
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

    def prepare(self, call: ToolCall) -> PreparedCall:
        """Parse and validate the model's arguments for `call`, once."""
        arguments, problem = _parse_arguments(call.name, call.arguments)
        spec = self._specs.get(call.name)
        if spec is None:
            known = ", ".join(self._specs) or "none"
            return PreparedCall(
                call, arguments, False, problem=error_result(f"there is no tool named {shortened(call.name, 80)!r}; the tools are: {known}", arguments)
            )
        if problem:
            return PreparedCall(call, arguments, True, problem=error_result(problem, arguments))
        try:
            validated = spec.arguments_model.model_validate(arguments)
        except ValidationError as exc:
            message = f"invalid arguments for {call.name}: {_validation_summary(exc)}"
            return PreparedCall(call, arguments, True, problem=error_result(message, arguments))
        kwargs = {name: getattr(validated, name) for name in type(validated).model_fields}
        return PreparedCall(call, arguments, True, kwargs=kwargs)

    async def run(
        self, prepared: PreparedCall, *, deadline: Deadline | None = None, allowance: CloudWatchAllowance | None = None
    ) -> ToolResult:
        """Run a prepared call in a worker thread (tools do blocking I/O); never raises.

        The thread runs `within(deadline)`: the CloudWatch source stops calling,
        and botocore stops retrying, once it has passed; and it spends from
        `allowance` (the turn's or the MCP call's CloudWatch budget).
        """
        if prepared.problem is not None:
            return self._finished(prepared.problem)
        name = prepared.call.name
        try:
            with within(deadline), spending_from(allowance):
                result = await asyncio.to_thread(self._specs[name].function, **prepared.kwargs)
        except Exception as exc:  # a bug in a tool must not end the conversation
            return self._finished(error_result(f"{name} failed unexpectedly: {type(exc).__name__}: {exc}", prepared.arguments))
        if not isinstance(result, ToolResult):
            result = ToolResult(text=str(result), summary=f"{name} done")
        return self._finished(result)

    def _finished(self, result: ToolResult) -> ToolResult:
        """The result as the model may see it: redacted, then within the token budget."""
        return replace(result, text=fit_text(redact(result.text), self.budget_tokens))


def _parse_arguments(name: str, raw: str) -> tuple[dict[str, Any], str | None]:
    """Decode the model's argument text: (arguments as sent, error sentence or None)."""
    text = raw.strip() if raw else ""
    if not text:
        return {}, None
    try:
        decoded = json.loads(text)
    except json.JSONDecodeError as exc:
        return {"_raw": raw[:_RAW_ECHO_CHARS]}, f"the arguments for {name} are not valid JSON ({exc.msg} at position {exc.pos})"
    if not isinstance(decoded, dict):
        return {"_raw": raw[:_RAW_ECHO_CHARS]}, f"the arguments for {name} must be a JSON object, not {type(decoded).__name__}"
    return decoded, None


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
