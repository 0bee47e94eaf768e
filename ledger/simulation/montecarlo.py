"""Many seeded runs of a scenario, in parallel over processes, summarized run by run.

Run ``i`` of a simulation seeded ``s`` draws its world from :func:`run_seed` ``(s, i)``,
so any run can be drawn again alone (the on-chain replay does) and the result does not
depend on how the runs were spread over processes. Workers return a compact
:class:`RunSummary` per run; :mod:`ledger.simulation.stats` aggregates them.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass

from ledger.equity import TIERS
from ledger.simulation.rules import Outcome, apply_rules, prepare_rules
from ledger.simulation.scenario import Scenario
from ledger.simulation.world import State, World, draw_world, run_seed

#: Runs per task sent to a worker: large enough to amortize the hand-over.
CHUNK = 50


@dataclass(frozen=True)
class RuleSummary:
    """One run under one rule, partners in id order.

    Attributes:
        milestone_wei: Wei each partner was paid by milestones.
        revenue_wei: Wei each partner received from revenue.
        vectors: Per milestone, the payout vector's bps per partner (``None`` unless
            released).
        columns: Per milestone, the rights bps per partner of each tier that has a column
            (tiered rules; ``None`` unless released).
    """

    milestone_wei: tuple[int, ...]
    revenue_wei: tuple[int, ...]
    vectors: tuple[tuple[int, ...] | None, ...]
    columns: tuple[dict[str, tuple[int, ...]] | None, ...]


@dataclass(frozen=True)
class RunSummary:
    """What one run did, under every rule compared."""

    index: int
    seed: int
    states: tuple[State, ...]
    decided_days: tuple[int | None, ...]
    completed: bool
    completion_day: int | None
    disputes: int
    rules: dict[str, RuleSummary]


def summarize(
    scenario: Scenario, world: World, outcomes: dict[str, Outcome], index: int
) -> RunSummary:
    """The compact summary of one run."""
    count = len(scenario.milestones)
    ids = tuple(range(1, len(scenario.partners) + 1))
    rules = {}
    for name, outcome in outcomes.items():
        vectors: list[tuple[int, ...] | None] = [None] * count
        columns: list[dict[str, tuple[int, ...]] | None] = [None] * count
        for release in outcome.releases:
            vectors[release.milestone] = tuple(release.vector[p] for p in ids)
            if release.columns:
                columns[release.milestone] = {
                    tier.value: tuple(release.columns[tier].get(p, 0) for p in ids)
                    for tier in TIERS
                    if tier in release.columns
                }
        milestone, revenue = outcome.milestone_wei(), outcome.revenue_wei()
        rules[name] = RuleSummary(
            tuple(milestone[p] for p in ids),
            tuple(revenue[p] for p in ids),
            tuple(vectors),
            tuple(columns),
        )
    days = tuple(m.decided_day for m in world.milestones)
    completed = world.completed
    return RunSummary(
        index=index,
        seed=world.seed,
        states=tuple(m.state for m in world.milestones),
        decided_days=days,
        completed=completed,
        completion_day=days[-1] if completed else None,
        disputes=world.disputes,
        rules=rules,
    )


def run_one(
    scenario: Scenario, rule_names: Sequence[str], seed: int, index: int
) -> tuple[World, dict[str, Outcome]]:
    """Draw run ``index`` of a simulation seeded ``seed`` and share it under each rule."""
    world = draw_world(scenario, run_seed(seed, index))
    return world, apply_rules(scenario, world, prepare_rules(scenario, list(rule_names)))


def _batch(
    scenario: Scenario, rule_names: tuple[str, ...], seed: int, first: int, count: int
) -> list[RunSummary]:
    rules = prepare_rules(scenario, list(rule_names))
    out = []
    for index in range(first, first + count):
        world = draw_world(scenario, run_seed(seed, index))
        out.append(summarize(scenario, world, apply_rules(scenario, world, rules), index))
    return out


def simulate(
    scenario: Scenario,
    *,
    runs: int,
    seed: int,
    rule_names: Sequence[str],
    processes: int = 1,
    progress: Callable[[int], None] | None = None,
) -> list[RunSummary]:
    """``runs`` seeded runs under each of ``rule_names``, in run order.

    Args:
        scenario: The validated scenario.
        runs: How many runs (>= 1).
        seed: The simulation's seed.
        rule_names: The rules to compare (built-in or the scenario's).
        processes: Worker processes; 1 runs in this process.
        progress: Called with the number of runs just finished, as they finish.

    Raises:
        ScenarioError: for an unknown rule name.
        RuleViolation: if a run cannot be computed (see :func:`apply_rules`).
    """
    names = tuple(rule_names)
    prepare_rules(scenario, list(names))  # unknown names fail here, before any work
    chunks = [(first, min(CHUNK, runs - first)) for first in range(0, runs, CHUNK)]
    report = progress or (lambda done: None)
    if processes <= 1:
        out: list[RunSummary] = []
        for first, count in chunks:
            out.extend(_batch(scenario, names, seed, first, count))
            report(count)
        return out
    results: list[RunSummary] = []
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=processes, mp_context=context) as pool:
        pending: set[Future[list[RunSummary]]] = {
            pool.submit(_batch, scenario, names, seed, first, count) for first, count in chunks
        }
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                batch = future.result()
                results.extend(batch)
                report(len(batch))
    results.sort(key=lambda r: r.index)
    return results
