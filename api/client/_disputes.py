"""The client's calls on the disputes resources (see docs/api/disputes.md)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eth_account.signers.local import LocalAccount

from api.client._base import Base

#: Fields of a prepared transaction the API sends as decimal strings (wei).
WEI_FIELDS = ("value", "maxFeePerGas", "maxPriorityFeePerGas", "gasPrice")


def unsigned(prepared: dict[str, Any]) -> dict[str, Any]:
    """A prepared transaction as eth-account signs it (wei back to integers)."""
    transaction = dict(prepared["transaction"])
    for name in WEI_FIELDS:
        if name in transaction:
            transaction[name] = int(transaction[name])
    return transaction


class DisputesApi(Base):
    """Calls on the disputes routes."""

    def _disputes(self, project_id: int) -> str:
        return f"/v1/projects/{project_id}/disputes"

    def prepare_dispute(
        self,
        project_id: int,
        opener: str,
        subject: str,
        subject_id: int,
        evidence_hash: str,
    ) -> dict[str, Any]:
        """The unsigned ``open`` transaction ``opener`` would sign, and its call."""
        body = {
            "subject": subject,
            "subject_id": subject_id,
            "opener": opener,
            "evidence_hash": evidence_hash,
        }
        return self.post(f"{self._disputes(project_id)}/prepare", body)  # type: ignore[no-any-return]

    def open_dispute(
        self,
        project_id: int,
        account: LocalAccount,
        subject: str,
        subject_id: int,
        reason: str,
        evidence_hash: str,
        *,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Open a dispute on a milestone or snapshot as partner ``account``: prepare the
        ``open`` transaction, sign it with ``account``'s key, post it."""
        prepared = self.prepare_dispute(
            project_id, account.address, subject, subject_id, evidence_hash
        )
        body = {
            "subject": subject,
            "subject_id": subject_id,
            "reason": reason,
            "evidence_hash": evidence_hash,
            "transaction": self.signer(account).transaction(unsigned(prepared)),
        }
        return self.post(  # type: ignore[no-any-return]
            self._disputes(project_id), body, idempotency_key=idempotency_key
        )

    def disputes(
        self,
        project_id: int,
        *,
        status: str | None = None,
        subject: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> dict[str, Any]:
        """One page of the project's disputes, optionally of one status or subject kind."""
        return self.get(  # type: ignore[no-any-return]
            self._disputes(project_id), status=status, subject=subject, limit=limit, cursor=cursor
        )

    def dispute(self, project_id: int, dispute_id: int) -> dict[str, Any]:
        """One dispute."""
        return self.get(f"{self._disputes(project_id)}/{dispute_id}")  # type: ignore[no-any-return]

    def propose_outcome(
        self, project_id: int, dispute_id: int, outcome: str, excluded: Sequence[int] = ()
    ) -> dict[str, Any]:
        """What ``outcome`` would do, and the ``Settlement`` every partner signs for it."""
        body = {"outcome": outcome, "excluded": list(excluded)}
        return self.post(  # type: ignore[no-any-return]
            f"{self._disputes(project_id)}/{dispute_id}/propose", body
        )

    def settle_dispute(
        self,
        project_id: int,
        dispute_id: int,
        accounts: Sequence[LocalAccount],
        outcome: str,
        excluded: Sequence[int] = (),
    ) -> dict[str, Any]:
        """Settle with ``outcome``: each of ``accounts`` (every partner) signs the proposal's
        ``Settlement``, then the settlement is posted."""
        proposal = self.propose_outcome(project_id, dispute_id, outcome, excluded)
        message = proposal["settlement"]["message"]
        signatures = [
            self.signer(account).settlement(
                message["disputeId"],
                message["outcome"],
                bytes.fromhex(message["newRoot"].removeprefix("0x")),
                int(message["newTotal"]),
            )
            for account in accounts
        ]
        return self.post_settlement(project_id, dispute_id, outcome, signatures, excluded)

    def post_settlement(
        self,
        project_id: int,
        dispute_id: int,
        outcome: str,
        signatures: Sequence[str],
        excluded: Sequence[int] = (),
    ) -> dict[str, Any]:
        """Post a settlement whose signatures were gathered elsewhere."""
        body = {"outcome": outcome, "excluded": list(excluded), "signatures": list(signatures)}
        return self.post(  # type: ignore[no-any-return]
            f"{self._disputes(project_id)}/{dispute_id}/settle", body
        )

    def prepare_ruling(
        self,
        project_id: int,
        dispute_id: int,
        arbiter: str,
        outcome: str,
        excluded: Sequence[int] = (),
        fee: int = 0,
    ) -> dict[str, Any]:
        """The unsigned ``rule`` transaction ``arbiter`` would sign, its call and proposal."""
        body = {
            "outcome": outcome,
            "excluded": list(excluded),
            "fee": str(fee),
            "arbiter": arbiter,
        }
        return self.post(  # type: ignore[no-any-return]
            f"{self._disputes(project_id)}/{dispute_id}/rule/prepare", body
        )

    def rule_dispute(
        self,
        project_id: int,
        dispute_id: int,
        arbiter_account: LocalAccount,
        outcome: str,
        excluded: Sequence[int] = (),
        fee: int = 0,
    ) -> dict[str, Any]:
        """Rule as arbiter ``arbiter_account``: prepare the ``rule`` transaction, sign it
        with the arbiter's key, post it."""
        prepared = self.prepare_ruling(
            project_id, dispute_id, arbiter_account.address, outcome, excluded, fee
        )
        body = {
            "outcome": outcome,
            "excluded": list(excluded),
            "fee": str(fee),
            "transaction": self.signer(arbiter_account).transaction(unsigned(prepared)),
        }
        return self.post(  # type: ignore[no-any-return]
            f"{self._disputes(project_id)}/{dispute_id}/rule", body
        )

    def lapse_dispute(self, project_id: int, dispute_id: int) -> dict[str, Any]:
        """After the arbitration deadline, end the dispute with the agreement's outcome."""
        return self.post(  # type: ignore[no-any-return]
            f"{self._disputes(project_id)}/{dispute_id}/lapse"
        )
