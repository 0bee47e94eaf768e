"""What a milestone or snapshot dispute is about, and who may act on it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from ledger import milestones, projects, snapshots
from ledger.context import Ledger
from ledger.db import Dispute, Milestone, Project, SnapshotRecord
from ledger.disputes._fields import (
    SUBJECTS,
    utc,
)
from ledger.errors import Conflict, NotFound, RuleViolation, Unauthorized


def get_dispute(session: Session, dispute_id: int) -> Dispute:
    """A milestone or snapshot dispute by id.

    Raises:
        NotFound: for an unknown id or a dispute on a contribution.
    """
    row = session.get(Dispute, dispute_id)
    if row is None or row.subject not in SUBJECTS:
        raise NotFound(f"no milestone or snapshot dispute {dispute_id}", dispute_id=dispute_id)
    return row


def list_disputes(session: Session, project_id: int) -> list[Dispute]:
    """The project's milestone and snapshot disputes, oldest first."""
    return list(
        session.exec(
            select(Dispute)
            .where(Dispute.project_id == project_id)
            .where(col(Dispute.subject).in_(SUBJECTS))
            .order_by(col(Dispute.id))
        ).all()
    )


@dataclass
class Target:
    """What a dispute is about: the chain's subject id, its milestone and snapshot."""

    number: int
    milestone: Milestone | None
    snapshot: SnapshotRecord | None


def target_of(
    session: Session, ledger: Ledger, project: Project, subject: str, subject_id: int
) -> Target:
    """The subject, when it may be disputed now."""
    if subject not in SUBJECTS:
        raise RuleViolation(
            f"subject must be one of {', '.join(SUBJECTS)} (contributions: ledger.contributions)",
            field="subject",
            allowed=list(SUBJECTS),
        )
    if subject == "milestone":
        milestone = milestone_of(session, project, subject_id)
        if milestone.state == "disputed":
            raise Conflict(
                f"milestone {milestone.number} is under dispute already", field="subject_id"
            )
        if milestone.state not in ("submitted", "released"):
            raise RuleViolation(
                f"milestone {milestone.number} is {milestone.state}: only a submitted or "
                "released milestone can be disputed",
                field="subject_id",
                state=milestone.state,
            )
        assert milestone.snapshot_id is not None
        return Target(milestone.number, milestone, snapshots.get(session, milestone.snapshot_id))
    snapshot = snapshots.get(session, subject_id)
    if snapshot.project_id != project.id:
        raise NotFound(f"no snapshot {subject_id} in project {project.id}", snapshot_id=subject_id)
    superseding = session.exec(
        select(SnapshotRecord).where(SnapshotRecord.supersedes_id == snapshot.id)
    ).first()
    if superseding is not None:
        raise RuleViolation(
            f"snapshot {snapshot.number} was superseded by snapshot {superseding.number}",
            field="subject_id",
        )
    window = projects.agreement_of(session, project.id or 0).deadlines.dispute_window
    closes = snapshot.cutoff_us + window * 1_000_000
    if snapshots.micros(ledger) > closes:
        raise RuleViolation(
            f"the dispute window of snapshot {snapshot.number} closed",
            field="subject_id",
            closed_at=utc(closes // 1_000_000).isoformat(),
        )
    milestone = session.get(Milestone, snapshot.milestone_id) if snapshot.milestone_id else None
    if milestone is not None:
        if milestone.snapshot_id != snapshot.id:
            raise RuleViolation(
                f"snapshot {snapshot.number} is no longer milestone {milestone.number}'s",
                field="subject_id",
            )
        if milestone.state == "disputed":
            raise Conflict(
                f"milestone {milestone.number} is under dispute already", field="subject_id"
            )
        if milestone.state != "submitted":
            raise RuleViolation(
                f"milestone {milestone.number} is {milestone.state}: dispute the milestone, "
                "not its snapshot",
                field="subject",
                state=milestone.state,
            )
    return Target(snapshot.number, milestone, snapshot)


def milestone_of(session: Session, project: Project, milestone_id: int) -> Milestone:
    milestone = milestones.get(session, milestone_id)
    if milestone.project_id != project.id:
        raise NotFound(
            f"no milestone {milestone_id} in project {project.id}", milestone_id=milestone_id
        )
    return milestone


def current(session: Session, row: Dispute) -> Target:
    """The disputed subject as it stands (no window checks: the dispute is open)."""
    if row.subject == "milestone":
        milestone = milestones.get(session, row.subject_id)
        assert milestone.snapshot_id is not None
        return Target(milestone.number, milestone, snapshots.get(session, milestone.snapshot_id))
    snapshot = snapshots.get(session, row.subject_id)
    milestone = session.get(Milestone, snapshot.milestone_id) if snapshot.milestone_id else None
    return Target(snapshot.number, milestone, snapshot)


def open_row(session: Session, dispute_id: int) -> Dispute:
    row = get_dispute(session, dispute_id)
    if row.status != "open":
        raise Conflict(
            f"dispute {dispute_id} was already {row.status}", field="dispute_id", status=row.status
        )
    return row


def require_partner(session: Session, project_id: int, address: str, field: str) -> None:
    try:
        projects.partner_by_address(session, project_id, address)
    except NotFound:
        raise Unauthorized(
            f"{address} is not a partner of project {project_id}", field=field
        ) from None


def require_arbiter(session: Session, project_id: int, address: str, field: str) -> None:
    arbiters = {a.address for a in projects.agreement_of(session, project_id).arbiters}
    if address not in arbiters:
        raise Unauthorized(f"{address} is not an arbiter of project {project_id}", field=field)
