"""Disputes on milestones and snapshots: opening them and reading them (see
docs/api/disputes.md).

Opening is the partner's own transaction: ``prepare`` returns the unsigned transaction and
the call it makes, the caller signs it with its key and posts the raw bytes, which the
ledger relays only if they are exactly that call. The caller's API key alone is not enough:
the transaction's signer must be the caller's own address. Settlement, ruling and lapse are
in :mod:`api.routes.dispute_resolution`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlmodel import Session

from api.deps import LedgerDep, ProjectId, RuntimeDep, allowed
from api.models.disputes import (
    CallOut,
    DisputeOut,
    OpeningIn,
    OpeningPrepareIn,
    PreparedOut,
    Status,
    Subject,
    UnsignedTransactionOut,
)
from api.routes._disputes_common import CHAIN_PROBLEMS, DisputeIdPath, signer_of, status_named
from api.schemas import (
    AUTH_PROBLEMS,
    CURSOR_PATTERN,
    DEFAULT_LIMIT,
    Page,
    decode_cursor,
    page,
    problems,
)
from ledger import disputes, inputs, milestones, projects, snapshots
from ledger.chain.disputes import Subject as ChainSubject
from ledger.db import Principal, session_scope
from ledger.dispute_queries import dispute_in, dispute_page
from ledger.permissions import require

router = APIRouter(prefix="/v1", tags=["disputes"])


@router.post(
    "/projects/{project_id}/disputes/prepare",
    response_model=PreparedOut,
    responses=problems(401, 403, 404, 409, 422, *CHAIN_PROBLEMS),
)
def prepare_opening(
    project_id: ProjectId,
    body: OpeningPrepareIn,
    caller: Annotated[Principal, allowed("dispute.open")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
) -> PreparedOut:
    """The unsigned ``open`` transaction the opener signs with its own key."""
    opener = inputs.address(body.opener, "opener")
    require(caller, "dispute.open", project_id=project_id, acting_as=opener)
    with status_named(), session_scope(runtime.engine) as session:
        unsigned = disputes.prepare_opening(
            session,
            ledger,
            project_id=project_id,
            subject=body.subject,
            subject_id=body.subject_id,
            opener=opener,
            evidence_hash=body.evidence_hash,
        )
        project = projects.get_project(session, project_id)
        args = {
            "projectId": project.chain_project_id,
            "subject": int(ChainSubject[body.subject.upper()]),
            "subjectId": _subject_number(session, body.subject, body.subject_id),
            "evidenceHash": "0x" + body.evidence_hash.lower(),
        }
        return PreparedOut(
            signer=opener,
            transaction=UnsignedTransactionOut.of(unsigned),
            call=CallOut(contract="DisputeResolution", function="open", args=args),
        )


@router.post(
    "/projects/{project_id}/disputes",
    status_code=201,
    response_model=DisputeOut,
    responses=problems(401, 403, 404, 409, 422, *CHAIN_PROBLEMS),
)
def open_dispute(
    project_id: ProjectId,
    body: OpeningIn,
    caller: Annotated[Principal, allowed("dispute.open")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
    response: Response,
) -> DisputeOut:
    """Open a dispute: relay the opener's signed ``open`` transaction if it is exactly the
    prepared call, and record it."""
    require(caller, "dispute.open", project_id=project_id, acting_as=signer_of(body.transaction))
    with status_named(), session_scope(runtime.engine) as session:
        row = disputes.open_dispute(
            session,
            ledger,
            project_id=project_id,
            subject=body.subject,
            subject_id=body.subject_id,
            reason=body.reason,
            evidence_hash=body.evidence_hash,
            transaction=body.transaction,
        )
        out = DisputeOut.of(row)
    response.headers["Location"] = f"/v1/projects/{project_id}/disputes/{out.id}"
    return out


@router.get(
    "/projects/{project_id}/disputes",
    response_model=Page[DisputeOut],
    responses=problems(*AUTH_PROBLEMS, 404),
)
def list_disputes(
    project_id: ProjectId,
    caller: Annotated[Principal, allowed("project.read")],
    runtime: RuntimeDep,
    status: Annotated[Status | None, Query(description="Only disputes in this status.")] = None,
    subject: Annotated[Subject | None, Query(description="Only disputes on this.")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(pattern=CURSOR_PATTERN)] = None,
) -> Page[DisputeOut]:
    """The project's milestone and snapshot disputes, oldest first."""
    after = decode_cursor(cursor)
    with status_named(), session_scope(runtime.engine) as session:
        projects.get_project(session, project_id)
        rows = dispute_page(
            session, project_id, after=after, limit=limit + 1, status=status, subject=subject
        )
        return page([DisputeOut.of(r) for r in rows], limit, lambda d: d.id)


@router.get(
    "/projects/{project_id}/disputes/{dispute_id}",
    response_model=DisputeOut,
    responses=problems(*AUTH_PROBLEMS, 404),
)
def get_dispute(
    project_id: ProjectId,
    dispute_id: DisputeIdPath,
    caller: Annotated[Principal, allowed("project.read")],
    runtime: RuntimeDep,
) -> DisputeOut:
    """One dispute of the project."""
    with status_named(), session_scope(runtime.engine) as session:
        return DisputeOut.of(dispute_in(session, project_id, dispute_id))


# ---------------------------------------------------------------------- internal


def _subject_number(session: Session, subject: str, subject_id: int) -> int:
    """The number the chain knows a milestone or snapshot by."""
    if subject == "milestone":
        return milestones.get(session, subject_id).number
    return snapshots.get(session, subject_id).number
