"""Publish logai's metric totals to Amazon CloudWatch with PutMetricData.

Counters go out as one value each (unit Count, or Seconds/None from the
name); histograms as statistic sets (SampleCount, Sum, Minimum, Maximum).
Labels become dimensions. The boto3 client is passed in.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from typing import Any

from logai.metrics import names
from logai.metrics.collector import LabelKey
from logai.metrics.store import StoreTotals

# PutMetricData accepts at most 1000 metrics and 1 MB per request, and 30
# dimensions per metric (API reference, PutMetricData).
MAX_DATUMS_PER_REQUEST = 1000
MAX_REQUEST_BYTES = 1_000_000
MAX_DIMENSIONS = 30
MAX_DIMENSION_VALUE_CHARS = 1024
# The wire encoding (query parameters or CBOR) is larger than compact JSON;
# counting each datum at 3x its JSON size keeps a batch well under the limit.
_WIRE_OVERHEAD = 3

_NAMESPACE_RE = re.compile(r"^[0-9A-Za-z.\-_/#:]{1,255}$")


def check_namespace(namespace: str) -> None:
    """Raise ValueError (one sentence) unless CloudWatch accepts `namespace` for custom metrics."""
    if not _NAMESPACE_RE.match(namespace):
        raise ValueError(
            f"{namespace!r} is not a CloudWatch namespace: use 1-255 letters, digits or . - _ / # : (for example logai)."
        )
    if namespace.startswith("AWS/"):
        raise ValueError(f"{namespace!r} is reserved for AWS services: pick a namespace that does not start with AWS/.")


def unit_for(name: str, kind: str) -> str:
    """The CloudWatch unit of metric `name` ("counter" or "histogram")."""
    if name.endswith("_seconds"):
        return "Seconds"
    if name == names.LLM_COST_USD:
        return "None"
    return "Count" if kind == "counter" else "None"


def dimensions(labels: LabelKey) -> list[dict[str, str]]:
    """Labels as CloudWatch dimensions (empty values dropped: CloudWatch refuses them)."""
    return [
        {"Name": key[:255], "Value": value[:MAX_DIMENSION_VALUE_CHARS]} for key, value in labels if value
    ][:MAX_DIMENSIONS]


def metric_data(totals: StoreTotals, *, timestamp: datetime) -> list[dict[str, Any]]:
    """One MetricDatum per counter series and per histogram series in `totals`."""
    data: list[dict[str, Any]] = []
    for (name, labels), value in sorted(totals.counters.items()):
        data.append(
            {
                "MetricName": name,
                "Dimensions": dimensions(labels),
                "Timestamp": timestamp,
                "Value": float(value),
                "Unit": unit_for(name, "counter"),
            }
        )
    for (name, labels), values in sorted(totals.samples.items()):
        if not values:
            continue
        data.append(
            {
                "MetricName": name,
                "Dimensions": dimensions(labels),
                "Timestamp": timestamp,
                "StatisticValues": {
                    "SampleCount": float(len(values)),
                    "Sum": math.fsum(values),
                    "Minimum": min(values),
                    "Maximum": max(values),
                },
                "Unit": unit_for(name, "histogram"),
            }
        )
    return data


def _wire_size(datum: dict[str, Any]) -> int:
    return _WIRE_OVERHEAD * len(json.dumps(datum, default=str, separators=(",", ":")))


def batches(
    data: Iterable[dict[str, Any]],
    *,
    max_count: int = MAX_DATUMS_PER_REQUEST,
    max_bytes: int = MAX_REQUEST_BYTES,
) -> Iterator[list[dict[str, Any]]]:
    """Split data into requests of at most `max_count` datums and about `max_bytes`."""
    batch: list[dict[str, Any]] = []
    size = 0
    for datum in data:
        datum_size = _wire_size(datum)
        if batch and (len(batch) >= max_count or size + datum_size > max_bytes):
            yield batch
            batch, size = [], 0
        batch.append(datum)
        size += datum_size
    if batch:
        yield batch


def push_to_cloudwatch(
    totals: StoreTotals,
    namespace: str,
    client: Any,
    *,
    now: datetime | None = None,
    max_per_request: int = MAX_DATUMS_PER_REQUEST,
) -> int:
    """Publish `totals` under `namespace`; returns how many metric data points were sent.

    Raises ValueError for a bad namespace and lets botocore errors through
    (the caller turns them into one sentence).
    """
    check_namespace(namespace)
    timestamp = now or datetime.now(timezone.utc)
    sent = 0
    for batch in batches(metric_data(totals, timestamp=timestamp), max_count=max_per_request):
        client.put_metric_data(Namespace=namespace, MetricData=batch)
        sent += len(batch)
    return sent
