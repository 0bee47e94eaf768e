"""Read-only queries over milestones, their payouts and alerts, and funding deposits.

The services (:mod:`ledger.milestones`, :mod:`ledger.funding`) act on one milestone by its
id; readers address a milestone by its number within its project and read lists a page at
a time. Nothing here writes.

- :func:`by_number` finds a project's milestone by its number (1, 2, 3, …).
- :func:`milestones_after`, :func:`deposits_after` and :func:`alerts_after` read a page of
  rows after a given id, in id order (the caller asks for one row more than it shows, to
  know whether another page follows).
- :func:`overdue_unalerted` tells whether raising the overdue alerts would record one.
- :func:`deposit_of` finds one of the project's deposits.
- :func:`payouts_of` lists what each partner is owed by a submitted or released milestone,
  with the claim the journal recorded for it, if any.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from ledger import snapshots
from ledger.db import FundingDeposit, JournalEntry, Milestone
from ledger.errors import NotFound

#: The journal kinds these queries read.
CLAIMED = "payout.claimed"
OVERDUE = "alert.overdue"


def by_number(session: Session, project_id: int, number: int) -> Milestone:
    """The project's milestone ``number``.

    Raises:
        NotFound: when the project has no milestone of that number (or does not exist).
    """
    milestone = session.exec(
        select(Milestone)
        .where(Milestone.project_id == project_id)
        .where(Milestone.number == number)
    ).first()
    if milestone is None:
        raise NotFound(
            f"no milestone {number} in project {project_id}",
            project_id=project_id,
            number=number,
        )
    return milestone


def milestones_after(
    session: Session, project_id: int, *, after: int, limit: int, state: str | None = None
) -> list[Milestone]:
    """Up to ``limit`` of the project's milestones with an id above ``after``, in id order
    (which is number order), only those in ``state`` if given."""
    query = (
        select(Milestone).where(Milestone.project_id == project_id).where(col(Milestone.id) > after)
    )
    if state is not None:
        query = query.where(Milestone.state == state)
    return list(session.exec(query.order_by(col(Milestone.id)).limit(limit)).all())


def overdue_unalerted(session: Session, project_id: int, now: datetime) -> bool:
    """Whether a milestone of the project is past due at ``now``, not released, and has no
    overdue alert yet (what :func:`ledger.milestones.raise_overdue_alerts` would record)."""
    found = session.exec(
        select(Milestone.id)
        .where(Milestone.project_id == project_id)
        .where(Milestone.state != "released")
        .where(col(Milestone.overdue_at).is_(None))
        .where(col(Milestone.due_at) < now)
        .limit(1)
    ).first()
    return found is not None


def deposit_of(session: Session, project_id: int, deposit_id: int) -> FundingDeposit:
    """One deposit of the project.

    Raises:
        NotFound: for an unknown id, or the id of another project's deposit.
    """
    row = session.get(FundingDeposit, deposit_id)
    if row is None or row.project_id != project_id:
        raise NotFound(
            f"no deposit {deposit_id} in project {project_id}",
            project_id=project_id,
            deposit_id=deposit_id,
        )
    return row


def deposits_after(
    session: Session, project_id: int, *, after: int, limit: int, funder: str | None = None
) -> list[FundingDeposit]:
    """Up to ``limit`` of the project's deposits with an id above ``after``, in id order;
    only ``funder``'s if given (addresses compare without regard to case)."""
    query = (
        select(FundingDeposit)
        .where(FundingDeposit.project_id == project_id)
        .where(col(FundingDeposit.id) > after)
    )
    if funder is not None:
        query = query.where(func.lower(FundingDeposit.funder) == funder.lower())
    return list(session.exec(query.order_by(col(FundingDeposit.id)).limit(limit)).all())


def alerts_after(
    session: Session, project_id: int, *, after: int, limit: int
) -> list[JournalEntry]:
    """Up to ``limit`` of the project's ``alert.overdue`` journal entries with an id above
    ``after``, in id order."""
    return list(
        session.exec(
            select(JournalEntry)
            .where(JournalEntry.project_id == project_id)
            .where(JournalEntry.kind == OVERDUE)
            .where(col(JournalEntry.id) > after)
            .order_by(col(JournalEntry.id))
            .limit(limit)
        ).all()
    )


@dataclass(frozen=True)
class Payout:
    """What one partner is owed by a milestone, and its claim as the journal recorded it.

    ``index`` is the leaf of the payout tree (``partner_number - 1``); ``tx_hash`` and
    ``claimed_at`` are ``None`` until the ledger has recorded the claim.
    """

    partner_number: int
    index: int
    account: str
    amount: int
    tx_hash: str | None
    claimed_at: datetime | None


def payouts_of(session: Session, milestone: Milestone) -> list[Payout]:
    """Each partner's payout of a milestone's snapshot, in partner order, with its recorded
    claim; an empty list for a milestone without a snapshot (planned)."""
    if milestone.snapshot_id is None:
        return []
    snapshot = snapshots.get(session, milestone.snapshot_id)
    if snapshot.payouts is None:
        return []
    tree = snapshots.payout_tree(session, snapshot)
    numbers = sorted(int(n) for n in json.loads(snapshot.payouts))
    claims: dict[int, JournalEntry] = {}
    for entry in session.exec(
        select(JournalEntry)
        .where(JournalEntry.project_id == milestone.project_id)
        .where(JournalEntry.kind == CLAIMED)
        .order_by(col(JournalEntry.seq))
    ).all():
        payload = json.loads(entry.payload)
        if payload.get("milestone") == milestone.number:
            claims.setdefault(int(payload["partner"]), entry)
    found = []
    for index, (number, leaf) in enumerate(zip(numbers, tree.payouts, strict=True)):
        claim = claims.get(number)
        found.append(
            Payout(
                partner_number=number,
                index=index,
                account=leaf.account,
                amount=leaf.amount,
                tx_hash=None if claim is None else str(json.loads(claim.payload)["tx"]),
                claimed_at=None if claim is None else claim.recorded_at,
            )
        )
    return found
