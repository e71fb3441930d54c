"""`logai logs` as people use aws logs tail and awslogs: formats, streams, globs, colours, local
times, every event of a search, and a follow that survives failures and catches late events.

CliRunner against the sandbox (the `aws` fixture), or a real process where a terminal matters.
"""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from typer.testing import CliRunner

from logai.cli import app
from logai.logs.timeparse import iso
from logai.runtime import Runtime
from tests.loghub import REPO
from tests.seed import put_events, seed_group


def run(*args: str, runtime: Runtime | None = None) -> Any:
    return CliRunner().invoke(app, ["logs", *args], obj=runtime)


def now_ms() -> int:
    return int(time.time() * 1000)


@pytest.fixture
def two_groups(aws) -> int:  # type: ignore[no-untyped-def]
    client = aws.client()
    start = now_ms() - 600_000
    put_events(client, "/svc/api", "web-1", [(start, "INFO ready"), (start + 2000, "ERROR boom")])
    put_events(client, "/svc/api", "web-2", [(start + 1000, "WARN slow")])
    put_events(client, "/svc/worker", "job-1", [(start + 1500, "DEBUG tick")])
    put_events(client, "/other/x", "s", [(start, "elsewhere")])
    return start


def test_formats_short_detailed_and_json_lines(two_groups: int) -> None:
    detailed = run("search", "/svc/api", "--since", "1h")
    assert detailed.exit_code == 0, detailed.output
    assert detailed.stdout.splitlines() == [
        f"{iso(two_groups)} web-1 INFO ready",
        f"{iso(two_groups + 1000)} web-2 WARN slow",
        f"{iso(two_groups + 2000)} web-1 ERROR boom",
    ]
    short = run("search", "/svc/api", "--since", "1h", "--format", "short")
    assert short.stdout.splitlines()[0] == f"{iso(two_groups)[:19]} INFO ready"
    as_json = run("search", "/svc/api", "--since", "1h", "--format", "json")
    events = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert events[0] == {
        "timestamp": iso(two_groups),
        "message": "INFO ready",
        "logGroupName": "/svc/api",
        "logStreamName": "web-1",
        "eventId": events[0]["eventId"],
    }
    assert run("search", "/svc/api", "--since", "1h", "--json").stdout == as_json.stdout
    tailed = run("tail", "/svc/api", "--since", "1h", "--json")
    assert tailed.stdout == as_json.stdout
    assert run("search", "/svc/api", "--format", "xml").exit_code == 2


def test_streams_lists_newest_first_or_by_prefix_and_as_json_lines(two_groups: int) -> None:
    listed = run("streams", "/svc/api")
    assert listed.exit_code == 0, listed.output
    header, *rows = listed.stdout.splitlines()
    assert header.split() == ["STREAM", "FIRST", "EVENT", "LAST", "EVENT"]
    assert [row.split()[0] for row in rows] == ["web-1", "web-2"]  # web-1 wrote last
    assert rows[0].split()[1:] == [iso(two_groups), iso(two_groups + 2000)]
    by_prefix = run("streams", "/svc/api", "--prefix", "web-2", "--json")
    (only,) = [json.loads(line) for line in by_prefix.stdout.splitlines()]
    assert only["logStreamName"] == "web-2" and only["lastEventTimestamp"] == two_groups + 1000
    missing = run("streams", "/svc/nothing")
    assert missing.exit_code == 1 and "/svc/nothing" in missing.stderr


def test_stream_and_stream_prefix_narrow_search_and_tail(two_groups: int) -> None:
    named = run("search", "/svc/api", "--since", "1h", "--stream", "web-2", "--format", "short")
    assert [line.split(" ", 1)[1] for line in named.stdout.splitlines()] == ["WARN slow"]
    prefixed = run("tail", "/svc/api", "--since", "1h", "--stream-prefix", "web-1", "--format", "short")
    assert [line.split(" ", 1)[1] for line in prefixed.stdout.splitlines()] == ["INFO ready", "ERROR boom"]
    capped = run("search", "/svc/api", "--since", "1h", "--stream", "web-1", "--limit", "1", "--format", "short")
    assert [line.split(" ", 1)[1] for line in capped.stdout.splitlines()] == ["ERROR boom"]
    both = run("search", "/svc/api", "--stream", "a", "--stream-prefix", "b")
    assert both.exit_code == 2 and "not both" in both.output


def test_group_globs_pick_every_matching_group(two_groups: int) -> None:
    result = run("search", "/svc/*", "--since", "1h")
    assert result.exit_code == 0, result.output
    assert [line.split(" ", 3)[1:3] for line in result.stdout.splitlines()] == [
        ["/svc/api", "web-1"],
        ["/svc/api", "web-2"],
        ["/svc/worker", "job-1"],
        ["/svc/api", "web-1"],
    ]
    nothing = run("tail", "/nope/*")
    assert nothing.exit_code == 1 and "no log group matches /nope/*" in nothing.stderr


def test_local_times(two_groups: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Kolkata")
    time.tzset()
    try:
        result = run("search", "/svc/worker", "--since", "1h", "--local")
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    stamp = result.stdout.split(" ", 1)[0]
    assert stamp.endswith("+05:30")
    assert stamp.startswith(time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime((two_groups + 1500 + 19_800_000) / 1000)))


def test_levels_are_coloured_on_a_terminal_unless_no_color(two_groups: int) -> None:
    def on_a_terminal(**env: str) -> bytes:
        controller, terminal = pty.openpty()
        process = subprocess.Popen(
            [sys.executable, "-m", "logai", "logs", "search", "/svc/api", "--since", "1h"],
            stdout=terminal, stderr=subprocess.DEVNULL, cwd=REPO, env={**os.environ, **env},
        )
        os.close(terminal)
        seen = b""
        while True:
            try:
                chunk = os.read(controller, 4096)
            except OSError:
                break  # the process closed the terminal
            if not chunk:
                break
            seen += chunk
        process.wait(timeout=60)
        os.close(controller)
        return seen

    environment = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    coloured = on_a_terminal(**{"NO_COLOR": ""}) if "NO_COLOR" not in environment else b""
    assert b"\x1b[31mERROR\x1b[0m boom" in coloured and b"\x1b[33mWARN\x1b[0m slow" in coloured
    plain = on_a_terminal(NO_COLOR="1")
    assert b"\x1b[" not in plain and b"ERROR boom" in plain


def test_search_without_limit_prints_every_event_oldest_first_and_says_how_to_narrow(
    aws, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    import logai.commands.logs_events as command

    monkeypatch.setattr(command, "NARROW_AFTER", 25)
    start = now_ms() - 1_800_000
    client = aws.client()
    seed_group(client, "/many", "a", [f"a{i}" for i in range(30)], start_ms=start, step_ms=2000)
    seed_group(client, "/many", "b", [f"b{i}" for i in range(30)], start_ms=start + 1000, step_ms=2000)
    result = run("search", "/many", "--since", "1h", "--format", "short")
    assert result.exit_code == 0, result.output
    messages = [line.split(" ", 1)[1] for line in result.stdout.splitlines()]
    assert messages == [name for i in range(30) for name in (f"a{i}", f"b{i}")]
    assert "25 events so far and still reading; narrow with --since/--until" in result.stderr
    capped = run("search", "/many", "--since", "1h", "--limit", "3", "--format", "short")
    assert [line.split(" ", 1)[1] for line in capped.stdout.splitlines()] == ["b28", "a29", "b29"]


def test_tail_until_and_a_follow_that_ends_there(two_groups: int, aws) -> None:  # type: ignore[no-untyped-def]
    until = iso(two_groups + 1000)
    bounded = run("tail", "/svc/api", "--since", "1h", "--until", until, "--format", "short")
    assert [line.split(" ", 1)[1] for line in bounded.stdout.splitlines()] == ["INFO ready", "WARN slow"]
    sleeps: list[float] = []
    # The wall clock says the follow is long past --until: one poll, then it ends by itself.
    result = run("tail", "/svc/api", "--since", "1h", "--until", until, "--follow", runtime=Runtime(sleep=sleeps.append))
    assert result.exit_code == 0, result.output
    assert len(result.stdout.splitlines()) == 2 and sleeps == []


class FlakyEndpoint:
    """A loopback proxy to the sandbox that answers FilterLogEvents with throttling while `failing`."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.failing = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if outer.failing and self.headers.get("X-Amz-Target", "").endswith("FilterLogEvents"):
                    outer.failing -= 1
                    payload = b'{"__type":"ThrottlingException","message":"Rate exceeded"}'
                    self.send_response(400)
                    self.send_header("Content-Type", "application/x-amz-json-1.1")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                request = urllib.request.Request(outer.target + self.path, data=body, headers=headers, method="POST")
                try:
                    response = urllib.request.urlopen(request, timeout=30)
                except urllib.error.HTTPError as error:
                    response = error
                data = response.read()
                self.send_response(response.status)
                for key, value in response.headers.items():
                    if key.lower() not in ("content-length", "transfer-encoding", "connection", "date", "server"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()


@pytest.fixture
def flaky(aws, monkeypatch: pytest.MonkeyPatch) -> Iterator[FlakyEndpoint]:  # type: ignore[no-untyped-def]
    endpoint = FlakyEndpoint(aws.url)
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint.url)
    yield endpoint
    endpoint.server.shutdown()


def test_follow_survives_throttling_catches_late_events_and_ends_cleanly(aws, flaky: FlakyEndpoint) -> None:  # type: ignore[no-untyped-def]
    from logai.logs.aws import MAX_ATTEMPTS

    client = aws.client()
    now = now_ms()
    put_events(client, "/f", "s", [(now - 20_000, "first"), (now - 5_000, "newest")])
    polls: list[float] = []

    def fake_sleep(seconds: float) -> None:
        if seconds != 5.0:
            return  # botocore's and the follow's backoff waits
        polls.append(seconds)
        if len(polls) == 1:
            # An event indexed late: older than one already printed, but inside the look-back window.
            put_events(client, "/f", "late", [(now - 10_000, "late arrival")])
            # One more failure than botocore's own tries: the follow itself must wait and poll again.
            flaky.failing = MAX_ATTEMPTS + 1
        else:
            raise KeyboardInterrupt  # the user ends the follow

    result = run("tail", "/f", "--since", "1m", "--follow", "--format", "short", runtime=Runtime(sleep=fake_sleep))
    assert result.exit_code == 0, result.output
    messages = [line.split(" ", 1)[1] for line in result.stdout.splitlines()]
    assert messages == ["first", "newest", "late arrival"]  # nothing twice, the late one caught
    assert "throttling requests" in result.stderr and "polling again in 1 s (attempt 2)" in result.stderr
    assert flaky.failing == 0 and "Traceback" not in result.output


def test_follow_gives_up_on_a_failure_before_anything_was_read(aws, flaky: FlakyEndpoint) -> None:  # type: ignore[no-untyped-def]
    put_events(aws.client(), "/f", "s", [(now_ms() - 1000, "x")])
    flaky.failing = 100
    result = run("tail", "/f", "--follow", runtime=Runtime(sleep=lambda s: None))
    assert result.exit_code == 1
    assert "throttling" in result.stderr and "polling again" not in result.stderr


def test_group_names_complete_in_the_shell_and_are_kept_a_minute(two_groups: int, aws) -> None:  # type: ignore[no-untyped-def]
    def complete(words: str) -> list[str]:
        done = subprocess.run(
            [sys.executable, "-m", "logai"], capture_output=True, text=True, timeout=60, cwd=REPO,
            env={**os.environ, "_LOGAI_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": str(len(words.split()) - 1)},
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.split()

    assert complete("logai logs search /svc/") == ["/svc/api", "/svc/worker"]
    # Names listed a moment ago are not listed again: a group deleted since still completes.
    aws.client().delete_log_group(logGroupName="/other/x")
    assert complete("logai logs tail /o") == ["/other/x"]
    cache = next((Path(os.environ["LOGAI_HOME"]) / "cache").iterdir())
    assert cache.stat().st_mode & 0o777 == 0o600 and cache.parent.stat().st_mode & 0o777 == 0o700
