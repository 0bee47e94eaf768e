"""A party's own transactions, prepared for it to sign: registering a foreground asset,
paying a licence fee, paying revenue (see docs/api/ip.md).

The contracts take the transaction's sender as the registrant or the payer, and on the
embedded chain no party can reach the chain itself. So each act has a ``prepare`` route
that returns the unsigned transaction from the caller's own address; the caller signs it
with its key and posts the raw bytes to the act's route (``POST …/assets``,
``POST …/licences/{id}/fee``, ``POST …/revenue``), which relays it only if it is exactly
that call and the caller's own, then records it as one recorded by its hash.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from api.deps import LedgerDep, ProjectId, RuntimeDep, allowed
from api.models.assets import PrepareAssetIn, RelayTransactionOut
from api.models.revenue import PrepareRevenueIn
from api.routes._disputes_common import signer_of
from api.routes._ip_common import LicenceIdPath, asset_in_project, licence_in_project
from api.schemas import problems
from ledger import licensing
from ledger.db import Principal, session_scope
from ledger.errors import RuleViolation
from ledger.permissions import require

router = APIRouter(prefix="/v1", tags=["ip"])

#: What every prepare route may answer (a licence's also 409: its fee is paid already).
PREPARE_PROBLEMS = (401, 403, 404, 422, 502, 503)


def own_address(caller: Principal) -> str:
    """The caller's signing address: a relayed act is always its own.

    Raises:
        RuleViolation: (field ``address``) for a principal that names none.
    """
    if caller.address is None:
        raise RuleViolation(
            f"principal {caller.id} has no address: the contract takes the transaction's "
            "signer as the party, so the principal must name the address that signs",
            field="address",
            principal_id=caller.id,
        )
    return caller.address


def require_own(caller: Principal, action: str, project_id: int, transaction: str) -> None:
    """Refuse a signed transaction that is not the caller's own (403, ``rule="acting_as"``).

    Raises:
        RuleViolation: for a caller without an address, or bytes that are no signed typed
            transaction (``transaction``).
        Unauthorized: when another account signed it.
    """
    own_address(caller)
    require(caller, action, project_id=project_id, acting_as=signer_of(transaction))


@router.post(
    "/projects/{project_id}/assets/prepare",
    response_model=RelayTransactionOut,
    responses=problems(*PREPARE_PROBLEMS),
)
def prepare_asset(
    project_id: ProjectId,
    body: PrepareAssetIn,
    caller: Annotated[Principal, allowed("asset.register")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
) -> RelayTransactionOut:
    """The unsigned `registerAsset` from the caller's own address (it must be a partner's);
    sign it and post it to `POST …/assets` with the asset's title. Stores nothing."""
    registrant = own_address(caller)
    with session_scope(runtime.engine) as session:
        unsigned = licensing.prepare_asset_registration(
            session,
            ledger,
            project_id=project_id,
            registrant=registrant,
            tier=body.tier,
            content_hash=body.content_hash,
        )
    return RelayTransactionOut.of(unsigned)


@router.post(
    "/projects/{project_id}/licences/{licence_id}/fee/prepare",
    response_model=RelayTransactionOut,
    responses=problems(401, 403, 404, 409, 422, 502, 503),
)
def prepare_licence_fee(
    project_id: ProjectId,
    licence_id: LicenceIdPath,
    caller: Annotated[Principal, allowed("revenue.record")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
) -> RelayTransactionOut:
    """The unsigned `payLicenceFee` of the licence's fee, in ether, from the caller's own
    address; sign it and post it to `POST …/licences/{licence_id}/fee`. Stores nothing."""
    payer = own_address(caller)
    with session_scope(runtime.engine) as session:
        licence_in_project(session, project_id, licence_id)
        unsigned = licensing.prepare_licence_fee(
            session, ledger, licence_id=licence_id, payer=payer
        )
    return RelayTransactionOut.of(unsigned)


@router.post(
    "/projects/{project_id}/revenue/prepare",
    response_model=RelayTransactionOut,
    responses=problems(*PREPARE_PROBLEMS),
)
def prepare_revenue(
    project_id: ProjectId,
    body: PrepareRevenueIn,
    caller: Annotated[Principal, allowed("revenue.record")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
) -> RelayTransactionOut:
    """The unsigned `depositRevenue` of `amount` wei for the asset, in ether, from the
    caller's own address; sign it and post it to `POST …/revenue`. Stores nothing."""
    payer = own_address(caller)
    with session_scope(runtime.engine) as session:
        asset_in_project(session, project_id, body.asset_id)
        unsigned = licensing.prepare_revenue(
            session, ledger, asset_id=body.asset_id, payer=payer, amount=body.amount
        )
    return RelayTransactionOut.of(unsigned)
