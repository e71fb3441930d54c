"""The sandbox's view of moto's CloudWatch Logs storage, in the same process.

moto keeps groups, streams and events; this reads them for the handlers
that moto gets wrong (filter patterns, Insights) and writes seed data
straight into moto's backend, which is far faster than PutLogEvents over
HTTP for the tens of thousands of events an incident holds. Events of a
stream are append-only in moto, so each stream's `StoredEvent`s are built
once and extended as events arrive.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from logai.sandbox.records import StoredEvent

# One account: moto's default, which every access key maps to here.
ACCOUNT_ID = "123456789012"


# Variables that name an AWS profile: the sandbox needs none (see prepare_moto).
_PROFILE_VARIABLES = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE")


def prepare_moto() -> None:
    """Let moto make its one boto3 Session, for its list of regions, without a profile.

    moto makes that session on first use and keeps it; when AWS_PROFILE names a
    profile this machine does not have, botocore refuses and the sandbox would
    fail to start (getmoto/moto#5469). The profile variables are set aside while
    it is made and put back at once; this runs before the sandbox starts a thread.
    """
    from moto.core.base_backend import AccountSpecificBackend
    from moto.logs.models import logs_backends

    saved = {name: os.environ.pop(name) for name in _PROFILE_VARIABLES if name in os.environ}
    try:
        AccountSpecificBackend.get_session()
        logs_backends[ACCOUNT_ID]  # builds the region list on that session
    finally:
        os.environ.update(saved)


class NoSuchGroup(KeyError):
    """The log group does not exist (the handlers answer ResourceNotFoundException)."""

    def __init__(self, group: str) -> None:
        super().__init__(group)
        self.group = group


@dataclass(frozen=True, slots=True)
class StreamView:
    """One stream's events in time order (moto appends in PutLogEvents order, which is time order per batch)."""

    group: str
    stream: str
    events: Sequence[StoredEvent]


class EventStore:
    """Reads and seeds moto's logs backend for one region of the sandbox account."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # (region, group, stream) -> (moto's event list, its length seen, converted events); the list
        # itself is kept so a stream deleted and made again (a new list) is never read from the cache.
        self._cache: dict[tuple[str, str, str], tuple[list[Any], int, list[StoredEvent]]] = {}

    def backend(self, region: str) -> Any:
        from moto.logs.models import logs_backends

        return logs_backends[ACCOUNT_ID][region]

    def reset(self) -> None:
        with self._lock:
            self._cache.clear()

    def fingerprint(self) -> tuple[tuple[Any, ...], ...]:
        """What the account's storage holds, cheaply: each group and stream (by identity) and its event count.

        Equal fingerprints mean nothing was created, deleted or appended in between.
        """
        from moto.logs.models import logs_backends

        entries: list[tuple[Any, ...]] = []
        for region, backend in dict.items(logs_backends[ACCOUNT_ID]):
            for name, group in backend.groups.items():
                entries.append((region, name, id(group), group.retention_in_days))
                entries.extend(
                    (region, name, id(group), stream_name, id(stream), len(stream.events))
                    for stream_name, stream in group.streams.items()
                )
        return tuple(sorted(entries, key=repr))

    def group_names(self, region: str) -> list[str]:
        return sorted(self.backend(region).groups)

    def has_group(self, region: str, group: str) -> bool:
        return group in self.backend(region).groups

    def streams(
        self, region: str, group: str, *, names: Sequence[str] | None = None, prefix: str | None = None
    ) -> list[StreamView]:
        """The group's streams (all, the named ones, or those starting with `prefix`), each time-sorted."""
        moto_group = self.backend(region).groups.get(group)
        if moto_group is None:
            raise NoSuchGroup(group)
        chosen = []
        for name, stream in list(moto_group.streams.items()):
            if names is not None and name not in names:
                continue
            if prefix is not None and not name.startswith(prefix):
                continue
            chosen.append(StreamView(group, name, self._converted(region, group, name, stream.events)))
        return chosen

    def events(self, region: str, groups: Iterable[str]) -> Iterator[StoredEvent]:
        """Every event of `groups`, stream by stream (not in time order)."""
        for group in groups:
            for view in self.streams(region, group):
                yield from view.events

    def _converted(self, region: str, group: str, stream: str, raw: list[Any]) -> list[StoredEvent]:
        key = (region, group, stream)
        with self._lock:
            source, seen, converted = self._cache.get(key, (raw, 0, []))
            if source is not raw or len(raw) < seen:  # the stream was deleted and made again
                seen, converted = 0, []
            if len(raw) > seen:
                fresh = [
                    StoredEvent(e.timestamp, e.message, group, stream, e.ingestion_time, str(e.event_id))
                    for e in raw[seen:]
                ]
                converted = converted + fresh
                # Each PutLogEvents batch is in time order, but a later batch may hold older
                # events: keep the view sorted (a stable sort keeps arrival order within a millisecond).
                start = max(seen - 1, 0)
                if any(converted[i].timestamp_ms > converted[i + 1].timestamp_ms for i in range(start, len(converted) - 1)):
                    converted.sort(key=lambda e: e.timestamp_ms)
                self._cache[key] = (raw, len(raw), converted)
            return converted

    def seed(
        self,
        region: str,
        events: Iterable[tuple[str, str, int, str]],
        *,
        retention_days: dict[str, int] | None = None,
        ingestion_ms: int | None = None,
    ) -> int:
        """Create groups and streams and store (group, stream, timestamp_ms, message) events; returns the count.

        Written straight into moto's backend: no PutLogEvents limits (age,
        batch size) apply, which is what seeding hours of history needs.
        """
        from moto.core.utils import utcnow
        from moto.logs.models import LogEvent

        backend = self.backend(region)
        by_stream: dict[tuple[str, str], list[tuple[int, str]]] = {}
        for group, stream, timestamp_ms, message in events:
            by_stream.setdefault((group, stream), []).append((timestamp_ms, message))
        for group in sorted({group for group, _ in by_stream} | set(retention_days or {})):
            if group not in backend.groups:
                backend.create_log_group(group, {})
            if retention_days and group in retention_days:
                backend.put_retention_policy(group, retention_days[group])
        total = 0
        for (group, stream), items in by_stream.items():
            moto_group = backend.groups[group]
            if stream not in moto_group.streams:
                backend.create_log_stream(group, stream)
            items.sort(key=lambda item: item[0])
            moto_stream = moto_group.streams[stream]
            moto_stream.events.extend(
                LogEvent(ingestion_ms if ingestion_ms is not None else ts, {"timestamp": ts, "message": message})
                for ts, message in items
            )
            moto_stream.stored_bytes += sum(len(message.encode("utf-8")) for _, message in items)
            moto_stream.last_ingestion_time = utcnow()
            total += len(items)
        return total
