"""Metrics that outlive the session: a SQLite file under LOGAI_HOME.

One row per session (id, command, started, ended); counters as per-session
deltas; every histogram observation as its own row, so percentiles across
sessions are exact and `--since` can pick sessions by start time. The file
runs in WAL mode with a busy timeout and every write is one `BEGIN IMMEDIATE`
transaction, so two logai processes flushing at once are both counted in full.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from logai.metrics import names
from logai.metrics.collector import LabelKey, MetricsCollector, MetricsDelta, SeriesKey, label_key

DB_NAME = "metrics.db"
# Bump when the tables change, and add the step to `_MIGRATIONS`.
SCHEMA_VERSION = 1

_MIGRATIONS: dict[int, str] = {
    1: """
    CREATE TABLE IF NOT EXISTS sessions (
        id TEXT PRIMARY KEY,
        command TEXT NOT NULL,
        started_at REAL NOT NULL,
        ended_at REAL
    );
    CREATE INDEX IF NOT EXISTS sessions_started_at ON sessions (started_at);
    CREATE TABLE IF NOT EXISTS counters (
        session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        labels TEXT NOT NULL,
        value REAL NOT NULL,
        PRIMARY KEY (session_id, name, labels)
    );
    CREATE TABLE IF NOT EXISTS observations (
        session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        labels TEXT NOT NULL,
        value REAL NOT NULL,
        observed_at REAL NOT NULL
    );
    CREATE INDEX IF NOT EXISTS observations_session ON observations (session_id);
    """,
}


class MetricsStoreError(Exception):
    """The metrics file cannot be used; `str()` is one sentence, `hint` says what to do."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


@dataclass(frozen=True, slots=True)
class SessionRow:
    id: str
    command: str
    started_at: float
    ended_at: float | None


@dataclass
class StoreTotals:
    """Counters summed and observations gathered per (name, labels), plus the session count."""

    counters: dict[SeriesKey, float] = field(default_factory=dict)
    samples: dict[SeriesKey, list[float]] = field(default_factory=dict)
    sessions: int = 0

    @classmethod
    def from_collector(cls, collector: MetricsCollector, sessions: int = 1) -> StoreTotals:
        """The in-memory metrics of one process, shaped like the store's totals."""
        return cls(counters=collector.counters(), samples=collector.histograms(), sessions=sessions)

    def is_empty(self) -> bool:
        return not (self.counters or self.samples or self.sessions)

    def matching(self, selectors: Mapping[str, str]) -> StoreTotals:
        """Only the series whose labels include every `name=value` in `selectors`."""
        wanted = set(label_key(selectors))

        def keep(key: SeriesKey) -> bool:
            return wanted.issubset(key[1])

        return StoreTotals(
            counters={k: v for k, v in self.counters.items() if keep(k)},
            samples={k: list(v) for k, v in self.samples.items() if keep(k)},
            sessions=self.sessions,
        )

    def grouped(self, by: Sequence[str]) -> StoreTotals:
        """Series merged so that only the labels named in `by` remain (counters summed)."""
        kept = set(by)

        def regroup(key: SeriesKey) -> SeriesKey:
            return key[0], tuple(pair for pair in key[1] if pair[0] in kept)

        counters: dict[SeriesKey, float] = {}
        for key, value in self.counters.items():
            new_key = regroup(key)
            counters[new_key] = counters.get(new_key, 0.0) + value
        samples: dict[SeriesKey, list[float]] = {}
        for key, values in self.samples.items():
            samples.setdefault(regroup(key), []).extend(values)
        return StoreTotals(counters=counters, samples=samples, sessions=self.sessions)


def encode_labels(labels: LabelKey) -> str:
    """Labels as canonical JSON text (sorted keys), readable with the sqlite3 shell."""
    return json.dumps(dict(labels), sort_keys=True, separators=(",", ":"))


def decode_labels(text: str) -> LabelKey:
    return label_key(json.loads(text))


class MetricsStore:
    """The persisted metrics of every session, in `home/metrics.db`.

    Safe to share between threads of one process and between processes.
    `flush` never loses data: when a write fails the delta is kept in memory
    and added to the next flush; the failure is raised as `MetricsStoreError`
    once per run of failures (the caller shows it as a warning and goes on).
    """

    def __init__(
        self,
        home: Path,
        *,
        busy_timeout: float = 5.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.home = Path(home)
        self.path = self.home / DB_NAME
        self._clock = clock
        self._lock = threading.Lock()
        self._started: dict[str, tuple[str, float]] = {}
        self._pending: dict[str, MetricsDelta] = {}
        self._failure_reported = False
        try:
            self.home.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise MetricsStoreError(
                f"Cannot create the logai home {self.home}: {exc.strerror or exc}.",
                hint="Set LOGAI_HOME to a writable directory.",
            ) from None
        self._conn = self._connect(busy_timeout)

    # -- opening -------------------------------------------------------------

    def _connect(self, busy_timeout: float) -> sqlite3.Connection:
        try:
            # Autocommit mode: transactions are opened explicitly below, so a
            # write takes the lock up front (BEGIN IMMEDIATE) instead of
            # upgrading a read lock, which can fail without waiting.
            conn = sqlite3.connect(self.path, timeout=busy_timeout, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise self._unusable(exc) from None
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise MetricsStoreError(
                    f"{self.path} was written by a newer logai (schema {version}, this one knows {SCHEMA_VERSION}).",
                    hint="Upgrade logai, or set LOGAI_HOME to another directory.",
                )
            self._use_wal(conn, busy_timeout)
            # With WAL, NORMAL survives a crash of logai; only power loss can drop the last commit.
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            if version < SCHEMA_VERSION:
                self._migrate(conn)
        except MetricsStoreError:
            conn.close()
            raise
        except sqlite3.Error as exc:
            conn.close()
            raise self._unusable(exc) from None
        return conn

    def _use_wal(self, conn: sqlite3.Connection, busy_timeout: float) -> None:
        """Switch a new file to WAL (the mode then stays with the file).

        Changing the journal mode needs a moment alone with the file and
        SQLite does not wait for it: when two sessions create the store at
        once, one of them retries here for up to `busy_timeout`.
        """
        deadline = time.monotonic() + busy_timeout
        while True:
            try:
                if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                    conn.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() >= deadline:
                    raise
                time.sleep(0.01)

    def _migrate(self, conn: sqlite3.Connection) -> None:
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Read again under the write lock: another process may have migrated meanwhile.
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            for step in range(version + 1, SCHEMA_VERSION + 1):
                for statement in _MIGRATIONS[step].split(";"):
                    if statement.strip():
                        conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def _unusable(self, exc: sqlite3.Error) -> MetricsStoreError:
        text = str(exc)
        if "locked" in text or "busy" in text:
            return MetricsStoreError(
                f"The metrics file {self.path} is locked by another process.",
                hint="Try again when the other logai finishes.",
            )
        if isinstance(exc, sqlite3.DatabaseError) and ("not a database" in text or "malformed" in text):
            return MetricsStoreError(
                f"The metrics file {self.path} is not a logai metrics database ({text}).",
                hint=f"Move {self.path} aside; logai starts a new one.",
            )
        return MetricsStoreError(f"The metrics file {self.path} cannot be used: {text}.")

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> MetricsStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; the caller holds `self._lock`."""
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield self._conn
        except BaseException:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    # -- sessions and flushing ------------------------------------------------

    def start_session(self, command: str, *, started_at: float | None = None) -> str:
        """Record a new session and return its id (raises MetricsStoreError if the file refuses)."""
        session_id = uuid.uuid4().hex
        started = self._clock() if started_at is None else started_at
        with self._lock:
            self._started[session_id] = (command, started)
            try:
                with self._write() as conn:
                    self._ensure_session(conn, session_id)
            except sqlite3.Error as exc:
                del self._started[session_id]
                raise self._unusable(exc) from None
        return session_id

    def _ensure_session(self, conn: sqlite3.Connection, session_id: str) -> None:
        # INSERT OR IGNORE also brings the row back if `reset` ran in another
        # process while this session was open.
        command, started = self._started[session_id]
        conn.execute(
            "INSERT OR IGNORE INTO sessions (id, command, started_at) VALUES (?, ?, ?)",
            (session_id, command, started),
        )

    def flush(self, session_id: str, collector: MetricsCollector) -> None:
        """Add what `collector` recorded since the last flush to the session, in one transaction."""
        self._check_session(session_id)
        delta = collector.take_delta()
        with self._lock:
            pending = self._pending.pop(session_id, None)
            if pending is not None:
                pending.merge(delta)
                delta = pending
            if not delta:
                return
            try:
                with self._write() as conn:
                    self._ensure_session(conn, session_id)
                    self._insert_delta(conn, session_id, delta)
            except sqlite3.Error as exc:
                self._pending[session_id] = delta
                self._report(exc)
                return
            self._failure_reported = False

    def _insert_delta(self, conn: sqlite3.Connection, session_id: str, delta: MetricsDelta) -> None:
        conn.executemany(
            "INSERT INTO counters (session_id, name, labels, value) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (session_id, name, labels) DO UPDATE SET value = value + excluded.value",
            [(session_id, name, encode_labels(labels), value) for (name, labels), value in delta.counters.items()],
        )
        now = self._clock()
        conn.executemany(
            "INSERT INTO observations (session_id, name, labels, value, observed_at) VALUES (?, ?, ?, ?, ?)",
            [
                (session_id, name, encoded, value, now)
                for (name, labels), values in delta.samples.items()
                for encoded in (encode_labels(labels),)
                for value in values
            ],
        )

    def end_session(self, session_id: str, *, ended_at: float | None = None) -> None:
        """Mark the session finished; data a failed flush kept in memory is written too."""
        self._check_session(session_id)
        ended = self._clock() if ended_at is None else ended_at
        with self._lock:
            pending = self._pending.pop(session_id, None)
            try:
                with self._write() as conn:
                    self._ensure_session(conn, session_id)
                    if pending:
                        self._insert_delta(conn, session_id, pending)
                    conn.execute("UPDATE sessions SET ended_at = ? WHERE id = ?", (ended, session_id))
            except sqlite3.Error as exc:
                if pending:
                    self._pending[session_id] = pending
                self._report(exc)
                return
            self._failure_reported = False

    def _check_session(self, session_id: str) -> None:
        if session_id not in self._started:
            raise ValueError(f"session {session_id!r} was not started by this MetricsStore")

    def _report(self, exc: sqlite3.Error) -> None:
        """Raise the first failure of a run of failures; later ones stay quiet."""
        if self._failure_reported:
            return
        self._failure_reported = True
        error = self._unusable(exc)
        raise MetricsStoreError(
            f"{error} Metrics are kept in memory and written when it works again.", hint=error.hint
        ) from None

    def pending(self, session_id: str) -> MetricsDelta:
        """What failed flushes kept in memory for the session (empty when all is written)."""
        with self._lock:
            kept = self._pending.get(session_id)
            return MetricsDelta(
                counters=dict(kept.counters) if kept else {},
                samples={k: list(v) for k, v in kept.samples.items()} if kept else {},
            )

    # -- reading ----------------------------------------------------------------

    def totals(self, *, since: float | None = None) -> StoreTotals:
        """Everything recorded by sessions started at or after `since` (all when None).

        `sessions{command}` is counted from the session rows, so the agent does
        not record it itself.
        """
        floor = -1.0 if since is None else since
        totals = StoreTotals()
        with self._lock, self._read() as conn:
            for name, labels, value in conn.execute(
                "SELECT c.name, c.labels, SUM(c.value) FROM counters c JOIN sessions s ON s.id = c.session_id "
                "WHERE s.started_at >= ? AND c.name != ? GROUP BY c.name, c.labels",
                (floor, names.SESSIONS),
            ):
                totals.counters[(name, decode_labels(labels))] = value
            for name, labels, value in conn.execute(
                "SELECT o.name, o.labels, o.value FROM observations o JOIN sessions s ON s.id = o.session_id "
                "WHERE s.started_at >= ? ORDER BY o.rowid",
                (floor,),
            ):
                totals.samples.setdefault((name, decode_labels(labels)), []).append(value)
            for command, count in conn.execute(
                "SELECT command, COUNT(*) FROM sessions WHERE started_at >= ? GROUP BY command", (floor,)
            ):
                totals.counters[(names.SESSIONS, (("command", command),))] = float(count)
                totals.sessions += count
        return totals

    def sessions(self, *, since: float | None = None) -> list[SessionRow]:
        """Sessions started at or after `since`, oldest first."""
        floor = -1.0 if since is None else since
        with self._lock, self._read() as conn:
            rows = conn.execute(
                "SELECT id, command, started_at, ended_at FROM sessions WHERE started_at >= ? "
                "ORDER BY started_at, rowid",
                (floor,),
            ).fetchall()
        return [SessionRow(*row) for row in rows]

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """One read transaction (a consistent snapshot across the queries)."""
        try:
            self._conn.execute("BEGIN")
            try:
                yield self._conn
            finally:
                self._conn.execute("COMMIT")
        except sqlite3.Error as exc:
            raise self._unusable(exc) from None

    def reset(self) -> None:
        """Delete every session, counter and observation."""
        with self._lock:
            try:
                with self._write() as conn:
                    conn.execute("DELETE FROM observations")
                    conn.execute("DELETE FROM counters")
                    conn.execute("DELETE FROM sessions")
                self._pending.clear()
            except sqlite3.Error as exc:
                raise self._unusable(exc) from None
