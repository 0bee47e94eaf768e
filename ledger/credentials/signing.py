"""Issue credentials: the canonical form, the Ed25519 proof, and the hash anchored on chain.

Canonical form
    RFC 8785 (JCS) of the credential without its ``proof`` member: keys sorted by UTF-16
    code units, no whitespace, numbers as ECMAScript writes them (``1.0`` becomes ``1``),
    UTF-8. So key order, whitespace and the spelling of numbers do not matter.

Proof (``proof.type`` = ``ipledger-Ed25519-JCS-2026``)
    The proof's own options (every member but ``proofValue``) are signed too, or a changed
    ``created`` or ``verificationMethod`` would go unnoticed. As in the W3C
    ``eddsa-jcs-2022`` suite, the signed message is 64 bytes::

        sha256(JCS(proof options)) || sha256(JCS(credential without proof))

    ``proofValue`` is the 64-byte Ed25519 signature (RFC 8032) in multibase base64url:
    ``"u"`` followed by unpadded base64url, 87 characters. Only the one canonical spelling
    is accepted, so the signature has exactly one written form.

Credential hash
    sha256 over JCS of the whole credential, proof included: 32 bytes, the key under which
    ``CredentialRegistry`` anchors and revokes the credential.
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ledger.credentials.errors import CredentialInvalid
from ledger.credentials.model import (
    BASE_TYPE,
    CONTEXT_V2,
    PROOF_PURPOSE,
    PROOF_TYPE,
    CredentialType,
    Issuer,
    Subject,
    format_time,
)

#: Length of an Ed25519 signature.
SIGNATURE_SIZE = 64
#: Length of a credential hash.
HASH_SIZE = 32
#: Multibase prefix of base64url without padding.
MULTIBASE_BASE64URL = "u"


def jcs(value: Any) -> bytes:
    """RFC 8785 canonical JSON of ``value``.

    Raises:
        CredentialInvalid: The value is not JSON (bytes, non-string keys), or holds a number
            JCS cannot write exactly (NaN, infinities, integers beyond 2**53 - 1).
    """
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, RecursionError) as exc:
        raise CredentialInvalid("credential", f"not canonical JSON: {exc}") from None


def canonical_form(credential: Mapping[str, Any]) -> bytes:
    """JCS of the credential without its ``proof`` member."""
    return jcs({k: v for k, v in credential.items() if k != "proof"})


def signing_input(credential: Mapping[str, Any], proof_options: Mapping[str, Any]) -> bytes:
    """The 64 bytes the issuer signs (see the module docstring).

    Args:
        credential: The credential; its ``proof`` member, if any, is left out.
        proof_options: The proof without ``proofValue`` (a ``proofValue`` here is left out).
    """
    options = {k: v for k, v in proof_options.items() if k != "proofValue"}
    return (
        hashlib.sha256(jcs(options)).digest() + hashlib.sha256(canonical_form(credential)).digest()
    )


def credential_hash(credential: Mapping[str, Any]) -> bytes:
    """sha256 over JCS of the whole credential, proof included: what the chain anchors.

    Returns:
        32 bytes.

    Raises:
        CredentialInvalid: The credential is not canonical JSON.
    """
    return hashlib.sha256(jcs(credential)).digest()


def encode_proof_value(signature: bytes) -> str:
    """Multibase base64url (``"u"`` + unpadded base64url) of a 64-byte signature."""
    return MULTIBASE_BASE64URL + base64.urlsafe_b64encode(signature).rstrip(b"=").decode()


def decode_proof_value(text: object) -> bytes | None:
    """The signature in a ``proofValue``; None unless ``text`` is its canonical spelling."""
    if not isinstance(text, str) or not text.startswith(MULTIBASE_BASE64URL):
        return None
    body = text[1:]
    if not body.isascii() or "=" in body:
        return None
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError):
        return None
    if len(raw) != SIGNATURE_SIZE or encode_proof_value(raw) != text:
        return None
    return raw


def issue(
    issuer_key: Ed25519PrivateKey,
    issuer: Issuer,
    subject: Subject,
    credential_type: CredentialType | str,
    valid_from: datetime,
    valid_until: datetime | None = None,
    credential_id: str | None = None,
    *,
    created: datetime | None = None,
) -> dict[str, Any]:
    """Issue a signed credential.

    Args:
        issuer_key: The issuer's Ed25519 private key; must match ``issuer.public_key``.
        issuer: The issuer; the credential comes from its jurisdiction.
        subject: Whom the credential is about and its claims.
        credential_type: One of :class:`CredentialType`.
        valid_from: Start of validity (aware, whole seconds).
        valid_until: End of validity, exclusive (aware, whole seconds), or None for open-ended.
        credential_id: The credential's ``id``; a fresh ``urn:uuid:`` when None.
        created: When the proof was made; now (UTC, whole seconds) when None.

    Returns:
        The credential as a JSON-able ``dict`` with its ``proof``.

    Raises:
        CredentialInvalid: A field breaks the rules (wrong key, unknown type, bad times,
            details that are not canonical JSON).
    """
    public = issuer_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    if public != issuer.public_key:
        raise CredentialInvalid("issuer_key", "the private key is not the issuer's")
    try:
        kind = CredentialType(credential_type)
    except ValueError:
        raise CredentialInvalid(
            "credential_type", f"unknown credential type {credential_type!r}"
        ) from None
    if valid_until is not None and valid_until <= valid_from:
        raise CredentialInvalid("valid_until", "validity must end after it starts")
    if credential_id is not None and (not isinstance(credential_id, str) or not credential_id):
        raise CredentialInvalid("credential_id", "a credential id is a non-empty string")
    if created is None:
        created = datetime.now(UTC).replace(microsecond=0)

    credential: dict[str, Any] = {
        "@context": [CONTEXT_V2],
        "id": credential_id or f"urn:uuid:{uuid.uuid4()}",
        "type": [BASE_TYPE, kind.value],
        "issuer": issuer.id,
        "validFrom": format_time(valid_from),
        **({} if valid_until is None else {"validUntil": format_time(valid_until)}),
        "credentialSubject": {
            "id": subject.id,
            "jurisdiction": issuer.jurisdiction,
            "details": copy.deepcopy(dict(subject.details)),
        },
    }
    options = {
        "type": PROOF_TYPE,
        "created": format_time(created),
        "verificationMethod": issuer.verification_method,
        "proofPurpose": PROOF_PURPOSE,
    }
    signature = issuer_key.sign(signing_input(credential, options))
    credential["proof"] = {**options, "proofValue": encode_proof_value(signature)}
    return credential
