"""The sandbox's HTTP front: logai's own CloudWatch Logs handlers in front of moto's app.

Requests for the calls moto gets wrong (FilterLogEvents and the Insights
calls) are answered here; everything else (groups, streams, PutLogEvents,
GetLogEvents, Describe*) goes on to moto unchanged. In realistic mode every
CloudWatch Logs request first pays the round-trip latency and its action's
rate quota. Requests from logai itself (its User-Agent carries `logai/`)
are counted per action, so tests and benchmarks can see what logai called.
"""

from __future__ import annotations

import io
import json
import logging
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from logai.runtime import REAL, Runtime
from logai.sandbox.config import SandboxConfig
from logai.sandbox.errors import AwsError
from logai.sandbox.filtering import filter_log_events
from logai.sandbox.queries import QueryService
from logai.sandbox.quotas import RequestQuotas
from logai.sandbox.storage import EventStore

TARGET_PREFIX = "Logs_20140328."
DEFAULT_REGION = "us-east-1"
_JSON = "application/x-amz-json-1.1"

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
Handler = Callable[[str, Mapping[str, Any]], dict[str, Any]]

log = logging.getLogger(__name__)


class OperationLog:
    """How many times logai's processes called each CloudWatch Logs action, and how many were throttled."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls: Counter[str] = Counter()
        self.throttled: Counter[str] = Counter()

    def record(self, action: str, *, throttled: bool) -> None:
        with self._lock:
            self.calls[action] += 1
            if throttled:
                self.throttled[action] += 1

    def actions(self) -> set[str]:
        with self._lock:
            return set(self.calls)

    def clear(self) -> None:
        with self._lock:
            self.calls.clear()
            self.throttled.clear()


class SandboxApp:
    """A WSGI app: CloudWatch Logs with faithful filter patterns and Insights, quotas and latency, over moto."""

    def __init__(self, moto_app: WSGIApp, config: SandboxConfig, runtime: Runtime = REAL) -> None:
        self.config = config
        self.runtime = runtime
        self.store = EventStore()
        self.queries = QueryService(self.store, config, runtime.wall_clock)
        self.quotas = RequestQuotas(config.quotas, runtime.clock)
        self.operations = OperationLog()
        self._moto = moto_app
        self._handlers: dict[str, Handler] = {
            "FilterLogEvents": lambda region, params: filter_log_events(self.store, region, params, config),
            "StartQuery": self.queries.start_query,
            "GetQueryResults": lambda region, params: self.queries.get_query_results(params),
            "StopQuery": lambda region, params: self.queries.stop_query(params),
            "DescribeQueries": lambda region, params: self.queries.describe_queries(params),
            "GetLogRecord": self.queries.get_log_record,
        }

    def reset(self, *, keep_storage: bool = False) -> None:
        """Forget queries, quota state and the operation log, and the storage's caches unless it is kept
        (moto's own reset empties the storage)."""
        if not keep_storage:
            self.store.reset()
        self.queries.reset()
        self.quotas.reset()
        self.operations.clear()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "").startswith("/moto-api/reset"):
            self.reset()
            return self._moto(environ, start_response)
        target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
        if not target.startswith(TARGET_PREFIX):
            return self._moto(environ, start_response)
        action = target[len(TARGET_PREFIX) :]
        body = _read_body(environ)
        throttled = False
        if self.config.realistic:
            self.runtime.sleep(self.config.latency_s)
            throttled = not self.quotas.allow(action)
        if "logai/" in str(environ.get("HTTP_USER_AGENT", "")):
            self.operations.record(action, throttled=throttled)
        if throttled:
            return _respond(start_response, AwsError("ThrottlingException", "Rate exceeded"))
        handler = self._handlers.get(action)
        if handler is None:
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
            return self._moto(environ, start_response)
        try:
            params = json.loads(body or b"{}")
            if not isinstance(params, dict):
                raise AwsError("SerializationException", "The request body must be a JSON object.")
            return _respond(start_response, handler(_region(environ), params))
        except json.JSONDecodeError:
            return _respond(start_response, AwsError("SerializationException", "The request body is not valid JSON."))
        except AwsError as exc:
            return _respond(start_response, exc)
        except Exception:  # a bug here must not take the server down or hang the client
            log.exception("sandbox handler for %s failed", action)
            return _respond(start_response, AwsError("ServiceUnavailableException", "The sandbox failed.", status=500))


def _read_body(environ: dict[str, Any]) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    stream = environ.get("wsgi.input")
    return stream.read(length) if stream is not None and length > 0 else b""


def _region(environ: Mapping[str, Any]) -> str:
    """The region of the request's SigV4 credential scope (`Credential=KEY/DATE/REGION/logs/aws4_request`)."""
    authorization = str(environ.get("HTTP_AUTHORIZATION", ""))
    _, _, scope = authorization.partition("Credential=")
    parts = scope.split(",")[0].split("/")
    return parts[2] if len(parts) > 2 and parts[2] else DEFAULT_REGION


def _respond(start_response: Callable[..., Any], outcome: dict[str, Any] | AwsError) -> list[bytes]:
    if isinstance(outcome, AwsError):
        status, document = f"{outcome.status} {'Bad Request' if outcome.status == 400 else 'Error'}", outcome.body()
    else:
        status, document = "200 OK", outcome
    payload = json.dumps(document).encode("utf-8")
    start_response(
        status,
        [("Content-Type", _JSON), ("Content-Length", str(len(payload))), ("x-amzn-RequestId", str(uuid.uuid4()))],
    )
    return [payload]
