"""Running totals in the metrics store: what a scrape reads, kept up to date as the store writes.

Every flush adds its counter deltas to `counter_totals` and its observations,
bucketed, to `histogram_totals`, in the flush's own transaction. A scrape
then reads one row per series, however many observations the store has
received (a GROUP BY over a million observation rows took 0.65 s; summing
them in Python made a scrape 1.6 s). The per-session tables keep the detail
(`--since`, exact percentiles) until retention removes it; the running totals
are never pruned, so Prometheus counters never go down.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable

from logai.metrics import names
from logai.metrics.buckets import bucket_counts
from logai.metrics.collector import MetricsDelta, SeriesKey
from logai.metrics.totals import BucketCounts, StoreTotals, decode_labels, encode_labels

SCHEMA = """
CREATE TABLE IF NOT EXISTS counter_totals (
    name TEXT NOT NULL,
    labels TEXT NOT NULL,
    value REAL NOT NULL,
    PRIMARY KEY (name, labels)
);
CREATE TABLE IF NOT EXISTS histogram_totals (
    name TEXT NOT NULL,
    labels TEXT NOT NULL,
    buckets TEXT NOT NULL,
    total REAL NOT NULL,
    PRIMARY KEY (name, labels)
);
"""


def add(conn: sqlite3.Connection, delta: MetricsDelta) -> None:
    """Add one flush's counters and observations to the running totals (inside the caller's transaction).

    Sessions are counted by `add_session`, once per session row, as the per-session reads count them.
    """
    add_counters(conn, [(key, value) for key, value in delta.counters.items() if key[0] != names.SESSIONS])
    for (name, labels), values in delta.samples.items():
        _add_histogram(conn, name, encode_labels(labels), BucketCounts(tuple(bucket_counts(name, values)), sum(values)))


def add_counters(conn: sqlite3.Connection, items: Iterable[tuple[SeriesKey, float]]) -> None:
    conn.executemany(
        "INSERT INTO counter_totals (name, labels, value) VALUES (?, ?, ?) "
        "ON CONFLICT (name, labels) DO UPDATE SET value = value + excluded.value",
        [(name, encode_labels(labels), value) for (name, labels), value in items],
    )


def add_session(conn: sqlite3.Connection, command: str) -> None:
    add_counters(conn, [((names.SESSIONS, (("command", command),)), 1.0)])


def _add_histogram(conn: sqlite3.Connection, name: str, labels: str, buckets: BucketCounts) -> None:
    row = conn.execute("SELECT buckets, total FROM histogram_totals WHERE name = ? AND labels = ?", (name, labels)).fetchone()
    if row is not None:
        kept = BucketCounts(tuple(json.loads(row[0])), row[1])
        if len(kept.counts) == len(buckets.counts):  # bounds unchanged since it was written
            buckets = kept.plus(buckets)
    conn.execute(
        "INSERT OR REPLACE INTO histogram_totals (name, labels, buckets, total) VALUES (?, ?, ?, ?)",
        (name, labels, json.dumps(list(buckets.counts)), buckets.total),
    )


def read(conn: sqlite3.Connection) -> StoreTotals:
    """Every series' running total; `sessions` is the sum of the sessions counter."""
    totals = StoreTotals()
    for name, labels, value in conn.execute("SELECT name, labels, value FROM counter_totals"):
        totals.counters[(name, decode_labels(labels))] = value
    for name, labels, buckets, total in conn.execute("SELECT name, labels, buckets, total FROM histogram_totals"):
        totals.histograms[(name, decode_labels(labels))] = BucketCounts(tuple(json.loads(buckets)), total)
    totals.sessions = int(sum(v for (name, _), v in totals.counters.items() if name == names.SESSIONS))
    return totals


def backfill(conn: sqlite3.Connection) -> None:
    """Fill the running totals from the per-session tables (once, when a store gains them)."""
    add_counters(
        conn,
        [
            ((name, decode_labels(labels)), value)
            for name, labels, value in conn.execute(
                "SELECT name, labels, SUM(value) FROM counters WHERE name != ? GROUP BY name, labels", (names.SESSIONS,)
            )
        ],
    )
    add_counters(
        conn,
        [
            ((names.SESSIONS, (("command", command),)), float(count))
            for command, count in conn.execute("SELECT command, COUNT(*) FROM sessions GROUP BY command")
        ],
    )
    delta = MetricsDelta()
    for name, labels, value in conn.execute("SELECT name, labels, value FROM observations"):
        delta.samples.setdefault((name, decode_labels(labels)), []).append(value)
    for (name, labels), values in delta.samples.items():
        _add_histogram(conn, name, encode_labels(labels), BucketCounts(tuple(bucket_counts(name, values)), sum(values)))


def clear(conn: sqlite3.Connection) -> None:
    conn.execute("DELETE FROM counter_totals")
    conn.execute("DELETE FROM histogram_totals")
