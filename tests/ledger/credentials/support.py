"""Fixed keys, issuers and a credential for the credentials tests: deterministic everywhere."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ledger.credentials import (
    CredentialType,
    Issuer,
    RecognitionAgreement,
    Status,
    Subject,
    VerificationResult,
    issue,
    verify,
)

#: The issuer's private key comes from this fixed 32-byte seed (RFC 8032 private key).
SEED = bytes(range(32))
OTHER_SEED = bytes(range(32, 64))
KEY = Ed25519PrivateKey.from_private_bytes(SEED)
OTHER_KEY = Ed25519PrivateKey.from_private_bytes(OTHER_SEED)


def public_bytes(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


ISSUER = Issuer("urn:ipledger:issuer:tu-munich", "TU Munich", "DE", public_bytes(KEY))
OTHER_ISSUER = Issuer("urn:ipledger:issuer:ens-paris", "ENS Paris", "FR", public_bytes(OTHER_KEY))
ISSUERS: dict[str, Issuer] = {ISSUER.id: ISSUER, OTHER_ISSUER.id: OTHER_ISSUER}

VALID_FROM = datetime(2026, 1, 1, tzinfo=UTC)
VALID_UNTIL = datetime(2031, 1, 1, tzinfo=UTC)
CREATED = datetime(2025, 12, 15, 9, 30, tzinfo=UTC)
NOW = datetime(2027, 6, 1, 12, 0, tzinfo=UTC)
CREDENTIAL_ID = "urn:uuid:0b7f6a2e-3c1d-4e8a-9f00-5a1b2c3d4e5f"
SUBJECT = Subject(
    "urn:ipledger:person:ada",
    {"degree": "MSc", "field": "Materials Science", "years": 2, "honours": True},
)


def credential(
    *,
    subject: Subject = SUBJECT,
    credential_type: CredentialType = CredentialType.DEGREE,
    valid_until: datetime | None = VALID_UNTIL,
    key: Ed25519PrivateKey = KEY,
    issuer: Issuer = ISSUER,
) -> dict[str, Any]:
    """The fixed test credential (or a variant of it)."""
    return issue(
        key,
        issuer,
        subject,
        credential_type,
        VALID_FROM,
        valid_until,
        CREDENTIAL_ID,
        created=CREATED,
    )


def check(
    value: object,
    *,
    issuers: Mapping[str, Issuer] = ISSUERS,
    revoked: AbstractSet[bytes | str] = frozenset(),
    recognitions: Iterable[RecognitionAgreement] = (),
    jurisdiction: str | None = None,
    at: datetime = NOW,
) -> VerificationResult:
    """verify() with the test defaults."""
    return verify(
        value,
        issuers=issuers,
        revoked=revoked,
        recognitions=recognitions,
        jurisdiction=jurisdiction,
        at=at,
    )


def status(value: object, **kwargs: Any) -> Status:
    return check(value, **kwargs).status
