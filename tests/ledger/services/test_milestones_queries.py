"""The read-only queries the API lists milestones, payouts, deposits and alerts with."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import Engine

from ledger import funding, milestones, milestones_queries, snapshots
from ledger.agreements import Deadlines
from ledger.context import Ledger
from ledger.db import Milestone, Project, session_scope
from ledger.errors import NotFound
from tests.contracts.conftest import key
from tests.ledger.services.conftest import FOREIGN_A, FOREIGN_C, LOCAL_B, T0, Clock, signer
from tests.ledger.services.contribution_support import contribute

AMOUNT = 10**18 + 7
FUNDER = key("funder")


@pytest.fixture
def project(make_project: Callable[..., Project]) -> Project:
    return make_project()


def plan(engine: Engine, ledger: Ledger, project: Project, days: int = 30) -> Milestone:
    with session_scope(engine) as session:
        return milestones.plan(
            session,
            ledger,
            project_id=project.id,
            title=f"due on day {days}",
            amount=AMOUNT,
            trl_target=4,
            due_at=T0 + timedelta(days=days),
        )


def submit(engine: Engine, ledger: Ledger, milestone: Milestone) -> None:
    with session_scope(engine) as session:
        milestones.submit(
            session, ledger, milestone_id=milestone.id, evidence_hash="ab" * 32, actor="test"
        )


def test_a_milestone_is_found_by_its_number_in_its_own_project_only(
    engine: Engine, ledger: Ledger, project: Project, make_project: Callable[..., Project]
) -> None:
    other = make_project()
    plan(engine, ledger, project)
    theirs = [plan(engine, ledger, other, days) for days in (10, 20)]
    with session_scope(engine) as session:
        assert milestones_queries.by_number(session, other.id, 2).id == theirs[1].id
        assert milestones_queries.by_number(session, project.id, 1).title == "due on day 30"
        with pytest.raises(NotFound) as caught:
            milestones_queries.by_number(session, project.id, 2)
    assert caught.value.fields == {"project_id": project.id, "number": 2}


def test_milestones_are_read_after_an_id_and_by_state(
    engine: Engine, ledger: Ledger, project: Project
) -> None:
    contribute(engine, ledger, project, FOREIGN_A, "core", "code", 500)
    rows = [plan(engine, ledger, project, days) for days in (10, 20, 30, 40)]
    submit(engine, ledger, rows[1])
    with session_scope(engine) as session:
        first = milestones_queries.milestones_after(session, project.id, after=0, limit=3)
        rest = milestones_queries.milestones_after(session, project.id, after=first[-1].id, limit=3)
        planned = milestones_queries.milestones_after(
            session, project.id, after=0, limit=10, state="planned"
        )
        submitted = milestones_queries.milestones_after(
            session, project.id, after=rows[1].id, limit=10, state="submitted"
        )
    assert [m.number for m in first] == [1, 2, 3]
    assert [m.number for m in rest] == [4]
    assert [m.number for m in planned] == [1, 3, 4]
    assert submitted == []


def test_payouts_follow_the_snapshot_and_the_recorded_claims(
    engine: Engine, ledger: Ledger, project: Project
) -> None:
    contribute(engine, ledger, project, FOREIGN_A, "core", "code", 500)
    contribute(engine, ledger, project, LOCAL_B, "core", "labor_hours", 400)
    contribute(engine, ledger, project, FOREIGN_C, "application", "data", 90)
    milestone = plan(engine, ledger, project)
    with session_scope(engine) as session:
        assert milestones_queries.payouts_of(session, milestone) == []
    submit(engine, ledger, milestone)
    with session_scope(engine) as session:
        row = milestones.get(session, milestone.id)
        snapshot = snapshots.get(session, row.snapshot_id)
        expected = {int(n): int(v) for n, v in json.loads(snapshot.payouts).items()}
        payouts = milestones_queries.payouts_of(session, row)
    assert [(p.partner_number, p.index, p.account, p.amount) for p in payouts] == [
        (1, 0, FOREIGN_A.address, expected[1]),
        (2, 1, LOCAL_B.address, expected[2]),
        (3, 2, FOREIGN_C.address, expected[3]),
    ]
    assert all(p.tx_hash is None and p.claimed_at is None for p in payouts)
    ledger.escrow.deposit(project.chain_project_id, AMOUNT, sender=ledger.operator)
    signatures = [
        signer(ledger, a).release(
            project.chain_project_id, 1, bytes.fromhex(snapshot.payout_root), AMOUNT
        )
        for a in (FOREIGN_A, LOCAL_B)
    ]
    with session_scope(engine) as session:
        milestones.release(session, ledger, milestone_id=milestone.id, signatures=signatures)
    ledger.chain.advance_time(Deadlines().dispute_window + 1)
    with session_scope(engine) as session:
        tx_hash = milestones.claim(session, ledger, milestone_id=milestone.id, partner_number=3)
    with session_scope(engine) as session:
        claimed = milestones_queries.payouts_of(session, milestones.get(session, milestone.id))
    assert [p.tx_hash for p in claimed] == [None, None, tx_hash]
    assert claimed[2].claimed_at is not None


def test_deposits_are_read_by_project_and_funder(
    engine: Engine, ledger: Ledger, project: Project, make_project: Callable[..., Project]
) -> None:
    other = make_project()
    ledger.chain.send_value(FUNDER.address, 10**19)
    rows = []
    for target, sender in ((project, FUNDER), (project, ledger.operator), (other, FUNDER)):
        receipt = ledger.escrow.deposit(target.chain_project_id, 10**18, sender=sender)
        with session_scope(engine) as session:
            (row,) = funding.record_deposit(
                session, ledger, project_id=target.id, tx_hash=receipt.tx_hash
            )
        rows.append(row)
    with session_scope(engine) as session:
        ours = milestones_queries.deposits_after(session, project.id, after=0, limit=10)
        funders = milestones_queries.deposits_after(
            session, project.id, after=0, limit=10, funder=FUNDER.address.lower()
        )
        later = milestones_queries.deposits_after(session, project.id, after=rows[0].id, limit=10)
        assert milestones_queries.deposit_of(session, other.id, rows[2].id).id == rows[2].id
        with pytest.raises(NotFound):
            milestones_queries.deposit_of(session, project.id, rows[2].id)
    assert [d.id for d in ours] == [rows[0].id, rows[1].id]
    assert [d.id for d in funders] == [rows[0].id]
    assert [d.id for d in later] == [rows[1].id]


def test_alerts_are_the_overdue_entries_and_raising_is_known_in_advance(
    engine: Engine, ledger: Ledger, project: Project, clock: Clock
) -> None:
    for days in (10, 20, 40):
        plan(engine, ledger, project, days)
    with session_scope(engine) as session:
        assert not milestones_queries.overdue_unalerted(session, project.id, ledger.clock())
    clock.advance(days=25)
    with session_scope(engine) as session:
        assert milestones_queries.overdue_unalerted(session, project.id, ledger.clock())
        milestones.raise_overdue_alerts(session, ledger, project_id=project.id)
    with session_scope(engine) as session:
        assert not milestones_queries.overdue_unalerted(session, project.id, ledger.clock())
        alerts = milestones_queries.alerts_after(session, project.id, after=0, limit=10)
        after_first = milestones_queries.alerts_after(
            session, project.id, after=alerts[0].id, limit=10
        )
    assert [json.loads(a.payload)["milestone"] for a in alerts] == [1, 2]
    assert {a.kind for a in alerts} == {"alert.overdue"}
    assert [a.id for a in after_first] == [alerts[1].id]
