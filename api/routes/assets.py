"""Foreground assets: the project's pooled results, each registered on chain.

An asset is registered on chain by a partner with its own transaction (the registry takes
only a partner as sender). The partner signs the transaction ``POST …/assets/prepare``
returns (:mod:`api.routes.relays`) and the API relays and records it, or the partner sends
it itself and the API records it from its hash. An asset's licences are in
:mod:`api.routes.licences`, its revenue in :mod:`api.routes.revenue`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status
from sqlmodel import Session

from api.deps import LedgerDep, ProjectId, RuntimeDep, allowed
from api.models._ip_common import TierName
from api.models.assets import AssetDetailOut, AssetIn, AssetOut, OwnerOut
from api.routes._ip_common import AssetIdPath, asset_in_project, numbers_of
from api.routes.relays import require_own
from api.schemas import CURSOR_PATTERN, DEFAULT_LIMIT, Page, decode_cursor, page, problems
from ledger import ip_queries, licensing
from ledger.db import ForegroundAsset, Principal, session_scope

router = APIRouter(prefix="/v1", tags=["ip"])


def _asset_fields(row: ForegroundAsset, entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row.id,
        "project_id": row.project_id,
        "tier": row.tier,
        "title": row.title,
        "content_hash": row.content_hash,
        "chain_asset_id": row.chain_asset_id,
        "registrant": entry.get("registrant"),
        "tx_hash": entry.get("tx"),
        "created_at": row.created_at,
    }


def assets_out(session: Session, project_id: int, rows: list[ForegroundAsset]) -> list[AssetOut]:
    ids = [row.id for row in rows if row.id is not None]
    entries = ip_queries.recorded(session, project_id, "foreground.registered", "asset_id", ids)
    return [AssetOut(**_asset_fields(row, entries.get(row.id or 0, {}))) for row in rows]


@router.post(
    "/projects/{project_id}/assets",
    status_code=status.HTTP_201_CREATED,
    response_model=AssetOut,
    responses=problems(401, 403, 404, 409, 422, 502, 503),
)
def register_asset(
    project_id: ProjectId,
    body: AssetIn,
    caller: Annotated[Principal, allowed("asset.register")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
    response: Response,
) -> AssetOut:
    """Register an asset: relay the caller's signed `registerAsset` (only if it is exactly
    the prepared call, signed with the caller's own address), or record one a partner sent
    itself. Either way id, tier and registrant are read from the transaction's
    `AssetRegistered` event."""
    if body.transaction is not None:
        require_own(caller, "asset.register", project_id, body.transaction)
    fields = {"tier": body.tier, "title": body.title, "content_hash": body.content_hash}
    with session_scope(runtime.engine) as session:
        if body.transaction is not None:
            row = licensing.register_asset_relayed(
                session, ledger, project_id=project_id, transaction=body.transaction, **fields
            )
        else:
            assert body.tx_hash is not None
            row = licensing.register_asset(
                session, ledger, project_id=project_id, tx_hash=body.tx_hash, **fields
            )
        (out,) = assets_out(session, project_id, [row])
    response.headers["Location"] = f"/v1/projects/{project_id}/assets/{out.id}"
    return out


@router.get(
    "/projects/{project_id}/assets",
    response_model=Page[AssetOut],
    responses=problems(401, 403, 404, 422),
)
def list_assets(
    project_id: ProjectId,
    caller: Annotated[Principal, allowed("project.read")],
    runtime: RuntimeDep,
    limit: Annotated[int, Query(ge=1, le=200)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(pattern=CURSOR_PATTERN)] = None,
    tier: Annotated[TierName | None, Query(description="Only assets of this tier.")] = None,
) -> Page[AssetOut]:
    """The project's foreground assets, oldest first."""
    with session_scope(runtime.engine) as session:
        rows = ip_queries.assets_after(
            session, project_id, after=decode_cursor(cursor), limit=limit + 1, tier=tier
        )
        return page(assets_out(session, project_id, rows), limit, lambda a: a.id)


@router.get(
    "/projects/{project_id}/assets/{asset_id}",
    response_model=AssetDetailOut,
    responses=problems(401, 403, 404, 422, 502, 503),
)
def get_asset(
    project_id: ProjectId,
    asset_id: AssetIdPath,
    caller: Annotated[Principal, allowed("project.read")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
) -> AssetDetailOut:
    """One foreground asset, with each partner's ownership in bps (read from the chain)."""
    with session_scope(runtime.engine) as session:
        row = asset_in_project(session, project_id, asset_id)
        (out,) = assets_out(session, project_id, [row])
        numbers = numbers_of(session, project_id)
        owners = licensing.ownership(session, ledger, asset_id=asset_id)
        return AssetDetailOut(
            **out.model_dump(),
            ownership=[
                OwnerOut(number=numbers.get(address), address=address, bps=bps)
                for address, bps in owners.items()
            ],
        )
