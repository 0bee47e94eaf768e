"""Record 0, the registry's own: issuers and credentials against CredentialRegistry.

Issuers and credentials belong to no project, so they are reconciled with record 0
(``reconcile(..., project_id=0)``), not with each project.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from ledger.chain import history
from ledger.chain.eip712 import hash_text
from ledger.context import Ledger
from ledger.db import CredentialRecord, IssuerRecord
from ledger.reconcile._model import Findings, address_text, tx_text


def check_registry(session: Session, ledger: Ledger, found: Findings) -> None:
    """Issuers, then credentials and their revocations."""
    issuers = list(session.exec(select(IssuerRecord).order_by(col(IssuerRecord.id))).all())
    _check_issuers(ledger, issuers, found)
    _check_credentials(session, ledger, {i.id: i for i in issuers}, found)


def _check_issuers(ledger: Ledger, rows: list[IssuerRecord], found: Findings) -> None:
    """Issuer rows against ``IssuerRegistered`` events, by address (jurisdiction, name hash)."""
    registered = {e.event.issuer: e.event for e in history.issuers_registered(ledger.credentials)}
    for row in rows:
        ref, what = row.urn, f"issuer {row.urn}"
        event = registered.get(address_text(row.address) or "")
        if event is None:
            found.ledger_only("issuer", ref, row.address, what)
            continue
        found.compare("issuer", ref, "jurisdiction", row.jurisdiction, event.jurisdiction, what)
        found.compare("issuer", ref, "name_hash", hash_text(row.name), event.name_hash, what)
    named = {address_text(row.address) for row in rows}
    for address in sorted(set(registered) - named):
        found.chain_only("issuer", address, f"issuer {address}")


def _check_credentials(
    session: Session, ledger: Ledger, issuers: dict[int | None, IssuerRecord], found: Findings
) -> None:
    """Credential rows against ``statusOf`` (anchoring issuer, revocation and its reason) and
    the anchoring and revoking transactions; anchors no row names."""
    gateway = ledger.credentials
    anchored = {e.event.credential_hash.hex(): e for e in history.credentials_anchored(gateway)}
    revoked = {e.event.credential_hash.hex(): e for e in history.credentials_revoked(gateway)}
    rows = session.exec(select(CredentialRecord).order_by(col(CredentialRecord.id))).all()
    for row in rows:
        ref, what = row.credential_id, f"credential {row.credential_id}"
        status = gateway.status(bytes.fromhex(row.credential_hash))
        if status.issuer is None:
            found.ledger_only("credential", ref, row.credential_hash, what)
            continue
        issuer = issuers.get(row.issuer_id)
        found.compare(
            "credential",
            ref,
            "issuer",
            None if issuer is None else address_text(issuer.address),
            status.issuer,
            what,
        )
        anchor = anchored.get(row.credential_hash)
        anchor_tx = None if anchor is None else anchor.tx_hash
        found.compare("credential", ref, "anchored_tx", tx_text(row.anchored_tx), anchor_tx, what)
        found.compare(
            "credential", ref, "revoked", row.revoked_at is not None, status.revoked, what
        )
        if row.revoked_at is not None and status.revoked:
            reason = status.revocation_reason.rstrip(b"\0").decode("utf-8", "replace")
            found.compare(
                "credential", ref, "revocation_reason", row.revocation_reason, reason, what
            )
            revocation = revoked.get(row.credential_hash)
            found.compare(
                "credential",
                ref,
                "revoked_tx",
                tx_text(row.revoked_tx),
                None if revocation is None else revocation.tx_hash,
                what,
            )
    named = {row.credential_hash for row in rows}
    for digest in sorted(set(anchored) - named):
        issuer = anchored[digest].event.issuer
        found.chain_only("credential", digest, f"credential {digest} anchored by {issuer}")
