"""The client's calls on revenue (see docs/api/ip.md): payments and licence fees, and every
partner's share of them.

A payer pays with its own transaction: the client asks the server for the unsigned call,
signs it with the payer's key and posts it for the server to relay. A payment the payer
sent itself is recorded by its transaction's hash.
"""

from __future__ import annotations

from typing import Any

from eth_account.signers.local import LocalAccount

from api.client._assets import signable
from api.client._base import Base


def _project(project_id: int) -> str:
    return f"/v1/projects/{project_id}"


class RevenueApi(Base):
    """Calls on the revenue routes."""

    def prepare_licence_fee(self, project_id: int, licence_id: int) -> dict[str, Any]:
        """The unsigned ``payLicenceFee`` from this principal's own address; stores nothing."""
        return self.post(f"{_project(project_id)}/licences/{licence_id}/fee/prepare")  # type: ignore[no-any-return]

    def pay_licence_fee(
        self,
        project_id: int,
        licence_id: int,
        account: LocalAccount,
        *,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Pay a licence's fee as ``account`` (this principal's own key): prepare the
        ``payLicenceFee``, sign it with ``account``, have the server relay and record it."""
        unsigned = self.prepare_licence_fee(project_id, licence_id)
        body = {"transaction": self.signer(account).transaction(signable(unsigned))}
        return self.post(  # type: ignore[no-any-return]
            f"{_project(project_id)}/licences/{licence_id}/fee",
            body,
            idempotency_key=idempotency_key,
        )

    def record_licence_fee(self, project_id: int, licence_id: int, tx_hash: str) -> dict[str, Any]:
        """Record a licence's fee the payer paid on chain itself with ``tx_hash``."""
        return self.post(  # type: ignore[no-any-return]
            f"{_project(project_id)}/licences/{licence_id}/fee", {"tx_hash": tx_hash}
        )

    def prepare_revenue(self, project_id: int, asset_id: int, amount: int) -> dict[str, Any]:
        """The unsigned ``depositRevenue`` of ``amount`` wei from this principal's own
        address; stores nothing."""
        body = {"asset_id": asset_id, "amount": str(amount)}
        return self.post(f"{_project(project_id)}/revenue/prepare", body)  # type: ignore[no-any-return]

    def deposit_revenue(
        self,
        project_id: int,
        asset_id: int,
        account: LocalAccount,
        amount: int,
        *,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Pay ``amount`` wei of revenue for an asset as ``account`` (this principal's own
        key): prepare the ``depositRevenue``, sign it, have the server relay and record it."""
        unsigned = self.prepare_revenue(project_id, asset_id, amount)
        body = {
            "asset_id": asset_id,
            "amount": str(amount),
            "transaction": self.signer(account).transaction(signable(unsigned)),
        }
        return self.post(  # type: ignore[no-any-return]
            f"{_project(project_id)}/revenue", body, idempotency_key=idempotency_key
        )

    def record_revenue(
        self,
        project_id: int,
        asset_id: int,
        tx_hash: str,
        amount: int | None = None,
        *,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Record revenue paid on chain itself for an asset with ``tx_hash`` (``amount``
        checked if given)."""
        body: dict[str, Any] = {"asset_id": asset_id, "tx_hash": tx_hash}
        if amount is not None:
            body["amount"] = str(amount)
        return self.post(  # type: ignore[no-any-return]
            f"{_project(project_id)}/revenue", body, idempotency_key=idempotency_key
        )

    def revenue(
        self,
        project_id: int,
        *,
        asset_id: int | None = None,
        tier: str | None = None,
        payer: str | None = None,
    ) -> list[dict[str, Any]]:
        """Every revenue payment of the project (or of one asset, tier or payer), oldest first."""
        return self.pages(
            f"{_project(project_id)}/revenue", asset_id=asset_id, tier=tier, payer=payer
        )

    def payment(self, project_id: int, payment_id: int) -> dict[str, Any]:
        """One revenue payment and each partner's share of it."""
        return self.get(f"{_project(project_id)}/revenue/{payment_id}")  # type: ignore[no-any-return]

    def revenue_by_tier(self, project_id: int) -> dict[str, Any]:
        """Each tier's revenue and each partner's share of it, in wei."""
        return self.get(f"{_project(project_id)}/revenue/tiers")  # type: ignore[no-any-return]
