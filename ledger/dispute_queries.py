"""Reading a project's milestone and snapshot disputes: one by id within its project, or a page.

Read-only: nothing here locks, writes or touches the chain. The disputes themselves are
opened and ended by :mod:`ledger.disputes`.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from ledger.db import Dispute
from ledger.disputes import SUBJECTS, get_dispute
from ledger.errors import NotFound

#: What a milestone or snapshot dispute's ``status`` can be.
STATUSES = ("open", "settled", "ruled", "lapsed")


def dispute_in(session: Session, project_id: int, dispute_id: int) -> Dispute:
    """The milestone or snapshot dispute ``dispute_id`` of project ``project_id``.

    Raises:
        NotFound: for an unknown id, a dispute on a contribution, or one of another project
            (which is not told apart from an unknown id).
    """
    row = get_dispute(session, dispute_id)
    if row.project_id != project_id:
        raise NotFound(f"no dispute {dispute_id} in project {project_id}", dispute_id=dispute_id)
    return row


def dispute_page(
    session: Session,
    project_id: int,
    *,
    after: int = 0,
    limit: int,
    status: str | None = None,
    subject: str | None = None,
) -> list[Dispute]:
    """Up to ``limit`` of the project's milestone and snapshot disputes with ids above ``after``.

    Args:
        session: A database session.
        project_id: The project.
        after: Only disputes with a greater id (0 for the first page).
        limit: At most this many rows.
        status: Only disputes in this status (one of :data:`STATUSES`), if given.
        subject: Only disputes on this kind of subject (``milestone`` or ``snapshot``).

    Returns:
        The rows in id order.
    """
    query = (
        select(Dispute)
        .where(Dispute.project_id == project_id)
        .where(col(Dispute.subject).in_(SUBJECTS))
        .where(col(Dispute.id) > after)
    )
    if status is not None:
        query = query.where(Dispute.status == status)
    if subject is not None:
        query = query.where(Dispute.subject == subject)
    return list(session.exec(query.order_by(col(Dispute.id)).limit(limit)).all())
