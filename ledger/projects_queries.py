"""Read-only queries on projects, their agreement versions and their partners, a page at a time.

The API lists each of these in pages: ``after`` is where the previous page ended (a
project's id, a partner's number, a version) and ``limit`` how many rows to return at
most. Nothing here writes or locks.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from ledger.db import AgreementVersion, Partner, Project
from ledger.errors import NotFound
from ledger.projects import get_project

__all__ = [
    "agreement_version",
    "partner_by_number",
    "partners_after",
    "projects_after",
    "versions_after",
]


def projects_after(
    session: Session, after: int, limit: int, only: int | None = None
) -> list[Project]:
    """Up to ``limit`` projects with an id above ``after``, by id (only project ``only``,
    when given)."""
    query = select(Project).where(col(Project.id) > after)
    if only is not None:
        query = query.where(col(Project.id) == only)
    return list(session.exec(query.order_by(col(Project.id)).limit(limit)).all())


def partners_after(session: Session, project_id: int, after: int, limit: int) -> list[Partner]:
    """Up to ``limit`` partners of the project numbered above ``after``, in joining order.

    Raises:
        NotFound: for an unknown project.
    """
    get_project(session, project_id)
    return list(
        session.exec(
            select(Partner)
            .where(Partner.project_id == project_id)
            .where(col(Partner.number) > after)
            .order_by(col(Partner.number))
            .limit(limit)
        ).all()
    )


def partner_by_number(session: Session, project_id: int, number: int) -> Partner:
    """The project's partner with that number.

    Raises:
        NotFound: for an unknown project, or no partner of it with that number.
    """
    get_project(session, project_id)
    partner = session.exec(
        select(Partner).where(Partner.project_id == project_id).where(Partner.number == number)
    ).first()
    if partner is None:
        raise NotFound(
            f"project {project_id} has no partner {number}", project_id=project_id, number=number
        )
    return partner


def versions_after(
    session: Session, project_id: int, after: int, limit: int
) -> list[AgreementVersion]:
    """Up to ``limit`` versions of the project's agreement above ``after``, oldest first.

    Raises:
        NotFound: for an unknown project.
    """
    get_project(session, project_id)
    return list(
        session.exec(
            select(AgreementVersion)
            .where(AgreementVersion.project_id == project_id)
            .where(col(AgreementVersion.version) > after)
            .order_by(col(AgreementVersion.version))
            .limit(limit)
        ).all()
    )


def agreement_version(
    session: Session, project_id: int, version: int | None = None
) -> AgreementVersion:
    """One stored version of the project's agreement; the current one when ``version`` is None.

    Raises:
        NotFound: for an unknown project, or a version it does not have.
    """
    project = get_project(session, project_id)
    wanted = project.agreement_version if version is None else version
    row = session.exec(
        select(AgreementVersion)
        .where(AgreementVersion.project_id == project_id)
        .where(AgreementVersion.version == wanted)
    ).first()
    if row is None:
        raise NotFound(
            f"project {project_id} has no agreement version {wanted}",
            project_id=project_id,
            version=wanted,
        )
    return row
