"""The equity engine's recalculation times for ``python scripts/bench.py engine``.

A seeded project of 1,000 partners (half foreign, half local) and N contributions spread
over the three tiers and every kind. "From scratch" is :func:`compute_snapshot` over all
of them; "incremental" adds 10,000 new contributions to an :class:`Accumulator` that
already counts N and takes a snapshot. The floor is one ``numpy.bincount`` summing the
same weights per partner (int64-exact ``np.add.at`` would be slower), in the same process.
"""

from __future__ import annotations

import random
import time
from typing import Any

import numpy as np

from ledger.equity import (
    Accumulator,
    Agreement,
    Contribution,
    Kind,
    Partner,
    Side,
    Tier,
    compute_snapshot,
)

PARTNERS = 1_000
SIZES = (10_000, 100_000, 1_000_000)
NEW = 10_000


def _contributions(n: int, rng: random.Random, start: int = 0) -> list[Contribution]:
    tiers, kinds = list(Tier), list(Kind)
    return [
        Contribution(
            partner_id=rng.randint(1, PARTNERS),
            tier=tiers[rng.randrange(3)],
            kind=kinds[rng.randrange(len(kinds))],
            value=rng.randint(1, 1_000_000),
            recorded_at=start + i,
        )
        for i in range(n)
    ]


def run(seed: int = 20261128) -> dict[str, Any]:
    """Time from-scratch and incremental recalculation against the numpy floor."""
    rng = random.Random(seed)
    partners = [
        Partner(id=i, side=Side.FOREIGN if i % 2 else Side.LOCAL) for i in range(1, PARTNERS + 1)
    ]
    agreement = Agreement()
    seconds: dict[str, float] = {}
    floor: dict[str, float] = {}
    for n in SIZES:
        contributions = _contributions(n, rng)
        started = time.perf_counter()
        compute_snapshot(
            agreement=agreement, partners=partners, contributions=contributions, cutoff=n
        )
        seconds[str(n)] = time.perf_counter() - started

        ids = np.fromiter((c.partner_id for c in contributions), dtype=np.int64, count=n)
        weights = np.fromiter(
            (c.value * agreement.coefficient(c.kind) for c in contributions),
            dtype=np.float64,
            count=n,
        )
        started = time.perf_counter()
        np.bincount(ids, weights=weights, minlength=PARTNERS + 1)
        floor[str(n)] = time.perf_counter() - started

    accumulator = Accumulator(agreement, partners)
    for contribution in contributions:  # the largest set, already counted
        accumulator.add(contribution)
    fresh = _contributions(NEW, rng, start=SIZES[-1])
    started = time.perf_counter()
    for contribution in fresh:
        accumulator.add(contribution)
    accumulator.snapshot(SIZES[-1] + NEW)
    incremental = time.perf_counter() - started
    return {
        "partners": PARTNERS,
        "seconds": seconds,
        "numpy_floor_seconds": floor,
        f"incremental_seconds_{NEW}_new": incremental,
        "scratch_vs_floor_ratio": {k: seconds[k] / floor[k] for k in seconds},
        "seed": seed,
    }
