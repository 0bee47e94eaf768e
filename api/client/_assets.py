"""The client's calls on foreground assets and their licences (see docs/api/ip.md).

A partner registers an asset with its own transaction: the client asks the server for the
unsigned ``registerAsset``, signs it with the partner's key and posts it for the server to
relay; one the partner sent itself is recorded by its hash. A licence is granted by a
quorum of partners: the client asks the server for the offer, each account signs it with
:class:`~ledger.client.Signer`, and the client sends the signatures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from eth_account.signers.local import LocalAccount

from api.client._base import Base


def _project(project_id: int) -> str:
    return f"/v1/projects/{project_id}"


class AssetsApi(Base):
    """Calls on the asset and licence routes."""

    # ------------------------------------------------------------------ assets

    def prepare_asset(self, project_id: int, tier: str, content_hash: str) -> dict[str, Any]:
        """The unsigned ``registerAsset`` from this principal's own address; stores nothing."""
        body = {"tier": tier, "content_hash": content_hash}
        return self.post(f"{_project(project_id)}/assets/prepare", body)  # type: ignore[no-any-return]

    def register_asset(
        self,
        project_id: int,
        account: LocalAccount,
        tier: str,
        title: str,
        content_hash: str,
        *,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Register an asset as partner ``account`` (this principal's own key): prepare the
        ``registerAsset``, sign it with ``account``, have the server relay and record it."""
        unsigned = self.prepare_asset(project_id, tier, content_hash)
        body = {
            "tier": tier,
            "title": title,
            "content_hash": content_hash,
            "transaction": self.signer(account).transaction(signable(unsigned)),
        }
        return self.post(  # type: ignore[no-any-return]
            f"{_project(project_id)}/assets", body, idempotency_key=idempotency_key
        )

    def record_asset(
        self,
        project_id: int,
        *,
        tier: str,
        title: str,
        content_hash: str,
        tx_hash: str,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Record an asset a partner registered on chain itself with transaction ``tx_hash``."""
        body = {"tier": tier, "title": title, "content_hash": content_hash, "tx_hash": tx_hash}
        return self.post(  # type: ignore[no-any-return]
            f"{_project(project_id)}/assets", body, idempotency_key=idempotency_key
        )

    def assets(self, project_id: int, *, tier: str | None = None) -> list[dict[str, Any]]:
        """Every foreground asset of the project, oldest first."""
        return self.pages(f"{_project(project_id)}/assets", tier=tier)

    def asset(self, project_id: int, asset_id: int) -> dict[str, Any]:
        """One foreground asset, with each partner's ownership in bps."""
        return self.get(f"{_project(project_id)}/assets/{asset_id}")  # type: ignore[no-any-return]

    # ------------------------------------------------------------------ licences

    def licence_offer(
        self,
        project_id: int,
        asset_id: int,
        licensee: str,
        territory: str,
        industry: str,
        fee: int,
    ) -> dict[str, Any]:
        """The offer a quorum signs for this licence (checked against the agreement)."""
        body = _licence_body(licensee, territory, industry, fee)
        return self.post(f"{_project(project_id)}/assets/{asset_id}/licences/prepare", body)  # type: ignore[no-any-return]

    def grant_licence(
        self,
        project_id: int,
        asset_id: int,
        licensee: str,
        territory: str,
        industry: str,
        fee: int,
        accounts: Sequence[LocalAccount],
    ) -> dict[str, Any]:
        """Grant a licence: each of ``accounts`` (a quorum of partners) signs the offer."""
        offer = self.licence_offer(project_id, asset_id, licensee, territory, industry, fee)
        signatures = [self.signer(a).licence(**licence_message(offer)) for a in accounts]
        body = {**_licence_body(licensee, territory, industry, fee), "signatures": signatures}
        return self.post(f"{_project(project_id)}/assets/{asset_id}/licences", body)  # type: ignore[no-any-return]

    def licences(
        self,
        project_id: int,
        *,
        asset_id: int | None = None,
        licensee: str | None = None,
        state: str | None = None,
    ) -> list[dict[str, Any]]:
        """Every licence of the project (or of one asset), oldest first."""
        return self.pages(
            f"{_project(project_id)}/licences", asset_id=asset_id, licensee=licensee, state=state
        )

    def licence(self, project_id: int, licence_id: int) -> dict[str, Any]:
        """One licence."""
        return self.get(f"{_project(project_id)}/licences/{licence_id}")  # type: ignore[no-any-return]


# ---------------------------------------------------------------------- what is signed

#: Fields of a prepared transaction the API sends as decimal strings (wei).
_WEI_FIELDS = ("value", "maxFeePerGas", "maxPriorityFeePerGas", "gasPrice")


def signable(unsigned: Mapping[str, Any]) -> dict[str, Any]:
    """A prepared transaction as ``Signer.transaction`` takes it (wei back to integers)."""
    return {key: int(value) if key in _WEI_FIELDS else value for key, value in unsigned.items()}


def licence_message(offer: Mapping[str, Any]) -> dict[str, Any]:
    """``Signer.licence``'s arguments from a licence offer."""
    return {**offer, "fee": int(offer["fee"])}


def _licence_body(licensee: str, territory: str, industry: str, fee: int) -> dict[str, Any]:
    return {"licensee": licensee, "territory": territory, "industry": industry, "fee": str(fee)}
