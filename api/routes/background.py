"""Background IP in escrow: deposits, their metadata, key release and the released document.

A deposit takes two calls, because the owner signs a commitment to a key the ledger makes:
``POST …/background/prepare`` returns the terms to sign and an opaque ``handle``; ``POST
…/background`` sends the same inputs back with the handle and the owner's signature.
Nothing is stored between the two. The document travels base64-encoded in both bodies and
is never shown by a list or a read of metadata; only its owner and the party the chain
released its key to read it (``GET …/document``).
"""

from __future__ import annotations

import base64
from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from sqlmodel import Session

from api.deps import LedgerDep, ProjectId, RuntimeDep, allowed
from api.models.background import (
    BackgroundDepositIn,
    BackgroundDepositOut,
    BackgroundReleaseIn,
    DepositState,
    DepositTermsOut,
    DocumentOut,
    PrepareBackgroundDepositIn,
    PreparedDepositOut,
    WithdrawIn,
)
from api.routes._ip_common import DepositIdPath, in_project
from api.schemas import CURSOR_PATTERN, DEFAULT_LIMIT, Page, decode_cursor, page, problems
from ledger import background_service as background
from ledger import ip_queries
from ledger.background_reads import owner_of
from ledger.db import BackgroundDeposit, Principal, session_scope
from ledger.errors import Unauthorized
from ledger.permissions import require

router = APIRouter(prefix="/v1", tags=["ip"])


def deposits_out(
    session: Session, project_id: int, rows: list[BackgroundDeposit]
) -> list[BackgroundDepositOut]:
    ids = [row.id for row in rows if row.id is not None]
    entries = ip_queries.recorded(session, project_id, "background.deposited", "deposit_id", ids)
    return [BackgroundDepositOut.of(session, row, entries.get(row.id or 0, {})) for row in rows]


def _deposit(session: Session, project_id: int, deposit_id: int) -> BackgroundDeposit:
    row = background.get_deposit(session, deposit_id)
    return in_project(row, project_id, "background deposit", "deposit_id", deposit_id)


@router.post(
    "/projects/{project_id}/background/prepare",
    response_model=PreparedDepositOut,
    responses=problems(401, 403, 404, 409, 422, 502, 503),
)
def prepare_deposit(
    project_id: ProjectId,
    body: PrepareBackgroundDepositIn,
    caller: Annotated[Principal, allowed("background.deposit")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
) -> PreparedDepositOut:
    """The terms the owner signs to deposit a document, and a handle; stores nothing."""
    require(caller, "background.deposit", project_id=project_id, acting_as=body.owner)
    with session_scope(runtime.engine) as session:
        prepared = background.prepare_deposit(session, ledger, **body.arguments(project_id))
        return PreparedDepositOut(terms=DepositTermsOut.of(prepared.terms), handle=prepared.handle)


@router.post(
    "/projects/{project_id}/background",
    status_code=status.HTTP_201_CREATED,
    response_model=BackgroundDepositOut,
    responses=problems(401, 403, 404, 409, 422, 502, 503),
)
def deposit(
    project_id: ProjectId,
    body: BackgroundDepositIn,
    caller: Annotated[Principal, allowed("background.deposit")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
    response: Response,
) -> BackgroundDepositOut:
    """Deposit a prepared document with its owner's signature: sealed off chain, on chain
    its hash and key commitment."""
    require(caller, "background.deposit", project_id=project_id, acting_as=body.owner)
    with session_scope(runtime.engine) as session:
        row = background.deposit(
            session,
            ledger,
            title=body.title,
            handle=body.handle,
            signature=body.signature,
            **body.arguments(project_id),
        )
        (out,) = deposits_out(session, project_id, [row])
    response.headers["Location"] = f"/v1/projects/{project_id}/background/{out.id}"
    return out


@router.get(
    "/projects/{project_id}/background",
    response_model=Page[BackgroundDepositOut],
    responses=problems(401, 403, 404, 422),
)
def list_deposits(
    project_id: ProjectId,
    caller: Annotated[Principal, allowed("project.read")],
    runtime: RuntimeDep,
    limit: Annotated[int, Query(ge=1, le=200)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(pattern=CURSOR_PATTERN)] = None,
    state: Annotated[DepositState | None, Query(description="Only deposits in this state.")] = None,
    owner: Annotated[
        str | None,
        Query(pattern=r"^0x[0-9a-fA-F]{40}$", description="Only this partner's deposits."),
    ] = None,
) -> Page[BackgroundDepositOut]:
    """The project's background deposits, oldest first (metadata only)."""
    with session_scope(runtime.engine) as session:
        rows = ip_queries.deposits_after(
            session,
            project_id,
            after=decode_cursor(cursor),
            limit=limit + 1,
            state=state,
            owner=owner,
        )
        return page(deposits_out(session, project_id, rows), limit, lambda d: d.id)


@router.get(
    "/projects/{project_id}/background/{deposit_id}",
    response_model=BackgroundDepositOut,
    responses=problems(401, 403, 404, 422),
)
def get_deposit(
    project_id: ProjectId,
    deposit_id: DepositIdPath,
    caller: Annotated[Principal, allowed("project.read")],
    runtime: RuntimeDep,
) -> BackgroundDepositOut:
    """One background deposit's metadata."""
    with session_scope(runtime.engine) as session:
        (out,) = deposits_out(session, project_id, [_deposit(session, project_id, deposit_id)])
        return out


@router.post(
    "/projects/{project_id}/background/{deposit_id}/release",
    response_model=BackgroundDepositOut,
    responses=problems(401, 403, 404, 409, 422, 502, 503),
)
def release(
    project_id: ProjectId,
    deposit_id: DepositIdPath,
    body: BackgroundReleaseIn,
    caller: Annotated[Principal, allowed("background.release")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
) -> BackgroundDepositOut:
    """Release a deposit's key: on its milestone (empty body; the chain checks the escrow
    released it), or to `recipient` by an arbiter's signed ruling."""
    with session_scope(runtime.engine) as session:
        _deposit(session, project_id, deposit_id)
        row = background.release(
            session,
            ledger,
            deposit_id=deposit_id,
            recipient=body.recipient,
            arbiter_signature=body.arbiter_signature,
        )
        (out,) = deposits_out(session, project_id, [row])
        return out


@router.post(
    "/projects/{project_id}/background/{deposit_id}/withdraw",
    response_model=BackgroundDepositOut,
    responses=problems(401, 403, 404, 409, 422, 502, 503),
)
def withdraw(
    project_id: ProjectId,
    deposit_id: DepositIdPath,
    body: WithdrawIn,
    caller: Annotated[Principal, allowed("background.deposit")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
) -> BackgroundDepositOut:
    """Withdraw an unreleased deposit, as its owner, once the project is terminated."""
    with session_scope(runtime.engine) as session:
        held = _deposit(session, project_id, deposit_id)
        owner = owner_of(session, held)
        require(caller, "background.deposit", project_id=project_id, acting_as=owner)
        row = background.withdraw(session, ledger, deposit_id=deposit_id, signature=body.signature)
        (out,) = deposits_out(session, project_id, [row])
        return out


@router.get(
    "/projects/{project_id}/background/{deposit_id}/document",
    response_model=DocumentOut,
    responses=problems(401, 403, 404, 422, 502, 503),
)
def read_document(
    project_id: ProjectId,
    deposit_id: DepositIdPath,
    caller: Annotated[Principal, allowed("project.read")],
    runtime: RuntimeDep,
    ledger: LedgerDep,
) -> DocumentOut:
    """The document, for the party the chain released its key to (and its owner); 403 for
    anyone else, and for a principal without an address."""
    with session_scope(runtime.engine) as session:
        row = _deposit(session, project_id, deposit_id)
        if caller.address is None:
            raise Unauthorized(
                f"principal {caller.id} has no address the key could have been released to",
                field="reader",
            )
        document = background.read_document(
            session, ledger, deposit_id=deposit_id, reader=caller.address
        )
        return DocumentOut(
            deposit_id=deposit_id,
            document_hash=row.document_hash,
            size=len(document),
            document=base64.b64encode(document).decode("ascii"),
        )
