"""Routes of the contributions themselves (see docs/api/contributions.md).

A partner registers its own contributions, signed with its key (EIP-712 ``Contribution``);
anyone who may read the project lists them, filtered, or reads one with its attestations
and disputes. The attestations are in :mod:`api.routes.attestations`, the disputes on a
contribution in :mod:`api.routes.contribution_disputes`. The services check every signature.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi import status as http
from pydantic import AwareDatetime
from sqlmodel import select

from api.deps import LedgerDep, ProjectId, RuntimeDep, allowed
from api.models.contributions import (
    ContributionDetailOut,
    ContributionIn,
    ContributionOut,
    Kind,
    Status,
    Tier,
)
from api.routes._contributions_common import (
    ContributionIdPath,
    contribution_in,
    contribution_url,
    renaming_clashing_fields,
)
from api.schemas import CURSOR_PATTERN, DEFAULT_LIMIT, MAX_ID, Page, decode_cursor, page, problems
from ledger import contributions
from ledger.contributions import Filters
from ledger.contributions import page_of as contribution_page
from ledger.db import Partner, Principal, session_scope
from ledger.permissions import require

router = APIRouter(prefix="/v1", tags=["contributions"])


@router.post(
    "/projects/{project_id}/contributions",
    status_code=http.HTTP_201_CREATED,
    response_model=ContributionOut,
    responses={
        200: {
            "model": ContributionOut,
            "description": "A replay: the partner registered these signed fields under this "
            "idempotency key before; the stored contribution, nothing written.",
        },
        **problems(401, 403, 404, 409, 422),
    },
)
def register_contribution(
    project_id: ProjectId,
    body: ContributionIn,
    caller: Annotated[Principal, allowed("contribution.register")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
    response: Response,
) -> ContributionOut:
    """Register the caller's own contribution, signed by it (201; 200 for a replay)."""
    require(caller, "contribution.register", project_id=project_id, acting_as=body.partner)
    with session_scope(runtime.engine) as session:
        with renaming_clashing_fields():
            registered = contributions.register(
                session,
                ledger,
                project_id=project_id,
                partner=body.partner,
                tier=body.tier,
                kind=body.kind,
                value=body.value,
                evidence_hash=body.evidence_hash,
                idempotency_key=body.idempotency_key,
                signature=body.signature,
                asset_id=body.asset_id,
            )
        out = ContributionOut.of(session, registered.contribution)
    response.status_code = http.HTTP_201_CREATED if registered.created else http.HTTP_200_OK
    response.headers["Location"] = contribution_url(project_id, out.id)
    return out


@router.get(
    "/projects/{project_id}/contributions",
    response_model=Page[ContributionOut],
    responses=problems(401, 403, 404, 422),
)
def list_contributions(
    project_id: ProjectId,
    caller: Annotated[Principal, allowed("project.read")],
    runtime: RuntimeDep,
    limit: Annotated[int, Query(ge=1, le=200)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(pattern=CURSOR_PATTERN)] = None,
    partner: Annotated[
        str | None,
        Query(
            pattern=r"^(0x[0-9a-fA-F]{40}|[1-9][0-9]{0,8})$",
            description="The partner's signing address, or its number in the project.",
        ),
    ] = None,
    tier: Tier | None = None,
    kind: Kind | None = None,
    status: Annotated[Status | None, Query(description="The status now.")] = None,
    recorded_from: Annotated[
        AwareDatetime | None, Query(description="Recorded at or after this time.")
    ] = None,
    recorded_to: Annotated[
        AwareDatetime | None, Query(description="Recorded at or before this time.")
    ] = None,
    snapshot_id: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="Counted in this snapshot.")
    ] = None,
    milestone: Annotated[
        int | None,
        Query(ge=1, le=2**31 - 1, description="Counted in this milestone's current snapshot."),
    ] = None,
) -> Page[ContributionOut]:
    """The project's contributions in id order, a page at a time, filtered."""
    filters = Filters(
        partner=None
        if partner is None
        else (partner if partner.startswith("0x") else int(partner)),
        tier=tier,
        kind=kind,
        status=status,
        recorded_from=recorded_from,
        recorded_to=recorded_to,
        snapshot_id=snapshot_id,
        milestone=milestone,
    )
    with session_scope(runtime.engine) as session:
        rows = contribution_page(
            session, project_id, filters, after_id=decode_cursor(cursor), limit=limit + 1
        )
        members = {
            p.id: p.address
            for p in session.exec(select(Partner).where(Partner.project_id == project_id)).all()
        }
        items = [
            ContributionOut(**ContributionOut.fields_of(r, members[r.partner_id])) for r in rows
        ]
    return page(items, limit, lambda c: c.id)


@router.get(
    "/projects/{project_id}/contributions/{contribution_id}",
    response_model=ContributionDetailOut,
    responses=problems(401, 403, 404, 422),
)
def get_contribution(
    project_id: ProjectId,
    contribution_id: ContributionIdPath,
    caller: Annotated[Principal, allowed("project.read")],
    runtime: RuntimeDep,
) -> ContributionDetailOut:
    """One contribution, with its attestations and disputes."""
    with session_scope(runtime.engine) as session:
        row = contribution_in(session, project_id, contribution_id)
        return ContributionDetailOut.of(session, row)
