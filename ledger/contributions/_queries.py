"""Reading contributions: one, a page of a project's, and what an equity snapshot counts."""

from __future__ import annotations

from typing import NamedTuple

from sqlmodel import Session, col, func, select

from ledger import equity
from ledger.contributions._fields import (
    STATUSES,
    check_address,
    check_choice,
    check_integer,
    check_tier,
)
from ledger.db import Attestation, Contribution, Dispute
from ledger.errors import NotFound, RuleViolation
from ledger.projects import get_project, partner_by_address

#: The most rows one page of :func:`list_contributions` returns.
PAGE_MAX = 1000


class NotCounted(NamedTuple):
    """A contribution that counts in no snapshot now: under an open dispute, or rejected."""

    contribution_id: int
    status: str
    contribution: equity.Contribution


def get(session: Session, contribution_id: int) -> Contribution:
    """A contribution by its id.

    Raises:
        NotFound: for an unknown id.
    """
    row = session.get(Contribution, contribution_id)
    if row is None:
        raise NotFound(f"no contribution {contribution_id}", contribution_id=contribution_id)
    return row


def list_contributions(
    session: Session,
    project_id: int,
    *,
    partner: str | None = None,
    tier: str | None = None,
    status: str | None = None,
    after_id: int | None = None,
    limit: int = 100,
) -> list[Contribution]:
    """A page of a project's contributions in id order, optionally filtered.

    Pass the last id of a page as ``after_id`` to get the next one; a page shorter than
    ``limit`` is the last.

    Raises:
        NotFound: for an unknown project, or a ``partner`` address that is not its partner.
        RuleViolation: for an unknown tier or status, or a limit outside 1..1000.
    """
    get_project(session, project_id)
    query = select(Contribution).where(Contribution.project_id == project_id)
    if partner is not None:
        member = partner_by_address(session, project_id, check_address(partner, "partner"))
        query = query.where(Contribution.partner_id == member.id)
    if tier is not None:
        query = query.where(Contribution.tier == check_tier(tier))
    if status is not None:
        query = query.where(Contribution.status == check_choice(status, "status", STATUSES))
    if after_id is not None:
        query = query.where(col(Contribution.id) > check_integer(after_id, "after_id", minimum=0))
    if check_integer(limit, "limit", minimum=1) > PAGE_MAX:
        raise RuleViolation(f"limit must be at most {PAGE_MAX}", field="limit", value=limit)
    return list(session.exec(query.order_by(col(Contribution.id)).limit(limit)).all())


def attestations_of(session: Session, contribution_id: int) -> list[Attestation]:
    """The countersignatures of a contribution, in the order they were recorded."""
    get(session, contribution_id)
    return list(
        session.exec(
            select(Attestation)
            .where(Attestation.contribution_id == contribution_id)
            .order_by(col(Attestation.id))
        ).all()
    )


def disputes_of(session: Session, contribution_id: int) -> list[Dispute]:
    """The disputes opened on a contribution, oldest first (at most the last is open)."""
    get(session, contribution_id)
    return list(
        session.exec(
            select(Dispute)
            .where(Dispute.subject == "contribution")
            .where(Dispute.subject_id == contribution_id)
            .order_by(col(Dispute.id))
        ).all()
    )


def get_dispute(session: Session, dispute_id: int) -> Dispute:
    """A dispute on a contribution by its id (disputes on milestones and snapshots are not).

    Raises:
        NotFound: for an unknown id or a dispute on something else.
    """
    dispute = session.get(Dispute, dispute_id)
    if dispute is None or dispute.subject != "contribution":
        raise NotFound(f"no dispute {dispute_id} on a contribution", dispute_id=dispute_id)
    return dispute


def as_engine_input(row: Contribution) -> equity.Contribution:
    """The equity engine's view of a row: partner number, and ``recorded_us`` as its time."""
    return equity.Contribution(
        partner_id=row.partner_number,
        tier=equity.Tier(row.tier),
        kind=equity.Kind(row.kind),
        value=row.value,
        recorded_at=row.recorded_us,
        disputed=row.status != "accepted",
    )


def counted_since(
    session: Session, project_id: int, after_id: int, cutoff_us: int
) -> list[equity.Contribution]:
    """Accepted contributions with ``after_id < id`` recorded at or before ``cutoff_us``.

    This is what an incremental snapshot adds to the previous one's totals; ids grow with
    the time of recording within a project (registrations are serialised by its lock).
    """
    rows = session.exec(
        select(Contribution)
        .where(Contribution.project_id == project_id)
        .where(col(Contribution.id) > after_id)
        .where(col(Contribution.recorded_us) <= cutoff_us)
        .where(Contribution.status == "accepted")
        .order_by(col(Contribution.id))
    ).all()
    return [as_engine_input(row) for row in rows]


def last_recorded_id(session: Session, project_id: int, cutoff_us: int) -> int:
    """The highest id among the project's contributions recorded by ``cutoff_us``, else 0."""
    highest = session.exec(
        select(func.max(Contribution.id))
        .where(Contribution.project_id == project_id)
        .where(col(Contribution.recorded_us) <= cutoff_us)
    ).one()
    return int(highest or 0)


def not_counted(session: Session, project_id: int, *, up_to_id: int) -> list[NotCounted]:
    """Contributions with ``id <= up_to_id`` that count nowhere now (disputed or rejected).

    Compared with the set a previous snapshot left out, it says what changed since: an id
    that joined the set was counted and must be taken out; an id that left it was upheld
    and counts again. Rejected ids stay in the set for good.
    """
    rows = session.exec(
        select(Contribution)
        .where(Contribution.project_id == project_id)
        .where(col(Contribution.id) <= up_to_id)
        .where(Contribution.status != "accepted")
        .order_by(col(Contribution.id))
    ).all()
    return [NotCounted(row.id or 0, row.status, as_engine_input(row)) for row in rows]
