"""The root command: lazily loaded commands, plain help, shell completion."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from logai.cli import COMMANDS, app, load_command
from tests.test_cli_startup import loaded_modules

def modules_after(*argv: str) -> list[str]:
    return [m for m in loaded_modules(*argv) if m.startswith(("logai.commands.", "rich", "pydantic_settings"))]


@pytest.mark.parametrize("name", list(COMMANDS))
def test_the_listed_help_is_each_command_own(name: str) -> None:
    assert load_command(name).get_short_help_str(limit=500) == COMMANDS[name]


def test_help_lists_every_command_without_importing_one_or_rich() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    for name in COMMANDS:
        assert f"  {name} " in result.stdout
    assert "--install-completion" in result.stdout
    assert modules_after("--help") == ["logai.commands.common"]


def test_a_command_imports_its_own_module_only() -> None:
    assert modules_after("patterns", "--help") == ["logai.commands.common", "logai.commands.patterns"]


@pytest.mark.parametrize("command", ["metrics", "history"])
def test_reading_what_sessions_kept_needs_no_pydantic_settings(command: str) -> None:
    assert "pydantic_settings" not in modules_after(command)


def test_unknown_command_is_a_usage_error() -> None:
    result = CliRunner().invoke(app, ["frobnicate"])
    assert result.exit_code == 2
    assert "No such command 'frobnicate'" in result.output


def test_show_completion_prints_a_script_for_the_shell() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "logai", "--show-completion", "bash"],
        capture_output=True, text=True, env=dict(os.environ), timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "_LOGAI_COMPLETE" in done.stdout and "complete" in done.stdout


def complete(words: str, env: dict[str, str] | None = None) -> list[str]:
    """What bash completion offers after `words` (the last word is being typed)."""
    done = subprocess.run(
        [sys.executable, "-m", "logai"],
        capture_output=True, text=True, timeout=60,
        env={**os.environ, **(env or {}), "_LOGAI_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1))},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_commands_and_subcommands_complete() -> None:
    assert complete("logai me") == ["metrics"]
    assert complete("logai logs s") == ["streams", "search"]
