"""Running the sandbox: an HTTP server on loopback, seeded with an incident or empty.

    with running_sandbox(incident="pool-shrink") as sandbox:
        sandbox.url, sandbox.environment(), sandbox.truth

The server runs in a thread of this process, so seeding writes straight
into moto's storage and tests can read what logai called
(`sandbox.operations`). `logai demo --serve` keeps one running for other shells.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from logai.events import EventSink
from logai.runtime import REAL, Runtime
from logai.sandbox.app import DEFAULT_REGION, OperationLog, SandboxApp
from logai.sandbox.config import SandboxConfig

if TYPE_CHECKING:
    from logai.logs.source import CloudWatchSource
    from logai.sandbox.incidents import GroundTruth, IncidentData

# Any key works with the sandbox; these say what they are.
CREDENTIALS = ("sandbox", "sandbox")


class SandboxUnavailable(Exception):
    """moto (the sandbox's storage) is not installed."""


class SandboxServer:
    """CloudWatch Logs on 127.0.0.1 (`url`), one account, any region (`region` is where incidents are seeded)."""

    def __init__(
        self,
        config: SandboxConfig | None = None,
        *,
        runtime: Runtime = REAL,
        host: str = "127.0.0.1",
        port: int = 0,
        region: str = DEFAULT_REGION,
    ) -> None:
        try:
            from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
        except ImportError:
            raise SandboxUnavailable(
                "the sandbox needs moto: install it with pip install 'logai[demo]' (or '.[demo]' in a checkout)"
            ) from None
        from logai.sandbox.storage import prepare_moto

        prepare_moto()
        self.config = config or SandboxConfig()
        self.region = region
        self.app = SandboxApp(DomainDispatcherApplication(create_backend_app), self.config, runtime)
        self.truth: GroundTruth | None = None
        self.event_count = 0
        self._restored: tuple[IncidentData, tuple[Any, ...]] | None = None
        self._host, self._port = host, port
        self._server: Any = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        from moto.moto_server.werkzeug_app import MotoRequestHandler
        from werkzeug.serving import make_server

        # werkzeug logs every request on stderr; the sandbox's output is its exports.
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self._server = make_server(self._host, self._port, self.app, threaded=True, request_handler=MotoRequestHandler)
        # A short poll makes stop() quick; an idle poll costs next to nothing.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="logai-sandbox", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the sandbox is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def operations(self) -> OperationLog:
        return self.app.operations

    def environment(self) -> dict[str, str]:
        """Variables that point boto3 (and so logai) in another shell at the sandbox."""
        return {
            "AWS_ENDPOINT_URL": self.url,
            "AWS_ACCESS_KEY_ID": CREDENTIALS[0],
            "AWS_SECRET_ACCESS_KEY": CREDENTIALS[1],
            "AWS_REGION": self.region,
        }

    def reset(self) -> None:
        """Empty the sandbox: moto's storage and logai's own state (what `POST /moto-api/reset` does)."""
        import urllib.request

        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")
        urllib.request.urlopen(request, timeout=10).close()
        self.truth, self.event_count = None, 0

    def seed_incident(self, name: str, *, now_ms: int | None = None) -> GroundTruth:
        """Store incident `name` as of `now_ms` (the current time by default); its ground truth is kept in `truth`."""
        from logai.sandbox.incidents import get_incident

        return self.seed(get_incident(name).generate(now_ms if now_ms is not None else int(time.time() * 1000)))

    def seed(self, data: IncidentData) -> GroundTruth:
        """Store an incident already generated (tests generate one and seed it for many)."""
        from logai.sandbox.incidents.model import collector_paused

        with collector_paused():
            self.event_count += self.app.store.seed(
                self.region,
                ((e.group, e.stream, e.timestamp_ms, e.message) for e in data.events),
                retention_days=data.retention_days,
            )
        # The stored events live as long as the sandbox holds them: keep the cyclic
        # collector from walking them again on every full collection (they are
        # still freed as usual when a reset drops them).
        gc.freeze()
        self.truth = data.truth
        return data.truth

    def restore(self, data: IncidentData) -> GroundTruth:
        """The sandbox holding `data` and nothing else, logai's own state forgotten: `reset` then `seed`,
        except that when the storage still holds exactly what the last `restore` stored, it is kept."""
        store = self.app.store
        if self._restored is not None and self._restored[0] is data and self._restored[1] == store.fingerprint():
            self.app.reset(keep_storage=True)
            self.truth = data.truth
            return data.truth
        self.reset()
        truth = self.seed(data)
        self._restored = (data, store.fingerprint())
        return truth

    def client(self, service: str = "logs") -> Any:
        """A plain client on the sandbox (for seeding; logai's own calls go through `source`)."""
        from logai.logs.aws import session_for

        return session_for(self.region, credentials=CREDENTIALS).create_client(service, endpoint_url=self.url)

    def source(self, settings: Any, *, runtime: Runtime = REAL, sink: EventSink | None = None) -> CloudWatchSource:
        """logai's CloudWatchSource on the sandbox, whatever AWS set-up this process has."""
        from logai.logs.aws import aws_client
        from logai.logs.source import CloudWatchSource

        settings = settings.model_copy(update={"aws_region": self.region, "aws_profile": None})
        client = aws_client(settings, "logs", runtime=runtime, sink=sink, endpoint_url=self.url, credentials=CREDENTIALS)
        return CloudWatchSource(client, runtime=runtime, sink=sink)


@contextmanager
def running_sandbox(
    *,
    incident: str | None = None,
    config: SandboxConfig | None = None,
    runtime: Runtime = REAL,
    port: int = 0,
    now_ms: int | None = None,
) -> Iterator[SandboxServer]:
    """A started sandbox, seeded with `incident` (empty when None), stopped at the end."""
    sandbox = SandboxServer(config, runtime=runtime, port=port)
    sandbox.start()
    try:
        if incident is not None:
            sandbox.seed_incident(incident, now_ms=now_ms)
        yield sandbox
    finally:
        sandbox.stop()
