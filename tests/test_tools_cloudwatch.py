"""The model's CloudWatch tools, through the real source against moto (Stubber where moto falls short)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import botocore.session
import pytest
from botocore.stub import ANY, Stubber

from logai.events import ToolCall
from logai.figures import human_bytes
from logai.logs.groups import closest_group_names
from logai.logs.shaping import estimate_tokens
from logai.logs.source import CloudWatchSource
from logai.logs.timeparse import from_ms, iso
from logai.runtime import Runtime
from logai.settings import load_settings
from logai.tools.cloudwatch import LogTools
from logai.tools.evidence import EvidenceTools
from logai.tools.registry import ToolRegistry
from logai.tools.result import SearchScope, ToolResult
from tests.seed import seed_incident


@pytest.fixture
def incident(aws) -> dict[str, Any]:
    return seed_incident(aws.client(), now_ms=int(time.time() * 1000))


@pytest.fixture
def tools(incident: dict[str, Any]) -> LogTools:
    source = CloudWatchSource.from_settings(load_settings())
    return EvidenceTools(source, budget_tokens=800, max_events=500, runtime=Runtime(wall_clock=lambda: incident["now_ms"] / 1000))


def called(tools: LogTools, name: str, **arguments: Any) -> ToolResult:
    """One tool call the way the model makes it: JSON arguments, validated by the registry."""
    import asyncio

    registry = ToolRegistry(tools.functions())
    return asyncio.run(registry.run(registry.prepare(ToolCall("c1", name, json.dumps(arguments)))))


def parameters_used(text: str) -> dict[str, Any]:
    assert text.startswith("Error: ")
    _, _, rest = text.partition("Parameters used: ")
    return json.loads(rest.splitlines()[0])


# -- the schema the model sees -------------------------------------------


def test_tools_describe_every_parameter_to_the_model() -> None:
    client = botocore.session.get_session().create_client(
        "logs", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y"
    )
    registry = ToolRegistry(EvidenceTools(CloudWatchSource(client)).functions())
    assert registry.names == [
        "list_log_groups", "search_logs", "error_timeline", "compare_with_baseline", "read_log_stream", "run_insights_query"
    ]
    for schema in registry.schemas():
        function = schema["function"]
        assert len(function["description"]) > 40
        for name, prop in function["parameters"]["properties"].items():
            assert prop.get("description"), f"{function['name']}.{name} has no description"
    search = next(s["function"] for s in registry.schemas() if s["function"]["name"] == "search_logs")
    assert search["parameters"]["required"] == ["log_groups"]
    assert "WHOLE range" in search["description"]
    assert "15m" in search["parameters"]["properties"]["start"]["description"]


# -- list_log_groups ----------------------------------------------------


def test_list_log_groups(tools: LogTools, incident: dict[str, Any]) -> None:
    result = tools.list_log_groups()
    assert result.ok and not result.empty
    for group in incident["groups"]:
        assert group in result.text
    assert "never expires" in result.text
    assert result.summary == "3 log groups"

    lambdas = tools.list_log_groups(prefix="/aws/")
    assert lambdas.summary == '2 log groups starting with "/aws/"'
    assert incident["payments_group"] not in lambdas.text


def test_list_log_groups_with_an_unknown_prefix_suggests_names(tools: LogTools) -> None:
    result = tools.list_log_groups(prefix="/aws/lambda/Checkout")
    assert result.ok and result.empty
    assert "/aws/lambda/checkout-api" in result.text


# -- search_logs: the evidence ------------------------------------------------


def test_search_counts_on_the_server_and_says_what_it_searched(tools: LogTools, incident: dict[str, Any]) -> None:
    group = incident["checkout_group"]
    result = called(tools, "search_logs", log_groups=[group], all_words=["ERROR"], start="1h")
    assert result.ok and not result.empty, result.text
    assert result.summary.startswith(f'{incident["checkout_errors"]} matches in 1 group over 1h')
    # Insights counts whole seconds, so the range searched is stated in whole seconds.
    assert result.scope == SearchScope(
        log_groups=(group,),
        start=from_ms(incident["now_ms"] - 3600_000).replace(microsecond=0),
        end=from_ms(incident["now_ms"]).replace(microsecond=999_000),
        filter_pattern='"ERROR"',
    )
    assert f"Matches: {incident['checkout_errors']:,} (exact)" in result.text
    assert incident["error_signature"] in result.text
    assert estimate_tokens(result.text) <= 800


def test_search_output_is_redacted_and_within_budget(tools: LogTools, incident: dict[str, Any]) -> None:
    result = called(tools, "search_logs", log_groups=[incident["checkout_group"]], all_words=["Authorization"], start="1h")
    assert result.ok and not result.empty
    assert incident["secret"] not in result.text
    noisy = called(tools, "search_logs", log_groups=[incident["healthy_group"]], start="1h")
    assert estimate_tokens(noisy.text) <= 800


def test_search_across_groups_counts_each(tools: LogTools, incident: dict[str, Any]) -> None:
    groups = [incident["checkout_group"], incident["payments_group"]]
    result = called(tools, "search_logs", log_groups=groups, all_words=["ERROR"], start="30m")
    assert result.ok
    assert f"{incident['checkout_group']} {incident['checkout_errors']:,}" in result.text
    assert f"{incident['payments_group']} {incident['payments_errors']:,}" in result.text
    assert "in 2 groups over 30m" in result.summary


def test_search_takes_group_globs(tools: LogTools, incident: dict[str, Any]) -> None:
    result = called(tools, "search_logs", log_groups=["/aws/*"], all_words=["ERROR"], start="1h")
    assert result.ok and result.scope.log_groups == tuple(sorted(g for g in incident["groups"] if g.startswith("/aws/")))
    nothing = called(tools, "search_logs", log_groups=["/nothing/*"], start="1h")
    assert not nothing.ok and "no log group matches /nothing/*" in nothing.text


def test_search_that_matches_nothing_is_empty_not_an_error(tools: LogTools, incident: dict[str, Any]) -> None:
    group = incident["checkout_group"]
    result = called(tools, "search_logs", log_groups=[group], all_words=["OutOfMemoryError"], start="2h", end="1h")
    assert result.ok and result.empty
    start = iso(from_ms(incident["now_ms"] - 7200_000).replace(microsecond=0))
    end = iso(from_ms(incident["now_ms"] - 3600_000).replace(microsecond=999_000))
    assert f"Searched {group} from {start} to {end} (1h) for \"OutOfMemoryError\"." in result.text
    assert "No events matched in the whole range." in result.text
    assert (iso(result.scope.start), iso(result.scope.end)) == (start, end)


@pytest.mark.parametrize(
    ("arguments", "said"),
    [
        ({"where": ["status >>> 5"]}, "cannot read the condition"),
        ({"regex": "(unclosed"}, "the regular expression does not compile"),
        ({"any_words": ["x"] * 11}, "any_words: Value should have at most 10 items"),
    ],
)
def test_bad_filters_come_back_as_errors(tools: LogTools, incident: dict[str, Any], arguments: dict[str, Any], said: str) -> None:
    result = called(tools, "search_logs", log_groups=[incident["checkout_group"]], **arguments)
    assert not result.ok and said in result.text, result.text


def test_unknown_group_comes_back_with_suggestions(tools: LogTools, incident: dict[str, Any]) -> None:
    result = called(tools, "search_logs", log_groups=["/aws/lambda/checkout"], all_words=["ERROR"])
    assert not result.ok
    assert result.missing_log_group == "/aws/lambda/checkout"
    assert result.suggestions[0] == "/aws/lambda/checkout-api"
    assert "Log group /aws/lambda/checkout does not exist" in result.text
    assert "/aws/lambda/checkout-api" in result.text
    assert parameters_used(result.text)["log_groups"] == ["/aws/lambda/checkout"]


def test_unknown_group_among_good_ones_is_named(tools: LogTools, incident: dict[str, Any]) -> None:
    result = called(tools, "search_logs", log_groups=[incident["payments_group"], "/ECS/Payment"])
    assert result.missing_log_group == "/ECS/Payment"
    assert result.suggestions[0] == "/ecs/payments"


@pytest.mark.parametrize(
    ("kwargs", "said"),
    [
        ({"log_groups": []}, "log_groups: Value should have at least 1 item"),
        ({"log_groups": ["  "]}, "log_groups.0: String should have at least 1 character"),
        ({"log_groups": [f"/g/{i}" for i in range(51)]}, "log_groups: Value should have at most 50 items"),
        ({"log_groups": ["/ecs/payments"], "regex": "x" * 501}, "regex: String should have at most 500"),
        ({"log_groups": ["/ecs/payments"], "start": "yesterday-ish"}, 'Cannot read the time "yesterday-ish"'),
        ({"log_groups": ["/ecs/payments"], "start": "1h", "end": "2h"}, "is not before the end"),
        ({"log_groups": ["/ecs/payments"], "end": "2099-01-01"}, "is in the future"),
    ],
)
def test_bad_arguments_come_back_as_errors_with_the_parameters(tools: LogTools, kwargs: dict[str, Any], said: str) -> None:
    result = called(tools, "search_logs", **kwargs)
    assert not result.ok and not result.empty
    assert said in result.text
    used = parameters_used(result.text)
    assert used["log_groups"][:10] == kwargs["log_groups"][:10]  # a long list is echoed shortened
    assert result.summary.startswith("error: ")


# -- read_log_stream ----------------------------------------------------


def test_read_log_stream_latest(tools: LogTools, incident: dict[str, Any]) -> None:
    result = tools.read_log_stream(incident["payments_group"], limit=20)
    assert result.ok and not result.empty
    assert result.scope.log_stream == "payments/app/9b2e71d0"
    assert "HikariPool-1" in result.text
    assert result.summary == "20 events from /ecs/payments / payments/app/9b2e71d0"


def test_read_log_stream_problems(tools: LogTools, incident: dict[str, Any], aws) -> None:
    aws.client().create_log_group(logGroupName="/empty/group")
    empty = tools.read_log_stream("/empty/group")
    assert empty.ok and empty.empty and "has no log streams" in empty.text

    missing_stream = tools.read_log_stream(incident["payments_group"], "no-such-stream")
    assert not missing_stream.ok and missing_stream.missing_log_group is None
    assert "Log stream no-such-stream does not exist in log group /ecs/payments" in missing_stream.text

    missing_group = tools.read_log_stream("/ecs/paymnts")
    assert missing_group.missing_log_group == "/ecs/paymnts"
    assert "/ecs/payments" in missing_group.suggestions

    nothing = called(tools, "read_log_stream", log_group="")
    assert not nothing.ok and "log_group: String should have at least 1 character" in nothing.text


# -- run_insights_query -------------------------------------------------


def test_insights_rows(tools: LogTools, incident: dict[str, Any]) -> None:
    result = tools.run_insights_query(
        [incident["checkout_group"]], "fields @timestamp, @message | sort @timestamp desc", start="1h", limit=10
    )
    assert result.ok and not result.empty
    assert result.scope.query == "fields @timestamp, @message | sort @timestamp desc | limit 10"
    assert "10 rows" in result.text
    assert "row limit of 10 was reached" in result.text
    assert result.summary == "insights: 10 rows over 1h"


def test_insights_without_rows_is_empty(tools: LogTools, incident: dict[str, Any]) -> None:
    result = tools.run_insights_query([incident["checkout_group"]], "fields @message", start="3h", end="2h")
    assert result.ok and result.empty
    assert "returned no rows" in result.text
    assert result.scope.log_groups == (incident["checkout_group"],)


def test_insights_argument_problems(tools: LogTools, incident: dict[str, Any]) -> None:
    empty = called(tools, "run_insights_query", log_groups=[incident["checkout_group"]], query="  ")
    assert "query: String should have at least 1 character" in empty.text
    many = called(tools, "run_insights_query", log_groups=[f"/g{i}" for i in range(51)], query="fields @message")
    assert "log_groups: Value should have at most 50 items" in many.text
    missing = tools.run_insights_query([incident["checkout_group"], "/aws/lambda/checkout-ap"], "fields @message")
    assert missing.missing_log_group == "/aws/lambda/checkout-ap"
    assert missing.suggestions[0] == "/aws/lambda/checkout-api"


class _Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def stubbed() -> Iterator[tuple[LogTools, Stubber]]:
    client = botocore.session.get_session().create_client(
        "logs", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y"
    )
    clock = _Clock()
    runtime = Runtime(clock=clock, wall_clock=clock, sleep=clock.sleep)
    source = CloudWatchSource(client, runtime=runtime)
    with Stubber(client) as stubber:
        yield LogTools(source, insights_timeout=3.0, runtime=runtime), stubber
        stubber.assert_no_pending_responses()


def test_malformed_insights_query_is_reported_with_parameters(stubbed) -> None:
    tools, stubber = stubbed
    stubber.add_client_error("start_query", "MalformedQueryException", "unexpected symbol found statz at line 1", 400)
    result = tools.run_insights_query(["/a"], "statz count(*)")
    assert not result.ok
    assert "unexpected symbol found statz" in result.text
    assert parameters_used(result.text)["query"] == "statz count(*)"


def test_insights_timeout_with_partial_rows_and_without(stubbed) -> None:
    tools, stubber = stubbed
    for rows in ([[{"field": "n", "value": "4"}]], []):
        stubber.add_response("start_query", {"queryId": "q"}, {"logGroupNames": ["/a"], "startTime": ANY, "endTime": ANY, "queryString": ANY, "limit": 100})
        for _ in range(4):
            stubber.add_response("get_query_results", {"status": "Running", "results": rows}, {"queryId": "q"})
        stubber.add_response("stop_query", {"success": True}, {"queryId": "q"})
    partial = tools.run_insights_query(["/a"], "stats count(*) as n")
    assert partial.ok and "these rows are partial" in partial.text and partial.summary.endswith("(partial)")
    nothing = tools.run_insights_query(["/a"], "stats count(*) as n")
    assert not nothing.ok and "did not finish within 3 seconds" in nothing.text


@pytest.mark.parametrize(
    ("code", "said"),
    [
        ("AccessDeniedException", "Access denied: not authorized to perform logs:FilterLogEvents"),
        ("ThrottlingException", "throttling requests and retries did not help"),
        ("ServiceUnavailableException", "CloudWatch Logs answered with an error (ServiceUnavailableException"),
    ],
)
def test_service_errors_come_back_as_data(stubbed, code: str, said: str) -> None:
    tools, stubber = stubbed
    stubber.add_client_error("get_log_events", code, "not authorized to perform logs:FilterLogEvents", 400)
    result = tools.read_log_stream("/a", "s")
    assert not result.ok
    assert said in result.text
    assert parameters_used(result.text)["log_stream"] == "s"
    assert "Hint:" in result.text or code == "ServiceUnavailableException"


# -- helpers ------------------------------------------------------------


def test_closest_group_names() -> None:
    known = ["/aws/lambda/checkout-api", "/aws/lambda/checkout-worker", "/ecs/payments", "/ecs/inventory", "/aws/rds/db"]
    assert closest_group_names("/aws/lambda/checkout", known)[:2] == ["/aws/lambda/checkout-api", "/aws/lambda/checkout-worker"]
    assert closest_group_names("checkout-api", known)[0] == "/aws/lambda/checkout-api"
    assert closest_group_names("/ECS/PAYMENTS", known) == ["/ecs/payments"]
    assert closest_group_names("/ecs/paymnets", known)[0] == "/ecs/payments"
    assert closest_group_names("/totally/unrelated/zzz", known) == []
    assert len(closest_group_names("/", [f"/g/{i}" for i in range(20)])) <= 5


def test_human_bytes() -> None:
    assert human_bytes(0) == "0 B"
    assert human_bytes(1536) == "1.5 KB"
    assert human_bytes(5 * 1024**3) == "5.0 GB"


def test_dollars_never_read_zero_for_a_small_cost() -> None:
    from logai.figures import dollars

    assert dollars(0) == "$0"
    assert dollars(4.7 / 1024 * 0.005) == "$0.000023"  # 4.7 MB scanned by Logs Insights
    assert dollars(0.0042) == "$0.0042"
    assert dollars(0.1234) == "$0.1234"
    assert dollars(1234.5) == "$1,234.50"
    assert dollars(9.99e-5) == "$0.00010"
