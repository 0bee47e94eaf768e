"""Stored snapshots read for people and the API: the matrix by tier, the payouts, a partner.

Read-only. A stored :class:`~ledger.db.SnapshotRecord` keeps its matrix as JSON keyed by
partner number; these views put each partner's address and side next to its number, name
the milestone a snapshot was taken for and the snapshot that superseded it, and gather one
partner's shares across tiers and milestones.

Every share is in bps (integers); each column's rights, the application tier's profit, the
tier weights and the payout vector each sum to 10000, and a snapshot's payouts to its
milestone's amount in wei (the engine guarantees it; ``docs/equity.md``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from ledger.contributions import partner_of
from ledger.contributions._fields import check_integer
from ledger.db import Milestone, Partner, SnapshotRecord
from ledger.equity import TIERS
from ledger.errors import NotFound, RuleViolation
from ledger.projects import get_project
from ledger.snapshots import EPOCH, latest

#: The most rows one call of :func:`history_page` returns.
LIMIT_MAX = 1000


@dataclass(frozen=True)
class Share:
    """One partner's entry in a tier's column."""

    partner_number: int
    address: str
    side: str
    rights_bps: int
    profit_bps: int | None


@dataclass(frozen=True)
class TierColumn:
    """A tier's column and the tier's weight in the payout vector."""

    tier: str
    weight_bps: int
    shares: list[Share]


@dataclass(frozen=True)
class Payout:
    """A partner's entry of the payout vector, and its wei when the snapshot has an amount."""

    partner_number: int
    address: str
    payout_address: str
    bps: int
    wei: int | None


@dataclass(frozen=True)
class Summary:
    """A snapshot in a project's history: where it sits and what it replaced."""

    row: SnapshotRecord
    milestone: int | None
    superseded_by: int | None

    @property
    def cutoff(self) -> datetime:
        return cutoff_of(self.row)


@dataclass(frozen=True)
class SnapshotView(Summary):
    """A whole snapshot: the columns in tier order and the payout vector by partner number."""

    columns: list[TierColumn]
    payouts: list[Payout]
    left_out: list[int]


@dataclass(frozen=True)
class PartnerShares:
    """One partner's part of one snapshot."""

    snapshot: Summary
    rights_bps: dict[str, int]
    profit_bps: int | None
    payout_bps: int
    payout_wei: int | None


@dataclass(frozen=True)
class MilestoneShares:
    """One partner's part of a milestone, through the milestone's current snapshot."""

    number: int
    state: str
    amount: int
    shares: PartnerShares


@dataclass(frozen=True)
class PartnerEquity:
    """A partner's shares now (the latest snapshot) and at each milestone with a snapshot.

    ``payout_total_wei`` adds up the partner's payouts of the milestones not rejected.
    """

    partner: Partner
    current: PartnerShares | None
    milestones: list[MilestoneShares]
    payout_total_wei: int


def cutoff_of(row: SnapshotRecord) -> datetime:
    """A snapshot's cutoff as a UTC time (it is stored in microseconds since the epoch)."""
    return EPOCH + timedelta(microseconds=row.cutoff_us)


def current(session: Session, project_id: int) -> SnapshotView:
    """The project's latest snapshot.

    Raises:
        NotFound: for an unknown project, or one with no snapshot yet.
    """
    get_project(session, project_id)
    row = latest(session, project_id)
    if row is None:
        raise NotFound(f"project {project_id} has no snapshot yet", project_id=project_id)
    return view(session, row)


def of_snapshot(session: Session, project_id: int, snapshot_id: int) -> SnapshotView:
    """One of the project's snapshots by id.

    Raises:
        NotFound: for an unknown id, or a snapshot of another project.
    """
    row = session.get(SnapshotRecord, check_integer(snapshot_id, "snapshot_id", minimum=1))
    if row is None or row.project_id != project_id:
        raise NotFound(
            f"project {project_id} has no snapshot {snapshot_id}", snapshot_id=snapshot_id
        )
    return view(session, row)


def of_milestone(session: Session, project_id: int, number: int) -> SnapshotView:
    """The current snapshot of the project's milestone ``number`` (superseding ones win).

    Raises:
        NotFound: for an unknown milestone, or one without a snapshot (still planned).
    """
    milestone = _milestone(session, project_id, number)
    if milestone.snapshot_id is None:
        raise NotFound(
            f"milestone {number} of project {project_id} has no snapshot ({milestone.state})",
            milestone=number,
            state=milestone.state,
        )
    row = session.get(SnapshotRecord, milestone.snapshot_id)
    assert row is not None
    return view(session, row)


def history_page(
    session: Session, project_id: int, *, after_id: int = 0, limit: int = 100
) -> list[Summary]:
    """Up to ``limit`` of the project's snapshots with ``id > after_id``, oldest first.

    Raises:
        NotFound: for an unknown project.
        RuleViolation: for ``after_id`` below 0 or ``limit`` outside 1..1000.
    """
    get_project(session, project_id)
    check_integer(after_id, "after_id", minimum=0)
    if check_integer(limit, "limit", minimum=1) > LIMIT_MAX:
        raise RuleViolation(f"limit must be at most {LIMIT_MAX}", field="limit", value=limit)
    rows = list(
        session.exec(
            select(SnapshotRecord)
            .where(SnapshotRecord.project_id == project_id)
            .where(col(SnapshotRecord.id) > after_id)
            .order_by(col(SnapshotRecord.id))
            .limit(limit)
        ).all()
    )
    return _summaries(session, project_id, rows)


def view(session: Session, row: SnapshotRecord) -> SnapshotView:
    """Everything a stored snapshot says, with each partner's address next to its number."""
    summary = _summaries(session, row.project_id, [row])[0]
    members = _members(session, row.project_id)
    matrix = json.loads(row.matrix)
    weights = json.loads(row.weights)
    columns = [
        TierColumn(
            tier=tier,
            weight_bps=int(weights[tier]),
            shares=[
                Share(
                    partner_number=number,
                    address=members[number].address,
                    side=matrix["sides"][str(number)],
                    rights_bps=rights,
                    profit_bps=profit,
                )
                for number, rights, profit in matrix["columns"][tier]
            ],
        )
        for tier in (t.value for t in TIERS)
        if tier in matrix["columns"]
    ]
    vector = {int(k): int(v) for k, v in json.loads(row.payout_vector).items()}
    wei = {} if row.payouts is None else json.loads(row.payouts)
    payouts = [
        Payout(
            partner_number=number,
            address=members[number].address,
            payout_address=members[number].payout_address,
            bps=bps,
            wei=None if row.payouts is None else int(wei[str(number)]),
        )
        for number, bps in sorted(vector.items())
    ]
    return SnapshotView(
        row=row,
        milestone=summary.milestone,
        superseded_by=summary.superseded_by,
        columns=columns,
        payouts=payouts,
        left_out=[int(i) for i in json.loads(row.disputed)],
    )


def partner_equity(session: Session, project_id: int, partner: str | int) -> PartnerEquity:
    """A partner's rights and profit bps by tier, payout bps and wei: now and per milestone.

    Args:
        partner: Its signing address, or its number in the project.

    Raises:
        NotFound: for an unknown project, or a partner that is not the project's.
    """
    get_project(session, project_id)
    member = partner_of(session, project_id, partner)
    last = latest(session, project_id)
    now = None if last is None else _shares_of(view(session, last), member.number)
    milestones = []
    for milestone in session.exec(
        select(Milestone)
        .where(Milestone.project_id == project_id)
        .where(col(Milestone.snapshot_id).is_not(None))
        .order_by(col(Milestone.number))
    ).all():
        row = session.get(SnapshotRecord, milestone.snapshot_id)
        assert row is not None
        milestones.append(
            MilestoneShares(
                number=milestone.number,
                state=milestone.state,
                amount=milestone.amount,
                shares=_shares_of(view(session, row), member.number),
            )
        )
    total = sum(m.shares.payout_wei or 0 for m in milestones if m.state != "rejected")
    return PartnerEquity(member, now, milestones, total)


def _shares_of(snapshot: SnapshotView, number: int) -> PartnerShares:
    rights: dict[str, int] = {}
    profit = None
    for column in snapshot.columns:
        mine = next((s for s in column.shares if s.partner_number == number), None)
        rights[column.tier] = 0 if mine is None else mine.rights_bps
        if column.tier == "application":
            profit = 0 if mine is None or mine.profit_bps is None else mine.profit_bps
    payout = next((p for p in snapshot.payouts if p.partner_number == number), None)
    return PartnerShares(
        snapshot=Summary(snapshot.row, snapshot.milestone, snapshot.superseded_by),
        rights_bps=rights,
        profit_bps=profit,
        payout_bps=0 if payout is None else payout.bps,
        payout_wei=None if snapshot.row.payouts is None else (payout.wei if payout else 0),
    )


def _summaries(session: Session, project_id: int, rows: list[SnapshotRecord]) -> list[Summary]:
    """Each row with its milestone's number and the id of the snapshot that superseded it."""
    if not rows:
        return []
    ids = [row.id for row in rows]
    successors = {
        later.supersedes_id: later.id
        for later in session.exec(
            select(SnapshotRecord)
            .where(SnapshotRecord.project_id == project_id)
            .where(col(SnapshotRecord.supersedes_id).in_(ids))
            .order_by(col(SnapshotRecord.id))
        ).all()
    }
    milestone_ids = {row.milestone_id for row in rows if row.milestone_id is not None}
    numbers = {
        m.id: m.number
        for m in session.exec(select(Milestone).where(col(Milestone.id).in_(milestone_ids))).all()
    }
    return [
        Summary(
            row=row,
            milestone=None if row.milestone_id is None else numbers[row.milestone_id],
            superseded_by=successors.get(row.id),
        )
        for row in rows
    ]


def _members(session: Session, project_id: int) -> dict[int, Partner]:
    rows = session.exec(select(Partner).where(Partner.project_id == project_id)).all()
    return {p.number: p for p in rows}


def _milestone(session: Session, project_id: int, number: int) -> Milestone:
    get_project(session, project_id)
    wanted = check_integer(number, "milestone", minimum=1)
    milestone = session.exec(
        select(Milestone)
        .where(Milestone.project_id == project_id)
        .where(Milestone.number == wanted)
    ).first()
    if milestone is None:
        raise NotFound(f"project {project_id} has no milestone {wanted}", milestone=wanted)
    return milestone
