"""`logai config`: effective settings, their sources, secrets masked, problems named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from logai.cli import app


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, ["config", *args], catch_exceptions=False)


def test_json_shows_values_sources_and_masks_secrets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "c.toml"
    config.write_text('max_tool_rounds = 4\n')
    monkeypatch.setenv("LOGAI_CONFIG", str(config))
    monkeypatch.setenv("LOGAI_MODEL", "openai/gpt-4o-mini")
    monkeypatch.setenv("LOGAI_API_KEY", "sk-live-abcdefghijklmnopqrstuvwxyz")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-proj-zyxwvutsrqponmlkjihgfedcba")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    result = run("--json")
    assert result.exit_code == 0
    payload = json.loads(result.stdout)
    assert payload["settings"]["model"] == "openai/gpt-4o-mini"
    assert payload["sources"] == {**payload["sources"], "model": "env", "max_tool_rounds": "file", "widen_factor": "default"}
    assert payload["config_file"] == str(config)
    for secret in ("abcdefghijklmnopqrstuvwxyz", "zyxwvutsrqponmlkjihgfedcba", "K7MDENG"):
        assert secret not in result.stdout
    assert "OPENAI_API_KEY" in payload["environment"]
    assert payload["problems"] == []


def test_missing_model_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    result = run()
    assert result.exit_code == 0  # showing is not failing…
    assert "LOGAI_MODEL" in result.stdout
    assert run("--check").exit_code == 2  # …checking is


def test_check_reports_missing_aws_region(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGAI_MODEL", "openai/gpt-4o-mini")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    result = run("--check", "--json")
    assert result.exit_code == 2
    assert any("No AWS region is set" in p for p in json.loads(result.stdout)["problems"])


def test_broken_config_file_exits_2_with_one_sentence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "c.toml"
    config.write_text("model = [unclosed\n")
    monkeypatch.setenv("LOGAI_CONFIG", str(config))
    result = run()
    assert result.exit_code == 2
    assert "not valid TOML" in result.stderr
    assert "Traceback" not in result.output
