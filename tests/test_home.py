"""`home_dir` (read without pydantic) agrees with `Settings.home`, or defers to it."""

from __future__ import annotations

from pathlib import Path

import pytest

from logai.home import home_dir
from logai.settings import load_settings


def test_the_environment_comes_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config.toml"
    config.write_text('home = "/from/file"\n')
    monkeypatch.setenv("LOGAI_CONFIG", str(config))
    monkeypatch.setenv("LOGAI_HOME", str(tmp_path / "from-env"))
    assert home_dir() == load_settings().home == tmp_path / "from-env"


def test_then_the_file_then_the_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOGAI_HOME")
    assert home_dir() == load_settings().home == Path("~/.local/share/logai").expanduser()
    config = tmp_path / "config.toml"
    config.write_text('home = "~/elsewhere"\nmodel = "openai/x"\n')
    monkeypatch.setenv("LOGAI_CONFIG", str(config))
    assert home_dir() == load_settings().home == Path("~/elsewhere").expanduser()


@pytest.mark.parametrize("text", ["home = [1]\n", "home = \n", "home = ' '\n"])
def test_what_only_settings_can_explain_is_left_to_them(text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOGAI_HOME")
    config = tmp_path / "config.toml"
    config.write_text(text)
    monkeypatch.setenv("LOGAI_CONFIG", str(config))
    assert home_dir() is None
    monkeypatch.setenv("LOGAI_CONFIG", str(tmp_path / "missing.toml"))
    assert home_dir() is None
