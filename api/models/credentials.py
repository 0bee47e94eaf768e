"""Credentials, their revocation and their verification: what the routes take and answer.

A credential is W3C VC 2.0 shaped, with its issuer's Ed25519 proof (see
``docs/credentials.md``); the jurisdiction type here is shared with the issuers' and the
recognition agreements' models.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from api.schemas import Signature
from ledger.credential_checks import StoredVerification
from ledger.credentials import CredentialType, Status
from ledger.db import CredentialRecord

#: Largest credential accepted, as JSON text.
MAX_DOCUMENT = 65_536
JURISDICTION_PATTERN = r"^[A-Z]{2}$"

#: An ISO 3166-1 alpha-2 code (two capital letters).
Jurisdiction = Annotated[str, Field(pattern=JURISDICTION_PATTERN, examples=["DE"])]

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
