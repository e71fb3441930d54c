"""Faults end cleanly: garbage that looks like success, set-up errors, broken config files,
and a chat in which every turn failed, each through the CLI with the scripted model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from logai.cli import app
from logai.runtime import Runtime
from tests.llm_server import error, raw, text


class Waits:
    """Backoff waits, recorded and never waited."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


def ask(*args: str, stdin: str | None = None, waits: Waits | None = None) -> Any:
    runtime = Runtime(async_sleep=waits or Waits(), rng=lambda: 0.0)
    return CliRunner().invoke(app, list(args), input=stdin, catch_exceptions=False, obj=runtime)


GARBAGE = {
    "an empty body": raw(b"", content_type="text/event-stream"),
    "an HTML page": raw("<!doctype html><html><body><h1>Sign in to continue</h1></body></html>"),
    "malformed JSON": raw(b'{"choices": [{"delta": ', content_type="application/json"),
    "malformed SSE": raw(b'data: {"choices": [\n\ndata: [DONE]\n\n', content_type="text/event-stream"),
}


@pytest.mark.parametrize("stream", ["true", "false"])
@pytest.mark.parametrize("garbage", sorted(GARBAGE))
def test_a_200_that_is_not_a_reply_is_a_failure(aws, llm, monkeypatch, garbage: str, stream: str) -> None:  # type: ignore[no-untyped-def]
    # Before (stream mode): logai answered nothing and exited 0.
    monkeypatch.setenv("LOGAI_LLM_STREAM", stream)
    llm.enqueue(GARBAGE[garbage])
    result = ask("query", "why?")
    assert result.exit_code == 1, result.output
    assert "The model server's reply is not a model answer" in result.stderr
    assert "LOGAI_API_BASE" in result.stderr
    assert len(llm.requests) == 1  # not retried
    assert result.stdout == ""


def test_no_api_key_is_a_set_up_error_not_a_server_error(aws, llm, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # Before: "server error (HTTP 500)", five attempts over 11 s.
    monkeypatch.delenv("LOGAI_API_KEY")
    waits = Waits()
    result = ask("query", "why?", waits=waits)
    assert result.exit_code == 2
    assert "No API key is set for the model provider" in result.stderr and "LOGAI_API_KEY" in result.stderr
    assert waits.seconds == [] and llm.requests == []


@pytest.mark.parametrize("base", ["ftp//nope", "ftp://nope.example", "http://"])
def test_an_unusable_base_url_is_a_set_up_error(aws, llm, monkeypatch, base: str) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LOGAI_API_BASE", base)
    waits = Waits()
    result = ask("query", "why?", waits=waits)
    assert result.exit_code == 2
    assert "not a usable http(s) URL" in result.stderr and "LOGAI_API_BASE" in result.stderr
    assert waits.seconds == []


@pytest.mark.parametrize(("status", "setting"), [(401, "LOGAI_API_KEY"), (403, "LOGAI_API_KEY"), (404, "LOGAI_MODEL")])
def test_auth_and_model_refusals_exit_2_naming_the_setting(aws, llm, status: int, setting: str) -> None:  # type: ignore[no-untyped-def]
    llm.enqueue(error(status))
    result = ask("query", "--json", "why?")
    assert result.exit_code == 2
    assert setting in json.loads(result.stdout)["error"]
    assert len(llm.requests) == 1


def test_a_config_file_that_is_not_utf8_is_one_sentence(aws, llm, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # Before: a UnicodeDecodeError traceback.
    config = tmp_path / "config.toml"
    config.write_bytes(b'model = "openai/x"\n# caf\xe9 in Latin-1\n')
    monkeypatch.setenv("LOGAI_CONFIG", str(config))
    for args in (["query", "why?"], ["config"]):
        result = ask(*args)
        assert result.exit_code == 2, args
        assert "is not UTF-8 text" in result.stderr and "Traceback" not in result.output
    monkeypatch.delenv("LOGAI_HOME")  # `logai metrics` then reads the home from the file
    result = ask("metrics")
    assert result.exit_code == 2 and "is not UTF-8 text" in result.stderr


def test_a_wrong_type_for_the_api_key_names_it_without_its_value(aws, llm, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "config.toml"
    config.write_text("api_key = 123456789\n")
    monkeypatch.setenv("LOGAI_CONFIG", str(config))
    monkeypatch.delenv("LOGAI_API_KEY")
    result = ask("query", "why?")
    assert result.exit_code == 2
    assert "`api_key` (LOGAI_API_KEY; its value is not shown)" in result.stderr
    assert "123456789" not in result.output


def test_chat_with_piped_questions_exits_1_when_every_turn_failed(aws, llm) -> None:  # type: ignore[no-untyped-def]
    llm.enqueue(error(400, "bad one"), error(400, "bad two"))
    result = ask("chat", stdin="first?\nsecond?\n")
    assert result.exit_code == 1
    assert result.stderr.count("error:") == 2


def test_chat_exits_0_when_a_turn_was_answered(aws, llm) -> None:  # type: ignore[no-untyped-def]
    llm.enqueue(error(400, "bad one"), text("An answer."))
    result = ask("chat", stdin="first?\nsecond?\n")
    assert result.exit_code == 0 and "An answer." in result.stdout


def test_chat_exits_2_when_every_turn_failed_on_the_set_up(aws, llm) -> None:  # type: ignore[no-untyped-def]
    llm.enqueue(error(401), error(401))
    assert ask("chat", stdin="first?\nsecond?\n").exit_code == 2
