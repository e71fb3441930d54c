"""Shared fixtures: an isolated home, moto's CloudWatch Logs server and the scripted LLM server.

Both outside systems are real HTTP servers on loopback, so the code under test
goes through the same boto3 and litellm paths as in production.
"""

from __future__ import annotations

import os
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest




# Variables that would let a developer's own set-up leak into a test.
_LEAKY_PREFIXES = ("LOGAI_", "AWS_", "OPENAI_", "ANTHROPIC_", "LITELLM_", "OLLAMA_")


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh LOGAI_HOME and no credentials or config from the developer's machine."""
    for name in list(os.environ):
        if name.startswith(_LEAKY_PREFIXES):
            monkeypatch.delenv(name, raising=False)
    home = tmp_path / "logai-home"
    monkeypatch.setenv("LOGAI_HOME", str(home))
    monkeypatch.setenv("HOME", str(tmp_path / "user-home"))  # so ~/.config/logai is empty
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("NO_COLOR", "1")
    return home


@dataclass
class MotoEndpoint:
    """A running moto server, reset for the current test."""

    url: str
    region: str = "us-east-1"

    def client(self, service: str = "logs"):
        import boto3

        return boto3.client(
            service,
            region_name=self.region,
            endpoint_url=self.url,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )


@pytest.fixture(scope="session")
def _moto_server() -> Iterator[str]:
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one access-log line per request is noise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def aws(_moto_server: str, monkeypatch: pytest.MonkeyPatch) -> MotoEndpoint:
    """moto's server, emptied, with the environment pointing boto3 (and logai) at it."""
    reset = urllib.request.Request(f"{_moto_server}/moto-api/reset", method="POST")
    urllib.request.urlopen(reset, timeout=10).close()
    endpoint = MotoEndpoint(url=_moto_server)
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint.url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", endpoint.region)
    monkeypatch.setenv("AWS_DEFAULT_REGION", endpoint.region)
    return endpoint


@pytest.fixture(scope="session")
def _llm_server():
    from tests.llm_server import ScriptedLLMServer

    server = ScriptedLLMServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def llm(_llm_server, monkeypatch: pytest.MonkeyPatch):
    """The scripted OpenAI-compatible server, emptied, with LOGAI_MODEL/API_BASE pointing at it."""
    _llm_server.reset()
    monkeypatch.setenv("LOGAI_MODEL", "openai/scripted")
    monkeypatch.setenv("LOGAI_API_BASE", _llm_server.url)
    monkeypatch.setenv("LOGAI_API_KEY", "sk-test-not-a-real-key")
    yield _llm_server
