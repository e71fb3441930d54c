"""How faithful the sandbox is: plain (fast, for tests and the demo) or realistic (quotas, latency, slow queries)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from logai.logs.ratelimit import CLOUDWATCH_QUOTAS as DEFAULT_QUOTAS


@dataclass(frozen=True, slots=True)
class SandboxConfig:
    """What the sandbox imposes besides the semantics, which are always faithful.

    `realistic` turns on the rest: per-action rate `quotas` (requests per
    second, answered with ThrottlingException past them), `latency_s` per
    request, Insights queries that stay Running for `query_base_s` plus
    `query_per_million_s` per million events scanned, and FilterLogEvents
    pages that stop after `filter_scan_events` events scanned (with a
    nextToken, possibly no events), as the real service does on large scans.
    """

    realistic: bool = False
    quotas: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_QUOTAS))
    latency_s: float = 0.03
    query_base_s: float = 0.5
    query_per_million_s: float = 1.0
    # Logs Insights stops a query after 60 minutes.
    query_timeout_s: float = 3600.0
    # StartQuery beyond this many running queries per account: LimitExceededException.
    max_concurrent_queries: int = 30
    filter_scan_events: int = 200_000
