"""Random sequences of escrow operations against a pure-Python model (eth-tester only).

Each operation runs on chain; whatever the chain accepts is applied to the model, which
asserts that it was allowed (no double claim, claims within the total, releases within the
pool, refunds by the rule). After every step: the escrow's balance equals deposits minus
payouts (claims counted per milestone, plus refunds and withdrawn fees), the conservation
identity of ``Funds`` holds term by term, and every payee holds exactly what the model says,
to the wei.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.chain.disputes import Subject
from ledger.chain.escrow import MilestoneStatus
from ledger.chain.gateway import Chain
from ledger.chain.payout_tree import PayoutTree
from ledger.chain.registry import Outcome
from ledger.errors import ContractReverted
from tests.contracts.conftest import key
from tests.contracts.escrow_support import Env, fund

pytest_plugins = ["tests.contracts.escrow_fixtures"]

PAYEES = [key(f"payee-{i}").address for i in range(4)]
DAY = 86_400

deposits = st.tuples(st.just("deposit"), st.integers(1, 3), st.integers(1, 10**6))
releases = st.tuples(
    st.just("release"), st.lists(st.integers(0, 3 * 10**5), min_size=1, max_size=4)
)
claims = st.tuples(st.just("claim"), st.integers(0, 5), st.integers(0, 3))
sweeps = st.tuples(st.just("sweep"), st.integers(0, 5))
waits = st.tuples(st.just("wait"), st.sampled_from([1, 6, 8, 30, 100]))
disputes = st.tuples(
    st.just("dispute"),
    st.integers(0, 6),
    st.sampled_from([Outcome.UPHOLD, Outcome.REJECT, Outcome.REPLACE]),
    st.integers(0, 100),
)
terminations = st.tuples(st.just("terminate"))
refunds = st.tuples(st.just("refund"), st.integers(1, 3))
operations = st.lists(
    st.one_of(deposits, releases, claims, sweeps, waits, disputes, terminations, refunds),
    min_size=4,
    max_size=20,
)


@dataclass
class Planned:
    tree: PayoutTree
    total: int
    claimed: int = 0
    claimed_indices: set[int] = field(default_factory=set)
    open: bool = True


@dataclass
class Model:
    deposited: int = 0
    available: int = 0
    paid_out: int = 0
    by_funder: dict[str, int] = field(default_factory=dict)
    received: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PAYEES, 0))
    milestones: dict[int, Planned] = field(default_factory=dict)
    refund_pool: int | None = None


@pytest.mark.parametrize("chain", ["eth-tester"], indirect=True)
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations)
def test_random_operations_conserve_funds(chain: Chain, env: Env, ops: list[tuple]) -> None:
    if not hasattr(env, "_ready"):
        fund(chain, env.project.foreign_a.address)
        fund(chain, env.project.arbiter.address)
        env._ready = chain.snapshot()  # type: ignore[attr-defined]
    else:
        chain.revert(env._ready)  # type: ignore[attr-defined]
        env._ready = chain.snapshot()  # type: ignore[attr-defined]
    model = Model()
    for op in ops:
        try:
            step(env, model, op)
        except ContractReverted:
            pass
        check(env, model)


def step(env: Env, model: Model, op: tuple) -> None:
    chain, escrow = env.chain, env.escrow
    kind = op[0]
    if kind == "deposit":
        funder = chain.accounts[op[1]]
        escrow.deposit(env.pid, op[2], sender=funder)
        model.deposited += op[2]
        model.available += op[2]
        model.by_funder[funder.address] = model.by_funder.get(funder.address, 0) + op[2]
    elif kind == "release":
        tree = PayoutTree.of([(PAYEES[i % 4], a) for i, a in enumerate(op[1])])
        milestone_id = len(model.milestones) + 1
        total = max(tree.total, 1)
        env.release(milestone_id, tree, total=total)
        assert total <= model.available
        model.available -= total
        model.milestones[milestone_id] = Planned(tree, total)
    elif kind == "claim":
        m = model.milestones.get(op[1])
        if m is None or op[2] >= len(m.tree):
            return
        escrow.claim_leaf(env.pid, op[1], m.tree, op[2], sender=chain.accounts[2])
        payout = m.tree.payouts[op[2]]
        assert op[2] not in m.claimed_indices and m.open
        assert m.claimed + payout.amount <= m.total
        m.claimed_indices.add(op[2])
        m.claimed += payout.amount
        model.received[payout.account] += payout.amount
        model.paid_out += payout.amount
    elif kind == "sweep":
        escrow.sweep(env.pid, op[1])
        m = model.milestones[op[1]]
        assert m.open
        m.open = False
        model.available += m.total - m.claimed
    elif kind == "wait":
        chain.advance_time(op[1] * DAY)
    elif kind == "dispute":
        dispute_id = env.disputes.open_dispute(
            env.pid, Subject.MILESTONE, op[1], b"\x01" * 32, sender=env.project.foreign_a
        )
        rule(env, model, dispute_id, op[1], op[2], op[3])
    elif kind == "terminate":
        env.terminate()
    elif kind == "refund":
        funder = chain.accounts[op[1]]
        receipt = escrow.refund(env.pid, sender=funder)
        (event,) = chain.decode_events(escrow.bound, "Refunded", receipt)
        if model.refund_pool is None:
            model.refund_pool, model.available = model.available, 0
        expected = model.refund_pool * model.by_funder[funder.address] // model.deposited
        assert event["args"]["amount"] == expected
        model.paid_out += expected


def rule(env: Env, model: Model, dispute_id: int, milestone_id: int, outcome: Outcome, fee: int):
    m = model.milestones.get(milestone_id)
    released = m is not None and m.open
    new_root, new_total = bytes(32), 0
    if outcome == Outcome.REPLACE and released:
        replacement = PayoutTree.of([(PAYEES[3], 5), (PAYEES[0], 7)])
        new_root, new_total = replacement.root, 12
    cap = (m.total if m else 0) * 500 // 10_000
    fee = min(fee, cap)
    try:
        env.disputes.rule(
            dispute_id,
            outcome,
            sender=env.project.arbiter,
            new_root=new_root,
            new_total=new_total,
            fee=fee,
        )
    except ContractReverted:
        env.chain.advance_time(15 * DAY)
        env.disputes.lapse(dispute_id)  # lapse outcome: Uphold, no fee
        return
    if released and outcome == Outcome.REJECT:
        m.open = False
        model.available += m.total - m.claimed
    elif released and outcome == Outcome.REPLACE:
        model.available += m.total - new_total
        m.tree, m.total = replacement, new_total
    assert fee <= model.available
    model.available -= fee


def check(env: Env, model: Model) -> None:
    chain, escrow = env.chain, env.escrow
    funds = escrow.funds(env.pid)
    assert funds.deposited == model.deposited
    assert env.released_ids() == sorted(model.milestones)
    paid_out = escrow.paid_out(env.pid, model.milestones)
    assert paid_out == model.paid_out
    assert chain.balance(escrow.address) == model.deposited - model.paid_out
    assert funds.available == model.available
    for payee in PAYEES:
        assert chain.balance(payee) == model.received[payee]
    unclaimed = 0
    for milestone_id, m in model.milestones.items():
        on_chain = escrow.milestone(env.pid, milestone_id)
        assert on_chain.claimed == m.claimed <= on_chain.total
        assert (on_chain.status == MilestoneStatus.RELEASED) == m.open
        if m.open:
            unclaimed += on_chain.total - on_chain.claimed
        for index in range(len(m.tree)):
            assert escrow.is_claimed(env.pid, milestone_id, index) == (index in m.claimed_indices)
    # The conservation identity of IMilestoneEscrow.sol, term by term.
    held = funds.available + unclaimed + funds.fees_owed + (funds.refund_pool - funds.refunded)
    assert funds.deposited == held + paid_out
