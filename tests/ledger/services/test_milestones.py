"""Milestones: submitted with a snapshot, released by quorum on chain, claimed, alerted."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import Engine

from ledger import journal, milestones, snapshots
from ledger.context import Ledger
from ledger.db import Milestone, Project, session_scope
from ledger.errors import ContractReverted, RuleViolation, Unauthorized
from tests.contracts.conftest import key
from tests.ledger.services.conftest import FOREIGN_A, FOREIGN_C, LOCAL_B, T0, Clock, signer
from tests.ledger.services.contribution_rows import add

AMOUNT = 10**18 + 7  # odd, so rounding leaves wei to place


@pytest.fixture
def submitted(
    engine: Engine, ledger: Ledger, make_project: Callable[..., Project]
) -> tuple[Project, Milestone]:
    project = make_project()
    with session_scope(engine) as session:
        add(session, ledger, project.id, 1, "core", "code", 500)
        add(session, ledger, project.id, 2, "core", "labor_hours", 400)
        add(session, ledger, project.id, 3, "application", "tacit_knowhow_transfer", 90)
        add(session, ledger, project.id, 2, "application", "data", 30)
        milestone = milestones.plan(
            session,
            ledger,
            project_id=project.id,
            title="Prototype",
            amount=AMOUNT,
            trl_target=4,
            due_at=T0 + timedelta(days=30),
        )
    with session_scope(engine) as session:
        milestone = milestones.submit(
            session, ledger, milestone_id=milestone.id, evidence_hash="ab" * 32, actor="partner:1"
        )
    ledger.escrow.deposit(project.chain_project_id, 2 * AMOUNT, sender=ledger.operator)
    return project, milestone


def release_signatures(
    ledger: Ledger, engine: Engine, project: Project, milestone: Milestone, *accounts
) -> list[str]:  # type: ignore[no-untyped-def]
    with session_scope(engine) as session:
        root = snapshots.get(session, milestone.snapshot_id).payout_root
    return [
        signer(ledger, a).release(
            project.chain_project_id, milestone.number, bytes.fromhex(root), AMOUNT
        )
        for a in accounts
    ]


def test_release_and_claims_pay_the_snapshot_to_the_wei(
    engine: Engine, ledger: Ledger, submitted: tuple[Project, Milestone]
) -> None:
    project, milestone = submitted
    signatures = release_signatures(ledger, engine, project, milestone, FOREIGN_A, LOCAL_B)
    with session_scope(engine) as session:
        released = milestones.release(
            session, ledger, milestone_id=milestone.id, signatures=signatures
        )
    assert released.state == "released"
    with pytest.raises(RuleViolation, match="dispute window"), session_scope(engine) as session:
        milestones.claim(session, ledger, milestone_id=milestone.id, partner_number=1)
    ledger.chain.advance_time(7 * 86_400 + 1)
    balances = {a.address: ledger.chain.balance(a.address) for a in (FOREIGN_A, LOCAL_B, FOREIGN_C)}
    for number in (1, 2, 3):
        with session_scope(engine) as session:
            milestones.claim(session, ledger, milestone_id=milestone.id, partner_number=number)
    with session_scope(engine) as session:
        payouts = json.loads(snapshots.get(session, milestone.snapshot_id).payouts)
        entries = journal.entries(session, project.id)
        size = len(entries)
    paid = {
        a.address: ledger.chain.balance(a.address) - balances[a.address]
        for a in (FOREIGN_A, LOCAL_B, FOREIGN_C)
    }
    assert [paid[FOREIGN_A.address], paid[LOCAL_B.address], paid[FOREIGN_C.address]] == [
        int(payouts[n]) for n in ("1", "2", "3")
    ]
    assert sum(paid.values()) == AMOUNT
    # the head was anchored when the milestone was released
    anchored = ledger.anchor.latest(project.chain_project_id)
    assert anchored is not None
    release_seq = next(e.seq for e in entries if e.kind == "milestone.released")
    assert anchored.tree_size == release_seq < size
    with pytest.raises(ContractReverted) as caught, session_scope(engine) as session:
        milestones.claim(session, ledger, milestone_id=milestone.id, partner_number=1)
    assert "Claimed" in caught.value.fields["error"]


def test_release_needs_a_quorum_of_partner_signatures(
    engine: Engine, ledger: Ledger, submitted: tuple[Project, Milestone]
) -> None:
    project, milestone = submitted
    one = release_signatures(ledger, engine, project, milestone, FOREIGN_A)
    with (
        pytest.raises(Unauthorized, match="needs 2 partner signatures"),
        session_scope(engine) as session,
    ):
        milestones.release(session, ledger, milestone_id=milestone.id, signatures=one)
    stranger = release_signatures(ledger, engine, project, milestone, FOREIGN_A, key("mallory"))
    with pytest.raises(Unauthorized, match="not a partner"), session_scope(engine) as session:
        milestones.release(session, ledger, milestone_id=milestone.id, signatures=stranger)
    with pytest.raises(Unauthorized, match="twice"), session_scope(engine) as session:
        milestones.release(session, ledger, milestone_id=milestone.id, signatures=one + one)
    with session_scope(engine) as session:
        assert milestones.get(session, milestone.id).state == "submitted"
    assert not ledger.escrow.is_released(project.chain_project_id, milestone.number)


def test_release_needs_the_funds_in_escrow(
    engine: Engine, ledger: Ledger, make_project: Callable[..., Project]
) -> None:
    project = make_project()
    with session_scope(engine) as session:
        add(session, ledger, project.id, 1, "core", "code", 5)
        add(session, ledger, project.id, 2, "core", "code", 5)
        milestone = milestones.plan(
            session,
            ledger,
            project_id=project.id,
            title="M",
            amount=AMOUNT,
            trl_target=3,
            due_at=T0 + timedelta(days=1),
        )
    with session_scope(engine) as session:
        milestones.submit(
            session, ledger, milestone_id=milestone.id, evidence_hash="cd" * 32, actor="a"
        )
    with session_scope(engine) as session:
        milestone = milestones.get(session, milestone.id)
    signatures = release_signatures(ledger, engine, project, milestone, FOREIGN_A, LOCAL_B)
    with (
        pytest.raises(RuleViolation, match="the escrow holds 0 wei"),
        session_scope(engine) as session,
    ):
        milestones.release(session, ledger, milestone_id=milestone.id, signatures=signatures)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": ""}, "title"),
        ({"amount": 0}, "amount"),
        ({"amount": 1.5}, "amount"),
        ({"trl_target": 10}, "trl_target"),
    ],
)
def test_plan_names_the_bad_field(
    engine: Engine, ledger: Ledger, make_project: Callable[..., Project], changes: dict, field: str
) -> None:
    project = make_project()
    arguments = {"title": "M", "amount": 1, "trl_target": 3, "due_at": T0} | changes
    with pytest.raises(RuleViolation) as caught, session_scope(engine) as session:
        milestones.plan(session, ledger, project_id=project.id, **arguments)
    assert caught.value.fields["field"] == field


def test_submit_twice_is_refused(
    engine: Engine, ledger: Ledger, submitted: tuple[Project, Milestone]
) -> None:
    _, milestone = submitted
    with (
        pytest.raises(RuleViolation, match="is submitted, not planned"),
        session_scope(engine) as session,
    ):
        milestones.submit(
            session, ledger, milestone_id=milestone.id, evidence_hash="ab" * 32, actor="a"
        )


def test_overdue_alert_is_recorded_once(
    engine: Engine, ledger: Ledger, submitted: tuple[Project, Milestone], clock: Clock
) -> None:
    project, milestone = submitted
    with session_scope(engine) as session:
        assert milestones.raise_overdue_alerts(session, ledger, project_id=project.id) == []
    clock.advance(days=31)
    with session_scope(engine) as session:
        raised = milestones.raise_overdue_alerts(session, ledger, project_id=project.id)
        assert [m.number for m in raised] == [milestone.number]
    with session_scope(engine) as session:
        assert milestones.raise_overdue_alerts(session, ledger, project_id=project.id) == []
        alerts = [e for e in journal.entries(session, project.id) if e.kind == "alert.overdue"]
    assert len(alerts) == 1
    payload = json.loads(alerts[0].payload)
    assert payload["milestone"] == 1 and FOREIGN_A.address in payload["notified"]
