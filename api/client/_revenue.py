"""The client's calls on revenue (see docs/api/ip.md): payments and licence fees made on
chain, recorded by their transaction's hash, and every partner's share of them."""

from __future__ import annotations

from typing import Any

from api.client._base import Base


def _project(project_id: int) -> str:
    return f"/v1/projects/{project_id}"


class RevenueApi(Base):
    """Calls on the revenue routes."""

    def record_licence_fee(self, project_id: int, licence_id: int, tx_hash: str) -> dict[str, Any]:
        """Record a licence's fee the licensee paid on chain with ``tx_hash``."""
        return self.post(  # type: ignore[no-any-return]
            f"{_project(project_id)}/licences/{licence_id}/fee", {"tx_hash": tx_hash}
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
        """Record revenue paid on chain for an asset with ``tx_hash`` (``amount`` checked)."""
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
