"""The metrics of one logai command: counted from its events, kept under LOGAI_HOME.

A `Recording` subscribes a `MetricsRecorder` to the command's event bus and
owns the store row for the command's session. Metrics must never end the
work: a store that cannot be opened or written becomes a `WarningIssued`
event (once per message), and the command goes on.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from logai.events import EventBus, SessionStarted, WarningIssued
from logai.metrics.collector import MetricsCollector
from logai.metrics.recorder import MetricsRecorder
from logai.metrics.store import MetricsStore, MetricsStoreError

T = TypeVar("T")


class Recording:
    """Counts what a command does (from its events) and stores it after each unit of work."""

    def __init__(
        self,
        bus: EventBus,
        collector: MetricsCollector,
        store: MetricsStore | None,
        command: str,
        *,
        retention_days: float | None = None,
    ) -> None:
        """`retention_days`: when the command ends, sessions older than this lose their detail."""
        self.bus = bus
        self.collector = collector
        self.store = store
        self.command = command
        self.retention_days = retention_days
        self._warned: set[str] = set()
        self._session_id: str | None = None
        bus.subscribe(MetricsRecorder(collector))
        if store is not None:
            self._session_id = self._guard("metrics were not saved", lambda: store.start_session(command))
        bus.emit(SessionStarted(command))

    @classmethod
    def open(
        cls, bus: EventBus, *, home: Path, enabled: bool, command: str, retention_days: float | None = None
    ) -> Recording:
        """A recording for `command`; with `enabled` false nothing is counted or stored.

        Loose modes under `home` are tightened first, with a warning (`logai.private_home`).
        """
        from logai.private_home import tighten

        for warning in tighten(home):
            bus.emit(WarningIssued(warning))
        collector = MetricsCollector(enabled=enabled)
        store = None
        if enabled:
            try:
                store = MetricsStore(home)
            except MetricsStoreError as exc:
                hint = f" ({exc.hint})" if exc.hint else ""
                bus.emit(WarningIssued(f"metrics are off for this session: {exc}{hint}"))
        return cls(bus, collector, store, command, retention_days=retention_days)

    def flush(self) -> None:
        """Store what was counted since the last flush."""
        store, session_id = self.store, self._session_id
        if store is not None and session_id is not None:
            self._guard("metrics were not saved", lambda: store.flush(session_id, self.collector))

    def close(self) -> None:
        """Flush, mark the session ended and let go of the store."""
        self.flush()
        store, session_id = self.store, self._session_id
        if store is not None and session_id is not None:
            self._guard("metrics were not saved", lambda: store.end_session(session_id))
            self._session_id = None
            if self.retention_days is not None:
                cutoff = time.time() - self.retention_days * 86_400
                self._guard("old metrics were not pruned", lambda: store.prune(cutoff))
        if store is not None:
            store.close()
            self.store = None

    def _guard(self, what: str, action: Callable[[], T]) -> T | None:
        try:
            return action()
        except MetricsStoreError as exc:
            message = f"{what}: {exc}"
            if message not in self._warned:
                self._warned.add(message)
                self.bus.emit(WarningIssued(message))
            return None
