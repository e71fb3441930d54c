"""Reading the metrics `logai query --json --stats` prints."""

from __future__ import annotations

from typing import Any


def counter(payload: dict[str, Any], name: str, **labels: str) -> float:
    """Counter `name` summed over the series whose labels include `labels`."""
    return sum(
        c["value"]
        for c in payload["metrics"]["counters"]
        if c["name"] == name and all(c["labels"].get(k) == v for k, v in labels.items())
    )
