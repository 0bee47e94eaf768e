"""Routes of a contribution's attestations (see docs/api/contributions.md).

Another partner or an arbiter countersigns a contribution (EIP-712 ``Attestation`` over
its ``body_hash``), as itself; the service checks the signature.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Response
from fastapi import status as http

from api.deps import LedgerDep, ProjectId, RuntimeDep, allowed
from api.models.contributions import AttestationIn, AttestationOut
from api.routes._contributions_common import (
    AttestationIdPath,
    ContributionIdPath,
    contribution_in,
    contribution_url,
    renaming_clashing_fields,
)
from api.schemas import problems
from ledger import contributions
from ledger.db import Attestation, Principal, session_scope
from ledger.errors import NotFound
from ledger.permissions import require

router = APIRouter(prefix="/v1", tags=["contributions"])


@router.post(
    "/projects/{project_id}/contributions/{contribution_id}/attestations",
    status_code=http.HTTP_201_CREATED,
    response_model=AttestationOut,
    responses=problems(401, 403, 404, 409, 422),
)
def attest(
    project_id: ProjectId,
    contribution_id: ContributionIdPath,
    body: AttestationIn,
    caller: Annotated[Principal, allowed("contribution.attest")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
    response: Response,
) -> AttestationOut:
    """Countersign another partner's contribution, as oneself (a partner or an arbiter)."""
    require(caller, "contribution.attest", project_id=project_id, acting_as=body.attester)
    with session_scope(runtime.engine) as session:
        contribution_in(session, project_id, contribution_id)
        with renaming_clashing_fields():
            row = contributions.attest(
                session,
                ledger,
                contribution_id=contribution_id,
                attester=body.attester,
                signature=body.signature,
            )
        out = AttestationOut.of(row)
    response.headers["Location"] = contribution_url(
        project_id, contribution_id, "attestations", out.id
    )
    return out


@router.get(
    "/projects/{project_id}/contributions/{contribution_id}/attestations/{attestation_id}",
    response_model=AttestationOut,
    responses=problems(401, 403, 404, 422),
)
def get_attestation(
    project_id: ProjectId,
    contribution_id: ContributionIdPath,
    attestation_id: AttestationIdPath,
    caller: Annotated[Principal, allowed("project.read")],
    runtime: RuntimeDep,
) -> AttestationOut:
    """One countersignature of a contribution."""
    with session_scope(runtime.engine) as session:
        contribution_in(session, project_id, contribution_id)
        row = session.get(Attestation, attestation_id)
        if row is None or row.contribution_id != contribution_id:
            raise NotFound(
                f"contribution {contribution_id} has no attestation {attestation_id}",
                attestation_id=attestation_id,
            )
        return AttestationOut.of(row)
