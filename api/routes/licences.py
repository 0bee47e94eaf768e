"""Licences of foreground assets.

A licence is granted in two calls: ``POST …/licences/prepare`` checks it against the
agreement and returns the offer a quorum of partners signs (it names the registry's next
licence id), ``POST …/licences`` grants it with their signatures. A licence's fee is the
payer's own transaction, relayed or recorded by ``POST …/licences/{id}/fee`` (in
:mod:`api.routes.revenue`; its ``prepare`` is in :mod:`api.routes.relays`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from sqlmodel import Session

from api.deps import LedgerDep, ProjectId, RuntimeDep, allowed
from api.models._ip_common import MAX_ID
from api.models.assets import LicenceIn, LicenceOut, LicenceState, OfferIn, OfferOut
from api.routes._ip_common import AssetIdPath, LicenceIdPath, asset_in_project, licence_in_project
from api.schemas import CURSOR_PATTERN, DEFAULT_LIMIT, Page, decode_cursor, page, problems
from ledger import ip_queries, licensing
from ledger.db import Licence, Principal, session_scope

router = APIRouter(prefix="/v1", tags=["ip"])


def licences_out(session: Session, project_id: int, rows: list[Licence]) -> list[LicenceOut]:
    ids = [row.id for row in rows if row.id is not None]
    entries = ip_queries.recorded(session, project_id, "licence.granted", "licence_id", ids)
    out = []
    for row in rows:
        assert row.id is not None and row.project_id is not None
        entry = entries.get(row.id, {})
        out.append(
            LicenceOut(
                id=row.id,
                project_id=row.project_id,
                asset_id=row.asset_id,
                licensee=row.licensee,
                territory=row.territory,
                industry=row.industry,
                fee=row.fee,
                chain_licence_id=row.chain_licence_id,
                state=row.state,  # type: ignore[arg-type]
                signers=entry.get("signers", []),
                tx_hash=entry.get("tx"),
                created_at=row.created_at,
            )
        )
    return out


@router.post(
    "/projects/{project_id}/assets/{asset_id}/licences/prepare",
    response_model=OfferOut,
    responses=problems(401, 403, 404, 422, 502, 503),
)
def prepare_licence(
    project_id: ProjectId,
    asset_id: AssetIdPath,
    body: OfferIn,
    caller: Annotated[Principal, allowed("licence.grant")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
) -> OfferOut:
    """Check a licence against the agreement (core assets: its territories; application
    assets: its industries) and return the offer the quorum signs; stores nothing."""
    with session_scope(runtime.engine) as session:
        asset_in_project(session, project_id, asset_id)
        offer = licensing.prepare_licence(
            session,
            ledger,
            asset_id=asset_id,
            licensee=body.licensee,
            territory=body.territory,
            industry=body.industry,
            fee=body.fee,
        )
        return OfferOut(
            project_id=offer.project_id,
            asset_id=offer.asset_id,
            licensee=offer.licensee,
            territory=offer.territory,
            industry=offer.industry,
            fee=offer.fee,
            licence_id=offer.licence_id,
        )


@router.post(
    "/projects/{project_id}/assets/{asset_id}/licences",
    status_code=status.HTTP_201_CREATED,
    response_model=LicenceOut,
    responses=problems(401, 403, 404, 409, 422, 502, 503),
)
def grant_licence(
    project_id: ProjectId,
    asset_id: AssetIdPath,
    body: LicenceIn,
    caller: Annotated[Principal, allowed("licence.grant")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
    response: Response,
) -> LicenceOut:
    """Grant a licence with a quorum of partners' signatures over the prepared offer; a
    territory or industry the agreement forbids is refused before any signature is read."""
    with session_scope(runtime.engine) as session:
        asset_in_project(session, project_id, asset_id)
        row = licensing.grant_licence(
            session,
            ledger,
            asset_id=asset_id,
            licensee=body.licensee,
            territory=body.territory,
            industry=body.industry,
            fee=body.fee,
            signatures=list(body.signatures),
        )
        (out,) = licences_out(session, project_id, [row])
    response.headers["Location"] = f"/v1/projects/{project_id}/licences/{out.id}"
    return out


@router.get(
    "/projects/{project_id}/licences",
    response_model=Page[LicenceOut],
    responses=problems(401, 403, 404, 422),
)
def list_licences(
    project_id: ProjectId,
    caller: Annotated[Principal, allowed("project.read")],
    runtime: RuntimeDep,
    limit: Annotated[int, Query(ge=1, le=200)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(pattern=CURSOR_PATTERN)] = None,
    asset_id: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="Only licences on this asset.")
    ] = None,
    licensee: Annotated[
        str | None,
        Query(pattern=r"^0x[0-9a-fA-F]{40}$", description="Only licences to this address."),
    ] = None,
    state: Annotated[LicenceState | None, Query(description="Only licences in this state.")] = None,
) -> Page[LicenceOut]:
    """The project's licences, oldest first; `asset_id` names an asset of the project."""
    with session_scope(runtime.engine) as session:
        if asset_id is not None:
            asset_in_project(session, project_id, asset_id)
        rows = ip_queries.licences_after(
            session,
            project_id,
            after=decode_cursor(cursor),
            limit=limit + 1,
            asset_id=asset_id,
            licensee=licensee,
            state=state,
        )
        return page(licences_out(session, project_id, rows), limit, lambda x: x.id)


@router.get(
    "/projects/{project_id}/licences/{licence_id}",
    response_model=LicenceOut,
    responses=problems(401, 403, 404, 422),
)
def get_licence(
    project_id: ProjectId,
    licence_id: LicenceIdPath,
    caller: Annotated[Principal, allowed("project.read")],
    runtime: RuntimeDep,
) -> LicenceOut:
    """One licence."""
    with session_scope(runtime.engine) as session:
        (out,) = licences_out(
            session, project_id, [licence_in_project(session, project_id, licence_id)]
        )
        return out
