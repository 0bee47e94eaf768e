"""Verify a credential: one status out of a fixed list, never an exception for bad input.

Checks run in this order; the first that fails gives the status:

1. ``malformed``       not a credential of the documented shape (missing or extra members,
                       wrong types, unknown credential type, bad times, a ``proofValue``
                       that is not the canonical multibase base64url of 64 bytes, values
                       that are not canonical JSON).
2. ``unknown_issuer``  the ``issuer`` is not among the trusted issuers, or the credential
                       claims a jurisdiction other than that issuer's.
3. ``bad_signature``   the proof names another key than the issuer's, or the Ed25519
                       signature does not check.
4. ``revoked``         the credential's hash or id is in the revoked set. Before the dates:
                       revocation is final and says more than an expiry.
5. ``not_yet_valid``   ``at`` lies before ``validFrom``.
6. ``expired``         ``at`` lies at or after ``validUntil`` (validity is half-open).
7. ``not_recognised``  a jurisdiction X was asked for, the credential comes from A ≠ X, and
                       no agreement A↔X for the credential's type is registered.
8. ``valid``

Nothing from the credential is trusted before step 3 except to find the issuer; the dates
and the jurisdiction are read only once the signature has vouched for them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from cryptography.exceptions import InvalidSignature

from ledger.credentials.errors import CredentialInvalid
from ledger.credentials.model import (
    BASE_TYPE,
    CONTEXT_V2,
    PROOF_PURPOSE,
    PROOF_TYPE,
    CredentialType,
    Issuer,
    RecognitionAgreement,
    is_issuer_id,
    is_jurisdiction,
    parse_time,
)
from ledger.credentials.signing import credential_hash, decode_proof_value, signing_input


class Status(StrEnum):
    """The answer of :func:`verify`."""

    VALID = "valid"
    MALFORMED = "malformed"
    UNKNOWN_ISSUER = "unknown_issuer"
    BAD_SIGNATURE = "bad_signature"
    REVOKED = "revoked"
    NOT_YET_VALID = "not_yet_valid"
    EXPIRED = "expired"
    NOT_RECOGNISED = "not_recognised"


@dataclass(frozen=True, slots=True)
class VerificationResult:
    """What :func:`verify` found.

    Attributes:
        status: The first check that failed, or ``valid``.
        detail: One sentence for people; not meant to be parsed.
        jurisdiction: The jurisdiction asked for (the X of ``not_recognised``), or None.
        credential_id: The credential's ``id``, once the shape checks out.
        issuer: The ``issuer`` member, once the shape checks out.
        credential_type: The credential's type, once the shape checks out.
        home_jurisdiction: The jurisdiction the credential comes from, once the shape
            checks out.
        credential_hash: The 32-byte hash anchored on chain, once the shape checks out.
    """

    status: Status
    detail: str
    jurisdiction: str | None = None
    credential_id: str | None = None
    issuer: str | None = None
    credential_type: CredentialType | None = None
    home_jurisdiction: str | None = None
    credential_hash: bytes | None = None

    @property
    def valid(self) -> bool:
        """Whether the credential is valid (in the jurisdiction asked for, if any)."""
        return self.status is Status.VALID


@dataclass(frozen=True, slots=True)
class _Parsed:
    id: str
    issuer: str
    kind: CredentialType
    home: str
    valid_from: datetime
    valid_until: datetime | None
    proof: Mapping[str, Any]
    signature: bytes
    hash: bytes


_TOP = {"@context", "id", "type", "issuer", "validFrom", "validUntil", "credentialSubject"}
_TOP_REQUIRED = _TOP - {"validUntil"} | {"proof"}
_SUBJECT = {"id", "jurisdiction", "details"}
_PROOF = {"type", "created", "verificationMethod", "proofPurpose", "proofValue"}


def parse_json(data: str | bytes) -> Any:
    """Read JSON text strictly: duplicate keys and NaN/Infinity are refused.

    Args:
        data: JSON text, or UTF-8 bytes of it.

    Raises:
        CredentialInvalid: Not UTF-8, not JSON, a duplicate key, or a non-finite number.
    """

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        obj: dict[str, Any] = {}
        for key, value in items:
            if key in obj:
                raise CredentialInvalid("credential", f"duplicate key {key!r}")
            obj[key] = value
        return obj

    def constant(name: str) -> Any:
        raise CredentialInvalid("credential", f"{name} is not JSON")

    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        return json.loads(text, object_pairs_hook=pairs, parse_constant=constant)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise CredentialInvalid("credential", f"not JSON: {exc}") from None


def _shape(credential: object) -> _Parsed | str:
    """The credential's fields, or a sentence saying why it is malformed."""
    if not isinstance(credential, Mapping):
        return "a credential is a JSON object"
    keys = set(credential)
    if not _TOP_REQUIRED <= keys:
        return f"missing members: {sorted(_TOP_REQUIRED - keys)}"
    if not keys <= _TOP | {"proof"}:
        return f"unknown members: {sorted(keys - _TOP - {'proof'}, key=str)}"
    if credential["@context"] != [CONTEXT_V2]:
        return f"@context must be [{CONTEXT_V2!r}]"
    cid = credential["id"]
    if not isinstance(cid, str) or not cid:
        return "id must be a non-empty string"
    types = credential["type"]
    if not isinstance(types, list) or len(types) != 2 or types[0] != BASE_TYPE:
        return f"type must be [{BASE_TYPE!r}, <credential type>]"
    if not isinstance(types[1], str) or types[1] not in set(CredentialType):
        return f"unknown credential type {types[1]!r}"
    issuer = credential["issuer"]
    if not is_issuer_id(issuer):
        return "issuer must be urn:ipledger:issuer:<slug>"
    valid_from = parse_time(credential["validFrom"])
    if valid_from is None:
        return "validFrom must be YYYY-MM-DDTHH:MM:SSZ"
    valid_until = None
    if "validUntil" in credential:
        valid_until = parse_time(credential["validUntil"])
        if valid_until is None:
            return "validUntil must be YYYY-MM-DDTHH:MM:SSZ"
        if valid_until <= valid_from:
            return "validUntil must come after validFrom"
    subject = credential["credentialSubject"]
    if not isinstance(subject, Mapping) or set(subject) != _SUBJECT:
        return f"credentialSubject must have exactly {sorted(_SUBJECT)}"
    if not isinstance(subject["id"], str) or not subject["id"].strip():
        return "credentialSubject.id must be a non-empty string"
    if not is_jurisdiction(subject["jurisdiction"]):
        return "credentialSubject.jurisdiction must be an ISO 3166-1 alpha-2 code"
    if not isinstance(subject["details"], Mapping):
        return "credentialSubject.details must be a JSON object"
    proof = credential["proof"]
    if not isinstance(proof, Mapping) or set(proof) != _PROOF:
        return f"proof must have exactly {sorted(_PROOF)}"
    if proof["type"] != PROOF_TYPE:
        return f"proof.type must be {PROOF_TYPE!r}"
    if proof["proofPurpose"] != PROOF_PURPOSE:
        return f"proof.proofPurpose must be {PROOF_PURPOSE!r}"
    if parse_time(proof["created"]) is None:
        return "proof.created must be YYYY-MM-DDTHH:MM:SSZ"
    if not isinstance(proof["verificationMethod"], str):
        return "proof.verificationMethod must be a string"
    signature = decode_proof_value(proof["proofValue"])
    if signature is None:
        return "proof.proofValue must be 'u' + unpadded base64url of 64 bytes"
    try:
        digest = credential_hash(credential)
    except CredentialInvalid as exc:
        return exc.message
    return _Parsed(
        id=cid,
        issuer=issuer,
        kind=CredentialType(types[1]),
        home=subject["jurisdiction"],
        valid_from=valid_from,
        valid_until=valid_until,
        proof=proof,
        signature=signature,
        hash=digest,
    )


def verify(
    credential: object,
    *,
    issuers: Mapping[str, Issuer],
    revoked: AbstractSet[bytes | str],
    recognitions: Iterable[RecognitionAgreement],
    jurisdiction: str | None,
    at: datetime,
) -> VerificationResult:
    """Verify a credential, checks in the order of the module docstring.

    Args:
        credential: The credential as parsed JSON (see :func:`parse_json`); anything else
            is answered ``malformed``.
        issuers: The trusted issuers by id.
        revoked: Revoked credentials, by 32-byte credential hash or by credential id.
        recognitions: The registered recognition agreements.
        jurisdiction: Where the credential is to count (ISO 3166-1 alpha-2), or None to
            skip the recognition check.
        at: The moment of the check, timezone-aware.

    Returns:
        The result; its ``status`` says what failed first, or ``valid``.

    Raises:
        CredentialInvalid: The caller's own arguments are wrong (naive ``at``, a
            ``jurisdiction`` that is not an alpha-2 code). Never for the credential.
    """
    if at.tzinfo is None or at.utcoffset() is None:
        raise CredentialInvalid("at", "a datetime with a time zone is required")
    if jurisdiction is not None and not is_jurisdiction(jurisdiction):
        raise CredentialInvalid("jurisdiction", f"not an ISO 3166-1 alpha-2 code: {jurisdiction!r}")

    parsed = _shape(credential)
    if isinstance(parsed, str):
        return VerificationResult(Status.MALFORMED, parsed, jurisdiction)
    assert isinstance(credential, Mapping)

    def result(status: Status, detail: str) -> VerificationResult:
        return VerificationResult(
            status,
            detail,
            jurisdiction,
            parsed.id,
            parsed.issuer,
            parsed.kind,
            parsed.home,
            parsed.hash,
        )

    issuer = issuers.get(parsed.issuer)
    if issuer is None:
        return result(Status.UNKNOWN_ISSUER, f"{parsed.issuer} is not a trusted issuer")
    if issuer.jurisdiction != parsed.home:
        return result(
            Status.UNKNOWN_ISSUER,
            f"{issuer.id} issues in {issuer.jurisdiction}, not in {parsed.home}",
        )
    if parsed.proof["verificationMethod"] != issuer.verification_method:
        return result(Status.BAD_SIGNATURE, "the proof names another key than the issuer's")
    try:
        issuer.ed25519_key().verify(parsed.signature, signing_input(credential, parsed.proof))
    except (InvalidSignature, ValueError):
        return result(Status.BAD_SIGNATURE, "the signature does not match the credential")
    if parsed.hash in revoked or parsed.id in revoked:
        return result(Status.REVOKED, "the issuer revoked this credential")
    if at < parsed.valid_from:
        return result(Status.NOT_YET_VALID, f"valid from {credential['validFrom']}")
    if parsed.valid_until is not None and at >= parsed.valid_until:
        return result(Status.EXPIRED, f"valid until {credential['validUntil']}")
    if jurisdiction is not None and jurisdiction != parsed.home:
        if not any(r.covers(parsed.home, jurisdiction, parsed.kind) for r in recognitions):
            return result(
                Status.NOT_RECOGNISED,
                f"no agreement {parsed.home}↔{jurisdiction} for {parsed.kind.value}",
            )
    return result(Status.VALID, "valid")
