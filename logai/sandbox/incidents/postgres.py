"""PostgreSQL logs as RDS exports them to CloudWatch, one stream per cluster instance.

The cluster uses the `log_line_prefix` pgBadger recommends,
`%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h `, so a line reads

    2026-11-27 14:05:00 UTC [1234]: [1-1] user=payments,db=orders,app=psql,client=10.0.3.21 LOG:  connection …

with `%l` counting each process's lines, empty fields for background
processes, and two spaces after the severity, as the server writes them.
`log_connections`, `log_disconnections`, `log_autovacuum_min_duration` and
`log_min_duration_statement = 1000` are on, as most teams run RDS.
"""

from __future__ import annotations

import random
from collections import Counter

from logai.sandbox.incidents.clock import MINUTE, postgres
from logai.sandbox.incidents.ids import private_ip
from logai.sandbox.incidents.timeline import Timeline
from logai.sandbox.incidents.traffic import ticks

_TABLES = ("orders", "order_items", "payments", "refunds", "customers", "idempotency_keys", "outbox_events")
_SLOW_QUERIES = (
    "SELECT o.id, o.status, o.total_cents FROM orders o WHERE o.customer_id = $1 ORDER BY o.created_at DESC LIMIT 50",
    "SELECT count(*) FROM order_items WHERE sku = $1 AND created_at > $2",
    "UPDATE outbox_events SET published_at = now() WHERE id = ANY($1)",
    "SELECT p.* FROM payments p JOIN orders o ON o.id = p.order_id WHERE o.created_at BETWEEN $1 AND $2",
)


class PostgresLog:
    """One cluster's log group; `line` writes a line, `background` the everyday housekeeping."""

    def __init__(self, timeline: Timeline, rng: random.Random, group: str, instances: tuple[str, ...]) -> None:
        self.timeline = timeline
        self.rng = rng
        self.group = group
        self.instances = instances
        self._line_numbers: Counter[int] = Counter()
        self._checkpointer = {instance: rng.randint(400, 600) for instance in instances}

    def line(
        self,
        instance: str,
        ts_ms: int,
        pid: int,
        severity: str,
        text: str,
        *,
        user: str = "",
        db: str = "",
        app: str = "",
        client: str = "",
        tag: str | None = None,
    ) -> None:
        self._line_numbers[pid] += 1
        line_number = self._line_numbers[pid]
        prefix = f"{postgres(ts_ms)} [{pid}]: [{line_number}-1] user={user},db={db},app={app},client={client}"
        self.timeline.add(self.group, instance, ts_ms, f"{prefix} {severity}:  {text}", tag)

    def session(
        self,
        instance: str,
        ts_ms: int,
        user: str,
        db: str,
        app: str,
        client: str,
        duration_ms: int,
        *,
        reset: bool = False,
    ) -> None:
        """A client connection's received/authorized/disconnection lines; `reset` when the client vanished."""
        pid = self.rng.randint(10_000, 65_000)
        port = self.rng.randint(32_768, 60_999)
        unknown = "[unknown]"
        self.line(instance, ts_ms, pid, "LOG", f"connection received: host={client} port={port}",
                  user=unknown, db=unknown, app=unknown, client=client)
        self.line(
            instance, ts_ms + 6, pid, "LOG",
            f"connection authorized: user={user} database={db} application_name={app} "
            "SSL enabled (protocol=TLSv1.3, cipher=TLS_AES_256_GCM_SHA384, bits=256)",
            user=user, db=db, app=app, client=client,
        )
        end = ts_ms + duration_ms
        if reset:
            self.line(instance, end - 1, pid, "LOG", "could not receive data from client: Connection reset by peer",
                      user=user, db=db, app=app, client=client)
        hours, rest = divmod(duration_ms, 3_600_000)
        minutes, rest = divmod(rest, 60_000)
        self.line(
            instance, end, pid, "LOG",
            f"disconnection: session time: {hours}:{minutes:02d}:{rest / 1000:06.3f} user={user} database={db} "
            f"host={client} port={port}",
            user=user, db=db, app=app, client=client,
        )

    def background(self, start_ms: int, end_ms: int, *, db: str, app_users: tuple[str, ...]) -> None:
        """Checkpoints, autovacuum, slow statements, short-lived sessions and their benign noise."""
        rng = self.rng
        writer = self.instances[0]
        for instance in self.instances:
            pid = self._checkpointer[instance]
            for ts in ticks(rng, start_ms, end_ms, 5 * MINUTE):
                buffers = rng.randint(40, 2400)
                write_s = rng.uniform(3, 270)
                self.line(instance, ts, pid, "LOG", "checkpoint starting: time")
                self.line(
                    instance, ts + int(write_s * 1000) + 30, pid, "LOG",
                    f"checkpoint complete: wrote {buffers} buffers ({buffers / 163.84:.1f}%); 0 WAL file(s) added, "
                    f"0 removed, {rng.randint(0, 3)} recycled; write={write_s:.3f} s, "
                    f"sync=0.0{rng.randint(1, 99):02d} s, total={write_s + 0.03:.3f} s; "
                    f"sync files={rng.randint(3, 60)}, longest=0.00{rng.randint(1, 9)} s, average=0.001 s; "
                    f"distance={buffers * 8} kB, estimate={buffers * 8 + rng.randint(0, 900)} kB",
                )
        for ts in ticks(rng, start_ms, end_ms, 4 * MINUTE, jitter_ms=3 * MINUTE):
            table = rng.choice(_TABLES)
            removed, remain = rng.randint(50, 9000), rng.randint(20_000, 4_000_000)
            self.line(
                writer, ts, rng.randint(10_000, 65_000), "LOG",
                f'automatic vacuum of table "{db}.public.{table}": index scans: 1\n'
                f"\tpages: 0 removed, {remain // 60} remain, {rng.randint(10, 900)} scanned\n"
                f"\ttuples: {removed} removed, {remain} remain, 0 are dead but not yet removable\n"
                f"\tsystem usage: CPU: user: 0.{rng.randint(1, 90):02d} s, system: 0.0{rng.randint(0, 9)} s, "
                f"elapsed: {rng.uniform(0.1, 4):.2f} s",
            )
        for ts in ticks(rng, start_ms, end_ms, 3 * MINUTE, jitter_ms=4 * MINUTE):
            instance = rng.choice(self.instances)
            user = rng.choice(app_users)
            client = private_ip(rng)
            pid = rng.randint(10_000, 65_000)
            self.line(instance, ts, pid, "LOG",
                      f"duration: {rng.uniform(1000, 4200):.3f} ms  execute <unnamed>: {rng.choice(_SLOW_QUERIES)}",
                      user=user, db=db, app="PostgreSQL JDBC Driver", client=client)
        # Short sessions from jobs and people, and clients that drop without saying goodbye: noise, not trouble.
        for ts in ticks(rng, start_ms, end_ms, 2 * MINUTE, jitter_ms=2 * MINUTE):
            instance = rng.choice(self.instances)
            user = rng.choice((*app_users, "reporting", "rdsadmin"))
            client = private_ip(rng)
            app = "psql" if user == "reporting" else "PostgreSQL JDBC Driver"
            self.session(instance, ts, user, db, app, client, rng.randint(200, 90_000), reset=rng.random() < 0.1)
