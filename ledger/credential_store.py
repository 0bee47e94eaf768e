"""Stored credentials, issuers and agreements: lookups, and the checks the services share.

Reads never lock. The helpers raise the ledger's errors with the offending argument named
in ``field``, as every service does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from eth_utils import to_checksum_address
from sqlmodel import Session, col, select

from ledger.chain.eip712 import StructType
from ledger.context import Ledger
from ledger.credentials import (
    CredentialInvalid,
    CredentialType,
    Issuer,
    RecognitionAgreement,
    parse_json,
)
from ledger.db import CredentialRecord, IssuerRecord, RecognitionRecord
from ledger.errors import NotFound, Unauthorized
from ledger.signatures import recover


def get_issuer(session: Session, urn: str) -> IssuerRecord:
    """The stored issuer with that URN.

    Raises:
        NotFound: naming ``urn``.
    """
    row = session.exec(select(IssuerRecord).where(IssuerRecord.urn == urn)).first()
    if row is None:
        raise NotFound(f"no issuer {urn}", field="urn", urn=urn)
    return row


def get_credential(session: Session, credential_id: str) -> CredentialRecord:
    """The stored credential with that ``id``.

    Raises:
        NotFound: naming ``credential_id``.
    """
    row = session.exec(
        select(CredentialRecord).where(CredentialRecord.credential_id == credential_id)
    ).first()
    if row is None:
        raise NotFound(
            f"no credential {credential_id}", field="credential_id", credential_id=credential_id
        )
    return row


def recognitions_of(
    session: Session, credential_type: CredentialType | str | None = None
) -> list[RecognitionAgreement]:
    """The registered recognition agreements, of one credential type or of all."""
    query = select(RecognitionRecord).order_by(col(RecognitionRecord.id))
    if credential_type is not None:
        query = query.where(RecognitionRecord.credential_type == str(credential_type))
    return [
        RecognitionAgreement(r.first, r.second, CredentialType(r.credential_type))
        for r in session.exec(query).all()
    ]


def named_issuer(session: Session, credential: object) -> IssuerRecord | None:
    """The stored issuer that ``credential`` names, if it names one the ledger knows."""
    if not isinstance(credential, Mapping) or not isinstance(credential.get("issuer"), str):
        return None
    return session.exec(
        select(IssuerRecord).where(IssuerRecord.urn == credential["issuer"])
    ).first()


def issuer_of(row: IssuerRecord) -> Issuer:
    """The stored issuer as the pure verifier knows it."""
    return Issuer(row.urn, row.name, row.jurisdiction, bytes.fromhex(row.public_key))


def revoked_keys(session: Session, credential: object) -> frozenset[bytes | str]:
    """Id and hash of the stored, revoked credential with ``credential``'s id, if any."""
    if not isinstance(credential, Mapping) or not isinstance(credential.get("id"), str):
        return frozenset()
    rows = session.exec(
        select(CredentialRecord)
        .where(col(CredentialRecord.revoked_at).is_not(None))
        .where(CredentialRecord.credential_id == credential["id"])
    ).all()
    return frozenset(
        key for r in rows for key in (r.credential_id, bytes.fromhex(r.credential_hash))
    )


def credential_object(credential: object) -> Mapping[str, Any]:
    """The credential as a mapping: parsed from JSON text, or given as one.

    Raises:
        CredentialInvalid: naming ``credential`` for bad JSON or anything not an object.
    """
    if isinstance(credential, str):
        credential = parse_json(credential)
    if not isinstance(credential, Mapping):
        raise CredentialInvalid("credential", "a credential is a JSON object")
    return credential


def checksum_address(value: object, field: str) -> str:
    """``value`` as a checksummed, non-zero address.

    Raises:
        CredentialInvalid: naming ``field``.
    """
    try:
        address = to_checksum_address(value)  # type: ignore[arg-type]
    except (ValueError, TypeError):
        raise CredentialInvalid(field, f"not an address: {value!r}") from None
    if int(address, 16) == 0:
        raise CredentialInvalid(field, "the zero address cannot sign")
    return address


def require_signature(
    ledger: Ledger,
    primary: str,
    fields: StructType,
    message: Mapping[str, Any],
    signature: object,
    *,
    signer: str,
    field: str,
) -> bytes:
    """Check that ``signer`` signed ``message`` in CredentialRegistry's EIP-712 domain.

    Returns:
        The 65 signature bytes, to relay to the contract.

    Raises:
        Unauthorized: naming ``field``, for an unreadable signature or another signer's.
    """
    if not isinstance(signature, str):
        raise Unauthorized("a signature is 0x hex text", field=field)
    try:
        recovered = recover(ledger.credentials.domain, primary, message, signature, fields)
    except Unauthorized as exc:
        raise Unauthorized(exc.message, field=field) from None
    if recovered.lower() != signer.lower():
        raise Unauthorized(
            f"the {primary} signature is not the issuer's ({signer})",
            field=field,
            expected=signer,
            recovered=recovered,
        )
    return bytes.fromhex(signature.removeprefix("0x"))
