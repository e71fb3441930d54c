"""`logai logs …` end to end: CliRunner against moto's server, as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from logai.commands import logs as logs_command
from logai.runtime import REAL, Runtime
from logai.logs.timeparse import iso
from tests.loghub import REPO
from tests.seed import seed_group, seed_incident


def make_app() -> typer.Typer:
    """The logs sub-app mounted as cli.py mounts it."""
    app = typer.Typer(pretty_exceptions_enable=False, add_completion=False)

    @app.callback()
    def _root() -> None:
        """logai"""

    logs_command.register(app)
    return app


def run(*args: str, runtime: Runtime = REAL) -> Any:
    return CliRunner().invoke(make_app(), ["logs", *args], obj=runtime)


@pytest.fixture
def incident(aws) -> dict[str, Any]:
    return seed_incident(aws.client(), now_ms=int(time.time() * 1000))


def test_groups_table(incident: dict[str, Any], aws) -> None:
    aws.client().put_retention_policy(logGroupName=incident["payments_group"], retentionInDays=30)
    result = run("groups")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["NAME", "STORED", "RETENTION"]
    names = [line.split()[0] for line in lines[1:]]
    assert names == sorted(incident["groups"])
    payments = next(line for line in lines if line.startswith(incident["payments_group"]))
    assert payments.endswith("30 days")
    assert "KB" in payments


def test_groups_prefix_json_and_limit(incident: dict[str, Any]) -> None:
    result = run("groups", "--prefix", "/aws/", "--json")
    assert result.exit_code == 0
    document = [json.loads(line) for line in result.stdout.splitlines()]  # JSON Lines: one group per line
    assert [g["logGroupName"] for g in document] == ["/aws/ecs/inventory-sync", "/aws/lambda/checkout-api"]
    assert all(g["storedBytes"] > 0 and g["retentionInDays"] is None for g in document)

    limited = run("groups", "--limit", "1")
    assert len(limited.stdout.splitlines()) == 2
    assert "listed the first 1 groups" in limited.stderr


def test_groups_when_there_are_none(aws) -> None:
    result = run("groups", "--prefix", "/nothing")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "no log groups start with /nothing" in result.stderr


def test_search_prints_one_event_per_line(incident: dict[str, Any]) -> None:
    result = run("search", incident["checkout_group"], "--filter", "ERROR", "--since", "1h")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == incident["checkout_errors"]
    stamp, stream, message = lines[0].split(" ", 2)
    assert stamp.endswith("Z") and stream == "2026/01/01/[$LATEST]4f1c0ffee"
    assert message.startswith(f"ERROR {incident['error_signature']}")
    assert lines == sorted(lines)


def test_search_several_groups_names_the_group_and_is_not_redacted(incident: dict[str, Any]) -> None:
    result = run("search", incident["checkout_group"], incident["payments_group"], "--filter", "Authorization")
    assert result.exit_code == 0
    assert incident["secret"] in result.stdout  # the user's own logs, shown as they are
    assert result.stdout.split()[1] == incident["checkout_group"]


def test_search_json_truncation_and_empty(incident: dict[str, Any]) -> None:
    result = run("search", incident["healthy_group"], "--limit", "7", "--json")
    assert result.exit_code == 0
    events = [json.loads(line) for line in result.stdout.splitlines()]  # JSON Lines: one event per line
    assert len(events) == 7 and {e["logGroupName"] for e in events} == {incident["healthy_group"]}
    assert set(events[0]) == {"timestamp", "message", "logGroupName", "logStreamName", "eventId"}
    assert "more than 7 events matched; these are the newest" in result.stderr

    empty = run("search", incident["checkout_group"], "--filter", "NoSuchThing")
    assert empty.exit_code == 0 and empty.stdout == ""
    assert "no events matched in /aws/lambda/checkout-api" in empty.stderr


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("--since", "yesterday-ish"), "Invalid value for '--since'"),
        (("--until", "later"), "Invalid value for '--until'"),
        (("--since", "1h", "--until", "2h"), "is not before the end"),
        (("--limit", "0"), "Invalid value for '--limit'"),
    ],
)
def test_search_usage_errors_exit_2(aws, args: tuple[str, ...], said: str) -> None:
    result = run("search", "/any", *args)
    assert result.exit_code == 2
    assert said in " ".join(result.stderr.split())
    assert "Traceback" not in result.output


def test_unknown_group_exits_1_with_one_sentence(incident: dict[str, Any]) -> None:
    result = run("search", "/aws/lambda/checkout")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "logai: Log group /aws/lambda/checkout does not exist in region us-east-1.",
        "  hint: did you mean /aws/lambda/checkout-api?",
    ]
    assert result.stdout == ""
    nothing_close = run("tail", "/zzz/qqq")
    assert nothing_close.exit_code == 1
    assert "hint: list the log groups to see the exact names" in nothing_close.stderr


def test_missing_region_exits_2(monkeypatch: pytest.MonkeyPatch) -> None:
    result = run("groups")
    assert result.exit_code == 2
    assert result.stderr.startswith("logai: No AWS region is set.")


def test_region_flag_reaches_boto3(aws, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_REGION")
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    aws.client().create_log_group(logGroupName="/in/us-east-1")
    assert "/in/us-east-1" in run("groups", "--region", "us-east-1").stdout
    other = run("groups", "--region", "eu-west-1")
    assert other.exit_code == 0 and "/in/us-east-1" not in other.stdout


def test_unknown_profile_exits_2(aws) -> None:
    result = run("groups", "--profile", "nobody")
    assert result.exit_code == 2
    assert "nobody" in result.stderr


def test_tail_prints_events_in_time_order(aws) -> None:
    client = aws.client()
    start = int(time.time() * 1000) - 120_000
    seed_group(client, "/t/a", "sa", ["a0", "a1"], start_ms=start, step_ms=20_000)
    seed_group(client, "/t/b", "sb", ["b0"], start_ms=start + 10_000)
    seed_group(client, "/t/a", "sa", ["too old"], start_ms=start - 3600_000)
    result = run("tail", "/t/a", "/t/b", "--since", "10m")
    assert result.exit_code == 0, result.output
    assert [line.split(" ", 3)[1:] for line in result.stdout.splitlines()] == [
        ["/t/a", "sa", "a0"],
        ["/t/b", "sb", "b0"],
        ["/t/a", "sa", "a1"],
    ]
    single = run("tail", "/t/a", "--since", "10m", "--filter", "a1")
    assert single.stdout == f"{iso(start + 20_000)} sa a1\n"


def test_tail_follow_polls_until_ctrl_c_and_exits_0(aws) -> None:
    client = aws.client()
    now = int(time.time() * 1000)
    seed_group(client, "/f", "s", ["first"], start_ms=now - 5_000)
    polls: list[float] = []

    def fake_sleep(seconds: float) -> None:
        polls.append(seconds)
        if len(polls) == 1:
            seed_group(client, "/f", "s", ["second"], start_ms=now - 1_000)
        else:
            raise KeyboardInterrupt

    result = run("tail", "/f", "--follow", runtime=Runtime(sleep=fake_sleep))
    assert result.exit_code == 0, result.output
    assert [line.split(" ", 2)[2] for line in result.stdout.splitlines()] == ["first", "second"]
    assert polls == [5.0, 5.0]


def test_insights_table_and_json(incident: dict[str, Any]) -> None:
    result = run("insights", incident["payments_group"], "-q", "fields @timestamp, @message | sort @timestamp desc", "--limit", "3")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["@timestamp", "@message"]
    assert len(lines) == 4
    assert "the query returned no rows" not in result.stderr

    as_json = run("insights", incident["payments_group"], "--query", "fields @message", "--limit", "2", "--json")
    rows = [json.loads(line) for line in as_json.stdout.splitlines()]  # JSON Lines: one row per line
    assert len(rows) == 2 and set(rows[0]) == {"@message"}


def test_insights_problems(incident: dict[str, Any]) -> None:
    empty_query = run("insights", incident["payments_group"], "--query", " ")
    assert empty_query.exit_code == 2 and "the query is empty" in empty_query.stderr
    no_rows = run("insights", incident["payments_group"], "-q", "fields @message", "--since", "3h", "--until", "2h")
    assert no_rows.exit_code == 0 and "the query returned no rows" in no_rows.stderr
    missing = run("insights", "/nope", "-q", "fields @message")
    assert missing.exit_code == 1 and "Log group /nope does not exist" in missing.stderr


def test_logs_command_through_the_real_cli_never_imports_litellm(aws) -> None:
    aws.client().create_log_group(logGroupName="/through/cli")
    script = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from logai.cli import app\n"
        "result = CliRunner().invoke(app, ['logs', 'groups'])\n"
        "assert result.exit_code == 0 and '/through/cli' in result.stdout, result.output\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('litellm', 'openai', 'rich')))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_insights_stats_come_back_as_a_table(incident: dict[str, Any], aws) -> None:
    result = run("insights", incident["payments_group"], "-q", "stats count(*) by bin(5m)", "--limit", "3")
    assert result.exit_code == 0, result.output
    header, *rows = result.stdout.splitlines()
    assert header.split() == ["bin(5m)", "count(*)"]
    assert len(rows) == 3 and all(row.split()[-1].isdigit() for row in rows)
    assert "3 rows;" in result.stderr


def test_insights_rows_without_fields_do_not_crash(incident: dict[str, Any], plain_moto: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # Plain moto ignores `stats` and answers rows holding only @ptr, which logai drops.
    monkeypatch.setenv("AWS_ENDPOINT_URL", plain_moto)
    result = run("insights", incident["payments_group"], "-q", "stats count(*) by bin(5m)", "--limit", "3")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "3 rows came back without fields" in result.stderr
