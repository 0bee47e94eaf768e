"""Issuers and helpers for the credentials service tests.

The issuers' Ed25519 keys and the fixed credential come from the credentials module's own
test support (``tests/ledger/credentials/support.py``); each issuer also has a secp256k1
key that signs its anchors and revocations on chain.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine
from sqlmodel import func, select

from ledger import credential_service
from ledger.context import Ledger
from ledger.credentials import Issuer, credential_hash
from ledger.db import CredentialRecord, session_scope
from tests.contracts.conftest import key
from tests.ledger.credentials.support import ISSUER, OTHER_ISSUER

#: The chain keys of the two issuers (TU Munich in DE, ENS Paris in FR).
TUM_CHAIN = key("tu-munich")
ENS_CHAIN = key("ens-paris")
STRANGER = key("mallory")
REASON = "degree withdrawn"


def reason32(text: str = REASON) -> bytes:
    return text.encode().ljust(32, b"\0")


def hexed(signature: bytes) -> str:
    return "0x" + signature.hex()


def count(engine: Engine, table: type) -> int:
    with session_scope(engine) as session:
        return int(session.exec(select(func.count()).select_from(table)).one())


def register(engine: Engine, ledger: Ledger, issuer: Issuer = ISSUER, **overrides: Any) -> None:
    """Register an issuer through the service (TU Munich by default)."""
    values: dict[str, Any] = {
        "urn": issuer.id,
        "name": issuer.name,
        "jurisdiction": issuer.jurisdiction,
        "public_key": issuer.public_key.hex(),
        "address": (TUM_CHAIN if issuer is ISSUER else ENS_CHAIN).address,
    }
    values.update(overrides)
    with session_scope(engine) as session:
        credential_service.register_issuer(session, ledger, **values)


def register_both(engine: Engine, ledger: Ledger) -> None:
    register(engine, ledger, ISSUER)
    register(engine, ledger, OTHER_ISSUER)


def anchor_signature(ledger: Ledger, credential: dict[str, Any], signer: Any = TUM_CHAIN) -> str:
    """The issuer's (or ``signer``'s) EIP-712 anchor signature over the credential's hash."""
    return hexed(ledger.credentials.anchor_signature(signer, credential_hash(credential)))


def revocation_signature(
    ledger: Ledger, credential: dict[str, Any], signer: Any = TUM_CHAIN, reason: str = REASON
) -> str:
    digest = credential_hash(credential)
    return hexed(ledger.credentials.revocation_signature(signer, digest, reason32(reason)))


def store(
    engine: Engine, ledger: Ledger, credential: dict[str, Any], signer: Any = TUM_CHAIN
) -> CredentialRecord:
    """Store a credential its issuer signed, with the issuer's anchor signature."""
    with session_scope(engine) as session:
        return credential_service.store_issued(
            session,
            ledger,
            credential=credential,
            anchor_signature=anchor_signature(ledger, credential, signer),
        )


def check(engine: Engine, ledger: Ledger, credential: Any, **kwargs: Any) -> Any:
    """verify_stored in a session of its own."""
    with session_scope(engine) as session:
        return credential_service.verify_stored(session, ledger, credential=credential, **kwargs)
