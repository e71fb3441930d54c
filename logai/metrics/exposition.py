"""Prometheus text exposition of logai's metrics, and a `/metrics` endpoint.

Names get the `logai_` prefix; counters come out as `logai_<name>_total` and
histograms as real Prometheus histograms with buckets chosen per metric.
prometheus_client is imported inside the functions, so importing this module
costs nothing.
"""

from __future__ import annotations

import itertools
import re
import socket
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from logai.metrics import names
from logai.metrics.buckets import bucket_counts, buckets_for
from logai.metrics.collector import LabelKey, MetricsCollector
from logai.metrics.store import MetricsStoreError, StoreTotals
from logai.metrics.totals import BucketCounts, capped_key

if TYPE_CHECKING:
    from prometheus_client.metrics_core import Metric

PREFIX = "logai_"

_INVALID_NAME_CHARS = re.compile(r"[^a-zA-Z0-9_]")


def exposed_name(name: str) -> str:
    """`retry_attempts` -> `logai_retry_attempts` (invalid characters become `_`)."""
    return PREFIX + _INVALID_NAME_CHARS.sub("_", name)


def help_text(name: str) -> str:
    spec = names.CATALOGUE.get(name)
    return spec.help if spec else f"logai metric {name}."


def cumulative_buckets(buckets: BucketCounts, bounds: Sequence[float]) -> list[tuple[str, float]]:
    """(le, count of observations <= le) for every bound and +Inf, as Prometheus wants them."""
    from prometheus_client.utils import floatToGoString

    cumulative = list(itertools.accumulate(buckets.counts))
    return [(floatToGoString(bound), float(n)) for bound, n in zip(bounds, cumulative)] + [("+Inf", float(cumulative[-1]))]


def _label_names(keys: Iterable[LabelKey]) -> list[str]:
    """Every label name used by any series of one metric (a series without one gets "")."""
    return sorted({_INVALID_NAME_CHARS.sub("_", k) for key in keys for k, _ in key})


def _label_values(key: LabelKey, label_names: list[str]) -> list[str]:
    given = {_INVALID_NAME_CHARS.sub("_", k): v for k, v in key}
    return [given.get(label, "") for label in label_names]


def metric_families(totals: StoreTotals) -> Iterator[Metric]:
    """prometheus_client metric families for every counter and histogram in `totals`.

    Label values are capped on the way out (a store written before the cap may
    hold long ones); series that become the same are added together.
    """
    from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily

    by_name: dict[str, dict[LabelKey, float]] = {}
    for (name, labels), value in totals.counters.items():
        series = by_name.setdefault(name, {})
        key = capped_key(labels)
        series[key] = series.get(key, 0.0) + value
    for name, counted in sorted(by_name.items()):
        label_names = _label_names(counted)
        counter = CounterMetricFamily(exposed_name(name), help_text(name), labels=label_names)
        for labels, value in sorted(counted.items()):
            counter.add_metric(_label_values(labels, label_names), value)
        yield counter

    hist_by_name: dict[str, dict[LabelKey, BucketCounts]] = {}
    for (name, labels), values in totals.samples.items():
        _merge(hist_by_name.setdefault(name, {}), capped_key(labels), BucketCounts(tuple(bucket_counts(name, values)), sum(values)))
    for (name, labels), buckets in totals.histograms.items():
        _merge(hist_by_name.setdefault(name, {}), capped_key(labels), buckets)
    for name, hist_series in sorted(hist_by_name.items()):
        label_names = _label_names(hist_series)
        histogram = HistogramMetricFamily(exposed_name(name), help_text(name), labels=label_names)
        bounds = buckets_for(name)
        for labels, buckets in sorted(hist_series.items()):
            histogram.add_metric(_label_values(labels, label_names), cumulative_buckets(buckets, bounds), buckets.total)
        yield histogram


def _merge(series: dict[LabelKey, BucketCounts], key: LabelKey, buckets: BucketCounts) -> None:
    series[key] = series[key].plus(buckets) if key in series else buckets


class TotalsCollector:
    """A prometheus_client custom collector that reads fresh totals on every collect."""

    def __init__(self, totals_fn: Callable[[], StoreTotals]) -> None:
        self._totals_fn = totals_fn

    def collect(self) -> Iterator[Metric]:
        yield from metric_families(self._totals_fn())


def render_prometheus(totals: StoreTotals | MetricsCollector) -> str:
    """Prometheus text exposition (format 0.0.4) of store totals or an in-memory collector."""
    from prometheus_client import CollectorRegistry
    from prometheus_client.exposition import generate_latest

    snapshot = StoreTotals.from_collector(totals) if isinstance(totals, MetricsCollector) else totals
    registry = CollectorRegistry(auto_describe=False)
    registry.register(TotalsCollector(lambda: snapshot))
    return generate_latest(registry).decode("utf-8")


class _QuietHandler(WSGIRequestHandler):
    """No access log on stderr: the terminal belongs to the person running logai."""

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _PooledServer(WSGIServer):
    """Each request runs on a small fixed pool: a slow store read never holds up
    the next scrape, and a flood of connections cannot start unbounded threads."""

    workers = 4
    _pool: ThreadPoolExecutor | None = None

    def server_activate(self) -> None:
        super().server_activate()
        self._pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="logai-metrics")

    def process_request(self, request: Any, client_address: Any) -> None:
        assert self._pool is not None, "requests arrive only after server_activate"
        self._pool.submit(self._handle, request, client_address)

    def _handle(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)

    def server_close(self) -> None:
        super().server_close()
        if self._pool is not None:  # None when binding the address failed
            self._pool.shutdown(wait=False, cancel_futures=True)


class _PooledServer6(_PooledServer):
    address_family = socket.AF_INET6


@dataclass
class MetricsServer:
    """A running `/metrics` endpoint; `close()` stops it."""

    host: str
    port: int
    _server: WSGIServer
    _thread: threading.Thread

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/metrics"

    def wait(self, timeout: float | None = None) -> None:
        """Block until the server stops (or `timeout` seconds pass)."""
        self._thread.join(timeout)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


def metrics_app(totals_fn: Callable[[], StoreTotals]) -> Callable[..., Iterable[bytes]]:
    """prometheus_client's WSGI app over fresh totals per scrape, on `/metrics` (and `/`).

    A store that cannot be read answers 503 with the reason instead of a 500.
    """
    from prometheus_client import CollectorRegistry, make_wsgi_app

    registry = CollectorRegistry(auto_describe=False)
    registry.register(TotalsCollector(totals_fn))
    prometheus = make_wsgi_app(registry)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") not in ("/metrics", "/"):
            start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"logai serves /metrics\n"]
        try:
            body: Iterable[bytes] = prometheus(environ, start_response)
            return body
        except MetricsStoreError as exc:
            start_response("503 Service Unavailable", [("Content-Type", "text/plain; charset=utf-8")])
            return [f"{exc}\n".encode()]

    return app


def serve(totals_fn: Callable[[], StoreTotals], host: str = "127.0.0.1", port: int = 9464) -> MetricsServer:
    """Serve `GET /metrics` from `totals_fn()` (called on every scrape) in a background thread.

    Port 0 picks a free port (see `MetricsServer.port`). Raises OSError if the address is taken.
    """
    server_class = _PooledServer6 if ":" in host else _PooledServer
    server = make_server(host, port, metrics_app(totals_fn), server_class=server_class, handler_class=_QuietHandler)
    # A short poll interval makes close() quick; an idle poll costs next to nothing.
    thread = threading.Thread(target=server.serve_forever, args=(0.1,), name="logai-metrics-server", daemon=True)
    thread.start()
    return MetricsServer(host=host, port=server.server_address[1], _server=server, _thread=thread)
