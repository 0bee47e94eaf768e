"""The Monte Carlo runner and the report: same runs however spread, statistics as defined."""

from __future__ import annotations

from fractions import Fraction

import pytest

from ledger.simulation.montecarlo import run_one, simulate, summarize
from ledger.simulation.scenario import ScenarioError
from ledger.simulation.stats import aggregate, distribution, gini, percentile
from tests.ledger.simulation.sim_support import shipped

SINO = "sino-german-vision.toml"


@pytest.mark.slow
def test_two_processes_give_the_runs_of_one() -> None:
    scenario = shipped(SINO)
    seen: list[int] = []
    serial = simulate(scenario, runs=120, seed=5, rule_names=["table2", "equal"], processes=1)
    parallel = simulate(
        scenario,
        runs=120,
        seed=5,
        rule_names=["table2", "equal"],
        processes=2,
        progress=seen.append,
    )
    assert parallel == serial
    assert sum(seen) == 120
    assert [s.index for s in parallel] == list(range(120))


def test_a_run_can_be_drawn_again_alone() -> None:
    scenario = shipped(SINO)
    summaries = simulate(scenario, runs=8, seed=11, rule_names=["table2"])
    world, outcomes = run_one(scenario, ["table2"], 11, 6)
    assert summarize(scenario, world, outcomes, 6) == summaries[6]


def test_a_different_seed_gives_different_runs() -> None:
    scenario = shipped(SINO)
    first = simulate(scenario, runs=10, seed=1, rule_names=["table2"])
    second = simulate(scenario, runs=10, seed=2, rule_names=["table2"])
    assert [s.seed for s in first] != [s.seed for s in second]


def test_an_unknown_rule_fails_before_any_run() -> None:
    calls: list[int] = []
    with pytest.raises(ScenarioError, match="unknown rule 'flat'"):
        simulate(shipped(SINO), runs=10, seed=1, rule_names=["flat"], progress=calls.append)
    assert calls == []


def test_percentile_is_the_nearest_rank() -> None:
    values = [15, 20, 35, 40, 50]
    assert [percentile(values, p) for p in (5, 30, 40, 50, 100)] == [15, 20, 20, 35, 50]
    with pytest.raises(ValueError):
        percentile([], 50)


def test_distribution_mean_is_floored_exactly() -> None:
    big = 10**30
    assert distribution([big, big + 1])["mean"] == big
    assert distribution([1, 2, 4])["mean"] == 2


@pytest.mark.parametrize(
    ("values", "expected"),
    [([5, 5, 5, 5], Fraction(0)), ([0, 0, 0, 12], Fraction(3, 4)), ([1, 3], Fraction(1, 4))],
)
def test_gini(values: list[int], expected: Fraction) -> None:
    assert gini(values) == pytest.approx(float(expected))


def test_report_counts_what_the_runs_did() -> None:
    scenario = shipped(SINO)
    summaries = simulate(scenario, runs=200, seed=3, rule_names=["table2", "equal"])
    report = aggregate(scenario, summaries, seed=3)
    completed = [s for s in summaries if s.completed]
    assert report["completion"]["probability"] == len(completed) / 200
    assert report["disputes"]["probability"] == sum(s.disputes > 0 for s in summaries) / 200
    first = report["milestones"][0]
    assert first["released"] + first["rejected"] + first["failed"] + first["not_reached"] == (
        pytest.approx(1.0)
    )
    for index, partner in enumerate(report["by_rule"]["table2"]["partners"]):
        totals = sorted(
            s.rules["table2"].milestone_wei[index] + s.rules["table2"].revenue_wei[index]
            for s in summaries
        )
        assert int(partner["total"]["p50"]) == totals[99]
        assert int(partner["total"]["mean"]) == sum(totals) // 200
    assert report["by_rule"]["equal"]["matrix"] is None
    core = report["by_rule"]["table2"]["matrix"]["core"]
    foreign = [i for i, p in enumerate(report["partners"]) if p["side"] == "foreign"]
    for row in core:  # means of integers within the band: within it, up to float rounding
        assert 6000 - 1e-6 <= sum(row[i] for i in foreign) <= 7000 + 1e-6
