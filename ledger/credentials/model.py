"""The shape of a credential and the parties around it: issuers, recognition, revocation.

A credential is plain JSON (a ``dict``), shaped as in the W3C Verifiable Credentials Data
Model 2.0; see ``docs/credentials.md`` for a full example. The constants here name every
fixed value of that shape; the frozen dataclasses describe what a verifier trusts:

- :class:`Issuer`: an issuer id (``urn:ipledger:issuer:<slug>``), its name, its
  jurisdiction and its Ed25519 public key.
- :class:`RecognitionAgreement`: jurisdictions A and B recognise each other's credentials
  of one type (symmetric: A↔B equals B↔A).
- :class:`Revocation`: an issuer withdrew a credential, for good.

Jurisdictions are ISO 3166-1 alpha-2 codes; only the shape is checked (two letters A-Z),
as the contracts do. Times are UTC with second precision, written ``YYYY-MM-DDTHH:MM:SSZ``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ledger.credentials.errors import CredentialInvalid

#: The only ``@context`` of an ipledger credential (VC Data Model 2.0).
CONTEXT_V2 = "https://www.w3.org/ns/credentials/v2"
#: First member of every credential's ``type``.
BASE_TYPE = "VerifiableCredential"
#: ``proof.type``: Ed25519 over RFC 8785 JCS, this project's suite (see ``signing``).
PROOF_TYPE = "ipledger-Ed25519-JCS-2026"
#: ``proof.proofPurpose``: the issuer asserts the claims.
PROOF_PURPOSE = "assertionMethod"
#: Every issuer id starts with this prefix, followed by a slug.
ISSUER_PREFIX = "urn:ipledger:issuer:"
#: Fragment that turns an issuer id into the id of its (single) verification key.
KEY_FRAGMENT = "#ed25519"
#: Length of a raw Ed25519 public key.
PUBLIC_KEY_SIZE = 32

_SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62})")
_JURISDICTION = re.compile(r"[A-Z]{2}")
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


class CredentialType(StrEnum):
    """The kinds of credential the ledger issues and checks (second member of ``type``)."""

    DEGREE = "DegreeCredential"
    PROFESSIONAL_QUALIFICATION = "ProfessionalQualificationCredential"
    TRL_ASSESSOR = "TRLAssessorCredential"


def is_jurisdiction(value: object) -> bool:
    """Whether ``value`` has the shape of an ISO 3166-1 alpha-2 code (two letters A-Z)."""
    return isinstance(value, str) and _JURISDICTION.fullmatch(value) is not None


def is_issuer_id(value: object) -> bool:
    """Whether ``value`` is ``urn:ipledger:issuer:`` followed by a lower-case slug."""
    return (
        isinstance(value, str)
        and value.startswith(ISSUER_PREFIX)
        and _SLUG.fullmatch(value[len(ISSUER_PREFIX) :]) is not None
    )


def format_time(moment: datetime) -> str:
    """Write an aware datetime as ``YYYY-MM-DDTHH:MM:SSZ`` in UTC.

    Args:
        moment: A timezone-aware datetime; microseconds are not allowed, since the
            written form has second precision and the signed value must be exact.

    Raises:
        CredentialInvalid: Naive datetime, or one with microseconds.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise CredentialInvalid("time", "a datetime with a time zone is required")
    if moment.microsecond:
        raise CredentialInvalid("time", "credential times have second precision")
    return moment.astimezone(UTC).strftime(_TIME_FORMAT)


def parse_time(text: object) -> datetime | None:
    """Read a time written by :func:`format_time`; None for anything else."""
    if not isinstance(text, str) or _TIME.fullmatch(text) is None:
        return None
    try:
        return datetime.strptime(text, _TIME_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None


def _require_jurisdiction(name: str, value: object) -> None:
    if not is_jurisdiction(value):
        raise CredentialInvalid(name, f"not an ISO 3166-1 alpha-2 code: {value!r}")


@dataclass(frozen=True, slots=True)
class Issuer:
    """A body that issues credentials, as the verifier knows it.

    Attributes:
        id: ``urn:ipledger:issuer:<slug>``; the credential's ``issuer`` member.
        name: Human-readable name.
        jurisdiction: ISO 3166-1 alpha-2 code of the issuer's jurisdiction; every
            credential it issues comes from this jurisdiction.
        public_key: The raw 32-byte Ed25519 public key that checks its proofs.
    """

    id: str
    name: str
    jurisdiction: str
    public_key: bytes

    def __post_init__(self) -> None:
        if not is_issuer_id(self.id):
            raise CredentialInvalid("id", f"not an issuer id ({ISSUER_PREFIX}<slug>): {self.id!r}")
        if not isinstance(self.name, str) or not self.name.strip():
            raise CredentialInvalid("name", "an issuer needs a name")
        _require_jurisdiction("jurisdiction", self.jurisdiction)
        if not isinstance(self.public_key, bytes) or len(self.public_key) != PUBLIC_KEY_SIZE:
            raise CredentialInvalid("public_key", "an Ed25519 public key has 32 bytes")

    @property
    def verification_method(self) -> str:
        """The id of the issuer's key, as ``proof.verificationMethod`` names it."""
        return self.id + KEY_FRAGMENT

    def ed25519_key(self) -> Ed25519PublicKey:
        """The public key as a ``cryptography`` object."""
        return Ed25519PublicKey.from_public_bytes(self.public_key)


@dataclass(frozen=True, slots=True)
class Subject:
    """Whom a credential is about, and what it states (``credentialSubject``).

    The subject's jurisdiction is not given here: a credential comes from its issuer's
    jurisdiction, and :func:`ledger.credentials.signing.issue` writes that.

    Attributes:
        id: The holder's id (a URI, e.g. ``urn:ipledger:person:42`` or a DID).
        details: JSON-able claims (strings, integers, booleans, null, lists, objects).
    """

    id: str
    details: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id.strip():
            raise CredentialInvalid("subject.id", "a subject needs an id")
        if not isinstance(self.details, Mapping):
            raise CredentialInvalid("subject.details", "details must be a JSON object")


@dataclass(frozen=True, slots=True)
class RecognitionAgreement:
    """Jurisdictions A and B recognise each other's credentials of one type.

    Symmetric: the two jurisdictions are stored sorted, so ``RecognitionAgreement("DE",
    "FR", t) == RecognitionAgreement("FR", "DE", t)``.
    """

    jurisdiction_a: str
    jurisdiction_b: str
    credential_type: CredentialType

    def __post_init__(self) -> None:
        _require_jurisdiction("jurisdiction_a", self.jurisdiction_a)
        _require_jurisdiction("jurisdiction_b", self.jurisdiction_b)
        if self.jurisdiction_a == self.jurisdiction_b:
            raise CredentialInvalid("jurisdiction_b", "an agreement joins two jurisdictions")
        try:
            kind = CredentialType(self.credential_type)
        except ValueError:
            raise CredentialInvalid(
                "credential_type", f"unknown credential type {self.credential_type!r}"
            ) from None
        low, high = sorted((self.jurisdiction_a, self.jurisdiction_b))
        object.__setattr__(self, "jurisdiction_a", low)
        object.__setattr__(self, "jurisdiction_b", high)
        object.__setattr__(self, "credential_type", kind)

    def covers(self, home: str, target: str, credential_type: str) -> bool:
        """Whether a credential of this type from ``home`` counts in ``target`` by this."""
        return credential_type == self.credential_type and {home, target} == {
            self.jurisdiction_a,
            self.jurisdiction_b,
        }


@dataclass(frozen=True, slots=True)
class Revocation:
    """An issuer withdrew a credential. Final: a revoked credential never becomes valid again.

    Attributes:
        credential_hash: The 32-byte :func:`~ledger.credentials.signing.credential_hash`,
            the key the chain anchors and revokes under.
        issuer: The issuer's id; only the credential's own issuer may revoke it.
        revoked_at: When, timezone-aware.
        reason: A short text; on chain it is a ``bytes32``, so at most 32 UTF-8 bytes.
    """

    credential_hash: bytes
    issuer: str
    revoked_at: datetime
    reason: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.credential_hash, bytes) or len(self.credential_hash) != 32:
            raise CredentialInvalid("credential_hash", "a credential hash has 32 bytes")
        if not is_issuer_id(self.issuer):
            raise CredentialInvalid("issuer", f"not an issuer id: {self.issuer!r}")
        if self.revoked_at.tzinfo is None:
            raise CredentialInvalid("revoked_at", "a datetime with a time zone is required")
        if len(self.reason.encode()) > 32:
            raise CredentialInvalid("reason", "at most 32 bytes of UTF-8 (a bytes32 on chain)")

    @property
    def reason_bytes32(self) -> bytes:
        """The reason as the chain stores it: UTF-8, right-padded with zero bytes to 32."""
        return self.reason.encode().ljust(32, b"\0")
