"""Reading stored snapshots, and the conversions the other snapshot modules share."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlmodel import Session, col, select

from ledger.chain.payout_tree import PayoutTree
from ledger.context import Ledger
from ledger.db import Contribution, Partner, SnapshotRecord
from ledger.equity import Contribution as EquityContribution
from ledger.equity import Snapshot
from ledger.errors import NotFound, RuleViolation

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def micros(ledger: Ledger) -> int:
    """The ledger's clock in integer microseconds since the epoch (the engine's time unit)."""
    return micros_of(ledger.clock())


def micros_of(moment: datetime) -> int:
    """A time as integer microseconds since the epoch, exactly."""
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def latest(session: Session, project_id: int) -> SnapshotRecord | None:
    return session.exec(
        select(SnapshotRecord)
        .where(SnapshotRecord.project_id == project_id)
        .order_by(col(SnapshotRecord.number).desc())
        .limit(1)
    ).first()


def history(session: Session, project_id: int) -> list[SnapshotRecord]:
    """Every snapshot of a project, oldest first."""
    return list(
        session.exec(
            select(SnapshotRecord)
            .where(SnapshotRecord.project_id == project_id)
            .order_by(col(SnapshotRecord.number))
        ).all()
    )


def get(session: Session, snapshot_id: int) -> SnapshotRecord:
    row = session.get(SnapshotRecord, snapshot_id)
    if row is None:
        raise NotFound(f"no snapshot {snapshot_id}", snapshot_id=snapshot_id)
    return row


class ContributionColumns(Protocol):
    """What the engine reads of a contribution: a stored row, or just its columns."""

    partner_number: int
    tier: str
    kind: str
    value: int
    recorded_us: int


def equity_contribution(
    row: Contribution | ContributionColumns, *, disputed: bool = False
) -> EquityContribution:
    """The engine's view of a stored contribution."""
    return EquityContribution(
        partner_id=row.partner_number,
        tier=row.tier,  # type: ignore[arg-type]
        kind=row.kind,  # type: ignore[arg-type]
        value=row.value,
        recorded_at=row.recorded_us,
        disputed=disputed,
    )


def payout_tree(session: Session, row: SnapshotRecord) -> PayoutTree:
    """The payout tree of a snapshot with an amount (leaf i: partner i + 1).

    Raises:
        RuleViolation: for a snapshot without an amount.
    """
    if row.payouts is None:
        raise RuleViolation("this snapshot has no payouts", field="snapshot", number=row.number)
    payouts = {int(k): int(v) for k, v in json.loads(row.payouts).items()}
    members = {
        p.number: p.payout_address
        for p in session.exec(select(Partner).where(Partner.project_id == row.project_id)).all()
    }
    return PayoutTree.of([(members[n], payouts[n]) for n in sorted(payouts)])


def columns_of(snapshot: Snapshot) -> dict[str, list[list[Any]]]:
    return {
        tier.value: [[s.partner_id, s.rights, s.profit] for s in column.shares]
        for tier, column in snapshot.columns.items()
    }


def decode_totals(text: str) -> dict[tuple[int, str, str], int]:
    return {(int(pid), tier, kind): int(value) for pid, tier, kind, value in json.loads(text)}
