"""The client's calls on the contributions resources (see docs/api/contributions.md)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from eth_account.signers.local import LocalAccount

from api.client._base import Base


def _query(filters: dict[str, Any]) -> dict[str, Any]:
    """Query parameters: times as ISO 8601, the rest as given."""
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in filters.items()}


class ContributionsApi(Base):
    """Calls on the contributions routes.

    The calls that sign need the project's id on chain (what EIP-712 messages name): pass
    ``chain_project_id``, or the client reads it once per project from
    ``GET /v1/projects/{project_id}``.
    """

    def chain_project_id(self, project_id: int) -> int:
        """The project's id on chain, read once from ``GET /v1/projects/{project_id}``."""
        known: dict[int, int] = self.__dict__.setdefault("_chain_project_ids", {})
        if project_id not in known:
            known[project_id] = int(self.get(f"/v1/projects/{project_id}")["chain_project_id"])
        return known[project_id]

    def _on_chain(self, project_id: int, chain_project_id: int | None) -> int:
        return self.chain_project_id(project_id) if chain_project_id is None else chain_project_id

    def register_contribution(
        self,
        project_id: int,
        account: LocalAccount,
        *,
        tier: str,
        kind: str,
        value: int,
        evidence_hash: str,
        idempotency_key: str,
        asset_id: int | None = None,
        chain_project_id: int | None = None,
    ) -> dict[str, Any]:
        """Register ``account``'s contribution, signed by it (the caller must be its partner).

        A second call with the same ``idempotency_key`` and fields returns the stored
        contribution (the server answers 200 instead of 201).
        """
        signature = self.signer(account).contribution(
            self._on_chain(project_id, chain_project_id),
            tier=tier,
            kind=kind,
            value=value,
            evidence_hash=evidence_hash,
            idempotency_key=idempotency_key,
            asset_id=asset_id,
        )
        body = {
            "partner": account.address,
            "tier": tier,
            "kind": kind,
            "value": str(value),
            "evidence_hash": evidence_hash.removeprefix("0x"),
            "idempotency_key": idempotency_key,
            "asset_id": asset_id,
            "signature": signature,
        }
        return self.post(f"/v1/projects/{project_id}/contributions", body)  # type: ignore[no-any-return]

    def contributions(self, project_id: int, **filters: Any) -> dict[str, Any]:
        """One page of the project's contributions: ``items`` and ``next_cursor``.

        Filters: ``partner`` (address or number), ``tier``, ``kind``, ``status``,
        ``recorded_from``, ``recorded_to`` (datetimes), ``snapshot_id``, ``milestone``;
        and ``limit``, ``cursor``.
        """
        return self.get(f"/v1/projects/{project_id}/contributions", **_query(filters))  # type: ignore[no-any-return]

    def all_contributions(self, project_id: int, **filters: Any) -> list[dict[str, Any]]:
        """Every contribution that passes the filters, following the pages to the end."""
        return self.pages(f"/v1/projects/{project_id}/contributions", **_query(filters))

    def contribution(self, project_id: int, contribution_id: int) -> dict[str, Any]:
        """One contribution, with its attestations and disputes."""
        return self.get(f"/v1/projects/{project_id}/contributions/{contribution_id}")  # type: ignore[no-any-return]

    def attest(
        self,
        project_id: int,
        contribution_id: int,
        account: LocalAccount,
        *,
        chain_project_id: int | None = None,
    ) -> dict[str, Any]:
        """Countersign a contribution as ``account`` over the body hash the server shows."""
        shown = self.contribution(project_id, contribution_id)
        signature = self.signer(account).attestation(
            self._on_chain(project_id, chain_project_id), contribution_id, shown["body_hash"]
        )
        body = {"attester": account.address, "signature": signature}
        return self.post(  # type: ignore[no-any-return]
            f"/v1/projects/{project_id}/contributions/{contribution_id}/attestations", body
        )

    def open_contribution_dispute(
        self,
        project_id: int,
        contribution_id: int,
        account: LocalAccount,
        *,
        reason: str,
        evidence_hash: str,
        chain_project_id: int | None = None,
    ) -> dict[str, Any]:
        """Dispute a contribution as ``account``, which signs the reason's sha256."""
        reason_hash = hashlib.sha256(reason.encode("utf-8")).hexdigest()
        signature = self.signer(account).dispute(
            self._on_chain(project_id, chain_project_id),
            "contribution",
            contribution_id,
            reason_hash,
        )
        body = {
            "by": account.address,
            "reason": reason,
            "evidence_hash": evidence_hash.removeprefix("0x"),
            "signature": signature,
        }
        return self.post(  # type: ignore[no-any-return]
            f"/v1/projects/{project_id}/contributions/{contribution_id}/disputes", body
        )

    def contribution_dispute(
        self, project_id: int, contribution_id: int, dispute_id: int
    ) -> dict[str, Any]:
        """One dispute on a contribution."""
        return self.get(  # type: ignore[no-any-return]
            f"/v1/projects/{project_id}/contributions/{contribution_id}/disputes/{dispute_id}"
        )

    def settle_contribution_dispute(
        self,
        project_id: int,
        contribution_id: int,
        dispute_id: int,
        *,
        outcome: str,
        accounts: Sequence[LocalAccount] = (),
        signatures: Sequence[str] = (),
        chain_project_id: int | None = None,
    ) -> dict[str, Any]:
        """Settle a dispute: each of ``accounts`` signs the outcome here, ``signatures``
        were signed elsewhere; together the contributor's and the opener's."""
        on_chain = self._on_chain(project_id, chain_project_id)
        signed = [
            self.signer(a).contribution_settlement(on_chain, dispute_id, outcome) for a in accounts
        ]
        body = {"outcome": outcome, "signatures": [*signed, *signatures]}
        return self.post(  # type: ignore[no-any-return]
            f"/v1/projects/{project_id}/contributions/{contribution_id}"
            f"/disputes/{dispute_id}/settlement",
            body,
        )

    def rule_contribution_dispute(
        self,
        project_id: int,
        contribution_id: int,
        dispute_id: int,
        account: LocalAccount,
        *,
        outcome: str,
        chain_project_id: int | None = None,
    ) -> dict[str, Any]:
        """Rule on a dispute as the arbiter ``account``, which signs the outcome."""
        signature = self.signer(account).contribution_ruling(
            self._on_chain(project_id, chain_project_id), dispute_id, outcome
        )
        return self.post(  # type: ignore[no-any-return]
            f"/v1/projects/{project_id}/contributions/{contribution_id}"
            f"/disputes/{dispute_id}/ruling",
            {"outcome": outcome, "signature": signature},
        )

    def lapse_contribution_dispute(
        self, project_id: int, contribution_id: int, dispute_id: int
    ) -> dict[str, Any]:
        """Decide a dispute past its arbitration deadline by the agreement's lapse outcome."""
        return self.post(  # type: ignore[no-any-return]
            f"/v1/projects/{project_id}/contributions/{contribution_id}/disputes/{dispute_id}/lapse"
        )
