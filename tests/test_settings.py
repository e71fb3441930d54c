"""Settings: flags > LOGAI_* environment > TOML file > defaults; clear errors."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from logai.settings import ConfigError, Settings, load_settings

REPO = Path(__file__).resolve().parent.parent


def write_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    monkeypatch.setenv("LOGAI_CONFIG", str(path))
    return path


def test_defaults_apply_without_file_or_environment() -> None:
    settings = load_settings()
    assert settings.model is None
    assert settings.max_tool_rounds == 8
    assert settings.llm_backoff_base == 0.5


def test_precedence_flag_over_env_over_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_config(tmp_path, monkeypatch, 'model = "file/model"\nmax_tool_rounds = 3\naws_region = "eu-west-1"\n')
    assert load_settings().model == "file/model"
    monkeypatch.setenv("LOGAI_MODEL", "env/model")
    settings = load_settings()
    assert settings.model == "env/model"
    assert settings.max_tool_rounds == 3  # still from the file
    assert load_settings(model="flag/model").model == "flag/model"
    # A flag left at None never masks the file.
    assert load_settings(aws_region=None).aws_region == "eu-west-1"


def test_default_config_path_is_read(isolated_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    path = Path(os.environ["HOME"]) / ".config" / "logai" / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text('model = "home/model"\n')
    assert load_settings().model == "home/model"


def test_home_and_api_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGAI_HOME", str(tmp_path / "h"))
    monkeypatch.setenv("LOGAI_API_KEY", "sk-abcdefghijklmnop")
    settings = load_settings()
    assert settings.home == tmp_path / "h"
    assert "sk-abcdefghijklmnop" not in repr(settings)
    assert "sk-abcdefghijklmnop" not in str(settings.masked())
    assert settings.api_key is not None and settings.api_key.get_secret_value() == "sk-abcdefghijklmnop"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("modle = 'x'\n", "unknown setting `modle`"),
        ("max_tool_rounds = 'many'\n", "`max_tool_rounds` = 'many'"),
        ("max_tool_rounds = 0\n", "`max_tool_rounds` = 0"),
        ("model = \n", "not valid TOML"),
    ],
)
def test_bad_file_gives_one_sentence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, message: str) -> None:
    write_config(tmp_path, monkeypatch, text)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_named_config_file_must_exist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGAI_CONFIG", str(tmp_path / "missing.toml"))
    with pytest.raises(ConfigError, match="not a readable file"):
        load_settings()


def test_bad_environment_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGAI_LLM_TIMEOUT", "soon")
    with pytest.raises(ConfigError, match="llm_timeout"):
        load_settings()


def test_require_model_names_the_setting() -> None:
    with pytest.raises(ConfigError, match="LOGAI_MODEL"):
        load_settings().require_model()


def test_config_example_documents_every_setting_with_its_default() -> None:
    text = (REPO / "config.example.toml").read_text()
    documented = {}
    for line in text.splitlines():
        match = re.match(r"^# (\w+) = (.*?)(\s+#.*)?$", line)
        if match:
            documented.setdefault(match.group(1), match.group(2))
    fields = Settings.model_fields
    assert set(fields) <= set(documented), f"undocumented: {set(fields) - set(documented)}"
    for name, field in fields.items():
        default = field.get_default(call_default_factory=True)
        if default is None or name in ("home",):
            continue
        value = tomllib.loads(f"v = {documented[name]}")["v"]
        assert value == default, name


def test_backoff_cap_below_base_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGAI_LLM_BACKOFF_BASE", "4")
    monkeypatch.setenv("LOGAI_LLM_BACKOFF_CAP", "1")
    with pytest.raises(ConfigError, match="llm_backoff_cap"):
        load_settings()


def test_errors_never_echo_the_api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGAI_API_KEY", "sk-super-secret-value")
    monkeypatch.setenv("LOGAI_LLM_BACKOFF_BASE", "4")
    monkeypatch.setenv("LOGAI_LLM_BACKOFF_CAP", "1")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert "sk-super-secret-value" not in str(caught.value)
    assert str(caught.value).startswith("Invalid settings: llm_backoff_cap (1 s) must not be below")
