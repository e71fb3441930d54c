"""API Gateway (REST API) access logs: one JSON line per request.

The format is the `$context` template most teams copy (status and latency as
numbers; the integration latency quoted, because API Gateway prints `-` when
no integration ran, as for an authorizer's 401 or 403):

    {"requestTime":"27/Nov/2026:14:05:00 +0000","requestId":"…","httpMethod":"POST","path":"/prod/checkout",
     "resourcePath":"/checkout","status":502,"protocol":"HTTP/1.1","responseLength":36,"responseLatency":6043,
     "integrationLatency":"6021","ip":"203.0.113.7","userAgent":"…"}

`resourcePath` is always followed by `status`, so a proof can select a route's
failures with one short regex. API Gateway's hosts each write their own
stream, so one stage's log has several streams named by a hex hash.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from logai.sandbox.incidents.clock import clf
from logai.sandbox.incidents.ids import hex_id, uuid4
from logai.sandbox.incidents.timeline import Timeline
from logai.sandbox.incidents.traffic import arrivals

_USER_AGENTS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36",
    "ShopApp/7.12.0 (iOS 18.1; iPhone15,2)",
    "ShopApp/7.12.0 (Android 14; SM-S918B)",
    "okhttp/4.12.0",
)
# Client addresses from the documentation ranges (RFC 5737); a few clients are much busier than the rest.
_SUBNETS = ("203.0.113", "198.51.100", "192.0.2")


@dataclass(frozen=True, slots=True)
class Route:
    """A route with everyday traffic: its share of requests, latency, and usual client errors."""

    method: str
    resource: str
    share: float
    latency_ms: tuple[int, int]
    client_errors: tuple[tuple[int, float], ...] = ()
    """(status, probability): expired tokens, missing products, bad input."""


class AccessLog:
    """One stage's access log group."""

    def __init__(
        self, timeline: Timeline, rng: random.Random, group: str, *, stage: str = "prod", streams: int = 6
    ) -> None:
        self.timeline = timeline
        self.rng = rng
        self.group = group
        self.stage = stage
        self._streams = [hex_id(rng, 32) for _ in range(streams)]
        self._clients = [f"{rng.choice(_SUBNETS)}.{rng.randint(1, 254)}" for _ in range(600)]

    def write(
        self,
        ts_ms: int,
        method: str,
        resource: str,
        status: int,
        latency_ms: int,
        *,
        integration_ms: int | None = None,
        user_agent: str | None = None,
        tag: str | None = None,
    ) -> None:
        """The line for a request that arrived at `ts_ms`; it is logged when the response leaves."""
        rng = self.rng
        path = _concrete(rng, resource)
        length = rng.randint(180, 9000) if status < 300 else (36 if status >= 500 else rng.randint(24, 120))
        integration = "-" if integration_ms is None else str(integration_ms)
        # Skewed pick: low indexes (the busy clients) come up far more often.
        client = self._clients[int(len(self._clients) * rng.random() ** 2.5)]
        message = (
            f'{{"requestTime":"{clf(ts_ms)}","requestId":"{uuid4(rng)}","httpMethod":"{method}",'
            f'"path":"/{self.stage}{path}","resourcePath":"{resource}","status":{status},"protocol":"HTTP/1.1",'
            f'"responseLength":{length},"responseLatency":{latency_ms},"integrationLatency":"{integration}",'
            f'"ip":"{client}","userAgent":"{user_agent or rng.choice(_USER_AGENTS)}"}}'
        )
        self.timeline.add(self.group, rng.choice(self._streams), ts_ms + latency_ms, message, tag)

    def browse(self, routes: tuple[Route, ...], start_ms: int, end_ms: int, peak_per_s: float) -> None:
        """Everyday traffic on `routes` (healthy backends that log nowhere else), following the day."""
        rng = self.rng
        total = sum(r.share for r in routes)
        cumulative: list[tuple[float, Route]] = []
        running = 0.0
        for route in routes:
            running += route.share / total
            cumulative.append((running, route))
        for ts in arrivals(rng, start_ms, end_ms, peak_per_s):
            pick = rng.random()
            route = next((r for bound, r in cumulative if pick <= bound), routes[-1])
            status, latency, integration = 200, rng.randint(*route.latency_ms), None
            roll = rng.random()
            for error_status, probability in route.client_errors:
                if roll < probability:
                    status, latency = error_status, rng.randint(4, 40)
                    break
                roll -= probability
            if status != 401:
                integration = max(1, latency - rng.randint(2, 12))
            self.write(ts, route.method, route.resource, status, latency, integration_ms=integration)


def _concrete(rng: random.Random, resource: str) -> str:
    """`/products/{id}` with an id filled in."""
    if "{" not in resource:
        return resource
    head, _, rest = resource.partition("{")
    _, _, tail = rest.partition("}")
    return f"{head}{rng.randint(10_000, 99_999)}{_concrete(rng, tail)}"
