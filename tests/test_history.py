"""`logai history`: transcripts of past sessions, written from events, redacted, private, pruned."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from typer.testing import CliRunner

from logai.cli import app
from tests.llm_server import call, text, tool_calls
from tests.seed import put_events

SECRET = "sk_live_51HxQpD2eZvKYlo2CzqvW9XbTf"


def records_tokens(session_id: str) -> int:
    """Tokens of a session as its answers' usage says."""
    lines = invoke("history", "show", session_id, "--json").stdout.splitlines()
    usage = [json.loads(line)["usage"] for line in lines if json.loads(line)["type"] == "answer"]
    return sum(int(u["prompt_tokens"] + u["completion_tokens"]) for u in usage)


def invoke(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def test_a_query_is_kept_redacted_and_private(aws, llm, isolated_env: Path) -> None:  # type: ignore[no-untyped-def]
    put_events(aws.client(), "/svc/api", "s", [(int(time.time() * 1000) - 60_000, "ERROR charge failed")])
    llm.enqueue(
        tool_calls(call("search_logs", {"log_groups": ["/svc/api"], "all_words": ["ERROR"], "start": "1h"})),
        text(f"The charge failed; the key {SECRET} is in the log.", prompt_tokens=100, completion_tokens=9),
    )
    assert invoke("query", f"why does the key {SECRET} fail?").exit_code == 0

    listed = invoke("history", "--json")
    assert listed.exit_code == 0, listed.output
    (session,) = [json.loads(line) for line in listed.stdout.splitlines()]
    assert session["command"] == "query" and session["questions"] == 1 and session["model"] == "openai/scripted"
    assert session["tokens"] == records_tokens(session["id"])

    table = invoke("history")
    header, row = table.stdout.splitlines()
    assert header.split()[:3] == ["ID", "STARTED", "COMMAND"] and row.startswith(session["id"])

    shown = invoke("history", "show", session["id"][:15])
    assert shown.exit_code == 0, shown.output
    assert "- ✓ `search_logs` log_groups=/svc/api all_words=ERROR start=1h →" in shown.stdout
    assert "The charge failed" in shown.stdout
    records = [json.loads(line) for line in invoke("history", "show", "last", "--json").stdout.splitlines()]
    assert [r["type"] for r in records] == ["session", "question", "tool", "answer"]
    assert records[-1]["usage"]["prompt_tokens"] == 111

    exported = invoke("history", "export", "last", "--markdown")
    assert exported.stdout == shown.stdout and exported.stdout.startswith(f"# logai query {session['id']}")

    # Redacted before it is written; readable by its owner only.
    (path,) = (isolated_env / "sessions").iterdir()
    assert SECRET not in path.read_text() and "REDACTED" in path.read_text()
    assert path.stat().st_mode & 0o777 == 0o600 and path.parent.stat().st_mode & 0o777 == 0o700


def test_a_made_up_tool_name_is_kept_short_and_redacted(aws, llm, isolated_env: Path) -> None:  # type: ignore[no-untyped-def]
    made_up = f"steal_{SECRET}_" + "x" * 20_000
    llm.enqueue(tool_calls(call(made_up, {})), text("No such tool."))
    assert invoke("query", "anything?").exit_code == 0
    (path,) = (isolated_env / "sessions").iterdir()
    (tool,) = [record for line in path.read_text().splitlines() if (record := json.loads(line))["type"] == "tool"]
    assert tool["ok"] is False and len(tool["name"]) <= 64 and tool["name"].endswith("…")
    assert SECRET not in path.read_text() and "steal_" in tool["name"]
    assert tool["summary"].startswith("error: there is no tool named 'steal_") and len(tool["summary"]) < 400


def test_export_to_a_file_and_ids_that_match_nothing_or_several(aws, llm, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    llm.enqueue(text("One."), text("Two."))
    invoke("query", "first")
    invoke("query", "second")
    target = tmp_path / "out.md"
    written = invoke("history", "export", "last", "--markdown", "-o", str(target))
    assert written.exit_code == 0 and "## second" in target.read_text()
    assert invoke("history", "export", "last").exit_code == 2  # a format must be named
    missing = invoke("history", "show", "1999")
    assert missing.exit_code == 1 and "no kept session has the id '1999'" in missing.stderr
    today = time.strftime("%Y%m%d", time.gmtime())
    several = invoke("history", "show", today)
    assert several.exit_code == 1 and "2 sessions start with" in several.stderr


def test_old_transcripts_go_and_history_can_be_off(aws, llm, isolated_env: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    llm.enqueue(text("Kept."), text("Not kept."))
    invoke("query", "kept")
    (old,) = (isolated_env / "sessions").iterdir()
    ancient = time.time() - 31 * 86_400
    os.utime(old, (ancient, ancient))
    invoke("query", "kept again")  # a new session prunes what is past the 30 days
    assert [r["first_question"] for r in map(json.loads, invoke("history", "--json").stdout.splitlines())] == ["kept again"]

    monkeypatch.setenv("LOGAI_HISTORY_ENABLED", "false")
    llm.enqueue(text("Not kept."))
    invoke("query", "unrecorded")
    assert len(list((isolated_env / "sessions").iterdir())) == 1
    assert invoke("history", "--limit", "5").exit_code == 0


def test_an_empty_history(aws) -> None:  # type: ignore[no-untyped-def]
    result = invoke("history")
    assert result.exit_code == 0 and result.stdout == "" and "no sessions kept yet" in result.stderr
