"""Stored snapshots read by tier, milestone and partner (``ledger.equity_views``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import Engine

from ledger import equity_views, milestones, snapshots
from ledger.context import Ledger
from ledger.db import Project, session_scope
from ledger.errors import NotFound, RuleViolation
from ledger.recording import lock_project
from tests.ledger.services.conftest import FOREIGN_A, FOREIGN_C, LOCAL_B, T0
from tests.ledger.services.contribution_support import contribute

AMOUNT = 10**18 + 3


def submit_milestone(engine: Engine, ledger: Ledger, project: Project, amount: int) -> int:
    with session_scope(engine) as session:
        planned = milestones.plan(
            session,
            ledger,
            project_id=project.id,  # type: ignore[arg-type]
            title="Prototype",
            amount=amount,
            trl_target=4,
            due_at=T0 + timedelta(days=30),
        )
    with session_scope(engine) as session:
        submitted = milestones.submit(
            session,
            ledger,
            milestone_id=planned.id,
            evidence_hash="ab" * 32,
            actor="t",  # type: ignore[arg-type]
        )
        return submitted.snapshot_id  # type: ignore[return-value]


def test_a_view_puts_addresses_by_numbers_and_keeps_the_sums(
    engine: Engine, ledger: Ledger, make_project: Callable[..., Project]
) -> None:
    project = make_project()
    contribute(engine, ledger, project, FOREIGN_A, "core", "code", 300)
    contribute(engine, ledger, project, LOCAL_B, "core", "labor_hours", 100)
    contribute(engine, ledger, project, FOREIGN_C, "derivative", "data", 10)
    snapshot_id = submit_milestone(engine, ledger, project, AMOUNT)
    with session_scope(engine) as session:
        view = equity_views.current(session, project.id)  # type: ignore[arg-type]
        assert view.row.id == snapshot_id and view.milestone == 1 and view.superseded_by is None
        assert [c.tier for c in view.columns] == ["core", "derivative"]
        for column in view.columns:
            assert sum(s.rights_bps for s in column.shares) == 10_000
            assert [s.address for s in column.shares] == [
                FOREIGN_A.address,
                LOCAL_B.address,
                FOREIGN_C.address,
            ]
        assert sum(c.weight_bps for c in view.columns) == 10_000
        assert sum(p.bps for p in view.payouts) == 10_000
        assert sum(p.wei or 0 for p in view.payouts) == AMOUNT
        assert view.cutoff == snapshots.EPOCH + timedelta(microseconds=view.row.cutoff_us)
        stored = json.loads(view.row.payout_vector)
        assert {str(p.partner_number): p.bps for p in view.payouts} == stored
        assert equity_views.of_milestone(session, project.id, 1).row.id == snapshot_id  # type: ignore[arg-type]
        assert equity_views.of_snapshot(session, project.id, snapshot_id).row.id == snapshot_id  # type: ignore[arg-type]


def test_a_partners_equity_adds_its_payouts_of_the_milestones(
    engine: Engine, ledger: Ledger, make_project: Callable[..., Project]
) -> None:
    project = make_project()
    contribute(engine, ledger, project, FOREIGN_A, "core", "code", 300)
    contribute(engine, ledger, project, LOCAL_B, "application", "data", 100)
    first = submit_milestone(engine, ledger, project, AMOUNT)
    contribute(engine, ledger, project, FOREIGN_C, "core", "code", 50)
    second = submit_milestone(engine, ledger, project, 7)
    with session_scope(engine) as session:
        mine = equity_views.partner_equity(session, project.id, LOCAL_B.address)  # type: ignore[arg-type]
        assert mine.partner.number == 2
        assert [m.number for m in mine.milestones] == [1, 2]
        assert [m.shares.snapshot.row.id for m in mine.milestones] == [first, second]
        assert mine.current is not None and mine.current.snapshot.row.id == second
        assert mine.milestones[0].shares.profit_bps == 10_000  # alone in the application tier
        wei = [m.shares.payout_wei for m in mine.milestones]
        assert mine.payout_total_wei == sum(w or 0 for w in wei)
        everyone = sum(
            equity_views.partner_equity(session, project.id, n).payout_total_wei  # type: ignore[arg-type]
            for n in (1, 2, 3)
        )
        assert everyone == AMOUNT + 7


def test_unknown_or_foreign_ids_are_not_found(
    engine: Engine, ledger: Ledger, make_project: Callable[..., Project]
) -> None:
    project = make_project()
    other = make_project()
    with session_scope(engine) as session:
        with pytest.raises(NotFound):
            equity_views.current(session, project.id)  # type: ignore[arg-type]
        assert equity_views.history_page(session, project.id) == []  # type: ignore[arg-type]
    contribute(engine, ledger, other, FOREIGN_A, "core", "code", 1)
    with session_scope(engine) as session:
        theirs = snapshots.take(session, ledger, lock_project(session, other.id), reason="t").id  # type: ignore[arg-type]
    with session_scope(engine) as session:
        with pytest.raises(NotFound):
            equity_views.of_snapshot(session, project.id, theirs)  # type: ignore[arg-type]
        with pytest.raises(NotFound):
            equity_views.of_milestone(session, project.id, 1)  # type: ignore[arg-type]
        with pytest.raises(NotFound):
            equity_views.partner_equity(session, project.id, 9)  # type: ignore[arg-type]
        with pytest.raises(NotFound):
            equity_views.current(session, (other.id or 0) + 50)
        for paging in ({"limit": 0}, {"limit": 1001}, {"after_id": -1}):
            with pytest.raises(RuleViolation):
                equity_views.history_page(session, project.id, **paging)  # type: ignore[arg-type]
