"""Foreground assets and their licences.

An asset is registered on chain by a partner with its own transaction (the registry takes
only a partner as sender); the API records it from that transaction's hash. A licence is
granted in two calls: ``POST …/licences/prepare`` checks it against the agreement and
returns the offer a quorum of partners signs (it names the registry's next licence id),
``POST …/licences`` grants it with their signatures. A licence's fee, paid on chain by the
licensee, is recorded from its transaction (``POST /licences/{id}/fee``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import Query, Response, status
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session

from api.deps import LedgerDep, ProjectId, RuntimeDep, allowed
from api.routes.ip_common import (
    MAX_ID,
    AssetIdPath,
    LicenceIdPath,
    Signatures,
    TierName,
    TxHash,
    in_project,
    numbers_of,
    router,
)
from api.schemas import (
    CURSOR_PATTERN,
    DEFAULT_LIMIT,
    Address,
    Hash,
    Page,
    Wei,
    decode_cursor,
    page,
    problems,
)
from ledger import ip_queries, licensing
from ledger.db import ForegroundAsset, Licence, Principal, session_scope

_LICENSEE = "0x6813Eb9362372EEF6200f3b1dbC3f819671cBA69"


# ---------------------------------------------------------------------- assets


class AssetIn(BaseModel):
    """An asset a partner registered on chain with its own transaction."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "tier": "core",
                    "title": "Defect detector",
                    "content_hash": "ab" * 32,
                    "tx_hash": "0x" + "3c" * 32,
                }
            ]
        },
    )

    tier: TierName
    title: str = Field(min_length=1, max_length=200)
    content_hash: Hash = Field(description="The hash registered on chain (32 bytes of hex).")
    tx_hash: TxHash = Field(description="The partner's `registerAsset` transaction.")


class AssetOut(BaseModel):
    """A pooled foreground asset."""

    id: int
    project_id: int
    tier: TierName
    title: str
    content_hash: Hash
    chain_asset_id: int | None = Field(description="The asset's id in the foreground registry.")
    registrant: Address | None = Field(description="The partner that registered it on chain.")
    tx_hash: str | None = Field(description="The registration's transaction.")
    created_at: datetime


class OwnerOut(BaseModel):
    """One partner's ownership of an asset: its tier's rights bps committed on chain."""

    number: int | None = Field(description="The partner's number in the project.")
    address: Address
    bps: int = Field(description="Basis points of 10000.")


class AssetDetailOut(AssetOut):
    """A pooled foreground asset and who owns it."""

    ownership: list[OwnerOut] = Field(
        description="Each partner's share, as the tier's latest committed column says "
        "(in the column's order); empty while none was committed."
    )


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


def asset_in_project(session: Session, project_id: int, asset_id: int) -> ForegroundAsset:
    row = licensing.get_asset(session, asset_id)
    return in_project(row, project_id, "foreground asset", "asset_id", asset_id)


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
    """Record an asset a partner registered on chain: id, tier and registrant are read from
    the transaction's `AssetRegistered` event."""
    with session_scope(runtime.engine) as session:
        row = licensing.register_asset(
            session,
            ledger,
            project_id=project_id,
            tier=body.tier,
            title=body.title,
            content_hash=body.content_hash,
            tx_hash=body.tx_hash,
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


# ---------------------------------------------------------------------- licences


class OfferIn(BaseModel):
    """A licence to check against the agreement before the quorum signs it."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"licensee": _LICENSEE, "territory": "DE", "industry": "C26", "fee": "900"}
            ]
        },
    )

    licensee: Address
    territory: str = Field(
        pattern=r"^[A-Za-z0-9]{1,8}$",
        description="ISO 3166-1 alpha-2 (`DE`); core assets only for the agreement's list.",
    )
    industry: str = Field(
        pattern=r"^[A-Za-z0-9]{1,8}$",
        description="ISIC Rev. 4 code (`C26`); application assets only for the agreement's list.",
    )
    fee: Wei = Field(description="The licence's fee in wei, paid once by the licensee.")


class LicenceIn(OfferIn):
    """A licence and the quorum's signatures over the offer the preparation returned."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "licensee": _LICENSEE,
                    "territory": "DE",
                    "industry": "C26",
                    "fee": "900",
                    "signatures": ["0x" + "1b" * 65, "0x" + "1c" * 65],
                }
            ]
        },
    )

    signatures: Signatures


class OfferOut(BaseModel):
    """The `Licence` struct a quorum of partners signs (foreground registry's domain).

    Ids are the chain's: `Signer.licence(project_id, **the other fields)` signs it.
    """

    project_id: int = Field(description="The project's id on chain.")
    asset_id: int = Field(description="The asset's id on chain.")
    licensee: Address
    territory: str
    industry: str
    fee: Wei
    licence_id: int = Field(
        description="The registry's next licence id: the signatures grant this licence only."
    )


LicenceState = Literal["granted", "paid"]


class LicenceOut(BaseModel):
    """A licence granted on chain."""

    id: int
    project_id: int
    asset_id: int
    licensee: Address
    territory: str
    industry: str
    fee: Wei
    chain_licence_id: int | None
    state: LicenceState = Field(description="`paid` once its fee is recorded.")
    signers: list[Address] = Field(description="The partners whose signatures granted it.")
    tx_hash: str | None = Field(description="The grant's transaction.")
    created_at: datetime


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


def licence_in_project(session: Session, project_id: int, licence_id: int) -> Licence:
    row = licensing.get_licence(session, licence_id)
    return in_project(row, project_id, "licence", "licence_id", licence_id)


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
