"""A reader that goes away (`logai … | head`) ends every command quietly with exit 0,
and a query leaves promptly once its answer and metrics are out. Real processes."""

from __future__ import annotations

import os
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


def test_a_query_answers_into_a_closed_pipe_and_leaves_promptly_with_everything_kept(aws, llm, isolated_env: Path) -> None:  # type: ignore[no-untyped-def]
    from logai.metrics import names
    from logai.metrics.store import MetricsStore

    llm.enqueue(text("Into the void."))
    began = time.monotonic()
    done = closed_reader("query", "anyone there?")
    lifetime = time.monotonic() - began
    assert (done.returncode, done.stderr) == (0, "")
    # Leaving without the interpreter's teardown loses nothing: the metrics
    # and the transcript are out before the process ends.
    store = MetricsStore(isolated_env)
    try:
        totals = store.totals()
    finally:
        store.close()
    assert totals.sessions == 1
    (first_token,) = [v for (name, _), values in totals.samples.items() if name == names.LLM_TIME_TO_FIRST_TOKEN_SECONDS for v in values]
    # Time to first token runs from the request being sent, not from start-up
    # (seconds, most of them importing litellm): an instant model is well inside it.
    assert 0 < first_token < min(1.0, lifetime / 3)
    assert len(list((isolated_env / "sessions").iterdir())) == 1
