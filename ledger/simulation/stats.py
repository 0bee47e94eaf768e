"""Aggregates of many runs: payout distributions, share drift, completion, disputes, Gini.

Wei figures stay integers: a mean is the exact sum floored by the run count, a percentile
is the nearest-rank order statistic (one partner's payout in one run). Shares averaged
over runs (bps), probabilities and the Gini coefficient are floats: they describe the
distribution, they are never paid.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import fmean
from typing import Any

from ledger.equity import TIERS
from ledger.simulation.montecarlo import RunSummary
from ledger.simulation.scenario import Scenario

PERCENTILES = (5, 50, 95)


def percentile(values: Sequence[int], p: float) -> int:
    """The nearest-rank ``p``-th percentile of ``values`` (0 < p <= 100), an element of them."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def gini(values: Sequence[int]) -> float:
    """The Gini coefficient of non-negative amounts: 0 when equal, towards 1 when one has all."""
    total = sum(values)
    n = len(values)
    if total == 0 or n == 0:
        return 0.0
    ordered = sorted(values)
    weighted = sum((2 * (i + 1) - n - 1) * x for i, x in enumerate(ordered))
    return weighted / (n * total)


def distribution(values: Sequence[int]) -> dict[str, int]:
    """Mean (floored) and the 5th, 50th and 95th percentiles of wei amounts."""
    out = {"mean": sum(values) // len(values)}
    out.update({f"p{p}": percentile(values, p) for p in PERCENTILES})
    return out


def aggregate(scenario: Scenario, summaries: Sequence[RunSummary], *, seed: int) -> dict[str, Any]:
    """The report of a simulation (see ``docs/simulation.md`` for each key).

    Raises:
        ValueError: for no runs.
    """
    if not summaries:
        raise ValueError("no runs to aggregate")
    runs = len(summaries)
    names = list(summaries[0].rules)
    completed = [s.completion_day for s in summaries if s.completion_day is not None]
    report: dict[str, Any] = {
        "scenario": scenario.name,
        "runs": runs,
        "seed": seed,
        "rules": names,
        "partners": [
            {
                "id": i,
                "key": p.key,
                "name": p.name,
                "side": scenario.side_of(p).value,
                "jurisdiction": p.jurisdiction,
            }
            for i, p in enumerate(scenario.partners, start=1)
        ],
        "completion": {
            "probability": len(completed) / runs,
            "days": distribution(completed) if completed else None,
        },
        "disputes": {
            "probability": sum(s.disputes > 0 for s in summaries) / runs,
            "mean_per_run": fmean(s.disputes for s in summaries),
        },
        "milestones": _milestones(scenario, summaries),
        "by_rule": {name: _rule(scenario, summaries, name) for name in names},
    }
    return report


def _milestones(scenario: Scenario, summaries: Sequence[RunSummary]) -> list[dict[str, Any]]:
    out = []
    runs = len(summaries)
    for index, milestone in enumerate(scenario.milestones):
        states = [s.states[index] for s in summaries]
        released = [
            s.decided_days[index]
            for s in summaries
            if s.states[index] == "released" and s.decided_days[index] is not None
        ]
        out.append(
            {
                "title": milestone.title,
                "due_day": milestone.due_day,
                "amount": str(milestone.amount),
                **{
                    state: states.count(state) / runs
                    for state in ("released", "rejected", "failed", "not_reached")
                },
                "released_day": distribution(released) if released else None,
            }
        )
    return out


def _rule(scenario: Scenario, summaries: Sequence[RunSummary], name: str) -> dict[str, Any]:
    spec = scenario.rule(name)
    count = len(scenario.partners)
    milestones = len(scenario.milestones)
    per_run = [s.rules[name] for s in summaries]
    totals = [
        [m + r for m, r in zip(rs.milestone_wei, rs.revenue_wei, strict=True)] for rs in per_run
    ]
    ginis = [gini(t) for t in totals]
    partners = []
    for p in range(count):
        shares = []
        for k in range(milestones):
            released = [rs.vectors[k][p] for rs in per_run if rs.vectors[k] is not None]
            shares.append(fmean(released) if released else None)
        drifts = []
        for rs in per_run:
            seen = [v[p] for v in rs.vectors if v is not None]
            if len(seen) >= 2:
                drifts.append(seen[-1] - seen[0])
        partners.append(
            {
                "id": p + 1,
                "total": {k: str(v) for k, v in distribution([t[p] for t in totals]).items()},
                "milestones_mean": str(sum(rs.milestone_wei[p] for rs in per_run) // len(per_run)),
                "revenue_mean": str(sum(rs.revenue_wei[p] for rs in per_run) // len(per_run)),
                "share_bps": shares,
                "drift_bps": fmean(drifts) if drifts else None,
                "drift_abs_bps": fmean(abs(d) for d in drifts) if drifts else None,
            }
        )
    return {
        "kind": spec.kind,
        "description": spec.description,
        "gini": {
            "mean": fmean(ginis),
            "p5": _fpercentile(ginis, 5),
            "p95": _fpercentile(ginis, 95),
        },
        "partners": partners,
        "matrix": _matrix(per_run, count, milestones) if spec.kind == "tiered" else None,
    }


def _fpercentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


def _matrix(
    per_run: Sequence[Any], count: int, milestones: int
) -> dict[str, list[list[float] | None]]:
    """Mean rights bps per tier, milestone and partner, over the runs that released it."""
    out: dict[str, list[list[float] | None]] = {}
    for tier in TIERS:
        rows: list[list[float] | None] = []
        for k in range(milestones):
            columns = [
                rs.columns[k][tier.value]
                for rs in per_run
                if rs.columns[k] and tier.value in rs.columns[k]
            ]
            rows.append([fmean(c[p] for c in columns) for p in range(count)] if columns else None)
        out[tier.value] = rows
    return out
