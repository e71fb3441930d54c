"""Shared fixtures: an isolated home, the CloudWatch Logs sandbox and the scripted LLM server.

Both outside systems are real HTTP servers on loopback, so the code under test
goes through the same boto3 and litellm paths as in production. The sandbox
(`logai.sandbox`) is moto's storage with faithful filter patterns and Logs
Insights in front; `plain_moto` is moto alone, for tests that show the difference.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from logai.sandbox.incidents import GroundTruth, IncidentData
    from logai.sandbox.server import SandboxServer



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
    # The client-side rate limit waits in real time through the CLI's runtime;
    # tests that exercise it build a RateLimiter on a FakeClock.
    monkeypatch.setenv("LOGAI_CLOUDWATCH_RATE_LIMITS", "{}")
    return home


@dataclass
class MotoEndpoint:
    """A running moto server, reset for the current test."""

    url: str
    region: str = "us-east-1"

    def client(self, service: str = "logs"):
        """A plain botocore client (what boto3.client makes), on the process's shared data loader."""
        from logai.logs.aws import session_for

        return session_for(self.region, credentials=("testing", "testing")).create_client(service, endpoint_url=self.url)


# Every CloudWatch action logai's own processes called during the session (the sandbox
# counts requests whose User-Agent carries logai/), for the least-privilege check.
OPERATIONS_CALLED: set[str] = set()


@pytest.fixture(scope="session")
def _sandbox() -> Iterator[SandboxServer]:
    from logai.sandbox.server import SandboxServer

    server = SandboxServer()
    server.start()
    yield server
    OPERATIONS_CALLED.update(server.operations.actions())
    server.stop()
    # At the end of the run (of each worker): everything logai's processes called is in the README's policy.
    from tests.test_iam_policy import policy_actions

    allowed = {action.split(":", 1)[1] for action in policy_actions() if action.startswith("logs:")}
    outside = sorted(OPERATIONS_CALLED - allowed)
    assert not outside, f"logai called CloudWatch actions the README's IAM policy does not allow: {outside}"


@pytest.fixture
def sandbox(_sandbox: SandboxServer, request: pytest.FixtureRequest) -> SandboxServer:
    """The sandbox, emptied for this test (holding only the demo incident when the test asks for `pool_shrink`)."""
    OPERATIONS_CALLED.update(_sandbox.operations.actions())
    if "pool_shrink" in request.fixturenames:
        _sandbox.restore(request.getfixturevalue("_pool_shrink_data"))
    else:
        _sandbox.reset()
    return _sandbox


@pytest.fixture
def aws(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> MotoEndpoint:
    """The sandbox, emptied, with the environment pointing boto3 (and logai) at it."""
    endpoint = MotoEndpoint(url=sandbox.url)
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint.url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", endpoint.region)
    monkeypatch.setenv("AWS_DEFAULT_REGION", endpoint.region)
    return endpoint


@pytest.fixture(scope="session")
def _pool_shrink_data() -> IncidentData:
    """The demo incident, generated once for the session (its times are relative to the session's start)."""
    import time

    from logai.sandbox.incidents import get_incident

    data = get_incident("pool-shrink").generate(int(time.time() * 1000))
    gc.freeze()  # session-long: out of the cyclic collector's way (see SandboxServer.seed)
    return data


@pytest.fixture
def pool_shrink(aws: MotoEndpoint, sandbox: SandboxServer, _pool_shrink_data: IncidentData) -> GroundTruth:
    """The sandbox holding the demo incident, its ground truth. Seeded once for the tests that ask for it
    in a row: `sandbox` keeps the storage when nothing changed it since."""
    assert sandbox.truth is _pool_shrink_data.truth
    return _pool_shrink_data.truth


@pytest.fixture(scope="session")
def sandbox_operations() -> set[str]:
    """The CloudWatch actions logai's processes called so far in this session."""
    return OPERATIONS_CALLED


@pytest.fixture(scope="session")
def plain_moto(_sandbox: SandboxServer) -> Iterator[str]:
    """moto's own server over the same storage as the sandbox (moto keeps it per process): its URL."""
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


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


@pytest.fixture(scope="session")
def _provider_servers():
    from tests.llm_server import ScriptedLLMServer
    from tests.providers import PROVIDERS

    servers = {name: ScriptedLLMServer(spec.handler) for name, spec in PROVIDERS.items()}
    for server in servers.values():
        server.start()
    yield servers
    for server in servers.values():
        server.stop()


@pytest.fixture(params=["openai", "anthropic", "ollama", "bedrock"])
def provider(request, _provider_servers, aws, monkeypatch: pytest.MonkeyPatch):
    """Each provider the README names, in turn: its scripted server, emptied, and LOGAI_MODEL with the
    provider's own variables pointing at it (`indirect` parametrization picks some)."""
    from tests.providers import PROVIDERS, ProviderServer

    spec = PROVIDERS[request.param]
    server = _provider_servers[spec.name]
    server.reset()
    monkeypatch.setenv("LOGAI_MODEL", spec.model)
    for name, value in spec.env(server).items():
        monkeypatch.setenv(name, value)
    yield ProviderServer(spec, server)
