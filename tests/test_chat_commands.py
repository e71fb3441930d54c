"""The chat's slash commands, with questions piped in: answers on stdout, everything else on stderr."""

from __future__ import annotations

import time
from pathlib import Path

from typer.testing import CliRunner

from logai.cli import app
from tests.llm_server import call, text, tool_calls
from tests.seed import put_events


def chat(script: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, ["chat"], input=script, catch_exceptions=False)


def test_last_save_model_cost_and_groups(aws, llm, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    now = int(time.time() * 1000)
    put_events(aws.client(), "/svc/api", "web-1", [(now - 60_000, "ERROR boom token=hunter2secretvalue")])
    put_events(aws.client(), "/svc/worker", "job-1", [(now - 30_000, "INFO tick")])
    llm.enqueue(
        tool_calls(call("search_logs", {"log_groups": ["/svc/api"], "all_words": ["ERROR"], "start": "1h"})),
        text("One error: boom."),
        text("Still one error."),
    )
    saved = tmp_path / "talk.md"
    result = chat(
        f"what failed?\n/last\n/cost\n/model openai/other\n/model gpt\nand now?\n/groups /svc/w\n/save {saved}\n/frob\n"
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == "One error: boom.\nStill one error.\n"  # answers only
    err = result.stderr
    assert "search_logs" in err and "ERROR boom" in err  # /last: the full tool result
    assert "this session: 22 tokens in" in err  # /cost (11 prompt tokens per scripted reply)
    assert "model: openai/other" in err and "has no provider prefix" in err
    assert llm.requests[-1].body["model"] == "other"  # /model switched the next request
    assert "/svc/worker" in err and "/svc/api\n" not in err  # /groups with a prefix
    assert f"saved to {saved}" in err and "unknown command /frob" in err
    markdown = saved.read_text()
    assert "## what failed?" in markdown and "## and now?" in markdown
    assert "- ✓ `search_logs` log_groups=/svc/api all_words=ERROR start=1h →" in markdown
    assert markdown.startswith("# logai chat ") and "model `openai/scripted`" in markdown
    assert "One error: boom.\n\n_22 tokens in / 10 out_" in markdown


def test_history_and_metrics_list_what_was_kept(aws, llm) -> None:  # type: ignore[no-untyped-def]
    llm.enqueue(text("First."), text("Second."))
    assert chat("an earlier question\n").exit_code == 0
    result = chat("a later question\n/history\n/metrics\n/stats\n/help\n")
    assert result.exit_code == 0, result.output
    err = result.stderr
    history = [line for line in err.splitlines() if line.endswith("question")]
    assert [line.split("  ")[-1].strip() for line in history] == ["a later question", "an earlier question"]
    assert "All sessions (2)" in err and "Session metrics" in err
    assert "Alt-Enter" in err and "/save [file]" in err
