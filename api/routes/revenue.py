"""Revenue of foreground assets: payments recorded from the chain, and their split in wei.

A licensee (or anyone) pays revenue to the RevenueSharing contract with its own
transaction; the contract credits every partner at once. The payer signs the transaction
``POST …/revenue/prepare`` returns (:mod:`api.routes.relays`) and the API relays it, or it
sends it itself and the API records it from its hash; the ledger stores the payment only
once the chain's credits equal its own model of the split to the wei. Each payment shows
every partner's share, summing exactly to the amount; ``GET …/revenue/tiers`` sums them per
tier. A licence's fee is revenue too, paid under its licence (``POST …/licences/{id}/fee``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from sqlmodel import Session

from api.deps import LedgerDep, ProjectId, RuntimeDep, allowed
from api.models._ip_common import MAX_ID, TierName
from api.models.revenue import (
    FeeIn,
    PaymentOut,
    RevenueByTierOut,
    RevenueIn,
    TierRevenueOut,
    shares_of,
)
from api.routes._ip_common import LicenceIdPath, PaymentIdPath, in_project, licence_in_project
from api.routes.relays import require_own
from api.schemas import CURSOR_PATTERN, DEFAULT_LIMIT, Page, decode_cursor, page, problems
from ledger import ip_queries, licensing
from ledger.db import Principal, RevenuePayment, session_scope
from ledger.errors import NotFound
from ledger.projects import partners_of

router = APIRouter(prefix="/v1", tags=["ip"])


def payments_out(session: Session, project_id: int, rows: list[RevenuePayment]) -> list[PaymentOut]:
    """The payments as the API shows them (their assets' tiers and licences looked up)."""
    partners = partners_of(session, project_id)
    ids = [row.id for row in rows if row.id is not None]
    fees = ip_queries.recorded(session, project_id, "licence.fee_paid", "payment_id", ids)
    tiers = {
        asset_id: licensing.get_asset(session, asset_id).tier
        for asset_id in {row.asset_id for row in rows}
    }
    out = []
    for row in rows:
        assert row.id is not None and row.project_id is not None
        out.append(
            PaymentOut(
                id=row.id,
                project_id=row.project_id,
                asset_id=row.asset_id,
                tier=tiers[row.asset_id],  # type: ignore[arg-type]
                licence_id=fees.get(row.id, {}).get("licence_id"),
                payer=row.payer,
                amount=row.amount,
                cumulative_before=row.cumulative_before,
                split=shares_of(partners, ip_queries.split_of(row)),
                tx_hash=row.tx_hash,
                created_at=row.created_at,
            )
        )
    return out


@router.post(
    "/projects/{project_id}/revenue",
    status_code=status.HTTP_201_CREATED,
    response_model=PaymentOut,
    responses=problems(401, 403, 404, 409, 422, 502, 503),
)
def record_revenue(
    project_id: ProjectId,
    body: RevenueIn,
    caller: Annotated[Principal, allowed("revenue.record")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
    response: Response,
) -> PaymentOut:
    """Pay revenue: relay the caller's signed `depositRevenue` (only if it is exactly the
    prepared call, signed with the caller's own address), or record one made on chain. The
    payment is stored with the split the chain credited, once it equals the ledger's model
    to the wei. A licence's fee is paid under its licence instead."""
    if body.transaction is not None:
        require_own(caller, "revenue.record", project_id, body.transaction)
    with session_scope(runtime.engine) as session:
        asset = licensing.get_asset(session, body.asset_id)
        in_project(asset, project_id, "foreground asset", "asset_id", body.asset_id)
        if body.transaction is not None:
            assert body.amount is not None
            row = licensing.deposit_revenue(
                session,
                ledger,
                asset_id=body.asset_id,
                amount=body.amount,
                transaction=body.transaction,
            )
        else:
            assert body.tx_hash is not None
            row = licensing.record_revenue(
                session, ledger, asset_id=body.asset_id, tx_hash=body.tx_hash, amount=body.amount
            )
        (out,) = payments_out(session, project_id, [row])
    response.headers["Location"] = f"/v1/projects/{project_id}/revenue/{out.id}"
    return out


@router.post(
    "/projects/{project_id}/licences/{licence_id}/fee",
    status_code=status.HTTP_201_CREATED,
    response_model=PaymentOut,
    responses=problems(401, 403, 404, 409, 422, 502, 503),
)
def record_licence_fee(
    project_id: ProjectId,
    licence_id: LicenceIdPath,
    body: FeeIn,
    caller: Annotated[Principal, allowed("revenue.record")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
    response: Response,
) -> PaymentOut:
    """Pay a licence's fee: relay the caller's signed `payLicenceFee` (only if it is exactly
    the prepared call, signed with the caller's own address), or record one paid on chain.
    The fee is a revenue payment of the asset, split among the partners as the chain
    credited them (checked against the model)."""
    if body.transaction is not None:
        require_own(caller, "revenue.record", project_id, body.transaction)
    with session_scope(runtime.engine) as session:
        licence_in_project(session, project_id, licence_id)
        if body.transaction is not None:
            row = licensing.pay_licence_fee(
                session, ledger, licence_id=licence_id, transaction=body.transaction
            )
        else:
            assert body.tx_hash is not None
            row = licensing.record_licence_fee(
                session, ledger, licence_id=licence_id, tx_hash=body.tx_hash
            )
        (out,) = payments_out(session, project_id, [row])
    response.headers["Location"] = f"/v1/projects/{project_id}/revenue/{out.id}"
    return out


@router.get(
    "/projects/{project_id}/revenue",
    response_model=Page[PaymentOut],
    responses=problems(401, 403, 404, 422),
)
def list_revenue(
    project_id: ProjectId,
    caller: Annotated[Principal, allowed("project.read")],
    runtime: RuntimeDep,
    limit: Annotated[int, Query(ge=1, le=200)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(pattern=CURSOR_PATTERN)] = None,
    asset_id: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="Only payments for this asset.")
    ] = None,
    tier: Annotated[TierName | None, Query(description="Only payments of this tier.")] = None,
    payer: Annotated[
        str | None,
        Query(pattern=r"^0x[0-9a-fA-F]{40}$", description="Only payments by this address."),
    ] = None,
) -> Page[PaymentOut]:
    """The project's revenue payments (licence fees included), oldest first; `asset_id`
    names an asset of the project."""
    with session_scope(runtime.engine) as session:
        if asset_id is not None:
            asset = licensing.get_asset(session, asset_id)
            in_project(asset, project_id, "foreground asset", "asset_id", asset_id)
        rows = ip_queries.payments_after(
            session,
            project_id,
            after=decode_cursor(cursor),
            limit=limit + 1,
            asset_id=asset_id,
            tier=tier,
            payer=payer,
        )
        payments = payments_out(session, project_id, [payment for payment, _ in rows])
        return page(payments, limit, lambda p: p.id)


@router.get(
    "/projects/{project_id}/revenue/tiers",
    response_model=RevenueByTierOut,
    responses=problems(401, 403, 404, 422),
)
def revenue_by_tier(
    project_id: ProjectId,
    caller: Annotated[Principal, allowed("project.read")],
    runtime: RuntimeDep,
) -> RevenueByTierOut:
    """Each tier's recorded revenue and every partner's share of it, in wei."""
    with session_scope(runtime.engine) as session:
        totals = ip_queries.revenue_by_tier(session, project_id)
        partners = partners_of(session, project_id)
        tiers = [
            TierRevenueOut(
                tier=total.tier,  # type: ignore[arg-type]
                payments=total.payments,
                amount=total.amount,
                split=shares_of(partners, total.split),
            )
            for total in totals.values()
        ]
        return RevenueByTierOut(tiers=tiers, amount=sum(t.amount for t in totals.values()))


@router.get(
    "/projects/{project_id}/revenue/{payment_id}",
    response_model=PaymentOut,
    responses=problems(401, 403, 404, 422),
)
def get_payment(
    project_id: ProjectId,
    payment_id: PaymentIdPath,
    caller: Annotated[Principal, allowed("project.read")],
    runtime: RuntimeDep,
) -> PaymentOut:
    """One revenue payment and its split."""
    with session_scope(runtime.engine) as session:
        row = session.get(RevenuePayment, payment_id)
        if row is None:
            raise NotFound(f"no revenue payment {payment_id}", payment_id=payment_id)
        in_project(row, project_id, "revenue payment", "payment_id", payment_id)
        (out,) = payments_out(session, project_id, [row])
        return out
