"""The one AWS factory: where the region comes from, the same for every command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from logai.cli import app
from logai.logs.aws import resolve_region
from logai.settings import load_settings


@pytest.mark.parametrize(
    ("flag", "logai_env", "toml", "aws_region", "aws_default", "expected"),
    [
        ("ap-south-1", "eu-north-1", "sa-east-1", "eu-west-1", "us-west-2", "ap-south-1"),
        (None, "eu-north-1", "sa-east-1", "eu-west-1", "us-west-2", "eu-north-1"),
        (None, None, "sa-east-1", "eu-west-1", "us-west-2", "sa-east-1"),
        (None, None, None, "eu-west-1", "us-west-2", "eu-west-1"),
        (None, None, None, None, "us-west-2", "us-west-2"),
        (None, None, None, None, None, None),
    ],
)
def test_region_order(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    flag: str | None,
    logai_env: str | None,
    toml: str | None,
    aws_region: str | None,
    aws_default: str | None,
    expected: str | None,
) -> None:
    """--region, then LOGAI_AWS_REGION or the TOML file, then AWS_REGION, then AWS_DEFAULT_REGION."""
    if toml:
        config = tmp_path / "config.toml"
        config.write_text(f'aws_region = "{toml}"\n')
        monkeypatch.setenv("LOGAI_CONFIG", str(config))
    for name, value in (("LOGAI_AWS_REGION", logai_env), ("AWS_REGION", aws_region), ("AWS_DEFAULT_REGION", aws_default)):
        if value:
            monkeypatch.setenv(name, value)
    assert resolve_region(load_settings(aws_region=flag).aws_region) == expected


def test_config_check_and_the_logs_commands_agree_on_aws_region(aws, monkeypatch: pytest.MonkeyPatch) -> None:
    """With only AWS_REGION set, `config --check` found no region while `logs groups` used it."""
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.setenv("LOGAI_MODEL", "openai/gpt-4o-mini")
    import boto3

    boto3.client(
        "logs", region_name="eu-west-1", endpoint_url=aws.url, aws_access_key_id="testing", aws_secret_access_key="testing"
    ).create_log_group(logGroupName="/only/in/eu-west-1")

    check = CliRunner().invoke(app, ["config", "--check", "--json"])
    assert check.exit_code == 0, check.output
    assert json.loads(check.stdout)["problems"] == []

    groups = CliRunner().invoke(app, ["logs", "groups"])
    assert groups.exit_code == 0, groups.output
    assert "/only/in/eu-west-1" in groups.stdout


def test_sessions_share_one_loader_and_given_keys_ignore_a_missing_profile(monkeypatch: pytest.MonkeyPatch) -> None:
    from botocore.exceptions import ProfileNotFound

    from logai.logs.aws import session_for
    from logai.logs.errors import SourceError

    monkeypatch.setenv("AWS_PROFILE", "not-on-this-machine")
    first = session_for("eu-west-1", credentials=("k", "s"))
    second = session_for("eu-west-1", credentials=("k", "s"))
    assert first.get_component("data_loader") is second.get_component("data_loader")
    client = first.create_client("logs", endpoint_url="http://127.0.0.1:9")
    assert client.meta.region_name == "eu-west-1"
    assert first.get_credentials().access_key == "k"
    with pytest.raises(ProfileNotFound):
        session_for("eu-west-1")
    # Through the settings, the missing profile is a configuration error with its name.
    from logai.logs.aws import aws_session

    with pytest.raises(SourceError, match="not-on-this-machine"):
        aws_session(load_settings())
