"""Credentials kept by the ledger: issuers, issued credentials, revocations, recognition.

The pure parts (:mod:`ledger.credentials`) shape, sign and verify a credential; this
module keeps what a verifier trusts, in the database and on chain (``CredentialRegistry``):

- :func:`register_issuer` stores an issuer and registers its chain address
  (:mod:`ledger.credential_trust`).
- :func:`store_issued` takes a credential its issuer signed with its own Ed25519 key (the
  ledger never holds an issuer's keys), checks that it is valid now, stores it and relays
  the issuer's EIP-712 anchor signature to the chain. :func:`issue_and_store` is the same
  for scripts and tests that hold the issuer's keys.
- :func:`revoke` relays the issuer's revocation signature and marks the stored credential.
- :func:`recognise` registers a mutual-recognition agreement (:mod:`ledger.credential_trust`).
- :func:`verify_stored` (:mod:`ledger.credential_checks`) verifies against all of it and
  against the chain's own status.

These acts belong to no project: each is one entry in record 0, the registry's own record,
appended by :func:`~ledger.registry_record.record_registry` after
:func:`~ledger.registry_record.lock_registry`. See ``docs/credentials.md``, "Stored
credentials and the chain".
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from eth_account.signers.local import LocalAccount
from sqlmodel import Session, select

from ledger.chain.credentials import CREDENTIAL_ANCHOR, CREDENTIAL_REVOCATION, CredentialEvent
from ledger.context import Ledger
from ledger.credential_checks import Discrepancy, StoredVerification, verify_stored
from ledger.credential_store import (
    credential_object,
    get_credential,
    get_issuer,
    issuer_of,
    named_issuer,
    recognitions_of,
    require_signature,
    revoked_keys,
)
from ledger.credential_trust import recognise, register_issuer
from ledger.credentials import (
    CredentialInvalid,
    CredentialType,
    Revocation,
    Status,
    Subject,
    VerificationResult,
    credential_hash,
    issue,
    jcs,
    verify,
)
from ledger.db import CredentialRecord, IssuerRecord
from ledger.errors import ChainStateError, Conflict, Unauthorized
from ledger.registry_record import REGISTRY_RECORD, lock_registry, record_registry

__all__ = [
    "REGISTRY_RECORD",
    "Discrepancy",
    "StoredVerification",
    "get_credential",
    "get_issuer",
    "issue_and_store",
    "lock_registry",
    "recognise",
    "recognitions_of",
    "register_issuer",
    "revoke",
    "store_issued",
    "verify_stored",
]

#: Column widths of the credential table that a credential's own values must fit.
MAX_CREDENTIAL_ID = 100
MAX_SUBJECT = 200

#: Where in the credential each failed check of :func:`store_issued` points.
_REFUSED_FIELD = {
    Status.MALFORMED: "credential",
    Status.UNKNOWN_ISSUER: "credential.issuer",
    Status.BAD_SIGNATURE: "credential.proof",
    Status.REVOKED: "credential.id",
    Status.NOT_YET_VALID: "credential.validFrom",
    Status.EXPIRED: "credential.validUntil",
}


def store_issued(
    session: Session, ledger: Ledger, *, credential: Mapping[str, Any] | str, anchor_signature: str
) -> CredentialRecord:
    """Store a credential its issuer signed, and anchor its hash with the issuer's signature.

    Args:
        session: The transaction (nothing is stored if the chain refuses).
        ledger: The collaborators.
        credential: The signed credential, parsed or as JSON text.
        anchor_signature: The issuer's EIP-712 ``CredentialAnchor`` signature over the
            credential hash (``CredentialRegistryGateway.anchor_signature``), 0x hex.

    Raises:
        CredentialInvalid: naming the field when the credential is not valid now (malformed,
            unknown issuer, not yet valid, expired) or a value does not fit the ledger.
        Unauthorized: if the Ed25519 proof fails (``credential.proof``) or the anchor
            signature is not the issuer's (``anchor_signature``).
        Conflict: if the credential is stored, revoked, or anchored on chain already.
        ContractReverted: if the registry refuses the anchor.
    """
    lock_registry(session)
    document = credential_object(credential)
    issuer_row = named_issuer(session, document)
    issuers = {} if issuer_row is None else {issuer_row.urn: issuer_of(issuer_row)}
    result = verify(
        document,
        issuers=issuers,
        revoked=revoked_keys(session, document),
        recognitions=(),
        jurisdiction=None,
        at=ledger.clock(),
    )
    _require_valid(result)
    assert issuer_row is not None and result.credential_id is not None
    assert result.credential_type is not None and result.credential_hash is not None
    subject = document["credentialSubject"]["id"]
    if len(result.credential_id) > MAX_CREDENTIAL_ID:
        raise CredentialInvalid("credential.id", f"at most {MAX_CREDENTIAL_ID} characters")
    if len(subject) > MAX_SUBJECT:
        raise CredentialInvalid(
            "credential.credentialSubject.id", f"at most {MAX_SUBJECT} characters"
        )
    stored = session.exec(
        select(CredentialRecord).where(CredentialRecord.credential_id == result.credential_id)
    ).first()
    if stored is not None:
        raise Conflict(
            f"credential {result.credential_id} is stored already",
            field="credential.id",
            credential_id=result.credential_id,
        )
    digest = result.credential_hash
    on_chain = ledger.credentials.status(digest)
    if on_chain.issuer is not None:
        raise Conflict(
            f"credential {digest.hex()} is anchored on chain already by {on_chain.issuer}",
            field="credential",
            credential_hash=digest.hex(),
            chain_issuer=on_chain.issuer,
        )
    message = {"credentialHash": digest}
    raw = require_signature(
        ledger,
        "CredentialAnchor",
        CREDENTIAL_ANCHOR,
        message,
        anchor_signature,
        signer=issuer_row.address,
        field="anchor_signature",
    )
    row = CredentialRecord(
        credential_id=result.credential_id,
        issuer_id=issuer_row.id,  # type: ignore[arg-type]
        subject=subject,
        type=result.credential_type.value,
        document=jcs(document).decode(),
        credential_hash=digest.hex(),
    )
    session.add(row)
    session.flush()
    receipt = ledger.credentials.anchor(issuer_row.address, digest, raw)
    if ledger.credentials.anchored_in(receipt) != [CredentialEvent(digest, issuer_row.address)]:
        raise ChainStateError(
            f"transaction {receipt.tx_hash} did not anchor {digest.hex()}", tx=receipt.tx_hash
        )
    row.anchored_tx = receipt.tx_hash
    session.add(row)
    payload = {
        "credential_hash": row.credential_hash,
        "credential_id": row.credential_id,
        "issuer": issuer_row.urn,
        "subject": subject,
        "tx": receipt.tx_hash,
        "type": row.type,
    }
    record_registry(
        session,
        ledger,
        "credential.stored",
        payload,
        actor=f"issuer:{issuer_row.urn}",
        signature="0x" + raw.hex(),
    )
    return row


def issue_and_store(
    session: Session,
    ledger: Ledger,
    *,
    urn: str,
    issuer_key: Ed25519PrivateKey,
    anchor_account: LocalAccount,
    subject: Subject,
    credential_type: CredentialType | str,
    valid_from: datetime,
    valid_until: datetime | None = None,
    credential_id: str | None = None,
) -> CredentialRecord:
    """Issue a credential with the issuer's keys, then :func:`store_issued` it.

    For scripts and tests that play the issuer; the proof is dated by the ledger's clock.

    Raises:
        NotFound: for an unknown issuer (``urn``).
        CredentialInvalid: from :func:`ledger.credentials.issue` (e.g. ``issuer_key`` is
            not the issuer's) or :func:`store_issued`.
    """
    lock_registry(session)
    issuer = issuer_of(get_issuer(session, urn))
    created = ledger.clock().replace(microsecond=0)
    document = issue(
        issuer_key,
        issuer,
        subject,
        credential_type,
        valid_from,
        valid_until,
        credential_id,
        created=created,
    )
    signature = ledger.credentials.anchor_signature(anchor_account, credential_hash(document))
    return store_issued(
        session, ledger, credential=document, anchor_signature="0x" + signature.hex()
    )


def revoke(
    session: Session, ledger: Ledger, *, credential_id: str, reason: str, signature: str
) -> CredentialRecord:
    """Revoke a stored credential with its issuer's signature, in the ledger and on chain.

    Args:
        session: The transaction (nothing changes if the chain refuses).
        ledger: The collaborators.
        credential_id: The credential's ``id``.
        reason: Why, at most 32 bytes of UTF-8 (a ``bytes32`` on chain).
        signature: The issuer's EIP-712 ``CredentialRevocation`` signature over the
            credential hash and the reason (``CredentialRegistryGateway.revocation_signature``).

    Raises:
        NotFound: for an unknown credential.
        Conflict: if it is revoked already.
        CredentialInvalid: for an empty or too long reason.
        Unauthorized: unless the credential's own issuer signed.
        ContractReverted: if the registry refuses (e.g. it was revoked on chain already).
    """
    lock_registry(session)
    row = get_credential(session, credential_id)
    if row.revoked_at is not None:
        raise Conflict(
            f"credential {credential_id} was revoked already",
            field="credential_id",
            revoked_at=row.revoked_at.isoformat(),
        )
    issuer_row = session.get(IssuerRecord, row.issuer_id)
    assert issuer_row is not None
    if not isinstance(reason, str) or not reason.strip() or "\0" in reason:
        raise CredentialInvalid("reason", "a revocation needs a reason (text without NUL)")
    digest = bytes.fromhex(row.credential_hash)
    revocation = Revocation(digest, issuer_row.urn, ledger.clock(), reason)
    message = {"credentialHash": digest, "reason": revocation.reason_bytes32}
    raw = require_signature(
        ledger,
        "CredentialRevocation",
        CREDENTIAL_REVOCATION,
        message,
        signature,
        signer=issuer_row.address,
        field="signature",
    )
    receipt = ledger.credentials.revoke(issuer_row.address, digest, revocation.reason_bytes32, raw)
    expected = CredentialEvent(digest, issuer_row.address, revocation.reason_bytes32)
    if ledger.credentials.revoked_in(receipt) != [expected]:
        raise ChainStateError(
            f"transaction {receipt.tx_hash} did not revoke {digest.hex()}", tx=receipt.tx_hash
        )
    row.revoked_at = revocation.revoked_at
    row.revocation_reason = reason
    row.revoked_tx = receipt.tx_hash
    session.add(row)
    payload = {
        "credential_hash": row.credential_hash,
        "credential_id": row.credential_id,
        "issuer": issuer_row.urn,
        "reason": reason,
        "tx": receipt.tx_hash,
    }
    record_registry(
        session,
        ledger,
        "credential.revoked",
        payload,
        actor=f"issuer:{issuer_row.urn}",
        signature="0x" + raw.hex(),
    )
    return row


def _require_valid(result: VerificationResult) -> None:
    """Refuse a credential that is not valid now, naming where in it the check failed."""
    if result.status is Status.VALID:
        return
    field = _REFUSED_FIELD[result.status]
    if result.status is Status.BAD_SIGNATURE:
        raise Unauthorized(f"{field}: {result.detail}", field=field, status=result.status.value)
    if result.status is Status.REVOKED:
        raise Conflict(f"{field}: {result.detail}", field=field, status=result.status.value)
    raise CredentialInvalid(field, result.detail, status=result.status.value)
