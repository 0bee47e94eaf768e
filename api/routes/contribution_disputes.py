"""Routes of the disputes on a contribution (see docs/api/contributions.md).

A partner disputes another partner's contribution (EIP-712 ``DisputeOpening``); the dispute
ends by the two parties' settlement, an arbiter's ruling, or lapse after the arbitration
deadline. The services check every signature. Disputes on a milestone or a snapshot are in
:mod:`api.routes.disputes`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Response
from fastapi import status as http

from api.deps import LedgerDep, ProjectId, RuntimeDep, allowed
from api.models.contributions import (
    ContributionDisputeOut,
    ContributionRulingIn,
    ContributionSettlementIn,
    DisputeIn,
)
from api.routes._contributions_common import (
    ContributionIdPath,
    DisputeIdPath,
    contribution_in,
    contribution_url,
    dispute_on,
    renaming_clashing_fields,
)
from api.schemas import problems
from ledger import contributions
from ledger.db import Principal, session_scope
from ledger.permissions import require, require_not_party

router = APIRouter(prefix="/v1", tags=["contributions"])


@router.post(
    "/projects/{project_id}/contributions/{contribution_id}/disputes",
    status_code=http.HTTP_201_CREATED,
    response_model=ContributionDisputeOut,
    responses=problems(401, 403, 404, 409, 422),
)
def open_dispute(
    project_id: ProjectId,
    contribution_id: ContributionIdPath,
    body: DisputeIn,
    caller: Annotated[Principal, allowed("dispute.open")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
    response: Response,
) -> ContributionDisputeOut:
    """Dispute another partner's contribution, as oneself, within the dispute window."""
    require(caller, "dispute.open", project_id=project_id, acting_as=body.by)
    with session_scope(runtime.engine) as session:
        contribution_in(session, project_id, contribution_id)
        with renaming_clashing_fields():
            row = contributions.dispute(
                session,
                ledger,
                contribution_id=contribution_id,
                by=body.by,
                reason=body.reason,
                evidence_hash=body.evidence_hash,
                signature=body.signature,
            )
        out = ContributionDisputeOut.of(row)
    response.headers["Location"] = contribution_url(project_id, contribution_id, "disputes", out.id)
    return out


@router.get(
    "/projects/{project_id}/contributions/{contribution_id}/disputes/{dispute_id}",
    response_model=ContributionDisputeOut,
    responses=problems(401, 403, 404, 422),
)
def get_dispute(
    project_id: ProjectId,
    contribution_id: ContributionIdPath,
    dispute_id: DisputeIdPath,
    caller: Annotated[Principal, allowed("project.read")],
    runtime: RuntimeDep,
) -> ContributionDisputeOut:
    """One dispute on a contribution."""
    with session_scope(runtime.engine) as session:
        return ContributionDisputeOut.of(
            dispute_on(session, project_id, contribution_id, dispute_id)
        )


@router.post(
    "/projects/{project_id}/contributions/{contribution_id}/disputes/{dispute_id}/settlement",
    response_model=ContributionDisputeOut,
    responses=problems(401, 403, 404, 409, 422),
)
def settle_dispute(
    project_id: ProjectId,
    contribution_id: ContributionIdPath,
    dispute_id: DisputeIdPath,
    body: ContributionSettlementIn,
    caller: Annotated[Principal, allowed("dispute.settle")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
) -> ContributionDisputeOut:
    """Decide an open dispute by the contributor's and the opener's settlement."""
    with session_scope(runtime.engine) as session:
        dispute_on(session, project_id, contribution_id, dispute_id)
        with renaming_clashing_fields():
            row = contributions.resolve_contribution_dispute(
                session,
                ledger,
                dispute_id=dispute_id,
                outcome=body.outcome,
                by="settlement",
                signatures=body.signatures,
            )
        return ContributionDisputeOut.of(row)


@router.post(
    "/projects/{project_id}/contributions/{contribution_id}/disputes/{dispute_id}/ruling",
    response_model=ContributionDisputeOut,
    responses=problems(401, 403, 404, 409, 422),
)
def rule_dispute(
    project_id: ProjectId,
    contribution_id: ContributionIdPath,
    dispute_id: DisputeIdPath,
    body: ContributionRulingIn,
    caller: Annotated[Principal, allowed("dispute.rule")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
) -> ContributionDisputeOut:
    """Decide an open dispute by an arbiter's ruling, by the arbitration deadline."""
    with session_scope(runtime.engine) as session:
        opened = dispute_on(session, project_id, contribution_id, dispute_id)
        require_not_party(caller, opened.opened_by)
        with renaming_clashing_fields():
            row = contributions.resolve_contribution_dispute(
                session,
                ledger,
                dispute_id=dispute_id,
                outcome=body.outcome,
                by="ruling",
                signatures=[body.signature],
            )
        return ContributionDisputeOut.of(row)


@router.post(
    "/projects/{project_id}/contributions/{contribution_id}/disputes/{dispute_id}/lapse",
    response_model=ContributionDisputeOut,
    responses=problems(401, 403, 404, 409, 422),
)
def lapse_dispute(
    project_id: ProjectId,
    contribution_id: ContributionIdPath,
    dispute_id: DisputeIdPath,
    caller: Annotated[Principal, allowed("dispute.lapse")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
) -> ContributionDisputeOut:
    """After the arbitration deadline, decide an open dispute by the agreement's lapse outcome."""
    with session_scope(runtime.engine) as session:
        dispute_on(session, project_id, contribution_id, dispute_id)
        with renaming_clashing_fields():
            row = contributions.lapse_contribution_dispute(session, ledger, dispute_id=dispute_id)
        return ContributionDisputeOut.of(row)
