"""Differential run: random scenarios, the model against the contracts, equal to the wei.

Each scenario is generated from the seed and its number (``random_scenarios.py``) and
validated as a scenario file is; the contracts are deployed for it once (a
:class:`~ledger.simulation.onchain.Replayer`) and ``IPLEDGER_DIFFERENTIAL_WORLDS`` of its
worlds are drawn and replayed through them. The replayer stops at the first amount the
chain pays or credits otherwise than the model; after each replay this module checks the
chain's books again on its own: every partner's balance and revenue credit, each
milestone released or not as the model says and claimed to its amount, every leaf claimed
exactly once (the escrow's ``Claimed`` events), and what the escrow and RevenueSharing hold.

``IPLEDGER_DIFFERENTIAL_RUNS`` sets how many scenarios (8 by default),
``IPLEDGER_DIFFERENTIAL_WORLDS`` how many worlds each (1), ``IPLEDGER_DIFFERENTIAL_SEED``
the seed and ``IPLEDGER_DIFFERENTIAL_FIRST`` the first scenario's number; every failure is
listed with its scenario number, world and run seed, and the message says how to replay
the first failing scenario alone.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from ledger.chain.compiler import Build
from ledger.chain.escrow import MilestoneStatus
from ledger.chain.payout_tree import PayoutTree
from ledger.equity import Tier
from ledger.errors import ContractReverted, LedgerError
from ledger.simulation import rules
from ledger.simulation.montecarlo import run_one
from ledger.simulation.onchain import Replayer, ReplayResult
from ledger.simulation.onchain_setup import Stage
from ledger.simulation.rules import Outcome
from ledger.simulation.scenario import Scenario
from ledger.simulation.world import run_seed
from tests.reliability.random_scenarios import ALTERNATIVE, random_document, random_scenario

RUNS = int(os.environ.get("IPLEDGER_DIFFERENTIAL_RUNS", "8"))
WORLDS = int(os.environ.get("IPLEDGER_DIFFERENTIAL_WORLDS", "1"))
SEED = int(os.environ.get("IPLEDGER_DIFFERENTIAL_SEED", "20261201"))
FIRST = int(os.environ.get("IPLEDGER_DIFFERENTIAL_FIRST", "0"))
#: Scenarios the model-only tests generate (no chain: a few seconds).
SAMPLE = 200

pytestmark = pytest.mark.reliability
log = logging.getLogger(__name__)


# ---------------------------------------------------------------------- one scenario


@dataclasses.dataclass(frozen=True)
class Staged:
    """What the chain holds once a scenario is staged: every replay starts from it."""

    block: int
    balances: dict[int, int]
    escrow: int
    revenue: int

    @classmethod
    def of(cls, stage: Stage, partners: int) -> Staged:
        chain = stage.chain
        return cls(
            block=chain.block_number,
            balances={
                pid: chain.balance(stage.parties.address(pid)) for pid in range(1, partners + 1)
            },
            escrow=chain.balance(stage.escrow.address),
            revenue=chain.balance(stage.revenue.address),
        )


def books(
    stage: Stage, staged: Staged, scenario: Scenario, outcome: Outcome, result: ReplayResult
) -> list[str]:
    """Where the chain's books after a replay differ from the model's outcome."""
    chain, project = stage.chain, stage.project_id
    problems: list[str] = []

    def expect(ok: bool, what: str) -> None:
        if not ok:
            problems.append(what)

    released = {r.milestone + 1: r for r in outcome.releases}
    paid_out = sum(r.amount for r in outcome.releases)
    revenue = sum(p.amount for p in outcome.payments)
    for release in outcome.releases:
        expect(
            sum(release.payouts.values()) == release.amount,
            f"the model's payouts of milestone {release.milestone + 1} do not sum to its amount",
        )
    for number, payment in enumerate(outcome.payments):
        expect(
            sum(payment.shares.values()) == payment.amount,
            f"the model's shares of payment {number} do not sum to its amount",
        )
    expect(result.releases == len(released), f"{result.releases} releases replayed")
    expect(result.milestone_wei == paid_out, f"{result.milestone_wei} wei paid, not {paid_out}")
    expect(result.revenue_wei == revenue, f"{result.revenue_wei} wei credited, not {revenue}")
    expect(
        result.payments == sum(p.amount > 0 for p in outcome.payments),
        f"{result.payments} payments deposited",
    )

    milestone_wei, revenue_wei = outcome.milestone_wei(), outcome.revenue_wei()
    for pid, before in staged.balances.items():
        address = stage.parties.address(pid)
        gained = chain.balance(address) - before
        expect(gained == milestone_wei[pid], f"partner {pid} gained {gained} wei")
        credit = stage.revenue.credit(address)
        expect(credit == revenue_wei[pid], f"partner {pid} is credited {credit} wei")

    for milestone_id in range(1, len(scenario.milestones) + 1):
        held = stage.escrow.milestone(project, milestone_id)
        if milestone_id in released:
            amount = released[milestone_id].amount
            expect(
                held.status is MilestoneStatus.RELEASED and held.total == held.claimed == amount,
                f"milestone {milestone_id}: {held.status.name}, {held.claimed} of {held.total} "
                f"wei claimed, the model released {amount}",
            )
        else:
            expect(
                held.status is MilestoneStatus.PLANNED and held.claimed == 0,
                f"milestone {milestone_id} is {held.status.name} on chain, the model never "
                "released it",
            )

    claims = stage.escrow.logs("Claimed", from_block=staged.block + 1, projectId=project)
    leaves = Counter((c["args"]["milestoneId"], c["args"]["index"]) for c in claims)
    twice = sorted(leaf for leaf, times in leaves.items() if times > 1)
    expect(not twice, f"leaves (milestone, index) claimed more than once: {twice}")
    every = {(m, i) for m in released for i in range(len(scenario.partners))}
    expect(set(leaves) == every, f"leaves claimed: {sorted(leaves)}, expected {sorted(every)}")
    by_partner = Counter[tuple[int, str]]()
    for claim in claims:
        by_partner[(claim["args"]["milestoneId"], claim["args"]["account"])] += claim["args"][
            "amount"
        ]
    for milestone_id, release in released.items():
        for pid, wei in release.payouts.items():
            got = by_partner[(milestone_id, stage.parties.address(pid))]
            expect(got == wei, f"milestone {milestone_id}: claims paid partner {pid} {got} wei")

    escrow = chain.balance(stage.escrow.address) - staged.escrow
    funded = scenario.funding.amount
    expect(escrow == funded - paid_out, f"the escrow holds {escrow} wei of {funded} deposited")
    pooled = chain.balance(stage.revenue.address) - staged.revenue
    expect(pooled == revenue, f"RevenueSharing holds {pooled} wei, {revenue} were paid in")
    return problems


@dataclasses.dataclass
class Tally:
    """What the replays went through, for the log."""

    scenarios: int = 0
    worlds: int = 0
    releases: int = 0
    payments: int = 0
    transactions: int = 0
    wei: int = 0
    disputes: Counter[str] = dataclasses.field(default_factory=Counter)


def differential(number: int, build: Build, tally: Tally | None = None) -> list[str]:
    """Replay ``WORLDS`` worlds of random scenario ``number``; every problem, each located.

    An error of any kind is reported as a problem of its scenario and world, not raised, so
    that one run lists every scenario that fails.
    """
    tally = tally if tally is not None else Tally()
    where = f"scenario {number} of seed {SEED}"
    try:
        scenario, rule = random_scenario(SEED, number)
        replayer = Replayer(scenario, rule, build=build)
    except Exception as exc:
        return [f"{where}: not generated or not staged: {_error(exc)}"]
    problems = []
    with replayer:
        staged = Staged.of(replayer.stage, len(scenario.partners))
        tally.scenarios += 1
        for world_index in range(WORLDS):
            label = f"{where}, world {world_index}"
            try:
                world, outcomes = run_one(scenario, [rule], run_seed(SEED, number), world_index)
                label += f" (run seed {world.seed}, rule {rule})"
                outcome = outcomes[rule]
                result = replayer.replay(world_index, world.seed, outcome)
                found = books(replayer.stage, staged, scenario, outcome, result)
            except Exception as exc:
                problems.append(f"{label}: {_error(exc)}")
                continue
            problems += [f"{label}: {p}" for p in found]
            tally.worlds += 1
            tally.releases += result.releases
            tally.payments += result.payments
            tally.transactions += result.transactions
            tally.wei += result.wei_paid
            tally.disputes.update(m.dispute for m in world.milestones if m.dispute)
    return problems


def _error(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc.message if isinstance(exc, LedgerError) else exc}"


# ---------------------------------------------------------------------- the run


@pytest.mark.slow
def test_random_scenarios_pay_on_chain_what_the_model_says(build: Build) -> None:
    tally = Tally()
    problems: list[str] = []
    failed: list[int] = []
    for number in range(FIRST, FIRST + RUNS):
        found = differential(number, build, tally)
        problems += found
        failed += [number] if found else []
    log.info(
        "differential: seed %d, scenarios %d..%d, %d worlds replayed: %d releases, %d revenue "
        "payments, %d transactions, %d wei paid; disputes %s; %d scenarios failed",
        SEED,
        FIRST,
        FIRST + RUNS - 1,
        tally.worlds,
        tally.releases,
        tally.payments,
        tally.transactions,
        tally.wei,
        dict(tally.disputes),
        len(failed),
    )
    if failed:
        hint = (
            f"IPLEDGER_DIFFERENTIAL_SEED={SEED} IPLEDGER_DIFFERENTIAL_FIRST={failed[0]} "
            f"IPLEDGER_DIFFERENTIAL_RUNS=1 IPLEDGER_DIFFERENTIAL_WORLDS={WORLDS}"
        )
        listed = "\n".join(problems[:30])
        pytest.fail(
            f"{len(failed)} of {RUNS} scenarios differ ({failed[:20]}); replay the first alone "
            f"with {hint}:\n{listed}",
            pytrace=False,
        )
    assert (tally.scenarios, tally.worlds) == (RUNS, RUNS * WORLDS)


# ---------------------------------------------------------------------- it can fail


def _first(found: Callable[[Outcome], bool]) -> int:
    """The first scenario number whose world 0 the predicate accepts (model only)."""
    for number in range(FIRST, FIRST + SAMPLE):
        scenario, rule = random_scenario(SEED, number)
        _, outcomes = run_one(scenario, [rule], run_seed(SEED, number), 0)
        if found(outcomes[rule]):
            return number
    raise AssertionError(f"no scenario of {SAMPLE} from {FIRST} fits (seed {SEED})")


def _paid(shares: Mapping[int, int]) -> int:
    return sum(wei > 0 for wei in shares.values())


def _one_wei_more(shares: Mapping[int, int]) -> dict[int, int]:
    """The same shares with one wei more for the partner paid most (ties: smaller id)."""
    wrong = dict(shares)
    wrong[max(wrong, key=lambda pid: (wrong[pid], -pid))] += 1
    return wrong


def _fails_where(problems: list[str], number: int, what: str) -> None:
    assert problems, "a model one wei off went through the differential unnoticed"
    first = problems[0]
    assert first.startswith(f"scenario {number} of seed {SEED}, world 0 (run seed ")
    assert "ReplayMismatch" in first and what in first
    assert "the model says" in first and "the chain" in first


@pytest.mark.slow
def test_a_milestone_payout_one_wei_off_in_the_model_fails_the_differential(
    build: Build, monkeypatch: pytest.MonkeyPatch
) -> None:
    number = _first(lambda o: any(_paid(r.payouts) >= 2 for r in o.releases))
    real = rules._apply

    def wrong(scenario: Scenario, world: Any, rule: Any, snapshots: Any) -> Outcome:
        outcome = real(scenario, world, rule, snapshots)
        first = outcome.releases[0]
        releases = (dataclasses.replace(first, payouts=_one_wei_more(first.payouts)),)
        return dataclasses.replace(outcome, releases=releases + outcome.releases[1:])

    monkeypatch.setattr(rules, "_apply", wrong)
    problems = differential(number, build)
    _fails_where(problems, number, "payout")


@pytest.mark.slow
def test_a_revenue_share_one_wei_off_in_the_model_fails_the_differential(
    build: Build, monkeypatch: pytest.MonkeyPatch
) -> None:
    number = _first(lambda o: any(_paid(p.shares) >= 2 for p in o.payments))
    real = rules.split_revenue

    def wrong(*args: Any, **kwargs: Any) -> dict[int, int]:
        return _one_wei_more(real(*args, **kwargs))

    monkeypatch.setattr(rules, "split_revenue", wrong)
    problems = differential(number, build)
    _fails_where(problems, number, "revenue of asset")


def _moved(shares: Mapping[int, int]) -> tuple[dict[int, int], int, int]:
    """One wei moved from the partner paid most to another paid something (sum kept)."""
    paid = sorted((pid for pid, wei in shares.items() if wei > 0), key=lambda p: -shares[p])
    richer, other = paid[0], paid[1]
    moved = dict(shares)
    moved[richer] -= 1
    moved[other] += 1
    return moved, richer, other


@pytest.mark.slow
def test_the_books_alone_see_one_wei_and_a_leaf_is_never_paid_twice(build: Build) -> None:
    """After a good replay, the module's own check of the chain's books reports an outcome
    one wei off in a payout and in a credit (totals kept), and a leaf claimed again is
    refused by the escrow."""
    number = _first(
        lambda o: (
            any(_paid(r.payouts) >= 2 for r in o.releases[:1])
            and any(_paid(p.shares) >= 2 for p in o.payments)
        )
    )
    scenario, rule = random_scenario(SEED, number)
    world, outcomes = run_one(scenario, [rule], run_seed(SEED, number), 0)
    outcome = outcomes[rule]
    with Replayer(scenario, rule, build=build) as replayer:
        stage = replayer.stage
        staged = Staged.of(stage, len(scenario.partners))
        result = replayer.replay(0, world.seed, outcome)
        assert books(stage, staged, scenario, outcome, result) == []

        first = outcome.releases[0]
        payouts, richer, other = _moved(first.payouts)
        k = next(k for k, p in enumerate(outcome.payments) if _paid(p.shares) >= 2)
        shares, credited_less, credited_more = _moved(outcome.payments[k].shares)
        payments = list(outcome.payments)
        payments[k] = dataclasses.replace(payments[k], shares=shares)
        wrong = dataclasses.replace(
            outcome,
            releases=(dataclasses.replace(first, payouts=payouts), *outcome.releases[1:]),
            payments=tuple(payments),
        )
        reported = books(stage, staged, scenario, wrong, result)
        milestone = first.milestone + 1
        for pid in (richer, other):
            assert f"partner {pid} gained" in " ".join(reported)
            assert f"milestone {milestone}: claims paid partner {pid} " in " ".join(reported)
        for pid in (credited_less, credited_more):
            assert f"partner {pid} is credited" in " ".join(reported)
        assert not any("escrow" in p or "RevenueSharing" in p for p in reported)

        # the first release alone, so that its claims are still open at the end
        alone = dataclasses.replace(outcome, releases=(first,), payments=())
        result = replayer.replay(0, world.seed, alone)
        snapshot = first.snapshot
        assert snapshot is not None
        tree = PayoutTree.of(
            [
                (stage.parties.address(p), w)
                for p, w in sorted(snapshot.payouts(first.amount).items())
            ]
        )
        relayer = stage.parties.relayer
        for leaf in range(len(scenario.partners)):
            assert stage.escrow.is_claimed(stage.project_id, milestone, leaf)
            with pytest.raises(ContractReverted) as again:
                stage.escrow.claim_leaf(stage.project_id, milestone, tree, leaf, sender=relayer)
            assert again.value.error == "MilestoneEscrowAlreadyClaimed"
        assert books(stage, staged, scenario, alone, result) == []


# ---------------------------------------------------------------------- the generator


def test_random_scenarios_are_valid_distinct_and_the_same_from_the_same_seed() -> None:
    documents = [random_document(SEED, n) for n in range(FIRST, FIRST + SAMPLE)]
    assert len({repr(d) for d in documents}) == SAMPLE
    assert random_document(SEED, FIRST) == documents[0]
    assert random_document(SEED + 1, FIRST) != documents[0]
    for number in range(FIRST, FIRST + SAMPLE):
        random_scenario(SEED, number)  # raises ScenarioError with every problem


def test_random_scenarios_reach_every_case_the_differential_is_meant_to() -> None:
    """Over the sample, the generator and its worlds reach each case named below."""
    reached: set[str] = set()
    for number in range(FIRST, FIRST + SAMPLE):
        scenario, rule = random_scenario(SEED, number)
        world, outcomes = run_one(scenario, [rule], run_seed(SEED, number), 0)
        reached |= cases(scenario, rule, world.milestones, outcomes[rule])
    missing = sorted(CASES - reached)
    assert not missing, f"seed {SEED}: {SAMPLE} scenarios from {FIRST} never reach {missing}"


CASES = frozenset(
    {
        "2 partners",
        "8 partners",
        "partner 1 foreign",
        "partner 1 local",
        "3 jurisdictions or more",
        "fixed tier weights",
        "tier weights by contribution",
        "negotiated split",
        "quorum with the arbiter",
        "quorum of every partner",
        "alternative rule",
        "5 milestones",
        "a milestone failed",
        "dispute settle",
        "dispute uphold",
        "dispute correct",
        "dispute reject",
        "release not divisible by the partners",
        "a zero payout",
        "release under 1000 wei",
        "revenue core",
        "revenue application",
        "revenue derivative",
        "a core payment across a bracket cap",
        "a zero payment",
    }
)


def cases(scenario: Scenario, rule: str, draws: Any, outcome: Outcome) -> set[str]:
    """The cases of :data:`CASES` one scenario and its world reach."""
    partners = scenario.partners
    terms = scenario.agreement
    out = {f"{len(partners)} partners", f"partner 1 {scenario.side_of(partners[0])}"}
    if len({p.jurisdiction for p in partners}) >= 3:
        out.add("3 jurisdictions or more")
    out.add(
        "tier weights by contribution"
        if terms.tier_weights == "by_contribution"
        else "fixed tier weights"
    )
    if terms.negotiated is not None:
        out.add("negotiated split")
    if terms.quorum.arbiter:
        out.add("quorum with the arbiter")
    if terms.quorum.partners == len(partners):
        out.add("quorum of every partner")
    if rule == ALTERNATIVE:
        out.add("alternative rule")
    if len(scenario.milestones) == 5:
        out.add("5 milestones")
    out |= {f"dispute {d.dispute}" for d in draws if d.dispute}
    if any(d.state == "failed" for d in draws):
        out.add("a milestone failed")
    for release in outcome.releases:
        if release.amount % len(partners):
            out.add("release not divisible by the partners")
        if 0 in release.payouts.values():
            out.add("a zero payout")
        if release.amount < 1000:
            out.add("release under 1000 wei")
    caps = [b.cap for b in terms.tiers.core.brackets if b.cap is not None]
    for payment in outcome.payments:
        out.add(f"revenue {payment.tier}")
        if payment.amount == 0:
            out.add("a zero payment")
        after = payment.cumulative_before + payment.amount
        if payment.tier is Tier.CORE and any(
            payment.cumulative_before < cap < after for cap in caps
        ):
            out.add("a core payment across a bracket cap")
    return out
