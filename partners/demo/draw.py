"""Random choices that always take exactly one ``random()`` draw.

``Random.choice`` and ``randrange`` take a varying number of bits depending on the length
asked for, so one changed list would shift every later choice; one draw per choice keeps a
seed's partners stable when a word list grows (and is faster).
"""

from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from itertools import accumulate
from typing import TypeVar

T = TypeVar("T")
Draw = Callable[[], float]


def pick(seq: Sequence[T], rnd: Draw) -> T:
    """A uniformly chosen element of ``seq``."""
    return seq[int(rnd() * len(seq))]


def digits(count: int, rnd: Draw) -> str:
    """``count`` random digits, the first one 2 to 9 (no leading 0 or 1, as in most phone plans)."""
    low = 2 * 10 ** (count - 1)
    return str(low + int(rnd() * (10**count - low)))


class Weighted:
    """Items with weights; ``pick`` takes one draw and a binary search."""

    __slots__ = ("cumulative", "items", "total")

    def __init__(self, pairs: Iterable[tuple[T, float]]) -> None:
        pairs = [(item, weight) for item, weight in pairs if weight > 0]
        self.items = [item for item, _ in pairs]
        self.cumulative = list(accumulate(weight for _, weight in pairs))
        self.total = self.cumulative[-1]

    def pick(self, rnd: Draw):
        return self.items[bisect_right(self.cumulative, rnd() * self.total)]
