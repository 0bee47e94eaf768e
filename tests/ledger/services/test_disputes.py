"""Milestone and snapshot disputes: opened by a partner's own transaction, ended once."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine

from ledger import contributions, disputes, milestones, snapshots
from ledger.chain.disputes import DisputeStatus
from ledger.chain.escrow import MilestoneStatus
from ledger.context import Ledger
from ledger.db import Project, SnapshotRecord, session_scope
from ledger.reconcile import reconcile
from tests.ledger.services.conftest import ARBITER, FOREIGN_A, FOREIGN_C, LOCAL_B, signer
from tests.ledger.services.dispute_support import (
    AMOUNT,
    Case,
    kinds,
    open_dispute,
    payout_root,
    payouts_of,
    release,
    settlement_signatures,
    submitted_case,
)

FEE = AMOUNT * 500 // 10_000  # the agreement's cap: 5 % of the disputed milestone


@pytest.fixture
def case(engine: Engine, ledger: Ledger, make_project: Callable[..., Project]) -> Case:
    return submitted_case(engine, ledger, make_project())


def test_a_settled_replacement_supersedes_the_released_snapshot_and_pays_it(
    engine: Engine, ledger: Ledger, case: Case
) -> None:
    release(engine, ledger, case)
    original_root = payout_root(engine, case.milestone.id)
    original_payouts = payouts_of(engine, case.milestone.id)
    opened = open_dispute(engine, ledger, case, LOCAL_B)
    pid = case.project.chain_project_id
    assert ledger.escrow.milestone(pid, 1).frozen
    with session_scope(engine) as session:
        assert milestones.get(session, case.milestone.id).state == "disputed"
    held = ledger.disputes.dispute(opened.chain_dispute_id)
    assert (held.opened_by, held.subject_id, held.status) == (
        LOCAL_B.address,
        1,
        DisputeStatus.OPEN,
    )

    excluded = (case.contributions["c_core"].id,)
    signatures = settlement_signatures(engine, ledger, opened.id, "replace", excluded)
    with session_scope(engine) as session:
        settled = disputes.settle(
            session,
            ledger,
            dispute_id=opened.id,
            outcome="replace",
            excluded=excluded,
            signatures=signatures,
        )
    assert (settled.status, settled.outcome) == ("settled", "replace")
    new_root = payout_root(engine, case.milestone.id)
    new_payouts = payouts_of(engine, case.milestone.id)
    assert new_root != original_root
    assert sum(new_payouts.values()) == AMOUNT == sum(original_payouts.values())
    # partner 3 lost its core contribution: its share fell, the others' rose
    assert new_payouts[3] < original_payouts[3]
    assert new_payouts[1] > original_payouts[1]
    held_milestone = ledger.escrow.milestone(pid, 1)
    assert held_milestone.root.hex() == new_root and held_milestone.total == AMOUNT
    assert not held_milestone.frozen
    with session_scope(engine) as session:
        milestone = milestones.get(session, case.milestone.id)
        assert milestone.state == "released"
        superseding = snapshots.get(session, milestone.snapshot_id)
        superseded = session.get(SnapshotRecord, superseding.supersedes_id)
        assert superseded is not None and superseded.payout_root == original_root
        assert contributions.get(session, excluded[0]).status == "rejected"
        assert snapshots.verify(session, case.project.id) == []
        assert reconcile(session, ledger, project_id=case.project.id) == []
    assert kinds(engine, case.project)[-3:] == [
        "dispute.opened",
        "snapshot.taken",
        "dispute.settled",
    ]
    assert ledger.disputes.dispute(opened.chain_dispute_id).status == DisputeStatus.SETTLED

    # the replacement opened the claims at once; each partner is paid the new snapshot
    before = {a.address: ledger.chain.balance(a.address) for a in (FOREIGN_A, LOCAL_B, FOREIGN_C)}
    for number in (1, 2, 3):
        with session_scope(engine) as session:
            milestones.claim(session, ledger, milestone_id=case.milestone.id, partner_number=number)
    paid = [
        ledger.chain.balance(a.address) - before[a.address] for a in (FOREIGN_A, LOCAL_B, FOREIGN_C)
    ]
    # partners paid the gas of their own transactions before, not now: claims are sent by the ledger
    assert paid == [new_payouts[1], new_payouts[2], new_payouts[3]]


def test_an_arbiter_rules_a_replacement_before_release(
    engine: Engine, ledger: Ledger, case: Case
) -> None:
    opened = open_dispute(engine, ledger, case, FOREIGN_A)
    excluded = (case.contributions["b_app"].id,)
    with session_scope(engine) as session:
        proposal, unsigned = disputes.prepare_ruling(
            session,
            ledger,
            dispute_id=opened.id,
            outcome="replace",
            excluded=excluded,
            arbiter=ARBITER.address,
        )
    transaction = signer(ledger, ARBITER).transaction(unsigned)
    with session_scope(engine) as session:
        ruled = disputes.rule(
            session,
            ledger,
            dispute_id=opened.id,
            outcome="replace",
            excluded=excluded,
            transaction=transaction,
        )
    assert (ruled.status, ruled.outcome) == ("ruled", "replace")
    assert payout_root(engine, case.milestone.id) == proposal.new_root
    assert payouts_of(engine, case.milestone.id) == proposal.payouts
    with session_scope(engine) as session:
        assert milestones.get(session, case.milestone.id).state == "submitted"
    # the release now carries the superseding snapshot's root
    released = release(engine, ledger, case)
    assert released.state == "released"
    held = ledger.escrow.milestone(case.project.chain_project_id, 1)
    assert held.root.hex() == proposal.new_root


def test_a_lapsed_dispute_takes_the_agreements_outcome(
    engine: Engine, ledger: Ledger, case: Case
) -> None:
    with session_scope(engine) as session:
        snapshot_id = milestones.get(session, case.milestone.id).snapshot_id
    opened = open_dispute(
        engine, ledger, case, FOREIGN_C, subject="snapshot", subject_id=snapshot_id
    )
    assert opened.subject == "snapshot"
    ledger.chain.advance_time(14 * 86_400 + 1)
    with session_scope(engine) as session:
        lapsed = disputes.lapse(session, ledger, dispute_id=opened.id)
    assert (lapsed.status, lapsed.outcome) == ("lapsed", "uphold")
    with session_scope(engine) as session:
        milestone = milestones.get(session, case.milestone.id)
        assert (milestone.state, milestone.snapshot_id) == ("submitted", snapshot_id)
    assert kinds(engine, case.project)[-1] == "dispute.lapsed"


def test_a_rejected_snapshot_sends_its_milestone_back_to_be_submitted_again(
    engine: Engine, ledger: Ledger, case: Case
) -> None:
    with session_scope(engine) as session:
        snapshot_id = milestones.get(session, case.milestone.id).snapshot_id
    opened = open_dispute(engine, ledger, case, LOCAL_B, subject="snapshot", subject_id=snapshot_id)
    signatures = settlement_signatures(engine, ledger, opened.id, "reject")
    with session_scope(engine) as session:
        disputes.settle(
            session, ledger, dispute_id=opened.id, outcome="reject", signatures=signatures
        )
    with session_scope(engine) as session:
        milestone = milestones.get(session, case.milestone.id)
        assert (milestone.state, milestone.snapshot_id) == ("planned", None)
    with session_scope(engine) as session:
        again = milestones.submit(
            session, ledger, milestone_id=case.milestone.id, evidence_hash="cd" * 32, actor="x"
        )
        assert again.snapshot_id != snapshot_id and again.state == "submitted"


def test_an_arbiter_rejecting_a_released_milestone_returns_its_funds_to_the_pool_less_the_fee(
    engine: Engine, ledger: Ledger, case: Case
) -> None:
    release(engine, ledger, case)
    pid = case.project.chain_project_id
    available = ledger.escrow.available(pid)
    opened = open_dispute(engine, ledger, case, FOREIGN_A)
    with session_scope(engine) as session:
        _, unsigned = disputes.prepare_ruling(
            session,
            ledger,
            dispute_id=opened.id,
            outcome="reject",
            fee=FEE,
            arbiter=ARBITER.address,
        )
    with session_scope(engine) as session:
        disputes.rule(
            session,
            ledger,
            dispute_id=opened.id,
            outcome="reject",
            fee=FEE,
            transaction=signer(ledger, ARBITER).transaction(unsigned),
        )
    assert ledger.escrow.milestone(pid, 1).status == MilestoneStatus.REJECTED
    assert ledger.escrow.available(pid) == available + AMOUNT - FEE
    assert ledger.escrow.fee_of(pid, ARBITER.address) == FEE
    with session_scope(engine) as session:
        assert milestones.get(session, case.milestone.id).state == "rejected"
        assert reconcile(session, ledger, project_id=case.project.id) == []
    # the record's head was anchored with the ruling
    anchored = ledger.anchor.latest(pid)
    assert anchored is not None and anchored.tree_size == len(kinds(engine, case.project))
