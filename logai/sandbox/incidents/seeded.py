"""The random source every incident draws from: seeded by name, and quick."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from _typeshed import SupportsLenAndGetItem

T = TypeVar("T")


class SeededRandom(random.Random):
    """`random.Random` seeded from a string (the same numbers on every run and platform), with
    `randint` and `choice` drawn from one `random()` each: an incident makes a few hundred
    thousand such draws, and the standard ones cost several times more. The float's 53 bits
    make the bias of this mapping immaterial for log generation."""

    def __init__(self, seed: str) -> None:
        super().__init__(seed)

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def choice(self, seq: SupportsLenAndGetItem[T]) -> T:
        return seq[int(self.random() * len(seq))]
