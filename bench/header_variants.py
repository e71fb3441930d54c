"""The loghub messages under header styles they were not written with, labels kept.

Each style rewrites every line as `<header in that style><message>`, where
the message is loghub's labelled Content and the header fields come from the
line's own labelled fields where it has them (level, component, pid) and from
a seeded generator otherwise (times that run over several days, so weekday
and month names change; hosts; request ids). Mining these lines and scoring
them against the same labels says how well the miner copes with header
shapes other than the ten systems' own.

Two groups: `STYLES` were used while the header rules were developed (they
found bugs that were fixed), so they are a regression check, not a test;
`HELD_OUT_STYLES` were written before the miner was ever run on them and
were not used to change it. Five styles started out held out and showed
what the header learning missed: nginx-error, cri-o and am-pm (first run
GA 0.982, 0.907, 0.868), then pri-syslog and logfmt (0.037, 0.838), then
slf4j-simple (0.861); they moved to `STYLES` once worked on, and the
held-out group was topped up with styles written before any run.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

__all__ = ["HELD_OUT_STYLES", "STYLES", "rewrite"]

_HOSTS = ("web-01", "ip-10-0-3-17.ec2.internal", "LabSZ", "calvisitor-10-105-160-95", "db.prod.example.com")
_LEVEL_WORDS = {"INFO", "DEBUG", "WARN", "WARNING", "ERROR", "TRACE", "FATAL", "SEVERE", "NOTICE"}
_LEVELS = {"I": "INFO", "D": "DEBUG", "W": "WARN", "E": "ERROR", "V": "TRACE", "F": "FATAL"}


class _Row:
    """What a style may print about one line."""

    def __init__(self, row: dict[str, str], when: datetime, rng: random.Random) -> None:
        self.content = row["Content"]
        level = (row.get("Level") or "INFO").strip()
        level = _LEVELS.get(level, level.upper())
        self.level = level if level in _LEVEL_WORDS else "INFO"
        component = (row.get("Component") or row.get("Process") or "app").strip() or "app"
        self.component = component.replace(" ", "_")
        pid = (row.get("Pid") or row.get("PID") or "").split(".")[0]
        self.pid = pid if pid.isdigit() else str(rng.randint(100, 65000))
        self.when = when
        self.host = rng.choice(_HOSTS)
        self.request = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        self.thread = rng.choice(("main", "pool-1-thread-3", "http-nio-8080-exec-7", "Timer-0"))


def _apache(row: _Row) -> str:
    return f"[{row.when:%a %b %d %H:%M:%S %Y}] [{row.level.lower()}] {row.content}"


def _pipes(row: _Row) -> str:
    return f"{row.when:%Y%m%d-%H:%M:%S}:{row.when.microsecond // 1000:03d}|{row.component}|{row.pid}|{row.content}"


def _dotted(row: _Row) -> str:
    return f"[{row.when:%m.%d %H:%M:%S}] {row.component}.exe - {row.content}"


def _syslog_host(row: _Row) -> str:
    return f"{row.when:%b} {row.when.day:>2} {row.when:%H:%M:%S} {row.host} {row.component}[{row.pid}]: {row.content}"


def _lambda(row: _Row) -> str:
    return f"{row.when:%Y-%m-%dT%H:%M:%S}.{row.when.microsecond // 1000:03d}Z\t{row.request}\t{row.level}\t{row.content}"


def _python(row: _Row) -> str:
    return f"{row.when:%Y-%m-%d %H:%M:%S},{row.when.microsecond // 1000:03d} - {row.component} - {row.level} - {row.content}"


def _java_brackets(row: _Row) -> str:
    return f"{row.when:%d.%m.%Y %H:%M:%S}.{row.when.microsecond // 1000:03d} [{row.thread}] {row.level:<5} {row.component} - {row.content}"


def _glog(row: _Row) -> str:
    return f"{row.level[0]}{row.when:%m%d %H:%M:%S}.{row.when.microsecond:06d} {row.pid:>7} {row.component.lower()}.go:{len(row.content) % 400}] {row.content}"


def _rfc5424(row: _Row) -> str:
    return f"<134>1 {row.when:%Y-%m-%dT%H:%M:%S}.{row.when.microsecond // 1000:03d}Z {row.host} {row.component} {row.pid} - - {row.content}"


def _rails(row: _Row) -> str:
    return f"{row.level[0]}, [{row.when:%Y-%m-%dT%H:%M:%S.%f} #{row.pid}] {row.level:>5} -- : {row.content}"


def _nginx(row: _Row) -> str:
    return f"{row.when:%Y/%m/%d %H:%M:%S} [{row.level.lower()}] {row.pid}#0: {row.content}"


def _cri(row: _Row) -> str:
    return f"{row.when:%Y-%m-%dT%H:%M:%S.%f}123Z stdout F {row.content}"


def _logback(row: _Row) -> str:
    return f"{row.when:%Y-%m-%d %H:%M:%S.%f} [{row.level:<5}] [{row.thread}] {row.component} - {row.content}"


def _epoch_ms(row: _Row) -> str:
    return f"{int(row.when.timestamp() * 1000)} {row.level} [{row.component}] {row.content}"


def _am_pm(row: _Row) -> str:
    return f"{row.when.month}/{row.when.day}/{row.when:%Y %I:%M:%S %p}  {row.component}  {row.content}"


def _iso_offset_syslog(row: _Row) -> str:
    return f"{row.when:%Y-%m-%dT%H:%M:%S.%f}+01:00 {row.host} {row.component}[{row.pid}]: {row.content}"


def _pri_syslog(row: _Row) -> str:
    return f"<{8 + len(row.level)}>{row.when:%b} {row.when.day:>2} {row.when:%H:%M:%S} {row.host} {row.component}[{row.pid}]: {row.content}"


def _logfmt(row: _Row) -> str:
    return f'ts={row.when:%Y-%m-%dT%H:%M:%S}Z level={row.level.lower()} caller={row.component.lower()}.go:{row.pid} msg="{row.content}"'


def _bracket_iso_thread(row: _Row) -> str:
    return f"[{row.when:%Y-%m-%d %H:%M:%S}.{row.when.microsecond // 1000:03d}] [{row.thread}] {row.level} {row.component} - {row.content}"


def _level_first_padded(row: _Row) -> str:
    return f"{row.level:<5} {row.when:%Y-%m-%d %H:%M:%S},{row.when.microsecond // 1000:03d} [{row.thread}] {row.component}: {row.content}"


def _time_only(row: _Row) -> str:
    return f"{row.when:%H:%M:%S}.{row.when.microsecond // 1000:03d} [{row.level.lower()}] {row.content}"


def _gunicorn(row: _Row) -> str:
    return f"[{row.when:%Y-%m-%d %H:%M:%S} +0000] [{row.pid}] [{row.level}] {row.content}"


def _loguru(row: _Row) -> str:
    return f"{row.when:%Y-%m-%d %H:%M:%S}.{row.when.microsecond // 1000:03d} | {row.level:<8} | {row.component}:run:{row.pid} - {row.content}"


def _iso_level_logger(row: _Row) -> str:
    return f"{row.when:%Y-%m-%dT%H:%M:%S}.{row.when.microsecond // 1000:03d}Z [{row.level}] [{row.component}] {row.content}"


def _log4net(row: _Row) -> str:
    return f"{row.when:%Y-%m-%d %H:%M:%S},{row.when.microsecond // 1000:03d} [{int(row.pid) % 40}] {row.level:<5} {row.component} - {row.content}"


def _winston(row: _Row) -> str:
    return f"{row.when:%Y-%m-%dT%H:%M:%S}.{row.when.microsecond // 1000:03d}Z {row.level.lower()}: {row.content}"


def _slf4j_simple(row: _Row) -> str:
    return f"[{row.thread}] {row.level} {row.component} - {row.content}"


def _tab_separated(row: _Row) -> str:
    return f"{row.when:%Y-%m-%d}\t{row.when:%H:%M:%S}\t{row.level}\t{row.content}"


STYLES: dict[str, Callable[[_Row], str]] = {
    "bracket-weekday": _apache,
    "pipe-joined": _pipes,
    "dotted-date": _dotted,
    "host-program": _syslog_host,
    "lambda-tabs": _lambda,
    "python-dashes": _python,
    "dotted-java": _java_brackets,
    "glog": _glog,
    "rfc5424": _rfc5424,
    # Held out at first (see the module docstring), then used to fix what they showed.
    "nginx-error": _nginx,
    "cri-o": _cri,
    "am-pm": _am_pm,
    "pri-syslog": _pri_syslog,
    "logfmt": _logfmt,
    "slf4j-simple": _slf4j_simple,
}


HELD_OUT_STYLES: dict[str, Callable[[_Row], str]] = {
    "rails": _rails,
    "logback": _logback,
    "epoch-ms": _epoch_ms,
    "iso-offset-syslog": _iso_offset_syslog,
    "bracket-iso-thread": _bracket_iso_thread,
    "level-first-padded": _level_first_padded,
    "time-only": _time_only,
    "gunicorn": _gunicorn,
    "loguru": _loguru,
    "iso-level-logger": _iso_level_logger,
    "log4net": _log4net,
    "winston": _winston,
    "tab-separated": _tab_separated,
}


def rewrite(rows: Sequence[dict[str, str]], style: str, seed: int = 7) -> list[str]:
    """The labelled rows as raw lines with a `style` header (deterministic for a seed)."""
    rng = random.Random(f"{style}/{seed}")
    when = datetime(2024, 2, 27, 23, 50, 0)
    lines = []
    for row in rows:
        when += timedelta(seconds=rng.randint(0, 600), microseconds=rng.randint(0, 999_999))
        lines.append({**STYLES, **HELD_OUT_STYLES}[style](_Row(row, when, rng)))
    return lines
