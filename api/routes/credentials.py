"""Credentials: the ones trusted issuers issue, their revocation and their verification.

These resources belong to no project: each act is an entry of record 0, and every route
checks its action with ``project=False``. The ledger never holds an issuer's keys: an
issuer signs the credential itself (Ed25519) and, with its chain address, the EIP-712
anchor and revocation that the ledger relays to ``CredentialRegistry``. See
``docs/api/credentials.md`` and ``docs/credentials.md``. The issuers are in
:mod:`api.routes.issuers`, the recognition agreements in :mod:`api.routes.recognitions`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Response, status
from sqlmodel import Session

from api.deps import LedgerDep, RuntimeDep, allowed
from api.models.credentials import (
    JURISDICTION_PATTERN,
    CredentialIn,
    CredentialOut,
    PresentedIn,
    RevocationIn,
    VerificationOut,
)
from api.models.issuers import ISSUER_URN_PATTERN
from api.routes._credentials_common import CursorQuery, LimitQuery, paged
from api.schemas import DEFAULT_LIMIT, Page, decode_cursor, problems
from ledger import credential_queries, credential_service
from ledger.credentials import CredentialType
from ledger.db import CredentialRecord, IssuerRecord, Principal, session_scope
from ledger.errors import LedgerError
from ledger.permissions import require

router = APIRouter(prefix="/v1", tags=["credentials"])

CredentialIdPath = Annotated[
    str,
    Path(
        min_length=1,
        max_length=100,
        description="The credential's `id` (percent-encode `/`, `?`, `#` and `%`).",
    ),
]
JurisdictionQuery = Annotated[str | None, Query(pattern=JURISDICTION_PATTERN)]


def _credential_out(session: Session, row: CredentialRecord) -> CredentialOut:
    issuer = session.get(IssuerRecord, row.issuer_id)
    assert issuer is not None
    return CredentialOut.of(row, issuer.urn)


def _credential_path(credential_id: str) -> str:
    return "/v1/credentials/" + quote(credential_id, safe=":")


@contextmanager
def _verification_status_renamed() -> Iterator[None]:
    """A refused credential's verification status leaves as ``verification_status``.

    The service names it ``status``, which in a problem document is the HTTP status.
    """
    try:
        yield
    except LedgerError as exc:
        if "status" in exc.fields:
            exc.fields["verification_status"] = exc.fields.pop("status")
        raise


@router.post(
    "/credentials",
    status_code=status.HTTP_201_CREATED,
    response_model=CredentialOut,
    responses=problems(401, 403, 409, 422, 502, 503),
)
def issue_credential(
    body: CredentialIn,
    caller: Annotated[Principal, allowed("credential.issue", project=False)],
    runtime: RuntimeDep,
    ledger: LedgerDep,
    response: Response,
) -> CredentialOut:
    """Store a credential its issuer signed and anchor its hash with the issuer's signature.

    An issuer principal issues only as the issuer it speaks for (403, rule `acting_as`).
    The credential must be valid now: otherwise 422 (or 403 for a bad proof, 409 when
    revoked) naming where it fails, with its `verification_status`. 409 when it is stored
    or anchored already; 403 (field `anchor_signature`) unless the issuer's address signed.
    """
    require(caller, "credential.issue", acting_as=body.credential["issuer"])
    with session_scope(runtime.engine) as session, _verification_status_renamed():
        row = credential_service.store_issued(
            session, ledger, credential=body.credential, anchor_signature=body.anchor_signature
        )
        out = _credential_out(session, row)
    response.headers["Location"] = _credential_path(out.credential_id)
    return out


@router.get("/credentials", response_model=Page[CredentialOut], responses=problems(401, 403, 422))
def list_credentials(
    caller: Annotated[Principal, allowed("credential.read", project=False)],
    runtime: RuntimeDep,
    holder: Annotated[
        str | None,
        Query(min_length=1, max_length=200, description="Only those about this subject id."),
    ] = None,
    issuer: Annotated[
        str | None,
        Query(pattern=ISSUER_URN_PATTERN, max_length=100, description="Only this issuer's."),
    ] = None,
    state: Annotated[
        Literal["active", "revoked"] | None,
        Query(alias="status", description="Only `active` or only `revoked` ones."),
    ] = None,
    credential_type: Annotated[
        CredentialType | None, Query(alias="type", description="Only this type.")
    ] = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[CredentialOut]:
    """The stored credentials, in the order they were stored, by holder, issuer, status, type."""
    after = decode_cursor(cursor)
    with session_scope(runtime.engine) as session:
        rows = credential_queries.list_credentials(
            session,
            after=after,
            limit=limit + 1,
            holder=holder,
            issuer=issuer,
            state=state,
            credential_type=None if credential_type is None else credential_type.value,
        )

        def show(kept: list[CredentialRecord]) -> list[CredentialOut]:
            urns = credential_queries.issuer_urns(session, {r.issuer_id for r in kept})
            return [CredentialOut.of(r, urns[r.issuer_id]) for r in kept]

        return paged(rows, limit, show)


@router.get(
    "/credentials/{credential_id:path}/verification",
    response_model=VerificationOut,
    responses=problems(401, 403, 404, 422, 502, 503),
)
def verify_credential(
    credential_id: CredentialIdPath,
    caller: Annotated[Principal, allowed("credential.read", project=False)],
    runtime: RuntimeDep,
    ledger: LedgerDep,
    jurisdiction: JurisdictionQuery = None,
    at: Annotated[
        datetime | None, Query(description="The moment to check for, with a time zone.")
    ] = None,
) -> VerificationOut:
    """Verify a stored credential now (or `at`), in a jurisdiction if one is asked for.

    Always 200 for a stored credential: the report says whether it is valid and, if not,
    why (revoked, expired, not recognised there, not anchored by its issuer, …), and where
    the ledger and the chain disagree.
    """
    with session_scope(runtime.engine) as session:
        row = credential_service.get_credential(session, credential_id)
        moment = ledger.clock() if at is None else at
        result = credential_service.verify_stored(
            session, ledger, credential=row.document, jurisdiction=jurisdiction, at=moment
        )
        return VerificationOut.of(result, moment)


@router.post(
    "/credentials/{credential_id:path}/revocation",
    response_model=CredentialOut,
    responses=problems(401, 403, 404, 409, 422, 502, 503),
)
def revoke_credential(
    credential_id: CredentialIdPath,
    body: RevocationIn,
    caller: Annotated[Principal, allowed("credential.revoke", project=False)],
    runtime: RuntimeDep,
    ledger: LedgerDep,
) -> CredentialOut:
    """Revoke a stored credential, for good, with its issuer's signature; the credential.

    Only the issuer principal of the credential's own issuer may ask (403, rule
    `acting_as`); the signature must be that issuer address's (403, field `signature`).
    409 when it is revoked already.
    """
    with session_scope(runtime.engine) as session:
        row = credential_service.get_credential(session, credential_id)
        issuer = session.get(IssuerRecord, row.issuer_id)
        assert issuer is not None
        require(caller, "credential.revoke", acting_as=issuer.urn)
        revoked = credential_service.revoke(
            session,
            ledger,
            credential_id=credential_id,
            reason=body.reason,
            signature=body.signature,
        )
        return CredentialOut.of(revoked, issuer.urn)


@router.get(
    "/credentials/{credential_id:path}",
    response_model=CredentialOut,
    responses=problems(401, 403, 404, 422),
)
def get_credential(
    credential_id: CredentialIdPath,
    caller: Annotated[Principal, allowed("credential.read", project=False)],
    runtime: RuntimeDep,
) -> CredentialOut:
    """One stored credential, as issued, with its revocation if any."""
    with session_scope(runtime.engine) as session:
        return _credential_out(session, credential_service.get_credential(session, credential_id))


@router.post(
    "/credential-verifications",
    response_model=VerificationOut,
    responses=problems(401, 403, 422, 502, 503),
)
def verify_presented(
    body: PresentedIn,
    caller: Annotated[Principal, allowed("credential.read", project=False)],
    runtime: RuntimeDep,
    ledger: LedgerDep,
) -> VerificationOut:
    """Verify a credential someone presents, stored here or not; stores nothing.

    The same checks and report as a stored credential's verification: a credential the
    ledger does not know, or one changed in a single byte, is answered (200) with the
    status that says so, never refused.
    """
    moment = ledger.clock() if body.at is None else body.at
    with session_scope(runtime.engine) as session:
        result = credential_service.verify_stored(
            session, ledger, credential=body.credential, jurisdiction=body.jurisdiction, at=moment
        )
        return VerificationOut.of(result, moment)
