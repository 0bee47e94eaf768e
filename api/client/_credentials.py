"""The client's calls on the credentials resources (see docs/api/credentials.md).

An issuer holds two keys and the server neither: its Ed25519 key signs the credential
(the proof), its chain account signs, in CredentialRegistry's EIP-712 domain, the anchor
of the credential's hash and any revocation. The calls that need them take them and sign
inside.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from eth_account.signers.local import LocalAccount

from api.client._base import Base
from ledger.chain.credentials import CREDENTIAL_ANCHOR, CREDENTIAL_REVOCATION
from ledger.chain.eip712 import Domain, sign
from ledger.credentials import Issuer, Subject, credential_hash, issue


def _credential_path(credential_id: str) -> str:
    return "/v1/credentials/" + quote(credential_id, safe=":")


def _when(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


class CredentialsApi(Base):
    """Calls on the issuers, credentials and recognitions routes."""

    # ------------------------------------------------------------------ signing

    def credential_domain(self) -> Domain:
        """CredentialRegistry's EIP-712 domain, read once from ``GET /v1/chain``."""
        domain: Domain | None = getattr(self, "_credential_domain", None)
        if domain is None:
            chain = self.get("/v1/chain")
            domain = Domain(
                "CredentialRegistry", chain["chain_id"], chain["contracts"]["CredentialRegistry"]
            )
            self._credential_domain = domain
        return domain

    def anchor_signature(self, account: LocalAccount, credential: Mapping[str, Any]) -> str:
        """``account``'s ``CredentialAnchor`` signature over the credential's hash (0x hex)."""
        message = {"credentialHash": credential_hash(credential)}
        signed = sign(
            account, self.credential_domain(), "CredentialAnchor", CREDENTIAL_ANCHOR, message
        )
        return "0x" + signed.hex()

    def revocation_signature(self, account: LocalAccount, digest: str, reason: str) -> str:
        """``account``'s ``CredentialRevocation`` signature over a hash (hex) and a reason.

        Raises:
            ValueError: for a reason longer than 32 bytes of UTF-8 (a ``bytes32`` on chain).
        """
        encoded = reason.encode()
        if len(encoded) > 32:
            raise ValueError("a revocation reason is at most 32 bytes of UTF-8")
        message = {"credentialHash": bytes.fromhex(digest), "reason": encoded.ljust(32, b"\0")}
        domain = self.credential_domain()
        signed = sign(account, domain, "CredentialRevocation", CREDENTIAL_REVOCATION, message)
        return "0x" + signed.hex()

    # ------------------------------------------------------------------ issuers

    def register_issuer(
        self,
        urn: str,
        *,
        name: str,
        jurisdiction: str,
        public_key: bytes | str,
        address: str,
        idempotency_key: str | None = None,
    ) -> dict:  # type: ignore[type-arg]
        """Trust an issuer (admins): its Ed25519 public key (bytes or hex) and chain address."""
        key = public_key.hex() if isinstance(public_key, bytes) else public_key
        body = {
            "urn": urn,
            "name": name,
            "jurisdiction": jurisdiction,
            "public_key": key,
            "address": address,
        }
        return self.post("/v1/issuers", body, idempotency_key=idempotency_key)  # type: ignore[no-any-return]

    def issuers(self, *, limit: int | None = None) -> list[dict]:  # type: ignore[type-arg]
        """Every trusted issuer, following the pages (``limit`` per request)."""
        return self.pages("/v1/issuers", limit=limit)

    def issuer(self, urn: str) -> dict:  # type: ignore[type-arg]
        """One trusted issuer by URN."""
        return self.get(f"/v1/issuers/{urn}")  # type: ignore[no-any-return]

    # ------------------------------------------------------------------ credentials

    def issue_credential(
        self,
        account: LocalAccount,
        issuer_key: Ed25519PrivateKey,
        *,
        issuer: str,
        holder: str,
        credential_type: str,
        valid_from: datetime,
        valid_until: datetime | None = None,
        details: Mapping[str, Any] | None = None,
        credential_id: str | None = None,
        created: datetime | None = None,
        idempotency_key: str | None = None,
    ) -> dict:  # type: ignore[type-arg]
        """Issue a credential as ``issuer`` and have the ledger store and anchor it.

        Reads the issuer's record, signs the credential with ``issuer_key`` (Ed25519) and
        its hash with ``account`` (the issuer's chain address), then posts both. Times are
        aware and whole seconds; ``credential_id`` is a fresh ``urn:uuid:`` by default.

        Raises:
            CredentialInvalid: when ``issuer_key`` is not the issuer's, or a value breaks
                the credential's rules (checked before anything is sent).
        """
        record = self.issuer(issuer)
        trusted = Issuer(
            record["urn"],
            record["name"],
            record["jurisdiction"],
            bytes.fromhex(record["public_key"]),
        )
        document = issue(
            issuer_key,
            trusted,
            Subject(holder, dict(details or {})),
            credential_type,
            valid_from,
            valid_until,
            credential_id,
            created=created,
        )
        return self.submit_credential(account, document, idempotency_key=idempotency_key)

    def submit_credential(
        self,
        account: LocalAccount,
        credential: Mapping[str, Any],
        *,
        idempotency_key: str | None = None,
    ) -> dict:  # type: ignore[type-arg]
        """Store a credential the issuer signed already; ``account`` signs its anchor."""
        body = {
            "credential": dict(credential),
            "anchor_signature": self.anchor_signature(account, credential),
        }
        return self.post("/v1/credentials", body, idempotency_key=idempotency_key)  # type: ignore[no-any-return]

    def credentials(
        self,
        *,
        holder: str | None = None,
        issuer: str | None = None,
        status: str | None = None,
        credential_type: str | None = None,
        limit: int | None = None,
    ) -> list[dict]:  # type: ignore[type-arg]
        """Every stored credential, or those of a holder, an issuer, a status or a type."""
        return self.pages(
            "/v1/credentials",
            holder=holder,
            issuer=issuer,
            status=status,
            type=credential_type,
            limit=limit,
        )

    def credential(self, credential_id: str) -> dict:  # type: ignore[type-arg]
        """One stored credential by its ``id``."""
        return self.get(_credential_path(credential_id))  # type: ignore[no-any-return]

    def verify_credential(
        self, credential_id: str, jurisdiction: str | None = None, *, at: datetime | None = None
    ) -> dict:  # type: ignore[type-arg]
        """The verification report of a stored credential, in ``jurisdiction`` if given."""
        path = _credential_path(credential_id) + "/verification"
        return self.get(path, jurisdiction=jurisdiction, at=_when(at))  # type: ignore[no-any-return]

    def verify_presented(
        self,
        credential: Mapping[str, Any],
        jurisdiction: str | None = None,
        *,
        at: datetime | None = None,
    ) -> dict:  # type: ignore[type-arg]
        """The verification report of a credential someone presents (nothing is stored)."""
        body: dict[str, Any] = {"credential": dict(credential)}
        if jurisdiction is not None:
            body["jurisdiction"] = jurisdiction
        if at is not None:
            body["at"] = at.isoformat()
        return self.post("/v1/credential-verifications", body)  # type: ignore[no-any-return]

    def revoke_credential(
        self,
        account: LocalAccount,
        credential_id: str,
        reason: str,
        *,
        idempotency_key: str | None = None,
    ) -> dict:  # type: ignore[type-arg]
        """Revoke a stored credential for good; ``account`` (its issuer's) signs the reason.

        Raises:
            ValueError: for a reason longer than 32 bytes of UTF-8.
        """
        digest = self.credential(credential_id)["credential_hash"]
        body = {"reason": reason, "signature": self.revocation_signature(account, digest, reason)}
        path = _credential_path(credential_id) + "/revocation"
        return self.post(path, body, idempotency_key=idempotency_key)  # type: ignore[no-any-return]

    # ------------------------------------------------------------------ recognition

    def register_recognition(
        self,
        first: str,
        second: str,
        credential_type: str,
        *,
        idempotency_key: str | None = None,
    ) -> dict:  # type: ignore[type-arg]
        """Register that two jurisdictions recognise each other's credentials (admins)."""
        body = {"first": first, "second": second, "credential_type": credential_type}
        return self.post("/v1/recognitions", body, idempotency_key=idempotency_key)  # type: ignore[no-any-return]

    def recognitions(
        self,
        *,
        jurisdiction: str | None = None,
        credential_type: str | None = None,
        limit: int | None = None,
    ) -> list[dict]:  # type: ignore[type-arg]
        """Every recognition agreement, or those joining a jurisdiction or of a type."""
        return self.pages(
            "/v1/recognitions", jurisdiction=jurisdiction, type=credential_type, limit=limit
        )

    def recognition(self, recognition_id: int) -> dict:  # type: ignore[type-arg]
        """One recognition agreement by id."""
        return self.get(f"/v1/recognitions/{recognition_id}")  # type: ignore[no-any-return]
