"""Put realistic logs into (moto's) CloudWatch Logs for tests and the agent's end-to-end runs.

moto keeps events in memory and filters them by timestamp. Like CloudWatch it
rejects events older than 14 days or more than 2 hours ahead, so seed
relative to the real clock: `now_ms=int(time.time() * 1000)`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from tests.loghub import LOGHUB

# PutLogEvents limits: 10,000 events, 1,048,576 bytes (message bytes + 26 per
# event) and a 24-hour span per call.
_MAX_BATCH_EVENTS = 10_000
_MAX_BATCH_BYTES = 1_048_576
_EVENT_OVERHEAD = 26
_MAX_BATCH_SPAN_MS = 24 * 3600 * 1000


def ensure_stream(client: Any, group: str, stream: str) -> None:
    """Create the group and stream unless they exist."""
    for create, params in (
        (client.create_log_group, {"logGroupName": group}),
        (client.create_log_stream, {"logGroupName": group, "logStreamName": stream}),
    ):
        try:
            create(**params)
        except client.exceptions.ResourceAlreadyExistsException:
            pass


def put_events(client: Any, group: str, stream: str, events: Iterable[tuple[int, str]]) -> int:
    """Put (timestamp_ms, message) pairs in time order, batched within PutLogEvents limits.

    Creates the group and stream if needed; raises if the service rejects any
    event (too old or too new), so a test never runs on silently missing data.
    Returns how many events were put.
    """
    ensure_stream(client, group, stream)
    ordered = sorted(events, key=lambda pair: pair[0])
    batch: list[dict[str, Any]] = []
    batch_bytes = 0
    total = 0

    def flush() -> None:
        nonlocal batch, batch_bytes
        if not batch:
            return
        response = client.put_log_events(logGroupName=group, logStreamName=stream, logEvents=batch)
        rejected = response.get("rejectedLogEventsInfo")
        if rejected:
            raise ValueError(f"PutLogEvents rejected events in {group}/{stream}: {rejected}")
        batch, batch_bytes = [], 0

    for timestamp_ms, message in ordered:
        size = len(message.encode("utf-8")) + _EVENT_OVERHEAD
        too_big = len(batch) >= _MAX_BATCH_EVENTS or batch_bytes + size > _MAX_BATCH_BYTES
        too_long = bool(batch) and timestamp_ms - batch[0]["timestamp"] >= _MAX_BATCH_SPAN_MS
        if too_big or too_long:
            flush()
        batch.append({"timestamp": timestamp_ms, "message": message})
        batch_bytes += size
        total += 1
    flush()
    return total


def seed_group(
    client: Any,
    group: str,
    stream: str,
    lines: Iterable[str],
    *,
    start_ms: int,
    step_ms: int = 1000,
) -> int:
    """Put `lines` one `step_ms` apart from `start_ms`; returns how many were put."""
    return put_events(client, group, stream, ((start_ms + i * step_ms, line) for i, line in enumerate(lines)))


def loghub_lines(system: str, limit: int | None = None) -> list[str]:
    """Lines of `<system>_2k.log` from the shared loghub data (blank lines dropped)."""
    path = LOGHUB / system / f"{system}_2k.log"
    lines: list[str] = []
    with path.open(encoding="utf-8", errors="replace") as handle:
        for raw in handle:
            line = raw.rstrip("\r\n")
            if line.strip():
                lines.append(line)
            if limit is not None and len(lines) >= limit:
                break
    return lines


CHECKOUT_GROUP = "/aws/lambda/checkout-api"
PAYMENTS_GROUP = "/ecs/payments"
INVENTORY_GROUP = "/aws/ecs/inventory-sync"
INCIDENT_SIGNATURE = "PaymentGatewayTimeout"


def seed_incident(client: Any, *, now_ms: int) -> dict[str, Any]:
    """Seed a small, realistic incident over the hour before `now_ms`.

    - `/aws/lambda/checkout-api`: healthy requests every 30 s for an hour; 20
      minutes before now, every order starts failing with
      `ERROR PaymentGatewayTimeout` (one every 15 s). One line carries a
      bearer token, so redaction can be checked.
    - `/ecs/payments`: health checks; 22 minutes before now the database
      connection pool is exhausted (WARN timeouts, then ERRORs).
    - `/aws/ecs/inventory-sync`: a noisy healthy service built from loghub
      HDFS lines, 600 lines over the hour.

    Returns what was seeded: group names, per-group counts, the incident
    start, and the facts a test (or an agent's answer) should find.
    """
    hour_ago = now_ms - 3600_000
    incident_ms = now_ms - 20 * 60_000
    pool_ms = incident_ms - 2 * 60_000

    checkout: list[tuple[int, str]] = []
    request = 0
    for ts in range(hour_ago, now_ms - 5_000, 30_000):
        request += 1
        rid = f"req-{request:05d}"
        checkout.append((ts, f"START RequestId: {rid} Version: $LATEST"))
        if ts < incident_ms:
            checkout.append((ts + 120, f"INFO order placed order_id=ord-{request:05d} amount=42.50 currency=EUR"))
            checkout.append((ts + 180, f"REPORT RequestId: {rid} Duration: 182.4 ms Billed Duration: 183 ms"))
    checkout_errors = 0
    for ts in range(incident_ms, now_ms - 5_000, 15_000):
        checkout_errors += 1
        checkout.append(
            (
                ts + 300,
                f"ERROR {INCIDENT_SIGNATURE}: payments.internal:8443 did not answer within 3000 ms "
                f"(order_id=ord-e{checkout_errors:04d}, attempt=3)",
            )
        )
    checkout.append(
        (incident_ms + 1_000, "DEBUG outgoing headers Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.dGVzdA")
    )

    payments: list[tuple[int, str]] = []
    for ts in range(hour_ago, now_ms - 5_000, 60_000):
        payments.append((ts, "INFO GET /health 200 3ms"))
    payments_errors = 0
    for ts in range(pool_ms, now_ms - 5_000, 20_000):
        payments.append((ts, "WARN db-primary.payments.internal:5432 query timeout after 5000 ms"))
        payments.append((ts + 500, "ERROR HikariPool-1 - Connection is not available, request timed out after 30000ms (total=20, active=20, idle=0, waiting=57)"))
        payments_errors += 1

    inventory_lines = loghub_lines("HDFS", limit=600)
    step = 3600_000 // len(inventory_lines)

    counts = {
        CHECKOUT_GROUP: put_events(client, CHECKOUT_GROUP, "2026/01/01/[$LATEST]4f1c0ffee", checkout),
        PAYMENTS_GROUP: put_events(client, PAYMENTS_GROUP, "payments/app/9b2e71d0", payments),
        INVENTORY_GROUP: seed_group(
            client, INVENTORY_GROUP, "inventory/sync/a17f", inventory_lines, start_ms=hour_ago, step_ms=step
        ),
    }
    return {
        "now_ms": now_ms,
        "start_ms": hour_ago,
        "incident_start_ms": incident_ms,
        "pool_exhausted_ms": pool_ms,
        "groups": counts,
        "checkout_group": CHECKOUT_GROUP,
        "payments_group": PAYMENTS_GROUP,
        "healthy_group": INVENTORY_GROUP,
        "checkout_errors": checkout_errors,
        "payments_errors": payments_errors,
        "error_signature": INCIDENT_SIGNATURE,
        "root_cause": "the payments database connection pool is exhausted",
        "secret": "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.dGVzdA",
    }


def group_names(seeded: dict[str, Any]) -> Sequence[str]:
    """The groups `seed_incident` created."""
    return list(seeded["groups"])
