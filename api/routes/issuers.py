"""Trusted issuers: who may issue the credentials the ledger stores.

These resources belong to no project: each act is an entry of record 0, and every route
checks its action with ``project=False``. The ledger never holds an issuer's keys; it
registers the issuer's chain address with ``CredentialRegistry``. See
``docs/api/credentials.md``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from api.deps import LedgerDep, RuntimeDep, allowed
from api.models.issuers import ISSUER_URN_PATTERN, IssuerIn, IssuerOut
from api.routes._credentials_common import CursorQuery, LimitQuery, paged
from api.schemas import DEFAULT_LIMIT, Page, decode_cursor, problems
from ledger import credential_queries, credential_service
from ledger.db import Principal, session_scope

router = APIRouter(prefix="/v1", tags=["credentials"])

IssuerUrnPath = Annotated[
    str,
    Path(pattern=ISSUER_URN_PATTERN, max_length=100, description="The issuer's URN."),
]


@router.post(
    "/issuers",
    status_code=status.HTTP_201_CREATED,
    response_model=IssuerOut,
    responses=problems(401, 403, 409, 422, 502, 503),
)
def register_issuer(
    body: IssuerIn,
    caller: Annotated[Principal, allowed("issuer.register", project=False)],
    runtime: RuntimeDep,
    ledger: LedgerDep,
    response: Response,
) -> IssuerOut:
    """Trust an issuer: store it and register its address with CredentialRegistry.

    409 when the URN or the address is registered already (or the chain has the address).
    """
    with session_scope(runtime.engine) as session:
        row = credential_service.register_issuer(
            session,
            ledger,
            urn=body.urn,
            name=body.name,
            jurisdiction=body.jurisdiction,
            public_key=body.public_key,
            address=body.address,
            actor=f"principal:{caller.id}",
        )
        out = IssuerOut.of(row)
    response.headers["Location"] = f"/v1/issuers/{out.urn}"
    return out


@router.get("/issuers", response_model=Page[IssuerOut], responses=problems(401, 403, 422))
def list_issuers(
    caller: Annotated[Principal, allowed("credential.read", project=False)],
    runtime: RuntimeDep,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[IssuerOut]:
    """The trusted issuers, in the order they were registered."""
    after = decode_cursor(cursor)
    with session_scope(runtime.engine) as session:
        rows = credential_queries.list_issuers(session, after=after, limit=limit + 1)
        return paged(rows, limit, lambda kept: [IssuerOut.of(r) for r in kept])


@router.get("/issuers/{urn}", response_model=IssuerOut, responses=problems(401, 403, 404, 422))
def get_issuer(
    urn: IssuerUrnPath,
    caller: Annotated[Principal, allowed("credential.read", project=False)],
    runtime: RuntimeDep,
) -> IssuerOut:
    """One trusted issuer."""
    with session_scope(runtime.engine) as session:
        return IssuerOut.of(credential_service.get_issuer(session, urn))
