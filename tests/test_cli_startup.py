"""Commands that do not talk to the model never import litellm (seconds) or boto3."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

PROBE = """
import json, runpy, sys
sys.argv = {argv!r}
try:
    runpy.run_module("logai", run_name="__main__")
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""
HEAVY = ("litellm", "boto3", "botocore", "moto", "prometheus_client", "drain3")


def loaded_modules(*argv: str) -> list[str]:
    """Every module a `logai …` process had imported by its end."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(argv=["logai", *argv])],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=60,
    )
    return json.loads(done.stderr.strip().splitlines()[-1])


def imported(*argv: str) -> list[str]:
    loaded = set(loaded_modules(*argv))
    return sorted(m for m in HEAVY if m in loaded)


@pytest.mark.parametrize(
    ("argv", "allowed"),
    [
        (["--help"], []),
        (["--version"], []),
        (["query", "--help"], []),
        (["chat", "--help"], []),
        (["config"], []),
        (["metrics"], []),
        (["patterns", "--help"], []),
    ],
)
def test_light_commands_stay_light(argv: list[str], allowed: list[str]) -> None:
    assert imported(*argv) == allowed


def test_query_without_a_model_fails_before_importing_anything_heavy() -> None:
    assert "litellm" not in imported("query", "why?")
