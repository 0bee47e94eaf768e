"""The on-chain replay: simulated runs through the contracts, compared to the wei.

The Sino-German scenario is staged once for the module; each replay reverts to the staged
state, so the partners' balances and credits after a replay are the staged ones plus that
run's money alone.
"""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ledger.chain.compiler import Build, project_root
from ledger.chain.escrow import MilestoneStatus
from ledger.chain.registry import Tier as ChainTier
from ledger.equity import Tier
from ledger.errors import RuleViolation
from ledger.simulation.montecarlo import run_one
from ledger.simulation.onchain import Replayer, ReplayMismatch, ReplayRefused
from ledger.simulation.rules import Outcome
from ledger.simulation.scenario import Scenario, ScenarioError, load_scenario, parse_scenario
from ledger.simulation.world import World

ROOT = project_root()
SINO_GERMAN = ROOT / "scripts" / "scenarios" / "sino-german-vision.toml"
#: Simulation seed 7: run 0 releases two milestones (the third fails), run 1 all three.
SEED = 7
#: Run 363 of simulation seed 1: milestone 1 corrected by the arbiter, milestone 2 rejected.
DISPUTED = (1, 363)


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return load_scenario(SINO_GERMAN)


@dataclasses.dataclass(frozen=True)
class Staged:
    """The module's replayer and each partner's balance in the staged state."""

    replayer: Replayer
    balances: dict[int, int]


@pytest.fixture(scope="module")
def staged(scenario: Scenario, build: Build) -> Iterator[Staged]:
    with Replayer(scenario, "table2", build=build) as replayer:
        chain, parties = replayer.stage.chain, replayer.stage.parties
        ids = range(1, len(scenario.partners) + 1)
        yield Staged(replayer, {pid: chain.balance(parties.address(pid)) for pid in ids})


@pytest.fixture
def replayer(staged: Staged) -> Replayer:
    return staged.replayer


def draw(scenario: Scenario, seed: int, index: int, rule: str = "table2") -> tuple[World, Outcome]:
    world, outcomes = run_one(scenario, [rule], seed, index)
    return world, outcomes[rule]


@pytest.mark.parametrize("index", [0, 1])
def test_replay_pays_every_partner_what_the_model_says(
    staged: Staged, scenario: Scenario, index: int
) -> None:
    world, outcome = draw(scenario, SEED, index)
    result = staged.replayer.replay(index, world.seed, outcome)

    stage = staged.replayer.stage
    released = sum(r.amount for r in outcome.releases)
    revenue = sum(p.amount for p in outcome.payments)
    assert len(outcome.releases) == 2 + index
    assert released > 0 and revenue > 0
    assert (result.index, result.seed) == (index, world.seed)
    assert result.milestone_wei == released
    assert result.revenue_wei == revenue
    assert result.releases == len(outcome.releases)
    assert result.payments == sum(p.amount > 0 for p in outcome.payments)
    assert result.transactions > result.releases + result.payments and result.gas_used > 0
    milestone_wei, revenue_wei = outcome.milestone_wei(), outcome.revenue_wei()
    for pid, before in staged.balances.items():
        address = stage.parties.address(pid)
        assert stage.chain.balance(address) - before == milestone_wei[pid]
        assert stage.revenue.credit(address) == revenue_wei[pid]
    for release in outcome.releases:
        held = stage.escrow.milestone(stage.project_id, release.milestone + 1)
        assert held.status is MilestoneStatus.RELEASED
        assert held.claimed == held.total == release.amount


def test_replay_of_the_same_run_twice_gives_the_same_result(
    replayer: Replayer, scenario: Scenario
) -> None:
    world, outcome = draw(scenario, SEED, 0)
    first = replayer.replay(0, world.seed, outcome)
    again = replayer.replay(0, world.seed, outcome)
    assert dataclasses.replace(again, seconds=0) == dataclasses.replace(first, seconds=0)


def _payout_shifted(outcome: Outcome) -> Outcome:
    """Milestone 1: partner 2 one wei more, partner 3 one wei less (the total unchanged)."""
    first = outcome.releases[0]
    payouts = dict(first.payouts)
    payouts[2] += 1
    payouts[3] -= 1
    releases = (dataclasses.replace(first, payouts=payouts), *outcome.releases[1:])
    return dataclasses.replace(outcome, releases=releases)


def _share_shifted(outcome: Outcome) -> Outcome:
    """The first payment after milestone 2 that pays partners 1 and 4: partner 4 one wei
    more, partner 1 one wei less."""
    payments = list(outcome.payments)
    k = next(
        k for k, p in enumerate(payments) if p.release == 1 and p.shares[1] > 0 and p.shares[4] > 0
    )
    shares = dict(payments[k].shares)
    shares[4] += 1
    shares[1] -= 1
    payments[k] = dataclasses.replace(payments[k], shares=shares)
    return dataclasses.replace(outcome, payments=tuple(payments))


def _column_shifted(outcome: Outcome) -> Outcome:
    """Milestone 1's reported core column: partner 3 one bp more, partner 2 one less."""
    first = outcome.releases[0]
    core = dict(first.columns[Tier.CORE])
    core[3] += 1
    core[2] -= 1
    columns = {**first.columns, Tier.CORE: core}
    releases = (dataclasses.replace(first, columns=columns), *outcome.releases[1:])
    return dataclasses.replace(outcome, releases=releases)


@pytest.mark.parametrize(
    ("tamper", "partner", "key", "what", "delta", "unit"),
    [
        (_payout_shifted, 2, "hanse_optics", "milestone 1 (Core defect-detection", 1, "wei"),
        (_share_shifted, 1, "rhein_lab", "revenue of asset", -1, "wei"),
        (_column_shifted, 2, "hanse_optics", "milestone 1 (Core defect-detection", -1, "bps"),
    ],
)
def test_replay_stops_at_the_first_partner_the_chain_pays_otherwise(
    replayer: Replayer,
    scenario: Scenario,
    tamper: Callable[[Outcome], Outcome],
    partner: int,
    key: str,
    what: str,
    delta: int,
    unit: str,
) -> None:
    world, outcome = draw(scenario, SEED, 1)
    with pytest.raises(ReplayMismatch) as caught:
        replayer.replay(1, world.seed, tamper(outcome))
    error = caught.value
    assert (error.index, error.seed) == (1, world.seed)
    assert (error.partner_id, error.partner_key, error.unit) == (partner, key, unit)
    assert error.expected - error.actual == delta
    assert error.what.startswith(what)
    assert f"seed {world.seed}" in error.message and f"({key})" in error.message
    assert error.fields["partner_id"] == partner


def test_replay_stops_where_a_contract_refuses_a_step(
    replayer: Replayer, scenario: Scenario
) -> None:
    """A milestone beyond what the escrow holds: the release itself is refused."""
    world, outcome = draw(scenario, SEED, 1)
    too_much = dataclasses.replace(outcome.releases[1], amount=scenario.funding.amount)
    tampered = dataclasses.replace(
        outcome, releases=(outcome.releases[0], too_much, *outcome.releases[2:])
    )
    with pytest.raises(ReplayRefused) as caught:
        replayer.replay(1, world.seed, tampered)
    error = caught.value
    assert (error.index, error.seed) == (1, world.seed)
    assert error.what == "milestone 2 (Pilot line in Suzhou) release"
    assert error.reverted.error == "MilestoneEscrowInsufficientFunds"
    assert f"seed {world.seed}" in error.message


def test_replay_of_a_corrected_and_a_rejected_milestone(staged: Staged, scenario: Scenario) -> None:
    world, outcome = draw(scenario, *DISPUTED)
    first, second, _ = world.milestones
    assert (first.state, first.dispute) == ("released", "correct") and first.excluded is not None
    assert (second.state, second.dispute) == ("rejected", "reject")

    result = staged.replayer.replay(DISPUTED[1], world.seed, outcome)

    stage = staged.replayer.stage
    assert result.releases == 1 and result.milestone_wei == scenario.milestones[0].amount
    assert not stage.escrow.is_released(stage.project_id, 2)
    paid = outcome.milestone_wei()
    for pid, before in staged.balances.items():
        assert stage.chain.balance(stage.parties.address(pid)) - before == paid[pid]


def test_replay_refuses_a_rule_the_contracts_do_not_implement(
    scenario: Scenario, build: Build
) -> None:
    for rule in ("equal", "contribution"):
        with pytest.raises(RuleViolation, match="only tiered rules can be replayed"):
            Replayer(scenario, rule, build=build)
    with pytest.raises(ScenarioError, match="unknown rule 'nope'"):
        Replayer(scenario, "nope", build=build)


def test_replay_of_a_rule_with_a_wider_band_creates_a_project_with_that_band(
    scenario: Scenario, build: Build
) -> None:
    world, outcome = draw(scenario, SEED, 0, "wide_band")
    with Replayer(scenario, "wide_band", build=build) as wide:
        stage = wide.stage
        terms = stage.registry.agreement(stage.project_id)
        assert terms[3:5] == (5000, 8000)  # core_lo, core_hi
        result = wide.replay(0, world.seed, outcome)
        assert result.milestone_wei == sum(r.amount for r in outcome.releases)
        core = stage.rights.column(stage.project_id, ChainTier.CORE)
        assert core.snapshot_id == outcome.releases[-1].milestone + 1
        _, table2 = draw(scenario, SEED, 0)
        with pytest.raises(RuleViolation, match="the outcome is of 'table2'"):
            wide.replay(0, world.seed, table2)


LATE_RULING = {
    "name": "Late ruling",
    "host_jurisdiction": "CN",
    "partners": [
        {"key": "lab", "name": "Lab", "kind": "university", "jurisdiction": "DE"},
        {"key": "works", "name": "Works", "kind": "enterprise", "jurisdiction": "CN"},
    ],
    "agreement": {"quorum": {"partners": 2}},
    "funding": {"amount": "30 ether"},
    "milestones": [
        {"title": "First", "amount": "10 ether", "due_day": 30, "trl_target": 4},
        {"title": "Second", "amount": "20 ether", "due_day": 32, "trl_target": 5},
    ],
    "streams": [
        {
            "partner": key,
            "tier": "core",
            "kind": kind,
            "value": {"dist": "uniform", "low": 10, "high": 90},
            "rate": 20,
        }
        for key, kind in (("lab", "code"), ("works", "data"))
    ],
    "assets": [
        {
            "title": "Core",
            "tier": "core",
            "after_milestone": 1,
            "revenue": {"shape": "constant", "peak": "1 ether", "periods": 8, "period_days": 5},
        }
    ],
    "disputes": {"probability": 0.5, "outcomes": {"uphold": 1.0}},
}


def test_replay_keeps_the_later_milestone_column_when_an_earlier_one_is_decided_last(
    build: Build,
) -> None:
    scenario = parse_scenario(LATE_RULING)
    world, outcome = draw(scenario, 3, 0)
    first, second = world.milestones
    assert first.dispute == "uphold" and second.dispute is None
    assert first.decided_day > second.decided_day  # type: ignore[operator]
    assert {p.release for p in outcome.payments} == {1}  # the second milestone's column

    with Replayer(scenario, build=build) as late:
        result = late.replay(0, world.seed, outcome)
        stage = late.stage
        core = stage.rights.column(stage.project_id, ChainTier.CORE)
    assert result.releases == 2 and result.payments == 8
    assert core.snapshot_id == 2


def test_onchain_modules_do_not_import_web3() -> None:
    folder = Path(ROOT / "ledger" / "simulation")
    for path in sorted(folder.glob("onchain*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not any(n == "web3" or n.startswith("web3.") for n in names), path


def test_replay_refuses_amounts_the_development_accounts_cannot_pay(build: Build) -> None:
    scenario = parse_scenario(
        {**LATE_RULING, "funding": {"amount": "2000000 ether"}}  # each party holds 1M ether
    )
    _, outcome = draw(scenario, 3, 0)
    with Replayer(scenario, build=build) as big:
        with pytest.raises(RuleViolation, match="funder holds .* too little to pay"):
            big.replay(0, 1, outcome)


def test_replay_has_the_arbiter_sign_releases_when_the_quorum_asks_for_it(build: Build) -> None:
    agreement = {"quorum": {"partners": 1, "arbiter": True}}
    scenario = parse_scenario({**LATE_RULING, "agreement": agreement})
    world, outcome = draw(scenario, 3, 0)
    with Replayer(scenario, build=build) as replayer:
        stage = replayer.stage
        quorum, arbiter_approval = stage.registry.agreement(stage.project_id)[6:8]
        assert (quorum, arbiter_approval) == (1, True)
        result = replayer.replay(0, world.seed, outcome)
    assert result.releases == len(outcome.releases) > 0
    assert result.milestone_wei == sum(r.amount for r in outcome.releases)
