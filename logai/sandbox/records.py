"""One stored log event as the sandbox's engines (filter patterns, Insights) read it."""

from __future__ import annotations

from typing import NamedTuple


class StoredEvent(NamedTuple):
    """An event with the group and stream it was written to; times in epoch milliseconds."""

    timestamp_ms: int
    message: str
    log_group: str
    log_stream: str
    ingestion_ms: int
    event_id: str
