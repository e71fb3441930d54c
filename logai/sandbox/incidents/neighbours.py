"""Services every incident's shop runs that stay healthy: noise a good answer leaves out."""

from __future__ import annotations

import random

from logai.sandbox.incidents.clock import MINUTE
from logai.sandbox.incidents.gateway import Route
from logai.sandbox.incidents.lambdas import PYTHON, LambdaFunction
from logai.sandbox.incidents.timeline import Timeline
from logai.sandbox.incidents.traffic import ticks

INVENTORY = "/aws/lambda/inventory-sync"
_SUPPLIERS = ("acme-supplies", "nordic-goods", "brightline", "kumo-trading")


def inventory_sync(
    timeline: Timeline, rng: random.Random, *, failing_supplier: str | None = None, tag: str | None = None
) -> None:
    """A Lambda on a one-minute schedule that pulls each supplier's stock feed (Powertools JSON logs).

    With `failing_supplier`, that supplier's feed fails on every run with the
    same error, all day: an error that was there before any incident.
    """
    function = LambdaFunction(timeline, rng, INVENTORY, PYTHON, memory_size_mb=256, timeout_s=60, resident_mb=88)
    for ts in ticks(rng, timeline.start_ms, timeline.now_ms, MINUTE, jitter_ms=900):
        run = function.invoke(ts)
        run.powertools(2, "INFO", "handler:41", "inventory sync started", suppliers=len(_SUPPLIERS))
        offset, changed = 2, 0
        for supplier in _SUPPLIERS:
            offset += rng.randint(90, 700)
            if supplier == failing_supplier:
                run.powertools(
                    offset, "ERROR", "fetch_feed:88", f"supplier feed {supplier} failed: HTTP 503 Service Unavailable",
                    supplier=supplier, url=f"https://feeds.{supplier}.example/v2/stock.csv", attempts=3, tag=tag,
                )
                continue
            skus, delta = rng.randint(300, 4000), rng.randint(0, 60)
            changed += delta
            run.powertools(
                offset, "INFO", "sync_supplier:63", "supplier feed applied", supplier=supplier, skus=skus, changed=delta
            )
            if rng.random() < 0.03:
                run.powertools(
                    offset + 1, "WARNING", "sync_supplier:71", "negative stock in feed, clamped to 0",
                    supplier=supplier, sku=f"SKU-{rng.randint(10000, 99999)}",
                )
        run.powertools(offset + 5, "INFO", "handler:58", "inventory sync finished", changed=changed)
        run.finish(offset + 9)

# The shop's everyday API routes, served by backends that log elsewhere; an
# incident adds the routes its story runs through.
SHOP_ROUTES = (
    Route("GET", "/products", 30, (25, 140), ((400, 0.004),)),
    Route("GET", "/products/{id}", 40, (18, 90), ((404, 0.03),)),
    Route("GET", "/cart", 14, (20, 80), ((401, 0.02),)),
    Route("POST", "/cart/items", 9, (30, 120), ((400, 0.01), (401, 0.015))),
    Route("GET", "/orders/{id}", 5, (25, 110), ((401, 0.02), (404, 0.01))),
    Route("POST", "/auth/login", 2, (80, 300), ((401, 0.08), (429, 0.004))),
)
