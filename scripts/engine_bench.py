"""The equity engine's recalculation times for ``python scripts/bench.py engine``.

A seeded project of 1,000 partners (half foreign, half local) and N contributions spread
over the three tiers and every kind. "From scratch" is :func:`compute_snapshot` over all
of them. The floor is one ``numpy.bincount`` summing the same weights per partner
(int64-exact ``np.add.at`` would be slower), in the same process.

Incremental: an :class:`Accumulator` counts the largest N and takes the first snapshot
of the chain (timed on its own); then, in each of five rounds, 10,000 new contributions
are added and the next snapshot of the chain is taken. Resumed: five times, an
accumulator resumed from the first snapshot's stored state adds the first round's
10,000 and takes the snapshot. The best round of each is reported (the machine is
shared), garbage from earlier work collected before each timing. The first two
snapshots are recomputed from the raw contributions with :func:`compute_history` and
must be identical, hash included; a single from-scratch pass over all N + 10,000
(:func:`compute_snapshot`) is the ratio's denominator.
"""

from __future__ import annotations

import gc
import math
import random
import statistics
import time
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, TypeVar

import numpy as np

from ledger.equity import (
    Accumulator,
    Agreement,
    Contribution,
    Kind,
    Partner,
    Recalculation,
    Side,
    Snapshot,
    Tier,
    compute_history,
    compute_snapshot,
)

PARTNERS = 1_000
SIZES = (10_000, 100_000, 1_000_000)
NEW = 10_000
#: Incremental rounds; the best is reported, the machine being shared.
ROUNDS = 5

T = TypeVar("T")


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


def run(seed: int = 20261128, sizes: Sequence[int] = SIZES) -> dict[str, Any]:
    """Time from-scratch and incremental recalculation against the numpy floor.

    ``sizes`` are the contribution counts timed from scratch, at least two, ascending;
    the incremental rounds build on the largest.
    """
    if len(sizes) < 2 or any(n < 1 for n in sizes) or list(sizes) != sorted(set(sizes)):
        raise ValueError("sizes must be at least two distinct positive counts, ascending")
    rng = random.Random(seed)
    partners = [
        Partner(id=i, side=Side.FOREIGN if i % 2 else Side.LOCAL) for i in range(1, PARTNERS + 1)
    ]
    agreement = Agreement()
    seconds: dict[str, float] = {}
    floor: dict[str, float] = {}
    for n in sizes:
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

    return {
        "partners": PARTNERS,
        "seconds": seconds,
        "numpy_floor_seconds": floor,
        "scratch_vs_floor_ratio": {k: seconds[k] / floor[k] for k in seconds},
        **_growth(seconds),
        **_incremental(agreement, partners, contributions, rng),
        "seed": seed,
    }


def _growth(seconds: dict[str, float]) -> dict[str, Any]:
    """How the from-scratch time grows with N: per contribution, and as an exponent.

    ``growth_exponent`` is the slope of log(seconds) against log(N) between the smallest
    and the largest N: 1 is linear, 2 quadratic.
    """
    sizes = sorted(int(n) for n in seconds)
    small, large = sizes[0], sizes[-1]
    per = {str(n): seconds[str(n)] / n * 1e6 for n in sizes}
    return {
        "microseconds_per_contribution": per,
        "growth_exponent": math.log(seconds[str(large)] / seconds[str(small)])
        / math.log(large / small),
        "per_contribution_largest_vs_smallest_ratio": per[str(large)] / per[str(small)],
    }


def _timed(work: Callable[[], T]) -> tuple[float, T]:
    """Seconds ``work`` takes, garbage from earlier work collected first, and its result."""
    gc.collect()
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def _incremental(
    agreement: Agreement,
    partners: list[Partner],
    contributions: list[Contribution],
    rng: random.Random,
) -> dict[str, float]:
    """Chain snapshots of NEW contributions each on top of ``contributions``; best of ROUNDS."""
    base = len(contributions)
    accumulator = Accumulator(agreement, partners)
    for contribution in contributions:
        accumulator.add(contribution)
    first_seconds, first = _timed(lambda: accumulator.snapshot(base))

    def step(target: Accumulator, fresh: list[Contribution], cutoff: int) -> Snapshot:
        for contribution in fresh:
            target.add(contribution)
        return target.snapshot(cutoff)

    def resume_and_step(fresh: list[Contribution]) -> Snapshot:
        state = {"totals": first.totals, "previous_hash": first.inputs_hash}
        resumed = Accumulator.resume(agreement, partners, **state, previous_cutoff=first.cutoff)
        return step(resumed, fresh, base + NEW)

    live: list[float] = []
    chain: list[Snapshot] = [first]
    batches: list[list[Contribution]] = []
    for round_ in range(ROUNDS):
        batches.append(_contributions(NEW, rng, start=base + round_ * NEW))
        cutoff = base + (round_ + 1) * NEW
        elapsed, snapshot = _timed(partial(step, accumulator, batches[-1], cutoff))
        live.append(elapsed)
        chain.append(snapshot)
    resumed = [_timed(lambda: resume_and_step(batches[0])) for _ in range(ROUNDS)]

    everything = contributions + batches[0]
    scratch_seconds, _ = _timed(
        lambda: compute_snapshot(
            agreement=agreement, partners=partners, contributions=everything, cutoff=base + NEW
        )
    )
    history_seconds, history = _timed(
        lambda: compute_history(
            [
                Recalculation(base, agreement, tuple(partners), tuple(contributions)),
                Recalculation(base + NEW, agreement, tuple(partners), tuple(everything)),
            ]
        )
    )
    if history != chain[:2] or any(snapshot != chain[1] for _, snapshot in resumed):
        raise RuntimeError("incremental and from-scratch snapshots differ")
    total = base + NEW
    return {
        f"first_snapshot_seconds_{base}": first_seconds,
        f"incremental_seconds_{NEW}_new": min(live),
        f"incremental_median_seconds_{NEW}_new": statistics.median(live),
        f"resumed_seconds_{NEW}_new": min(elapsed for elapsed, _ in resumed),
        f"scratch_seconds_{total}": scratch_seconds,
        f"history_seconds_{total}": history_seconds,
        "incremental_vs_scratch_ratio": min(live) / scratch_seconds,
    }
