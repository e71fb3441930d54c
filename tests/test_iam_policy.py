"""Least privilege: the README's IAM policy is exactly what logai calls.

Three sources must agree: the policy in the README, the actions the code can
call (every `_call("…")` of the CloudWatch source, and PutMetricData for
`--push-cloudwatch`), and the actions logai's own processes called during
this test run, as the sandbox recorded them (requests whose User-Agent
carries `logai/`, apart from the tests' own seeding).
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from logai.cli import app
from tests.llm_server import call, text, tool_calls

REPO = Path(__file__).resolve().parent.parent
_CALL = re.compile(r'\b_call\(\s*"(\w+)"')
_PUT_METRIC_DATA = re.compile(r"\.put_metric_data\(")


def policy_actions() -> set[str]:
    """Every action the README's Least privilege section allows."""
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Least privilege", 1)[1].split("\n## ", 1)[0]
    actions: set[str] = set()
    for block in re.findall(r"```json\n(.*?)```", section, re.DOTALL):
        for statement in json.loads(block)["Statement"]:
            assert statement["Effect"] == "Allow"
            listed = statement["Action"]
            actions.update([listed] if isinstance(listed, str) else listed)
    return actions


def code_actions() -> set[str]:
    """The actions logai's code can call: CloudWatch Logs through the source, and PutMetricData."""
    actions: set[str] = set()
    for path in (REPO / "logai").rglob("*.py"):
        if "sandbox" in path.parts:
            continue  # the local CloudWatch is not a client of AWS
        source = path.read_text()
        actions.update("logs:" + "".join(part.capitalize() for part in name.split("_")) for name in _CALL.findall(source))
        if _PUT_METRIC_DATA.search(source):
            actions.add("cloudwatch:PutMetricData")
    return actions


def test_the_policy_is_exactly_what_the_code_can_call() -> None:
    assert code_actions() == policy_actions()
    # No wildcard, nothing that writes or deletes logs.
    assert not any("*" in action for action in policy_actions())
    assert not any(action.startswith("logs:") and action.split(":")[1].startswith(("Put", "Delete", "Create")) for action in policy_actions())


@pytest.fixture
def seeded(aws):  # type: ignore[no-untyped-def]
    client = aws.client()
    client.create_log_group(logGroupName="/aws/lambda/app")
    client.create_log_stream(logGroupName="/aws/lambda/app", logStreamName="s")
    now = int(time.time() * 1000)
    client.put_log_events(logGroupName="/aws/lambda/app", logStreamName="s", logEvents=[{"timestamp": now - 1000, "message": "ERROR x"}])
    return aws


def test_what_logai_called_in_this_run_is_in_the_policy(seeded, llm, sandbox_operations: set[str], request: pytest.FixtureRequest) -> None:  # type: ignore[no-untyped-def]
    called = sandbox_operations
    # Make every kind of call once here, so the check does not depend on which other tests ran first.
    llm.enqueue(
        tool_calls(
            call("list_log_groups", {}),
            call("search_logs", {"log_groups": ["/aws/lambda/app"], "start": "1h"}),
            call("read_log_stream", {"log_group": "/aws/lambda/app"}),
            call("run_insights_query", {"log_groups": ["/aws/lambda/app"], "query": "stats count(*)", "start": "1h"}),
        ),
        text("Done."),
    )
    runner = CliRunner()
    assert runner.invoke(app, ["query", "what failed?"], catch_exceptions=False).exit_code == 0
    for args in (["logs", "groups"], ["logs", "streams", "/aws/lambda/app"], ["logs", "tail", "/aws/lambda/app"]):
        assert runner.invoke(app, args, catch_exceptions=False).exit_code == 0, args
    recorded = request.getfixturevalue("sandbox")
    called = called | set(recorded.operations.actions())
    assert called, "the sandbox recorded no operation from logai"
    allowed = {action.split(":", 1)[1] for action in policy_actions() if action.startswith("logs:")}
    assert called <= allowed, f"called but not in the README policy: {sorted(called - allowed)}"
