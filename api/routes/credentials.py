"""Credentials: trusted issuers, the credentials they issue, revocations, recognition agreements.

These resources belong to no project: each act is an entry of record 0, and every route
checks its action with ``project=False``. The ledger never holds an issuer's keys: an
issuer signs the credential itself (Ed25519) and, with its chain address, the EIP-712
anchor and revocation that the ledger relays to ``CredentialRegistry``. See
``docs/api/credentials.md`` and ``docs/credentials.md``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated, Any, Literal, TypeVar
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Response, status
from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from sqlmodel import Session

from api.deps import LedgerDep, RuntimeDep, allowed
from api.schemas import (
    CURSOR_PATTERN,
    DEFAULT_LIMIT,
    Address,
    Page,
    Signature,
    decode_cursor,
    page,
    problems,
)
from ledger import credential_queries, credential_service
from ledger.credential_checks import StoredVerification
from ledger.credentials import CredentialType, Status
from ledger.db import CredentialRecord, IssuerRecord, Principal, RecognitionRecord, session_scope
from ledger.errors import LedgerError
from ledger.permissions import require

router = APIRouter(prefix="/v1", tags=["credentials"])

Row = TypeVar("Row")
Out = TypeVar("Out")

#: Largest credential accepted, as JSON text.
MAX_DOCUMENT = 65_536
ISSUER_URN_PATTERN = r"^urn:ipledger:issuer:[a-z0-9][a-z0-9-]{0,62}$"
JURISDICTION_PATTERN = r"^[A-Z]{2}$"

#: An issuer's id, ``urn:ipledger:issuer:<slug>``.
IssuerUrn = Annotated[
    str,
    Field(pattern=ISSUER_URN_PATTERN, max_length=100, examples=["urn:ipledger:issuer:tu-munich"]),
]
#: An ISO 3166-1 alpha-2 code (two capital letters).
Jurisdiction = Annotated[str, Field(pattern=JURISDICTION_PATTERN, examples=["DE"])]

IssuerUrnPath = Annotated[
    str,
    Path(pattern=ISSUER_URN_PATTERN, max_length=100, description="The issuer's URN."),
]
CredentialIdPath = Annotated[
    str,
    Path(
        min_length=1,
        max_length=100,
        description="The credential's `id` (percent-encode `/`, `?`, `#` and `%`).",
    ),
]
RecognitionIdPath = Annotated[
    int, Path(ge=1, le=2**63 - 1, description="The recognition agreement's id.")
]
LimitQuery = Annotated[int, Query(ge=1, le=200, description="At most this many items.")]
CursorQuery = Annotated[
    str | None, Query(pattern=CURSOR_PATTERN, description="`next_cursor` of the previous page.")
]
JurisdictionQuery = Annotated[str | None, Query(pattern=JURISDICTION_PATTERN)]

EXAMPLE_CREDENTIAL: dict[str, Any] = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "id": "urn:uuid:0b7f6a2e-3c1d-4e8a-9f00-5a1b2c3d4e5f",
    "type": ["VerifiableCredential", "DegreeCredential"],
    "issuer": "urn:ipledger:issuer:tu-munich",
    "validFrom": "2026-01-01T00:00:00Z",
    "validUntil": "2031-01-01T00:00:00Z",
    "credentialSubject": {
        "id": "urn:ipledger:person:ada",
        "jurisdiction": "DE",
        "details": {"degree": "MSc", "field": "Materials Science", "years": 2, "honours": True},
    },
    "proof": {
        "type": "ipledger-Ed25519-JCS-2026",
        "created": "2025-12-15T09:30:00Z",
        "verificationMethod": "urn:ipledger:issuer:tu-munich#ed25519",
        "proofPurpose": "assertionMethod",
        "proofValue": "uL9IEPk3bdslu50pr_LEcylYFpTKoCkQB0KTYfRTU_bRpgfA0OUOEC-A5_D5b-6-"
        "gvzwJDSsFJZ3eyMIZ9H6wCQ",
    },
}


def _bounded_document(value: dict[str, Any]) -> dict[str, Any]:
    try:
        size = len(json.dumps(value, ensure_ascii=False).encode())
    except (TypeError, ValueError, RecursionError):
        raise ValueError("a credential is a JSON object") from None
    if size > MAX_DOCUMENT:
        raise ValueError(f"a credential is at most {MAX_DOCUMENT} bytes of JSON")
    return value


def _names_issuer(value: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(value.get("issuer"), str):
        raise ValueError("the credential names no issuer (its `issuer` member, a string)")
    return value


#: A credential as JSON (see ``docs/credentials.md``), at most 64 KiB.
Document = Annotated[dict[str, Any], AfterValidator(_bounded_document)]


# ---------------------------------------------------------------------- models


class IssuerIn(BaseModel):
    """An issuer to trust: its URN, name, jurisdiction and its two public keys."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "urn": "urn:ipledger:issuer:tu-munich",
                    "name": "TU Munich",
                    "jurisdiction": "DE",
                    "public_key": "03a107bff3ce10be1d70dd18e74bc099"
                    "67e4d6309ba50d5f1ddc8664125531b8",
                    "address": "0x3a87ef2174e3FD2C39495F576C0212eCAE48B6D5",
                }
            ]
        },
    )

    urn: IssuerUrn
    name: str = Field(min_length=1, max_length=200)
    jurisdiction: Jurisdiction
    public_key: str = Field(
        pattern=r"^(0x)?[0-9a-fA-F]{64}$",
        description="The raw 32-byte Ed25519 public key that checks its credentials' proofs, hex.",
    )
    address: Address = Field(
        description="The secp256k1 address that signs its anchors and revocations."
    )


class IssuerOut(BaseModel):
    """A trusted issuer."""

    urn: str
    name: str
    jurisdiction: str = Field(description="Every credential it issues comes from here.")
    public_key: str = Field(description="Its Ed25519 public key, 64 hex characters.")
    address: str = Field(description="Its chain address (checksummed), registered on chain.")
    created_at: datetime

    @classmethod
    def of(cls, row: IssuerRecord) -> IssuerOut:
        return cls(
            urn=row.urn,
            name=row.name,
            jurisdiction=row.jurisdiction,
            public_key=row.public_key,
            address=row.address,
            created_at=row.created_at,
        )


class CredentialIn(BaseModel):
    """A credential its issuer signed, and the issuer's EIP-712 anchor signature of its hash."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"credential": EXAMPLE_CREDENTIAL, "anchor_signature": "0x" + "1b" * 65}]
        },
    )

    credential: Annotated[Document, AfterValidator(_names_issuer)] = Field(
        description="The signed credential (W3C VC 2.0 shape, Ed25519 proof), at most 64 KiB."
    )
    anchor_signature: Signature = Field(
        description="The issuer address's `CredentialAnchor(bytes32 credentialHash)` signature "
        "in CredentialRegistry's EIP-712 domain."
    )


class CredentialOut(BaseModel):
    """A stored credential, as issued, and whether the ledger holds it revoked."""

    credential_id: str = Field(description="The credential's `id`.")
    issuer: str = Field(description="The issuer's URN.")
    holder: str = Field(description="Whom it is about (`credentialSubject.id`).")
    type: CredentialType
    state: Literal["active", "revoked"] = Field(description="`revoked` once its issuer revoked it.")
    credential_hash: str = Field(description="sha256 of its JCS form: the hash anchored on chain.")
    credential: dict[str, Any] = Field(description="The signed credential, as stored.")
    anchored_tx: str | None = Field(description="The transaction that anchored its hash.")
    stored_at: datetime
    revoked_at: datetime | None
    revocation_reason: str | None
    revoked_tx: str | None

    @classmethod
    def of(cls, row: CredentialRecord, issuer: str) -> CredentialOut:
        return cls(
            credential_id=row.credential_id,
            issuer=issuer,
            holder=row.subject,
            type=CredentialType(row.type),
            state="active" if row.revoked_at is None else "revoked",
            credential_hash=row.credential_hash,
            credential=json.loads(row.document),
            anchored_tx=row.anchored_tx,
            stored_at=row.created_at,
            revoked_at=row.revoked_at,
            revocation_reason=row.revocation_reason,
            revoked_tx=row.revoked_tx,
        )


class RevocationIn(BaseModel):
    """Why the issuer withdraws the credential, and its EIP-712 signature of that."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"reason": "degree withdrawn", "signature": "0x" + "1b" * 65}]
        },
    )

    reason: str = Field(
        min_length=1,
        max_length=32,
        description="At most 32 bytes of UTF-8 without NUL (a `bytes32` on chain).",
    )
    signature: Signature = Field(
        description="The issuer address's `CredentialRevocation(bytes32 credentialHash, "
        "bytes32 reason)` signature in CredentialRegistry's EIP-712 domain; the reason is "
        "its UTF-8 bytes padded with zero bytes to 32."
    )


class DiscrepancyOut(BaseModel):
    """A point where the ledger and the chain disagree about the credential."""

    kind: Literal[
        "not_anchored",
        "not_stored",
        "anchored_by_other",
        "revoked_on_chain_only",
        "revoked_in_ledger_only",
    ]
    detail: str


class VerificationOut(BaseModel):
    """A credential checked against the trusted issuers, revocations, agreements and chain.

    ``status`` is the first check that failed, in this order: ``malformed``,
    ``unknown_issuer`` (also when the chain holds no anchor of it by its issuer),
    ``bad_signature``, ``revoked``, ``not_yet_valid``, ``expired``, ``not_recognised``;
    or ``valid``.
    """

    valid: bool = Field(description="Whether it counts, in the jurisdiction asked for if any.")
    status: Status
    detail: str = Field(description="One sentence for people; not meant to be parsed.")
    checked_at: datetime = Field(description="The moment it was checked for.")
    jurisdiction: str | None = Field(description="The jurisdiction asked for, if any.")
    credential_id: str | None
    issuer: str | None
    credential_type: CredentialType | None
    home_jurisdiction: str | None = Field(description="Where the credential comes from.")
    credential_hash: str | None = Field(description="The hash anchored on chain, hex.")
    anchored_by: str | None = Field(description="The address that anchored it on chain, if any.")
    discrepancies: list[DiscrepancyOut] = Field(
        description="Where the ledger and the chain disagree (empty when they agree)."
    )

    @classmethod
    def of(cls, result: StoredVerification, at: datetime) -> VerificationOut:
        digest = result.credential_hash
        return cls(
            valid=result.valid,
            status=result.status,
            detail=result.detail,
            checked_at=at,
            jurisdiction=result.jurisdiction,
            credential_id=result.credential_id,
            issuer=result.issuer,
            credential_type=result.credential_type,
            home_jurisdiction=result.home_jurisdiction,
            credential_hash=None if digest is None else digest.hex(),
            anchored_by=result.anchored_by,
            discrepancies=[
                DiscrepancyOut(kind=d.kind, detail=d.detail)  # type: ignore[arg-type]
                for d in result.discrepancies
            ],
        )


class PresentedIn(BaseModel):
    """A credential someone presents, to check without it being stored here."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"credential": EXAMPLE_CREDENTIAL, "jurisdiction": "CN"}]},
    )

    credential: Document = Field(description="The credential as presented, at most 64 KiB.")
    jurisdiction: Jurisdiction | None = Field(
        default=None, description="Where it is to count; none skips the recognition check."
    )
    at: datetime | None = Field(
        default=None, description="The moment to check for, with a time zone; now by default."
    )


class RecognitionIn(BaseModel):
    """Two jurisdictions recognise each other's credentials of one type."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"first": "CN", "second": "DE", "credential_type": "DegreeCredential"}]
        },
    )

    first: Jurisdiction
    second: Jurisdiction
    credential_type: CredentialType


class RecognitionOut(BaseModel):
    """A mutual-recognition agreement; ``first`` and ``second`` are stored sorted."""

    id: int
    first: str
    second: str
    credential_type: CredentialType
    created_at: datetime

    @classmethod
    def of(cls, row: RecognitionRecord) -> RecognitionOut:
        assert row.id is not None
        return cls(
            id=row.id,
            first=row.first,
            second=row.second,
            credential_type=CredentialType(row.credential_type),
            created_at=row.created_at,
        )


# ---------------------------------------------------------------------- helpers


def _paged(rows: list[Row], limit: int, show: Callable[[list[Row]], list[Out]]) -> Page[Out]:
    found = page(rows, limit, lambda r: r.id)
    return Page[Out](items=show(found.items), next_cursor=found.next_cursor)


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


# ---------------------------------------------------------------------- issuers


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
        return _paged(rows, limit, lambda kept: [IssuerOut.of(r) for r in kept])


@router.get("/issuers/{urn}", response_model=IssuerOut, responses=problems(401, 403, 404, 422))
def get_issuer(
    urn: IssuerUrnPath,
    caller: Annotated[Principal, allowed("credential.read", project=False)],
    runtime: RuntimeDep,
) -> IssuerOut:
    """One trusted issuer."""
    with session_scope(runtime.engine) as session:
        return IssuerOut.of(credential_service.get_issuer(session, urn))


# ---------------------------------------------------------------------- credentials


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

        return _paged(rows, limit, show)


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


# ---------------------------------------------------------------------- recognition


@router.post(
    "/recognitions",
    status_code=status.HTTP_201_CREATED,
    response_model=RecognitionOut,
    responses=problems(401, 403, 409, 422),
)
def register_recognition(
    body: RecognitionIn,
    caller: Annotated[Principal, allowed("recognition.register", project=False)],
    runtime: RuntimeDep,
    ledger: LedgerDep,
    response: Response,
) -> RecognitionOut:
    """Register that two jurisdictions recognise each other's credentials of one type.

    Symmetric: stored sorted, so CN↔DE after DE↔CN is a 409.
    """
    with session_scope(runtime.engine) as session:
        row = credential_service.recognise(
            session,
            ledger,
            first=body.first,
            second=body.second,
            credential_type=body.credential_type,
            actor=f"principal:{caller.id}",
        )
        out = RecognitionOut.of(row)
    response.headers["Location"] = f"/v1/recognitions/{out.id}"
    return out


@router.get("/recognitions", response_model=Page[RecognitionOut], responses=problems(401, 403, 422))
def list_recognitions(
    caller: Annotated[Principal, allowed("credential.read", project=False)],
    runtime: RuntimeDep,
    jurisdiction: Annotated[
        str | None,
        Query(pattern=JURISDICTION_PATTERN, description="Only those joining this jurisdiction."),
    ] = None,
    credential_type: Annotated[
        CredentialType | None, Query(alias="type", description="Only this type.")
    ] = None,
    limit: LimitQuery = DEFAULT_LIMIT,
    cursor: CursorQuery = None,
) -> Page[RecognitionOut]:
    """The recognition agreements, in the order they were registered."""
    after = decode_cursor(cursor)
    with session_scope(runtime.engine) as session:
        rows = credential_queries.list_recognitions(
            session,
            after=after,
            limit=limit + 1,
            jurisdiction=jurisdiction,
            credential_type=None if credential_type is None else credential_type.value,
        )
        return _paged(rows, limit, lambda kept: [RecognitionOut.of(r) for r in kept])


@router.get(
    "/recognitions/{recognition_id}",
    response_model=RecognitionOut,
    responses=problems(401, 403, 404, 422),
)
def get_recognition(
    recognition_id: RecognitionIdPath,
    caller: Annotated[Principal, allowed("credential.read", project=False)],
    runtime: RuntimeDep,
) -> RecognitionOut:
    """One recognition agreement."""
    with session_scope(runtime.engine) as session:
        return RecognitionOut.of(credential_queries.get_recognition(session, recognition_id))
