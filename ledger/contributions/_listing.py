"""A page of a project's contributions with every filter the API offers (read-only).

:func:`ledger.contributions.list_contributions` filters by partner address, tier and
status; :func:`page` adds the partner by number, the kind, a window of recording times and
the contributions a snapshot counted (by the snapshot's id or its milestone's number).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from ledger.contributions._fields import (
    STATUSES,
    check_address,
    check_choice,
    check_integer,
    check_kind,
    check_tier,
    microseconds,
)
from ledger.db import Contribution, Milestone, Partner, SnapshotRecord
from ledger.errors import NotFound, RuleViolation
from ledger.projects import get_project, partner_by_address

#: The most rows one call of :func:`page` returns.
LIMIT_MAX = 1000


@dataclass(frozen=True)
class Filters:
    """What a page of contributions is narrowed to; ``None`` leaves a filter out.

    Attributes:
        partner: The partner's signing address, or its number in the project.
        tier: ``core``, ``application`` or ``derivative``.
        kind: A kind of the valuation schedule.
        status: ``accepted``, ``disputed`` or ``rejected`` (the status now).
        recorded_from: Recorded at or after this time (aware).
        recorded_to: Recorded at or before this time (aware).
        snapshot_id: Counted in this snapshot of the project.
        milestone: Counted in the snapshot of the project's milestone with this number
            (its current snapshot; none while it is planned).
    """

    partner: str | int | None = None
    tier: str | None = None
    kind: str | None = None
    status: str | None = None
    recorded_from: datetime | None = None
    recorded_to: datetime | None = None
    snapshot_id: int | None = None
    milestone: int | None = None


def page(
    session: Session,
    project_id: int,
    filters: Filters | None = None,
    *,
    after_id: int = 0,
    limit: int = 100,
) -> list[Contribution]:
    """Up to ``limit`` of a project's contributions with ``id > after_id``, in id order.

    A snapshot counted a contribution when its id is at most the snapshot's watermark
    (``last_contribution_id``) and it is not among the ids the snapshot left out.

    Raises:
        NotFound: for an unknown project; a partner (address or number), snapshot or
            milestone that is not the project's.
        RuleViolation: naming an invalid filter, ``after_id`` or ``limit``.
    """
    filters = filters or Filters()
    get_project(session, project_id)
    check_integer(after_id, "after_id", minimum=0)
    if check_integer(limit, "limit", minimum=1) > LIMIT_MAX:
        raise RuleViolation(f"limit must be at most {LIMIT_MAX}", field="limit", value=limit)
    query = select(Contribution).where(Contribution.project_id == project_id)
    if filters.partner is not None:
        member = partner_of(session, project_id, filters.partner)
        query = query.where(Contribution.partner_id == member.id)
    if filters.tier is not None:
        query = query.where(Contribution.tier == check_tier(filters.tier))
    if filters.kind is not None:
        query = query.where(Contribution.kind == check_kind(filters.kind))
    if filters.status is not None:
        query = query.where(Contribution.status == check_choice(filters.status, "status", STATUSES))
    if filters.recorded_from is not None:
        since = microseconds(_aware(filters.recorded_from, "recorded_from"))
        query = query.where(col(Contribution.recorded_us) >= since)
    if filters.recorded_to is not None:
        until = microseconds(_aware(filters.recorded_to, "recorded_to"))
        query = query.where(col(Contribution.recorded_us) <= until)
    excluded: set[int] = set()
    for counted in _counting_snapshots(session, project_id, filters):
        if counted is None:  # a planned milestone has counted nothing yet
            return []
        query = query.where(col(Contribution.id) <= counted.last_contribution_id)
        excluded |= set(json.loads(counted.disputed))
    return _fetch(session, query, after_id, limit, excluded)


def _fetch(
    session: Session,
    query: SelectOfScalar[Contribution],
    after_id: int,
    limit: int,
    excluded: set[int],
) -> list[Contribution]:
    """The first ``limit`` rows after ``after_id`` whose ids are not ``excluded``.

    The left-out ids are dropped here rather than in SQL: a snapshot may leave out more
    ids than a statement may carry as parameters. They are few in practice, so a batch
    rarely needs a second read.
    """
    found: list[Contribution] = []
    last = after_id
    while len(found) < limit:
        batch = list(
            session.exec(
                query.where(col(Contribution.id) > last).order_by(col(Contribution.id)).limit(limit)
            ).all()
        )
        found.extend(row for row in batch if row.id not in excluded)
        if len(batch) < limit:
            break
        last = batch[-1].id
    return found[:limit]


def partner_of(session: Session, project_id: int, partner: str | int) -> Partner:
    """A partner of the project by its signing address or its number.

    Raises:
        NotFound: when the project has no such partner.
        RuleViolation: for a malformed address or a number below 1.
    """
    if isinstance(partner, int) and not isinstance(partner, bool):
        number = check_integer(partner, "partner", minimum=1)
        member = session.exec(
            select(Partner).where(Partner.project_id == project_id).where(Partner.number == number)
        ).first()
        if member is None:
            raise NotFound(
                f"project {project_id} has no partner number {number}",
                project_id=project_id,
                partner=number,
            )
        return member
    return partner_by_address(session, project_id, check_address(partner, "partner"))


def _aware(moment: object, field: str) -> datetime:
    if not isinstance(moment, datetime) or moment.tzinfo is None:
        raise RuleViolation(f"{field} must be a time with its zone", field=field)
    return moment


def _counting_snapshots(
    session: Session, project_id: int, filters: Filters
) -> list[SnapshotRecord | None]:
    """The snapshots a contribution must have been counted in (None: a planned milestone)."""
    found: list[SnapshotRecord | None] = []
    if filters.snapshot_id is not None:
        snapshot_id = check_integer(filters.snapshot_id, "snapshot_id", minimum=1)
        row = session.get(SnapshotRecord, snapshot_id)
        if row is None or row.project_id != project_id:
            raise NotFound(
                f"project {project_id} has no snapshot {snapshot_id}", snapshot_id=snapshot_id
            )
        found.append(row)
    if filters.milestone is not None:
        number = check_integer(filters.milestone, "milestone", minimum=1)
        milestone = session.exec(
            select(Milestone)
            .where(Milestone.project_id == project_id)
            .where(Milestone.number == number)
        ).first()
        if milestone is None:
            raise NotFound(f"project {project_id} has no milestone {number}", milestone=number)
        found.append(
            None
            if milestone.snapshot_id is None
            else session.get(SnapshotRecord, milestone.snapshot_id)
        )
    return found
