"""An embedded CloudWatch Logs endpoint (moto's server on loopback), seeded with the incident."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import groupby
from typing import TYPE_CHECKING, Any

from logai.demo.incident import GROUPS, PAYMENTS, SeedEvent, incident_events
from logai.events import EventSink
from logai.runtime import REAL, Runtime

if TYPE_CHECKING:
    from logai.logs.source import CloudWatchSource

REGION = "us-east-1"
# PutLogEvents limits: 10,000 events and 1 MiB per batch (26 bytes overhead each).
_MAX_BATCH_EVENTS = 10_000
_MAX_BATCH_BYTES = 1_048_576
_RETENTION = {PAYMENTS: 30}


class SandboxUnavailable(Exception):
    """The demo extra (moto) is not installed."""


# Any key works with the sandbox; these say what they are.
CREDENTIALS = ("demo", "demo")


@dataclass(frozen=True, slots=True)
class Sandbox:
    endpoint_url: str
    region: str
    event_count: int

    def environment(self) -> dict[str, str]:
        """Variables that point boto3 (and so logai) in another shell at the sandbox."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_ACCESS_KEY_ID": CREDENTIALS[0],
            "AWS_SECRET_ACCESS_KEY": CREDENTIALS[1],
            "AWS_REGION": self.region,
        }

    def source(self, settings: Any, *, runtime: Runtime = REAL, sink: EventSink | None = None) -> CloudWatchSource:
        """A CloudWatchSource on the sandbox, whatever AWS set-up this process has."""
        from logai.logs.aws import aws_client
        from logai.logs.source import CloudWatchSource

        settings = settings.model_copy(update={"aws_region": self.region, "aws_profile": None})
        client = aws_client(
            settings, "logs", runtime=runtime, sink=sink, endpoint_url=self.endpoint_url, credentials=CREDENTIALS
        )
        return CloudWatchSource(client, runtime=runtime, sink=sink)


@contextmanager
def running_sandbox(*, now_ms: int | None = None, port: int = 0) -> Iterator[Sandbox]:
    """Start moto's server on 127.0.0.1, seed it, stop it at the end."""
    try:
        from moto.server import ThreadedMotoServer
    except ImportError:
        raise SandboxUnavailable(
            "the demo needs the embedded CloudWatch sandbox: install it with pip install 'logai[demo]'"
        ) from None
    import logging

    # werkzeug logs every request to stderr; the demo's output is the conversation.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        host, bound = server.get_host_and_port()
        url = f"http://{host}:{bound}"
        count = seed(_client(url), incident_events(now_ms or int(time.time() * 1000)))
        yield Sandbox(url, REGION, count)
    finally:
        server.stop()


def _client(url: str) -> Any:
    import boto3

    return boto3.client(
        "logs", region_name=REGION, endpoint_url=url, aws_access_key_id=CREDENTIALS[0], aws_secret_access_key=CREDENTIALS[1]
    )


def seed(client: Any, events: Iterable[SeedEvent]) -> int:
    """Create groups and streams and put the events; returns how many were put."""
    for group in GROUPS:
        client.create_log_group(logGroupName=group)
        if group in _RETENTION:
            client.put_retention_policy(logGroupName=group, retentionInDays=_RETENTION[group])
    total = 0
    ordered = sorted(events, key=lambda e: (e.group, e.stream, e.timestamp_ms))
    for (group, stream), items in groupby(ordered, key=lambda e: (e.group, e.stream)):
        client.create_log_stream(logGroupName=group, logStreamName=stream)
        for batch in _batches(list(items)):
            client.put_log_events(logGroupName=group, logStreamName=stream, logEvents=batch)
            total += len(batch)
    return total


def _batches(events: list[SeedEvent]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    size = 0
    for event in events:
        cost = len(event.message.encode()) + 26
        if batch and (len(batch) >= _MAX_BATCH_EVENTS or size + cost > _MAX_BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append({"timestamp": event.timestamp_ms, "message": event.message})
        size += cost
    if batch:
        yield batch
