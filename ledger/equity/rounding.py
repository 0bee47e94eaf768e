"""Largest-remainder rounding (Hamilton's method), exact over integers and fractions.

An integer ``total`` is shared in proportion to ``weights``: every quota
``total × w / Σw`` is floored, and the units still missing go one each to the largest
remainders. Ties go to the entry that comes first, so callers list entries in their
tie-breaking order (partners by ascending id, tiers core, application, derivative,
sides foreign, local). At most one unit is added per entry, so no entry is ever
more than one unit above its quota or below its floor.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction


def largest_remainder(weights: Sequence[int], total: int) -> list[int]:
    """Share ``total`` in proportion to integer ``weights``, ties to the earlier entry.

    Args:
        weights: Non-negative integers, in tie-breaking order.
        total: Non-negative integer to share out.

    Returns:
        Integers, one per weight, summing to ``total``.

    Raises:
        ValueError: for a negative weight or total, or a positive total over zero weights.
    """
    if total < 0 or any(w < 0 for w in weights):
        raise ValueError("largest remainder needs non-negative weights and total")
    whole = sum(weights)
    if whole == 0:
        if total:
            raise ValueError("cannot share a positive total over zero weights")
        return [0] * len(weights)
    shares: list[int] = []
    remainders: list[int] = []
    for w in weights:
        q, r = divmod(total * w, whole)
        shares.append(q)
        remainders.append(r)
    missing = total - sum(shares)
    if missing:
        order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
        for i in order[:missing]:
            shares[i] += 1
    return shares


def common_integers(values: Sequence[Fraction]) -> list[int]:
    """The fractions times their least common denominator: integers in the same proportion."""
    denominator = math.lcm(*(v.denominator for v in values)) if values else 1
    return [v.numerator * (denominator // v.denominator) for v in values]


def largest_remainder_exact(weights: Sequence[Fraction], total: int) -> list[int]:
    """:func:`largest_remainder` over exact rational weights."""
    return largest_remainder(common_integers(weights), total)
