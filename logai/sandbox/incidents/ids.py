"""Identifiers in the shapes AWS and common software print them, drawn from a seeded RNG."""

from __future__ import annotations

import random


def hex_id(rng: random.Random, digits: int) -> str:
    """Lower-case hex of `digits` characters: ECS task ids, stream suffixes, commit hashes."""
    return f"{rng.getrandbits(4 * digits):0{digits}x}"


def uuid4(rng: random.Random) -> str:
    """A random (version 4) UUID: Lambda request ids, API Gateway request ids, event ids."""
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"


def xray_trace_id(rng: random.Random, ts_ms: int) -> str:
    """`1-<epoch seconds in hex>-<96 random bits>`: an X-Ray trace id."""
    return f"1-{ts_ms // 1000:08x}-{hex_id(rng, 24)}"


def private_ip(rng: random.Random) -> str:
    """An address in the VPC (10.0.0.0/16), where the tasks, functions and databases live."""
    return f"10.0.{rng.randint(1, 15)}.{rng.randint(4, 250)}"
