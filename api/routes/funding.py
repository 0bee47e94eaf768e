"""Funding: deposits into a project's milestone escrow, and what it holds.

A funder deposits from its own address: the ledger prepares the unsigned ``deposit``, then
relays the funder's signed transaction or records one the funder sent itself; either way
the deposits are read from the receipt's ``Deposited`` events (see docs/api/milestones.md).
"""

from __future__ import annotations

from typing import Annotated

from eth_account import Account
from fastapi import APIRouter, Path, Query, Response, status
from sqlmodel import col, select

from api.deps import LedgerDep, ProjectId, RuntimeDep, allowed
from api.models.funding import (
    DepositIn,
    DepositOut,
    EscrowBalanceOut,
    FundingTransactionOut,
    PrepareDepositIn,
)
from api.routes._milestones_common import CHAIN_PROBLEMS, CursorQuery, LimitQuery
from api.schemas import DEFAULT_LIMIT, MAX_ID, Address, Page, decode_cursor, page, problems
from ledger import funding, milestones_queries, projects
from ledger.db import FundingDeposit, Principal, session_scope
from ledger.errors import RuleViolation
from ledger.permissions import require

router = APIRouter(prefix="/v1", tags=["milestones"])

DepositId = Annotated[int, Path(ge=1, le=MAX_ID, description="The deposit's id.")]


def _funder_address(caller: Principal) -> str:
    if caller.address is None:
        raise RuleViolation(
            f"funder principal {caller.id} has no address: a deposit is credited to the "
            "account that signs it, so the funder's principal must name that address",
            field="address",
            principal_id=caller.id,
        )
    return caller.address


@router.post(
    "/projects/{project_id}/funding/deposits/prepare",
    response_model=FundingTransactionOut,
    responses=problems(401, 403, 404, 422, *CHAIN_PROBLEMS),
)
def prepare_deposit(
    project_id: ProjectId,
    body: PrepareDepositIn,
    caller: Annotated[Principal, allowed("funding.deposit")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
) -> FundingTransactionOut:
    """The unsigned ETH ``deposit`` of ``amount`` wei from the funder's own address."""
    funder = _funder_address(caller)
    with session_scope(runtime.engine) as session:
        unsigned = funding.prepare_deposit(
            session, ledger, project_id=project_id, funder=funder, amount=body.amount
        )
    return FundingTransactionOut.model_validate(unsigned)


def _signer_of(transaction: str) -> str | None:
    """The sender of a signed transaction, or ``None`` if it cannot be read (the service
    then refuses it)."""
    try:
        return str(Account.recover_transaction(transaction))
    except Exception:  # any unreadable bytes: the service names the problem
        return None


@router.post(
    "/projects/{project_id}/funding/deposits",
    status_code=status.HTTP_201_CREATED,
    response_model=list[DepositOut],
    responses={
        200: {"description": "The transaction was recorded before: the deposits stored then."},
        **problems(401, 403, 404, 409, 422, *CHAIN_PROBLEMS),
    },
)
def record_deposit(
    project_id: ProjectId,
    body: DepositIn,
    caller: Annotated[Principal, allowed("funding.deposit")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
    response: Response,
) -> list[DepositOut]:
    """Relay the funder's signed ``deposit`` (only if it is exactly the prepared call, from
    the funder's own address), or record a deposit transaction the funder sent itself.

    The deposits are recorded from the receipt's events, never from the request. A
    transaction recorded already answers 200 with the deposits stored then.
    """
    if body.transaction is not None:
        _funder_address(caller)
        signer = _signer_of(body.transaction)
        if signer is not None:  # it must be the funder's own deposit
            require(caller, "funding.deposit", project_id=project_id, acting_as=signer)
    with session_scope(runtime.engine) as session:
        if body.transaction is not None:
            assert body.amount is not None
            rows = funding.deposit(
                session,
                ledger,
                project_id=project_id,
                amount=body.amount,
                transaction=body.transaction,
            )
            known: set[int] = set()
        else:
            assert body.tx_hash is not None
            known = set(
                session.exec(
                    select(FundingDeposit.id).where(
                        col(FundingDeposit.tx_hash) == body.tx_hash.lower()
                    )
                ).all()
            )
            rows = funding.record_deposit(
                session, ledger, project_id=project_id, tx_hash=body.tx_hash
            )
        out = [DepositOut.of(r) for r in rows]
    if all(d.id in known for d in out):
        response.status_code = status.HTTP_200_OK
    response.headers["Location"] = f"/v1/projects/{project_id}/funding/deposits/{out[0].id}"
    return out


@router.get(
    "/projects/{project_id}/funding/deposits",
    response_model=Page[DepositOut],
    responses=problems(401, 403, 404, 422),
)
def list_deposits(
    project_id: ProjectId,
    caller: Annotated[Principal, allowed("project.read")],
    runtime: RuntimeDep,
    funder: Annotated[Address | None, Query(description="Only this funder's deposits.")] = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[DepositOut]:
    """The project's recorded deposits, oldest first, a page at a time."""
    after = decode_cursor(cursor)
    with session_scope(runtime.engine) as session:
        projects.get_project(session, project_id)
        rows = milestones_queries.deposits_after(
            session, project_id, after=after, limit=limit + 1, funder=funder
        )
        return page([DepositOut.of(r) for r in rows], limit, lambda d: d.id)


@router.get(
    "/projects/{project_id}/funding/deposits/{deposit_id}",
    response_model=DepositOut,
    responses=problems(401, 403, 404, 422),
)
def get_deposit(
    project_id: ProjectId,
    deposit_id: DepositId,
    caller: Annotated[Principal, allowed("project.read")],
    runtime: RuntimeDep,
) -> DepositOut:
    """One recorded deposit of the project."""
    with session_scope(runtime.engine) as session:
        return DepositOut.of(milestones_queries.deposit_of(session, project_id, deposit_id))


@router.get(
    "/projects/{project_id}/funding/balance",
    response_model=EscrowBalanceOut,
    responses=problems(401, 403, 404, 422, *CHAIN_PROBLEMS),
)
def escrow_balance(
    project_id: ProjectId,
    caller: Annotated[Principal, allowed("project.read")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
) -> EscrowBalanceOut:
    """What the milestone escrow holds for the project, and where the deposits went, read
    from the chain."""
    with session_scope(runtime.engine) as session:
        return EscrowBalanceOut.of(funding.escrow_balance(session, ledger, project_id=project_id))
