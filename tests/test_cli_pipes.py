"""A reader that goes away (`logai … | head`) ends every command quietly with exit 0,
and a query leaves promptly once its answer and metrics are out. Real processes."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.llm_server import text
from tests.loghub import REPO
from tests.seed import put_events


def closed_reader(*argv: str) -> subprocess.CompletedProcess[str]:
    """Run `logai argv` with stdout a pipe whose reader is gone before anything is written."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run(
            [sys.executable, "-m", "logai", *argv], stdout=write_end, stderr=subprocess.PIPE,
            text=True, env=dict(os.environ), cwd=REPO, timeout=120,
        )
    finally:
        os.close(write_end)


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["logs", "--help"],
        ["config"],
        ["config", "--json"],
        ["metrics"],
        ["metrics", "--json"],
        ["metrics", "--prometheus"],
        ["patterns", str(REPO / "README.md")],
    ],
    ids=" ".join,
)
def test_a_closed_pipe_is_a_quiet_end(argv: list[str]) -> None:
    done = closed_reader(*argv)
    assert (done.returncode, done.stderr) == (0, "")


def test_logs_commands_end_quietly_too(aws) -> None:  # type: ignore[no-untyped-def]
    put_events(aws.client(), "/p", "s", [(int(time.time() * 1000) - 1000, "line")])
    for argv in (["logs", "groups"], ["logs", "search", "/p"], ["logs", "tail", "/p", "--json"]):
        done = closed_reader(*argv)
        assert (done.returncode, done.stderr) == (0, ""), argv


def test_a_query_answers_into_a_closed_pipe_and_leaves_promptly_with_metrics_kept(aws, llm, isolated_env: Path) -> None:  # type: ignore[no-untyped-def]
    llm.enqueue(text("Into the void."), text("Answered."))
    done = closed_reader("query", "anyone there?")
    assert (done.returncode, done.stderr) == (0, "")
    # Leaving without the interpreter's teardown loses nothing: the answer,
    # the metrics and the transcript are all out before the process ends.
    started = subprocess.run(
        [sys.executable, "-m", "logai", "query", "--json", "and now?"],
        capture_output=True, text=True, env=dict(os.environ), cwd=REPO, timeout=120,
    )
    assert started.returncode == 0, started.stderr
    payload = json.loads(started.stdout)
    assert payload["answer"] == "Answered."
    (request,) = payload["model_requests"]
    # Time to first token runs from the request being sent, not from start-up
    # (which imports litellm: seconds): an instant model answers within it.
    assert 0 < request["first_token_s"] <= request["duration_s"] < 1.0
    with sqlite3.connect(isolated_env / "metrics.db") as db:
        assert db.execute("select count(*) from sessions").fetchone()[0] == 2
    assert len(list((isolated_env / "sessions").iterdir())) == 2
