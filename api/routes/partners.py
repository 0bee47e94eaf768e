"""The partners of a project: the parties of its agreement that joined, each with its own
signature (see docs/api/projects.md)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from api.deps import LedgerDep, ProjectId, RuntimeDep, allowed
from api.models.partners import JoinIn, PartnerOut
from api.routes._projects_common import CursorQuery, LimitQuery
from api.schemas import AUTH_PROBLEMS, DEFAULT_LIMIT, Page, decode_cursor, page, problems
from ledger import projects, projects_queries
from ledger.db import Principal, session_scope
from ledger.permissions import require

router = APIRouter(prefix="/v1", tags=["projects"])

NumberPath = Annotated[
    int, Path(ge=1, le=2**31 - 1, description="The partner's number in the project.")
]


@router.get(
    "/projects/{project_id}/partners",
    response_model=Page[PartnerOut],
    responses=problems(*AUTH_PROBLEMS, 404),
)
def list_partners(
    project_id: ProjectId,
    caller: Annotated[Principal, allowed("project.read")],
    runtime: RuntimeDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[PartnerOut]:
    """The project's partners in the order they joined."""
    with session_scope(runtime.engine) as session:
        rows = projects_queries.partners_after(
            session, project_id, decode_cursor(cursor), limit + 1
        )
        return page([PartnerOut.of(r) for r in rows], limit, lambda p: p.number)


@router.get(
    "/projects/{project_id}/partners/{number}",
    response_model=PartnerOut,
    responses=problems(*AUTH_PROBLEMS, 404),
)
def get_partner(
    project_id: ProjectId,
    number: NumberPath,
    caller: Annotated[Principal, allowed("project.read")],
    runtime: RuntimeDep,
) -> PartnerOut:
    """One partner of the project, by its number."""
    with session_scope(runtime.engine) as session:
        return PartnerOut.of(projects_queries.partner_by_number(session, project_id, number))


@router.post(
    "/projects/{project_id}/partners",
    status_code=status.HTTP_201_CREATED,
    response_model=PartnerOut,
    responses=problems(*AUTH_PROBLEMS, 404, 409, 502, 503),
)
def join(
    project_id: ProjectId,
    body: JoinIn,
    caller: Annotated[Principal, allowed("partner.join")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
    response: Response,
) -> PartnerOut:
    """A party of the agreement joins the project as itself, with its `Join` signature.

    The ledger checks the signature, then the registry checks it again on chain; the
    partner takes the next number.
    """
    require(caller, "partner.join", project_id=project_id, acting_as=body.address)
    with session_scope(runtime.engine) as session:
        partner = projects.join(
            session,
            ledger,
            project_id=project_id,
            address=body.address,
            signature=body.signature,
            payout_address=body.payout_address,
        )
        out = PartnerOut.of(partner)
    response.headers["Location"] = f"/v1/projects/{project_id}/partners/{out.number}"
    return out
