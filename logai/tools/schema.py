"""JSON schema for a tool, generated from a typed function and its docstring.

Nobody writes the schema by hand: the signature gives names, types and
defaults; a Google-style docstring gives the description (first paragraph)
and one line per parameter under `Args:`. Validation of the model's
arguments uses the same signature, through a pydantic model built from it.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, get_type_hints

from pydantic import BaseModel, ConfigDict, Field, create_model

_ARGS_HEADER = re.compile(r"^\s*(Args|Arguments|Parameters):\s*$")
_SECTION_HEADER = re.compile(r"^\s*(Returns|Raises|Yields|Examples?|Notes?):\s*$")
_ARG_LINE = re.compile(r"^\s*(\w+)\s*(?:\([^)]*\))?\s*:\s*(.*)$")


@dataclass(frozen=True, slots=True)
class ToolSpec:
    """A callable tool: its name, the schema the model sees, and how to validate arguments."""

    name: str
    description: str
    parameters: dict[str, Any]
    arguments_model: type[BaseModel]
    function: Callable[..., Any]

    def openai_schema(self) -> dict[str, Any]:
        """The `tools=[…]` entry in the OpenAI format litellm expects."""
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": self.parameters},
        }


def parse_docstring(doc: str | None) -> tuple[str, dict[str, str]]:
    """Split a Google-style docstring into (description, {param: text})."""
    if not doc:
        return "", {}
    lines = inspect.cleandoc(doc).splitlines()
    description: list[str] = []
    params: dict[str, str] = {}
    in_args = False
    current: str | None = None
    arg_indent: int | None = None
    for line in lines:
        if _ARGS_HEADER.match(line):
            in_args, current, arg_indent = True, None, None
            continue
        if _SECTION_HEADER.match(line):
            in_args, current = False, None
            continue
        if in_args:
            if not line.strip():
                continue
            indent = len(line) - len(line.lstrip())
            match = _ARG_LINE.match(line)
            if match and (arg_indent is None or indent <= arg_indent):
                arg_indent = indent
                current = match.group(1)
                params[current] = match.group(2).strip()
            elif current is not None:
                # A continuation line of the current parameter.
                params[current] = f"{params[current]} {line.strip()}".strip()
            continue
        if current is None and not params:
            description.append(line)
    return "\n".join(description).strip(), params


def tool_spec(function: Callable[..., Any], *, name: str | None = None) -> ToolSpec:
    """Build a ToolSpec from a typed function (bound methods included)."""
    tool_name = name or function.__name__
    description, param_docs = parse_docstring(inspect.getdoc(function))
    signature = inspect.signature(function)
    hints = get_type_hints(function, include_extras=True)
    fields: dict[str, Any] = {}
    for param in signature.parameters.values():
        if param.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
            raise TypeError(f"tool {tool_name}: *args/**kwargs cannot be described to a model")
        annotation = hints.get(param.name, str)
        default = ... if param.default is inspect.Parameter.empty else param.default
        fields[param.name] = (annotation, Field(default, description=param_docs.get(param.name)))
    model = create_model(
        f"{tool_name}_arguments",
        __config__=ConfigDict(extra="forbid"),
        **fields,
    )
    return ToolSpec(
        name=tool_name,
        description=description,
        parameters=_clean_schema(model.model_json_schema()),
        arguments_model=model,
        function=function,
    )


def _clean_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """Drop pydantic's titles and flatten `anyOf [X, null]`: smaller for the model, same meaning."""

    def clean(node: Any) -> Any:
        if isinstance(node, dict):
            node = {k: clean(v) for k, v in node.items() if k != "title"}
            any_of = node.get("anyOf")
            if isinstance(any_of, list):
                non_null = [s for s in any_of if s != {"type": "null"}]
                if len(non_null) == 1 and len(any_of) == 2:
                    merged = {k: v for k, v in node.items() if k != "anyOf"}
                    merged.update(non_null[0])
                    return merged
            return node
        if isinstance(node, list):
            return [clean(v) for v in node]
        return node

    cleaned = clean(schema)
    cleaned.setdefault("properties", {})
    cleaned["additionalProperties"] = False
    return cleaned
