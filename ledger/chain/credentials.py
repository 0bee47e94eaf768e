"""Gateway to CredentialRegistry: credential hashes and revocations anchored by their issuers."""

from __future__ import annotations

from dataclasses import dataclass

from eth_account.signers.local import LocalAccount

from ledger.chain.contract import ContractGateway
from ledger.chain.eip712 import sign, struct
from ledger.chain.gateway import Receipt
from ledger.chain.registry import territory_code

CREDENTIAL_ANCHOR = struct("credentialHash bytes32")
CREDENTIAL_REVOCATION = struct("credentialHash bytes32", "reason bytes32")
ZERO_ADDRESS = "0x" + "00" * 20


@dataclass(frozen=True)
class CredentialStatus:
    """What the chain knows of a credential; ``issuer`` is None when never anchored."""

    issuer: str | None
    anchored_at: int
    revoked_at: int
    revocation_reason: bytes

    @property
    def revoked(self) -> bool:
        return self.revoked_at != 0


@dataclass(frozen=True)
class CredentialEvent:
    """A credential anchored or revoked, as a receipt's event says (``reason`` when revoked)."""

    credential_hash: bytes
    issuer: str
    reason: bytes = b""


class CredentialRegistryGateway(ContractGateway):
    """Register issuers (operator), anchor and revoke credentials (issuer's signature)."""

    NAME = "CredentialRegistry"

    def register_issuer(self, issuer: str, jurisdiction: str, name_hash: bytes) -> Receipt:
        return self._chain.transact(
            self.bound, "registerIssuer", issuer, territory_code(jurisdiction), name_hash
        )

    def anchor_signature(self, issuer: LocalAccount, credential_hash: bytes) -> bytes:
        message = {"credentialHash": credential_hash}
        return sign(issuer, self.domain, "CredentialAnchor", CREDENTIAL_ANCHOR, message)

    def revocation_signature(
        self, issuer: LocalAccount, credential_hash: bytes, reason: bytes
    ) -> bytes:
        message = {"credentialHash": credential_hash, "reason": reason}
        return sign(issuer, self.domain, "CredentialRevocation", CREDENTIAL_REVOCATION, message)

    def anchor(self, issuer: str, credential_hash: bytes, signature: bytes) -> Receipt:
        return self._chain.transact(self.bound, "anchor", issuer, credential_hash, signature)

    def revoke(
        self, issuer: str, credential_hash: bytes, reason: bytes, signature: bytes
    ) -> Receipt:
        return self._chain.transact(
            self.bound, "revoke", issuer, credential_hash, reason, signature
        )

    def status(self, credential_hash: bytes) -> CredentialStatus:
        issuer, anchored_at, revoked_at, reason = self._chain.call(
            self.bound, "statusOf", credential_hash
        )
        return CredentialStatus(
            None if issuer == ZERO_ADDRESS else issuer, anchored_at, revoked_at, bytes(reason)
        )

    def issuer_jurisdiction(self, issuer: str) -> str | None:
        """The jurisdiction the registry holds for an issuer's address; None when unknown."""
        code = bytes(self._chain.call(self.bound, "issuerJurisdiction", issuer))
        return None if code == b"\0\0" else code.decode()

    def issuers_registered(self, receipt: Receipt) -> list[tuple[str, str, bytes]]:
        """(address, jurisdiction, name hash) of each ``IssuerRegistered`` in a receipt."""
        return [
            (e["args"]["issuer"], bytes(e["args"]["jurisdiction"]).decode(), e["args"]["nameHash"])
            for e in self._chain.decode_events(self.bound, "IssuerRegistered", receipt)
        ]

    def anchored_in(self, receipt: Receipt) -> list[CredentialEvent]:
        """The ``CredentialAnchored`` events of a receipt."""
        return [
            CredentialEvent(bytes(e["args"]["credentialHash"]), e["args"]["issuer"])
            for e in self._chain.decode_events(self.bound, "CredentialAnchored", receipt)
        ]

    def revoked_in(self, receipt: Receipt) -> list[CredentialEvent]:
        """The ``CredentialRevoked`` events of a receipt."""
        return [
            CredentialEvent(
                bytes(e["args"]["credentialHash"]), e["args"]["issuer"], bytes(e["args"]["reason"])
            )
            for e in self._chain.decode_events(self.bound, "CredentialRevoked", receipt)
        ]
