"""Node.js services on ECS logging with pino: one JSON object a line.

pino writes `level` as a number (30 info, 40 warn, 50 error), `time` as epoch
milliseconds, then `pid` and `hostname`, the bound and call fields, and `msg`
last:

    {"level":40,"time":1795842000123,"pid":1,"hostname":"ip-10-0-12-34.eu-west-1.compute.internal",…,"msg":"…"}
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from logai.sandbox.incidents.timeline import Timeline

LEVELS = {"debug": 20, "info": 30, "warn": 40, "error": 50, "fatal": 60}


@dataclass(slots=True)
class PinoLog:
    """The stream of one container of a Node service."""

    timeline: Timeline
    group: str
    stream: str
    hostname: str

    def line(self, ts_ms: int, level: str, msg: str, *, tag: str | None = None, **fields: object) -> None:
        record: dict[str, object] = {"level": LEVELS[level], "time": ts_ms, "pid": 1, "hostname": self.hostname}
        record.update(fields)
        record["msg"] = msg
        self.timeline.add(self.group, self.stream, ts_ms, json.dumps(record, separators=(",", ":")), tag)
