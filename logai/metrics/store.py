"""Metrics that outlive the session: a SQLite file under LOGAI_HOME.

One row per session (id, command, started, ended); counters as per-session
deltas; every histogram observation as its own row, so percentiles across
sessions are exact and `--since` can pick sessions by start time. Alongside,
running totals (`logai.metrics.running`) that a scrape reads without touching
the observations. Sessions older than the retention are pruned; the running
totals stay. The file runs in WAL mode with a busy timeout and every write is
one `BEGIN IMMEDIATE` transaction, so two logai processes flushing at once are
both counted in full. It is created 0600 in a 0700 home, and read on a
read-only home without being written.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from logai.metrics import names, running
from logai.metrics.collector import MetricsCollector, MetricsDelta
from logai.metrics.store_errors import MetricsStoreError, unusable
from logai.metrics.totals import StoreTotals, capped_key, decode_labels, encode_labels

DB_NAME = "metrics.db"
# Bump when the tables change, and add the step to `_MIGRATIONS`.
SCHEMA_VERSION = 2
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
    2: running.SCHEMA,
}
# Steps that fill new tables from the old ones, run after the step's SQL.
_BACKFILLS: dict[int, Callable[[sqlite3.Connection], None]] = {2: running.backfill}


@dataclass(frozen=True, slots=True)
class SessionRow:
    id: str
    command: str
    started_at: float
    ended_at: float | None


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
        read_only: bool = False,
    ) -> None:
        """`read_only` opens an existing file without writing to it or its folder (a read-only home works)."""
        self.home = Path(home)
        self.path = self.home / DB_NAME
        self.read_only = read_only
        self._clock = clock
        self._lock = threading.Lock()
        self._started: dict[str, tuple[str, float]] = {}
        self._pending: dict[str, MetricsDelta] = {}
        self._failure_reported = False
        if read_only:
            self._conn = self._connect_read_only()
            return
        from logai.home import private_dir

        try:
            if not self.home.is_dir():
                private_dir(self.home)
        except OSError as exc:
            raise MetricsStoreError(
                f"Cannot create the logai home {self.home}: {exc.strerror or exc}.",
                hint="Set LOGAI_HOME to a writable directory.",
            ) from None
        try:
            if not self.path.exists():
                # Made 0600 before SQLite opens it; its -wal and -shm files take the same mode.
                os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
        except OSError as exc:
            raise MetricsStoreError(
                f"Cannot create the metrics file {self.path}: {exc.strerror or exc}.",
                hint="Set LOGAI_HOME to a writable directory.",
            ) from None
        self._conn = self._connect(busy_timeout)

    # -- opening -------------------------------------------------------------

    def _connect_read_only(self) -> sqlite3.Connection:
        """The file opened for reading only; `immutable` when even the WAL index cannot be made (a read-only home)."""
        uri = self.path.resolve().as_uri()
        last: sqlite3.Error | None = None
        for mode in ("mode=ro", "immutable=1"):
            try:
                conn = sqlite3.connect(f"{uri}?{mode}", uri=True, isolation_level=None, check_same_thread=False)
            except sqlite3.Error as exc:
                last = exc
                continue
            try:
                version = conn.execute("PRAGMA user_version").fetchone()[0]
            except sqlite3.Error as exc:
                conn.close()
                last = exc
                continue
            if version > SCHEMA_VERSION:
                conn.close()
                raise MetricsStoreError(
                    f"{self.path} was written by a newer logai (schema {version}, this one knows {SCHEMA_VERSION}).",
                    hint="Upgrade logai, or set LOGAI_HOME to another directory.",
                )
            return conn
        assert last is not None
        raise self._unusable(last) from None

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
                if step in _BACKFILLS and version >= 1:  # a new file has nothing to fill from
                    _BACKFILLS[step](conn)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def _unusable(self, exc: sqlite3.Error) -> MetricsStoreError:
        return unusable(self.path, exc)

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
                    running.add_session(conn, command)
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
        # Label values are capped here too, whoever recorded them: a long one would bloat every scrape.
        delta = MetricsDelta(
            counters={(name, capped_key(labels)): v for (name, labels), v in delta.counters.items()},
            samples={(name, capped_key(labels)): v for (name, labels), v in delta.samples.items()},
        )
        running.add(conn, delta)
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

    def running_totals(self) -> StoreTotals:
        """Every series since the store began, from the running totals: what a scrape serves.

        Reads one row per series, never the observations. A file from before
        the running totals (read-only, so not migrated) is summed the old way.
        """
        with self._lock, self._read() as conn:
            has_totals = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'counter_totals'"
            ).fetchone()
            if has_totals:
                return running.read(conn)
        return self._summed(self.totals())

    @staticmethod
    def _summed(totals: StoreTotals) -> StoreTotals:
        from logai.metrics.buckets import bucket_counts
        from logai.metrics.totals import BucketCounts

        histograms = {
            (name, labels): BucketCounts(tuple(bucket_counts(name, values)), sum(values))
            for (name, labels), values in totals.samples.items()
        }
        return replace(totals, samples={}, histograms=histograms)

    def prune(self, before: float) -> int:
        """Drop the sessions started before `before` (epoch seconds), with their counters and
        observations; the running totals keep what they counted. Returns how many went."""
        with self._lock:
            try:
                with self._write() as conn:
                    gone = conn.execute("DELETE FROM sessions WHERE started_at < ?", (before,)).rowcount
            except sqlite3.Error as exc:
                raise self._unusable(exc) from None
        return int(gone)

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
                    running.clear(conn)
                self._pending.clear()
            except sqlite3.Error as exc:
                raise self._unusable(exc) from None
