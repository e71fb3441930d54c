"""The fields of a log event: the system fields, and those Logs Insights discovers in the message.

Per "Supported logs and discovered fields": every event has `@message`,
`@timestamp`, `@ingestionTime`, `@logStream` and `@log`
(`account-id:log-group-name`); results also carry `@ptr`, an opaque pointer
to the record. JSON is flattened with dots (`userIdentity.type`), array items
by position (`items.0.instanceId`), at most 200 fields; a discovered name
starting with `@` gets a second `@`. As for Lambda logs, the first embedded
JSON fragment of a line counts (`2024-… INFO {"a": 1}`). Lambda's `START`,
`END` and `REPORT` lines give `@type`, `@requestId`, `@duration`,
`@billedDuration`, `@memorySize`, `@maxMemoryUsed`, `@initDuration` and, with
X-Ray, `@xrayTraceId` and `@xraySegmentId`. Memory is in bytes (10^6 per MB:
the docs' sample query divides `@memorySize` by 1000 twice to get MB). A line
in the default VPC flow log format gives the flow fields the docs list
(`srcAddr`, `dstPort`, `bytes`, `action`, …); a `-` there means no value.

Discovery is lazy: a query that names only system fields never parses JSON.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from typing import Any

from ..records import StoredEvent
from .values import Timestamp, Value, format_value

MAX_JSON_FIELDS = 200

SYSTEM_FIELDS = ("@timestamp", "@message", "@logStream", "@log", "@ingestionTime", "@ptr")

_LAMBDA_LINE = re.compile(r"(START|END|REPORT) RequestId: ([\w-]+)")
_REPORT_FIELDS: tuple[tuple[str, re.Pattern[str], float], ...] = (
    ("@duration", re.compile(r"(?<!Billed )(?<!Init )Duration: ([\d.]+) ms"), 1),
    ("@billedDuration", re.compile(r"Billed Duration: ([\d.]+) ms"), 1),
    ("@memorySize", re.compile(r"Memory Size: (\d+) MB"), 1_000_000),
    ("@maxMemoryUsed", re.compile(r"Max Memory Used: (\d+) MB"), 1_000_000),
    ("@initDuration", re.compile(r"Init Duration: ([\d.]+) ms"), 1),
)
_XRAY = re.compile(r"XRAY TraceId: (\S+)\s+SegmentId: (\S+)")
# The default (version 2) flow log record: 14 space-separated fields.
_VPC_FLOW = re.compile(
    r"(\d+) (\d{12}|-) (eni-\w+|-) (\S+) (\S+) (\d+|-) (\d+|-) (\d+|-) (\d+|-) (\d+|-) (\d+|-) (\d+|-) "
    r"(ACCEPT|REJECT|-) (OK|NODATA|SKIPDATA)"
)
_VPC_FIELDS = (
    "version", "accountId", "interfaceId", "srcAddr", "dstAddr", "srcPort", "dstPort",
    "protocol", "packets", "bytes", "startTime", "endTime", "action", "logStatus",
)  # fmt: skip


def system_field_reader(name: str, account_id: str) -> Callable[[StoredEvent], Value] | None:
    """How to read system field `name` from an event, or None when `name` is not one."""
    if name == "@message":
        return lambda event: event.message
    if name == "@timestamp":
        return lambda event: Timestamp(event.timestamp_ms)
    if name == "@ingestionTime":
        return lambda event: Timestamp(event.ingestion_ms)
    if name == "@logStream":
        return lambda event: event.log_stream
    if name == "@log":
        return lambda event: f"{account_id}:{event.log_group}"
    if name == "@ptr":
        return record_pointer
    return None


def discover(message: str) -> dict[str, Value]:
    """The fields discovered in a message: Lambda platform fields and the first JSON object's fields."""
    found: dict[str, Value] = {}
    if "RequestId: " in message:
        _lambda_fields(message, found)
    flow = _VPC_FLOW.fullmatch(message.strip()) if message[:1].isdigit() else None
    if flow is not None:
        found.update((name, value) for name, value in zip(_VPC_FIELDS, flow.groups(), strict=True) if value != "-")
        return found
    brace = message.find("{")
    if brace >= 0:
        try:
            document, _ = _DECODER.raw_decode(message, brace)
        except ValueError:
            return found
        if isinstance(document, dict):
            _flatten(document, "", found, top=True)
    return found


def record_pointer(event: StoredEvent) -> str:
    """The `@ptr` of an event: opaque to callers, decoded by `parse_record_pointer`."""
    raw = json.dumps([event.log_group, event.log_stream, event.event_id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def parse_record_pointer(pointer: str) -> tuple[str, str, str] | None:
    """The (log group, log stream, event id) a `@ptr` points at, or None if it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(pointer + "=" * (-len(pointer) % 4))
        group, stream, event_id = json.loads(raw)
    except (ValueError, TypeError):
        return None
    if not all(isinstance(part, str) for part in (group, stream, event_id)):
        return None
    return group, stream, event_id


def log_record(event: StoredEvent, account_id: str) -> dict[str, str]:
    """Every field of one event as GetLogRecord returns them: system fields, then discovered ones."""
    record: dict[str, str] = {}
    for name in SYSTEM_FIELDS:
        reader = system_field_reader(name, account_id)
        assert reader is not None
        text = format_value(reader(event))
        if text is not None:
            record[name] = text
    for name, value in discover(event.message).items():
        text = format_value(value)
        if text is not None:
            record.setdefault(name, text)
    return record


_DECODER = json.JSONDecoder()


def _flatten(value: Any, prefix: str, out: dict[str, Value], *, top: bool = False) -> None:
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in items:
        if len(out) >= MAX_JSON_FIELDS:
            return
        name = f"{prefix}{key}"
        if top and name.startswith("@"):
            name = "@" + name
        if isinstance(item, dict | list):
            _flatten(item, name + ".", out)
        elif isinstance(item, bool):
            out[name] = "true" if item else "false"  # JSON's own spelling, not the 1/0 of a boolean result
        elif item is not None:
            out[name] = item


def _lambda_fields(message: str, out: dict[str, Value]) -> None:
    line = _LAMBDA_LINE.match(message)
    if line is None:
        return
    out["@type"] = line.group(1)
    out["@requestId"] = line.group(2)
    if line.group(1) != "REPORT":
        return
    for name, pattern, scale in _REPORT_FIELDS:
        match = pattern.search(message)
        if match:
            number = float(match.group(1)) * scale
            out[name] = int(number) if number.is_integer() else number
    xray = _XRAY.search(message)
    if xray:
        out["@xrayTraceId"] = xray.group(1)
        out["@xraySegmentId"] = xray.group(2)
