"""Helpers the contribution services share: who an address is in a project, the domain."""

from __future__ import annotations

from sqlmodel import Session, select

from ledger.chain.eip712 import Domain
from ledger.context import Ledger
from ledger.contributions._queries import get
from ledger.db import Contribution, Partner, Project
from ledger.errors import RuleViolation, Unauthorized
from ledger.projects import agreement_of
from ledger.recording import lock_project
from ledger.signatures import ledger_domain


def role_of(session: Session, project_id: int, address: str) -> str | None:
    """``partner`` or ``arbiter`` (of the current agreement) for an address, else None."""
    partner = session.exec(
        select(Partner).where(Partner.project_id == project_id).where(Partner.address == address)
    ).first()
    if partner is not None:
        return "partner"
    arbiters = {a.address for a in agreement_of(session, project_id).arbiters}
    return "arbiter" if address in arbiters else None


def contributor_of(session: Session, row: Contribution) -> str:
    """The signing address of the partner who registered the contribution."""
    partner = session.get(Partner, row.partner_id)
    assert partner is not None
    return partner.address


def chain_id_of(project: Project) -> int:
    """The project's id on chain (the ``projectId`` of every signed struct)."""
    assert project.chain_project_id is not None
    return project.chain_project_id


def domain_of(ledger: Ledger) -> Domain:
    """The ledger's own EIP-712 domain on this deployment."""
    return ledger_domain(ledger.chain.chain_id, ledger.registry.address)


def acting_on(
    session: Session, contribution_id: int, address: str, *, field: str, act: str
) -> tuple[Contribution, Project, str]:
    """The contribution (read after its project's lock) that ``address`` would ``act`` on,
    its project, and the role ``address`` acts in (``partner`` or ``arbiter``).

    Raises:
        NotFound: for an unknown contribution.
        Unauthorized: when ``address`` is neither a partner nor an arbiter of the project.
        RuleViolation: when it is the contribution's own partner, or the contribution was
            rejected.
    """
    row = get(session, contribution_id)
    project = lock_project(session, row.project_id)
    session.refresh(row)
    role = role_of(session, row.project_id, address)
    if role is None:
        raise Unauthorized(
            f"{address} is neither a partner nor an arbiter of project {row.project_id}",
            field=field,
        )
    if contributor_of(session, row) == address:
        raise RuleViolation(f"a partner cannot {act} its own contribution", field=field)
    if row.status == "rejected":
        raise RuleViolation(
            f"contribution {row.id} was rejected", field="contribution_id", status=row.status
        )
    return row, project, role
