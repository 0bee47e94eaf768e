"""Whom the ledger trusts: credential issuers and mutual-recognition agreements.

Both acts are entries of record 0 (:mod:`ledger.registry_record`). An issuer is also
registered with ``CredentialRegistry`` (by the operator), so that its address can anchor
and revoke its credentials; agreements live in the ledger only (no contract checks them).
"""

from __future__ import annotations

from sqlmodel import Session, select

from ledger.chain.eip712 import hash_text
from ledger.context import Ledger
from ledger.credential_store import checksum_address
from ledger.credentials import (
    CredentialInvalid,
    CredentialType,
    Issuer,
    RecognitionAgreement,
    is_issuer_id,
    is_jurisdiction,
)
from ledger.db import IssuerRecord, RecognitionRecord
from ledger.errors import ChainStateError, Conflict
from ledger.registry_record import lock_registry, record_registry

#: Width of the issuer's name column.
MAX_NAME = 200


def register_issuer(
    session: Session,
    ledger: Ledger,
    *,
    urn: str,
    name: str,
    jurisdiction: str,
    public_key: str,
    address: str,
    actor: str = "admin",
) -> IssuerRecord:
    """Trust an issuer: store it and register its address on chain (operator's transaction).

    Args:
        session: The transaction (nothing is stored if the chain refuses).
        ledger: The collaborators.
        urn: ``urn:ipledger:issuer:<slug>``, the ``issuer`` of its credentials.
        name: The issuer's name; its keccak256 goes on chain.
        jurisdiction: ISO 3166-1 alpha-2 code; every credential it issues comes from there.
        public_key: Its raw 32-byte Ed25519 public key, hex; checks its credentials' proofs.
        address: Its secp256k1 address, which signs anchors and revocations.
        actor: Who registers it, for the record.

    Raises:
        CredentialInvalid: naming the first invalid argument.
        Conflict: if the URN or the address is registered already.
        ContractReverted: if the registry refuses (e.g. the address is registered on chain).
    """
    lock_registry(session)
    issuer = _issuer_model(urn, name, jurisdiction, public_key)
    wanted = checksum_address(address, "address")
    if session.exec(select(IssuerRecord).where(IssuerRecord.urn == urn)).first() is not None:
        raise Conflict(f"issuer {urn} is registered already", field="urn", urn=urn)
    same = session.exec(select(IssuerRecord).where(IssuerRecord.address == wanted)).first()
    if same is not None:
        raise Conflict(f"{wanted} already signs for {same.urn}", field="address", address=wanted)
    row = IssuerRecord(
        urn=urn,
        name=name,
        jurisdiction=jurisdiction,
        public_key=issuer.public_key.hex(),
        address=wanted,
    )
    session.add(row)
    session.flush()
    name_hash = hash_text(name)
    receipt = ledger.credentials.register_issuer(wanted, jurisdiction, name_hash)
    if ledger.credentials.issuers_registered(receipt) != [(wanted, jurisdiction, name_hash)]:
        raise ChainStateError(
            f"transaction {receipt.tx_hash} did not register {wanted}", tx=receipt.tx_hash
        )
    payload = {
        "address": wanted,
        "jurisdiction": jurisdiction,
        "name": name,
        "name_hash": name_hash.hex(),
        "public_key": row.public_key,
        "tx": receipt.tx_hash,
        "urn": urn,
    }
    record_registry(session, ledger, "issuer.registered", payload, actor=actor)
    return row


def recognise(
    session: Session,
    ledger: Ledger,
    *,
    first: str,
    second: str,
    credential_type: CredentialType | str,
    actor: str = "admin",
) -> RecognitionRecord:
    """Register that two jurisdictions recognise each other's credentials of one type.

    Symmetric: stored with the two codes sorted, so ``(FR, DE)`` is ``(DE, FR)``.

    Raises:
        CredentialInvalid: naming ``first``, ``second`` or ``credential_type``; the same
            jurisdiction twice names ``second``.
        Conflict: if the agreement is registered already (in either order).
    """
    lock_registry(session)
    for field, value in (("first", first), ("second", second)):
        if not is_jurisdiction(value):
            raise CredentialInvalid(field, f"not an ISO 3166-1 alpha-2 code: {value!r}")
    if first == second:
        raise CredentialInvalid("second", "an agreement joins two different jurisdictions")
    try:
        kind = CredentialType(credential_type)
    except ValueError:
        raise CredentialInvalid(
            "credential_type", f"unknown credential type {credential_type!r}"
        ) from None
    agreement = RecognitionAgreement(first, second, kind)
    low, high = agreement.jurisdiction_a, agreement.jurisdiction_b
    existing = session.exec(
        select(RecognitionRecord)
        .where(RecognitionRecord.first == low, RecognitionRecord.second == high)
        .where(RecognitionRecord.credential_type == kind.value)
    ).first()
    if existing is not None:
        raise Conflict(
            f"{low} and {high} recognise each other's {kind.value} already",
            field="credential_type",
            first=low,
            second=high,
        )
    row = RecognitionRecord(first=low, second=high, credential_type=kind.value)
    session.add(row)
    session.flush()
    payload = {"credential_type": kind.value, "first": low, "second": high}
    record_registry(session, ledger, "recognition.registered", payload, actor=actor)
    return row


def _issuer_model(urn: object, name: object, jurisdiction: object, public_key: object) -> Issuer:
    """The issuer as the verifier knows it; each bad argument named as the caller wrote it."""
    if not is_issuer_id(urn):
        raise CredentialInvalid("urn", f"not an issuer id (urn:ipledger:issuer:<slug>): {urn!r}")
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME:
        raise CredentialInvalid("name", f"an issuer needs a name of 1 to {MAX_NAME} characters")
    if not is_jurisdiction(jurisdiction):
        raise CredentialInvalid("jurisdiction", f"not an ISO 3166-1 alpha-2 code: {jurisdiction!r}")
    try:
        key = bytes.fromhex(public_key.removeprefix("0x"))  # type: ignore[union-attr]
    except (AttributeError, ValueError):
        key = b""
    if len(key) != 32:
        raise CredentialInvalid("public_key", "an Ed25519 public key is 32 bytes of hex")
    return Issuer(urn, name, jurisdiction, key)  # type: ignore[arg-type]
