"""The client's calls on milestones, claims, funding and alerts (see docs/api/milestones.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from eth_account.signers.local import LocalAccount

from api.client._base import Base

#: Fields of a prepared transaction that the API sends as decimal strings (wei).
_WEI_FIELDS = ("value", "maxFeePerGas", "maxPriorityFeePerGas", "gasPrice")


def _base(project_id: int) -> str:
    return f"/v1/projects/{project_id}"


def _milestone(project_id: int, number: int) -> str:
    return f"{_base(project_id)}/milestones/{number}"


class MilestonesApi(Base):
    """Calls on the milestones routes."""

    # ------------------------------------------------------------------ milestones

    def plan_milestone(
        self,
        project_id: int,
        *,
        title: str,
        amount: int,
        trl_target: int,
        due_at: datetime | str,
    ) -> Any:
        """Plan the project's next milestone (``amount`` in wei, ``due_at`` with its zone)."""
        body = {
            "title": title,
            "amount": str(amount),
            "trl_target": trl_target,
            "due_at": due_at.isoformat() if isinstance(due_at, datetime) else due_at,
        }
        return self.post(f"{_base(project_id)}/milestones", body)

    def milestones(self, project_id: int, *, state: str | None = None) -> Any:
        """Every milestone of the project in number order (all pages), or those in ``state``."""
        return self.pages(f"{_base(project_id)}/milestones", state=state)

    def milestone(self, project_id: int, number: int) -> Any:
        """One milestone, by its number within the project."""
        return self.get(_milestone(project_id, number))

    def submit_milestone(self, project_id: int, number: int, evidence_hash: str) -> Any:
        """Submit a planned milestone with its evidence's hash (its snapshot is taken)."""
        return self.post(
            f"{_milestone(project_id, number)}/submission", {"evidence_hash": evidence_hash}
        )

    # ------------------------------------------------------------------ release

    def release_terms(self, project_id: int, number: int) -> Any:
        """What the partners sign to release a submitted milestone, and the quorum."""
        return self.get(f"{_milestone(project_id, number)}/release")

    def release_signatures(
        self, project_id: int, number: int, accounts: list[LocalAccount]
    ) -> list[str]:
        """Each account's ``Release`` signature over the milestone's current terms."""
        terms = self.release_terms(project_id, number)
        root = bytes.fromhex(terms["payout_root"])
        return [
            self.signer(account).release(
                terms["chain_project_id"], terms["milestone"], root, int(terms["total"])
            )
            for account in accounts
        ]

    def release_milestone(
        self,
        project_id: int,
        number: int,
        accounts: list[LocalAccount],
        *,
        arbiter: LocalAccount | None = None,
    ) -> Any:
        """Release a milestone: fetch its terms, sign them with each of ``accounts`` (and
        ``arbiter``, where the agreement needs one) and send the signatures."""
        signers = [*accounts, arbiter] if arbiter is not None else list(accounts)
        signatures = self.release_signatures(project_id, number, signers)
        body: dict[str, Any] = {"signatures": signatures[: len(accounts)]}
        if arbiter is not None:
            body["arbiter_signature"] = signatures[-1]
        return self.post(f"{_milestone(project_id, number)}/release", body)

    # ------------------------------------------------------------------ claims

    def claims(self, project_id: int, number: int) -> Any:
        """Each partner's payout of the milestone, claimed or not."""
        return self.get(f"{_milestone(project_id, number)}/claims")

    def claim(self, project_id: int, number: int, partner_number: int) -> Any:
        """Have the ledger claim partner ``partner_number``'s payout (paid to its address)."""
        return self.post(
            f"{_milestone(project_id, number)}/claims", {"partner_number": partner_number}
        )

    # ------------------------------------------------------------------ funding

    def prepare_funding(self, project_id: int, amount: int) -> Any:
        """The unsigned ``deposit`` of ``amount`` wei from this funder's own address."""
        return self.post(f"{_base(project_id)}/funding/deposits/prepare", {"amount": str(amount)})

    def fund(self, project_id: int, account: LocalAccount, amount: int) -> Any:
        """Deposit ``amount`` wei: prepare the transaction, sign it with ``account`` (the
        funder's own key) and have the ledger relay and record it; the deposits recorded."""
        unsigned = self.prepare_funding(project_id, amount)
        transaction = {
            key: int(value) if key in _WEI_FIELDS else value for key, value in unsigned.items()
        }
        raw = self.signer(account).transaction(transaction)
        return self.post(
            f"{_base(project_id)}/funding/deposits",
            {"amount": str(amount), "transaction": raw},
        )

    def record_funding(self, project_id: int, tx_hash: str) -> Any:
        """Record the deposits of a transaction the funder sent itself."""
        return self.post(f"{_base(project_id)}/funding/deposits", {"tx_hash": tx_hash})

    def funding_deposits(self, project_id: int, *, funder: str | None = None) -> Any:
        """Every recorded deposit of the project (all pages), or ``funder``'s."""
        return self.pages(f"{_base(project_id)}/funding/deposits", funder=funder)

    def funding_balance(self, project_id: int) -> Any:
        """What the escrow holds for the project and where the deposits went (from the chain)."""
        return self.get(f"{_base(project_id)}/funding/balance")

    def funding_deposit(self, project_id: int, deposit_id: int) -> Any:
        """One recorded deposit of the project."""
        return self.get(f"{_base(project_id)}/funding/deposits/{deposit_id}")

    # ------------------------------------------------------------------ alerts

    def alerts(self, project_id: int) -> Any:
        """The project's overdue alerts (all pages); raises those due now first."""
        return self.pages(f"{_base(project_id)}/alerts")
