"""Projects in known states for the reconciliation tests, and ways to make the sides differ.

The ledger's side is changed by editing rows directly (what an intruder with database
access, or a bug, would do); the chain's side by sending transactions straight through the
gateways, which the ledger then never records.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from eth_account.signers.local import LocalAccount
from sqlalchemy import Engine, update
from sqlmodel import func, select

from ledger import funding, milestones, snapshots
from ledger.chain.gateway import Receipt
from ledger.chain.registry import Tier
from ledger.chain.rights import RightsColumn
from ledger.context import Ledger
from ledger.db import JournalEntry, Milestone, Project, TreeHeadRecord, session_scope
from ledger.reconcile import Discrepancy, reconcile
from ledger.recording import lock_project, record
from tests.ledger.services.conftest import FOREIGN_A, FOREIGN_C, LOCAL_B, T0, signer
from tests.ledger.services.contribution_support import contribute
from tests.ledger.services.ip_support import commit_column

AMOUNT = 10**18 + 7
DAY = 86_400


def submitted(engine: Engine, ledger: Ledger, project: Project) -> Milestone:
    """Contributions of every partner, milestone 1 planned and submitted, the escrow funded."""
    assert project.chain_project_id is not None
    contribute(engine, ledger, project, FOREIGN_A, "core", "code", 500)
    contribute(engine, ledger, project, LOCAL_B, "core", "labor_hours", 400)
    contribute(engine, ledger, project, FOREIGN_C, "application", "tacit_knowhow_transfer", 90)
    with session_scope(engine) as session:
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
    receipt = ledger.escrow.deposit(project.chain_project_id, 2 * AMOUNT, sender=ledger.operator)
    with session_scope(engine) as session:  # a deposit the funder sent itself, then recorded
        funding.record_deposit(session, ledger, project_id=project.id, tx_hash=receipt.tx_hash)
    return milestone


def release(engine: Engine, ledger: Ledger, project: Project, milestone: Milestone) -> None:
    """Release the milestone with the quorum's signatures, then let the dispute window pass."""
    assert project.chain_project_id is not None and milestone.snapshot_id is not None
    with session_scope(engine) as session:
        root = snapshots.get(session, milestone.snapshot_id).payout_root
    assert root is not None
    signatures = [
        signer(ledger, a).release(
            project.chain_project_id, milestone.number, bytes.fromhex(root), AMOUNT
        )
        for a in (FOREIGN_A, LOCAL_B)
    ]
    with session_scope(engine) as session:
        milestones.release(session, ledger, milestone_id=milestone.id, signatures=signatures)
    ledger.chain.advance_time(7 * DAY + 1)


def claim(engine: Engine, ledger: Ledger, milestone: Milestone, *numbers: int) -> None:
    """Claim the payouts of the given partner numbers through the service."""
    for number in numbers:
        with session_scope(engine) as session:
            milestones.claim(session, ledger, milestone_id=milestone.id, partner_number=number)


def reconciled(engine: Engine, ledger: Ledger, project_id: int) -> list[Discrepancy]:
    with session_scope(engine) as session:
        return reconcile(session, ledger, project_id=project_id)


def found(engine: Engine, ledger: Ledger, project_id: int) -> list[tuple[str, str | None, str]]:
    """What the reconciliation reports, as (subject, ref, field)."""
    return [(d.subject, d.ref, d.field) for d in reconciled(engine, ledger, project_id)]


def edit(engine: Engine, table: type, row_id: int | None, **values: Any) -> None:
    """Change a row behind the services' back."""
    with session_scope(engine) as session:
        session.execute(update(table).where(table.id == row_id).values(**values))  # type: ignore[attr-defined]


def written_state(engine: Engine, project_id: int) -> tuple[int, int, int]:
    """The project's journal size, tree head count and write sequence (every locked write
    bumps it), to see that nothing was written."""
    with session_scope(engine) as session:
        entries = session.exec(
            select(func.count()).where(JournalEntry.project_id == project_id)
        ).one()
        heads = session.exec(
            select(func.count()).where(TreeHeadRecord.project_id == project_id)
        ).one()
        project = session.get(Project, project_id)
        assert project is not None
        return int(entries), int(heads), project.write_seq


def commit_rights(
    engine: Engine,
    ledger: Ledger,
    project: Project,
    tier: Tier,
    rights: dict[LocalAccount, int],
    profit: dict[LocalAccount, int] | None = None,
    *,
    recorded: bool = True,
    column_hash: str | None = None,
) -> Receipt:
    """Commit snapshot 1's column of a tier through the gateway and, when ``recorded``, write
    the ``rights.committed`` entry the ledger keeps of it (``column_hash`` to record another)."""
    receipt = commit_column(ledger, project, tier, rights, profit)
    if recorded:
        column = RightsColumn.of(
            {a.address: bps for a, bps in rights.items()},
            None if profit is None else {a.address: bps for a, bps in profit.items()},
        )
        record_commit(
            engine, ledger, project, tier, column_hash or column.column_hash().hex(), receipt
        )
    return receipt


def record_commit(
    engine: Engine,
    ledger: Ledger,
    project: Project,
    tier: Tier,
    column_hash: str,
    receipt: Receipt | None,
) -> None:
    """Write a ``rights.committed`` entry for snapshot 1 (as the rights service would)."""
    assert project.id is not None
    payload = {
        "column_hash": column_hash,
        "snapshot": 1,
        "tier": tier.name.lower(),
        "tx": None if receipt is None else receipt.tx_hash,
    }
    with session_scope(engine) as session:
        locked = lock_project(session, project.id)
        record(session, ledger, locked, "rights.committed", payload, actor="ledger")
