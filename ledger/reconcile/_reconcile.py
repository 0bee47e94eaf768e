"""The entry point: every check of a project (or of record 0), in a fixed order."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

from ledger.context import Ledger
from ledger.projects import get_project
from ledger.reconcile._background import check_background
from ledger.reconcile._disputes import check_disputes
from ledger.reconcile._escrow import check_claims, check_funding, check_milestones
from ledger.reconcile._foreground import check_foreground
from ledger.reconcile._members import check_partners, check_project
from ledger.reconcile._model import Discrepancy, Findings
from ledger.reconcile._record import check_anchors, check_negotiated_split, check_rights_columns
from ledger.reconcile._registry import check_registry
from ledger.reconcile._scope import Scope
from ledger.registry_record import REGISTRY_RECORD

#: The checks of a project, in the order their discrepancies are listed.
CHECKS: tuple[Callable[[Scope], None], ...] = (
    check_project,
    check_partners,
    check_milestones,
    check_claims,
    check_funding,
    check_anchors,
    check_rights_columns,
    check_negotiated_split,
    check_background,
    check_foreground,
    check_disputes,
)


def reconcile(session: Session, ledger: Ledger, *, project_id: int) -> list[Discrepancy]:
    """Compare what the ledger records of a project with what the chain holds.

    Reads only: nothing is written, locked, corrected or recorded; a discrepancy is
    reported, never fixed. Each kind of thing is read once per call, from the database and
    from the contracts' views and events (see ``docs/reconciliation.md`` for what is
    compared and which side names the subject).

    Args:
        session: A database session (only read).
        ledger: The collaborators (the contracts).
        project_id: The project, or 0 (:data:`~ledger.registry_record.REGISTRY_RECORD`) for
            the registry's own record: issuers, credentials and revocations.

    Returns:
        Every discrepancy found, grouped by subject; empty when the ledger and the chain
        agree.

    Raises:
        NotFound: for an unknown project.
        ChainError: when the chain cannot be read (``ChainUnavailable`` and the like).
    """
    found = Findings()
    if project_id == REGISTRY_RECORD:
        check_registry(session, ledger, found)
        return found.items
    project = get_project(session, project_id)
    if project.chain_project_id is None:
        found.ledger_only("project", str(project_id), project.name, f"project {project_id}")
        return found.items
    scope = Scope(session, ledger, project, found)
    for check in CHECKS:
        check(scope)
    return found.items
