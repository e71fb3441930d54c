"""Tool schemas come from signatures and docstrings; dispatch turns every problem into data."""

from __future__ import annotations

import json
from typing import Literal

import pytest

from typing import Annotated

from pydantic import Field

from logai.events import ToolCall
from logai.tools.registry import ToolRegistry
from logai.tools.result import ToolResult
from logai.tools.schema import parse_docstring, tool_spec


def search(log_groups: list[str], filter_pattern: str = "", limit: int = 100, order: Literal["asc", "desc"] = "asc", prefix: str | None = None) -> ToolResult:
    """Search events in log groups.

    Use it for a few recent events.

    Args:
        log_groups: Names of the groups to search,
            one or more.
        filter_pattern: CloudWatch filter pattern.
        limit: Most events to return.
        order: Sort order.
        prefix: Optional prefix.

    Returns:
        A summary.
    """
    return ToolResult(text=f"{log_groups}|{filter_pattern}|{limit}|{order}|{prefix}", summary="ok")


def boom() -> ToolResult:
    """Always fails."""
    raise RuntimeError("disk on fire")


def test_docstring_parsing_keeps_description_and_joins_continuations() -> None:
    description, params = parse_docstring(search.__doc__)
    assert description == "Search events in log groups.\n\nUse it for a few recent events."
    assert params["log_groups"] == "Names of the groups to search, one or more."
    assert set(params) == {"log_groups", "filter_pattern", "limit", "order", "prefix"}


def test_schema_is_generated_from_the_signature() -> None:
    schema = tool_spec(search).openai_schema()
    assert schema["type"] == "function"
    fn = schema["function"]
    assert fn["name"] == "search"
    params = fn["parameters"]
    assert params["required"] == ["log_groups"]
    assert params["additionalProperties"] is False
    props = params["properties"]
    assert props["log_groups"] == {"type": "array", "items": {"type": "string"}, "description": "Names of the groups to search, one or more."}
    assert props["limit"]["type"] == "integer" and props["limit"]["default"] == 100
    assert props["order"]["enum"] == ["asc", "desc"]
    # Optional[str] is flattened to the plain type: smaller for the model, same meaning.
    assert props["prefix"]["type"] == "string" and "anyOf" not in props["prefix"]
    assert "title" not in json.dumps(schema)


def test_bound_methods_lose_self() -> None:
    class Tools:
        def count(self, group: str) -> ToolResult:
            """Count events.

            Args:
                group: The group.
            """
            return ToolResult(text=group, summary="")

    spec = tool_spec(Tools().count)
    assert list(spec.parameters["properties"]) == ["group"]


@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [
        ("nope", "{}", "there is no tool named 'nope'"),
        ("search", '{"log_groups": ["a"', "not valid JSON"),
        ("search", "[1, 2]", "must be a JSON object"),
        ("search", "{}", "missing required parameter 'log_groups'"),
        ("search", '{"log_groups": ["a"], "limit": "many"}', "limit:"),
        ("search", '{"log_groups": ["a"], "colour": "red"}', "unknown parameter 'colour'"),
        ("search", '{"log_groups": ["a"], "order": "sideways"}', "order:"),
        ("boom", "", "boom failed unexpectedly: RuntimeError: disk on fire"),
    ],
)
async def test_every_bad_call_comes_back_as_an_error_result(name: str, raw: str, expected: str) -> None:
    registry = ToolRegistry([search, boom])
    result = await registry.run(registry.prepare(ToolCall("c1", name, raw)))
    assert not result.ok
    assert result.text.startswith("Error: ")
    assert expected in result.text
    assert "Parameters used:" in result.text


async def test_valid_call_runs_with_defaults_and_coercion() -> None:
    registry = ToolRegistry([search])
    prepared = registry.prepare(ToolCall("c1", "search", '{"log_groups": ["/a", "/b"], "limit": "5"}'))
    assert prepared.arguments == {"log_groups": ["/a", "/b"], "limit": "5"}
    assert prepared.known and prepared.problem is None
    result = await registry.run(prepared)
    assert result.ok
    assert result.text == "['/a', '/b']||5|asc|None"


def test_duplicate_tool_names_are_refused() -> None:
    with pytest.raises(ValueError, match="two tools"):
        ToolRegistry([search, search])


def bounded(limit: Annotated[int, Field(ge=1, le=50)] = 10) -> ToolResult:
    """Bounded.

    Args:
        limit: How many.
    """
    return ToolResult(text=str(limit), summary="ok")


async def test_limits_are_in_the_schema_and_enforced_once() -> None:
    registry = ToolRegistry([bounded])
    (schema,) = registry.schemas()
    assert schema["function"]["parameters"]["properties"]["limit"] == {
        "type": "integer", "minimum": 1, "maximum": 50, "default": 10, "description": "How many.",
    }
    refused = registry.prepare(ToolCall("c1", "bounded", '{"limit": 500}'))
    assert refused.problem is not None and "limit: Input should be less than or equal to 50" in refused.problem.text
    assert (await registry.run(refused)).text == refused.problem.text


async def test_an_unknown_tool_is_marked_so_its_name_stays_out_of_metrics() -> None:
    registry = ToolRegistry([bounded])
    prepared = registry.prepare(ToolCall("c1", "x" * 10_000, "{}"))
    assert not prepared.known and prepared.problem is not None
