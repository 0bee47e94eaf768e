"""Gateway to MilestoneEscrow: deposits, releases, claims (disputes: ledger.chain.disputes).

Partners sign releases and settlements with EIP-712 in each contract's own domain; the
gateways collect the signatures in the ascending signer order the contracts require. Gas
limits are explicit where the cost is known (a Merkle claim grows by about 1k gas per proof
level), which spares an estimate per transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from eth_account.signers.local import LocalAccount

from ledger.chain.contract import ContractGateway
from ledger.chain.eip712 import sign, sign_by_all, struct
from ledger.chain.gateway import Receipt
from ledger.chain.payout_tree import PayoutTree

RELEASE = struct("projectId uint256", "milestoneId uint256", "root bytes32", "total uint256")
SETTLEMENT = struct("disputeId uint256", "outcome uint8", "newRoot bytes32", "newTotal uint256")

ZERO_ROOT = bytes(32)

# Gas limits: measured costs with a margin (see docs/contracts.md, "Milestone escrow and disputes").
GAS_DEPOSIT = 200_000
GAS_RELEASE = 200_000
GAS_PER_SIGNATURE = 15_000
GAS_CLAIM = 160_000
GAS_PER_PROOF_LEVEL = 3_000
GAS_SWEEP = 120_000
GAS_REFUND = 160_000
GAS_DISPUTE = 250_000


class MilestoneStatus(IntEnum):
    PLANNED = 0
    RELEASED = 1
    SWEPT = 2
    REJECTED = 3


@dataclass(frozen=True)
class EscrowMilestone:
    """A milestone as the escrow holds it (see ``Milestone`` in IMilestoneEscrow.sol).

    ``token`` is the project's asset copied at release (the zero address for ETH); ``frozen``
    tells whether a dispute on the milestone is open.
    """

    root: bytes
    total: int
    claimed: int
    token: str
    claims_open_at: int
    claim_deadline: int
    status: MilestoneStatus
    frozen: bool
    released_at: int


@dataclass(frozen=True)
class ProjectFunds:
    """A project's books in the escrow (see ``Funds`` in IMilestoneEscrow.sol).

    Claims are counted per milestone (``EscrowMilestone.claimed``), not here: what left the
    escrow is the sum of every milestone's ``claimed`` plus ``refunded`` plus ``fees_paid``
    (see :meth:`MilestoneEscrowGateway.paid_out`).
    """

    deposited: int
    available: int
    fees_paid: int
    fees_owed: int
    refund_pool: int
    refunded: int
    funders: int
    refunded_funders: int
    open_milestones: int
    refunds_opened: bool


def _release_message(project_id: int, milestone_id: int, root: bytes, total: int) -> dict:
    return {"projectId": project_id, "milestoneId": milestone_id, "root": root, "total": total}


class MilestoneEscrowGateway(ContractGateway):
    """Fund a project, release milestones by quorum, claim payouts, sweep, refund."""

    NAME = "MilestoneEscrow"

    def bind_disputes(self, disputes: str, *, sender: LocalAccount | None = None) -> Receipt:
        """Bind the disputes contract (operator only, once)."""
        return self._chain.transact(self.bound, "bindDisputes", disputes, sender=sender)

    def deposit(self, project_id: int, amount: int, *, sender: LocalAccount) -> Receipt:
        """Deposit ``amount`` wei of ETH into a project whose asset is ETH."""
        return self._chain.transact(
            self.bound, "deposit", project_id, sender=sender, value=amount, gas=GAS_DEPOSIT
        )

    def deposit_unsigned(self, project_id: int, amount: int, sender: str) -> dict[str, Any]:
        """The ETH ``deposit`` transaction for funder ``sender`` to sign."""
        return self._chain.unsigned(
            self.bound, "deposit", project_id, sender=sender, gas=GAS_DEPOSIT, value=amount
        )

    def deposit_relayed(self, raw: bytes, project_id: int, amount: int) -> tuple[str, Receipt]:
        """Relay a funder's signed ETH ``deposit``; returns the funder and the receipt."""
        return self._chain.send_signed(self.bound, raw, "deposit", project_id, value=amount)

    def deposits_in(self, receipt: Receipt) -> list[tuple[int, str, int, int]]:
        """``(project id, funder, amount, log index)`` of each ``Deposited`` in a receipt."""
        return [
            (
                int(e["args"]["projectId"]),
                str(e["args"]["funder"]),
                int(e["args"]["amount"]),
                int(e["logIndex"]),
            )
            for e in self._chain.decode_events(self.bound, "Deposited", receipt)
        ]

    def deposit_token(self, project_id: int, amount: int, *, sender: LocalAccount) -> Receipt:
        """Deposit ERC-20 units (the escrow must be approved for them first)."""
        return self._chain.transact(
            self.bound, "depositToken", project_id, amount, sender=sender, gas=GAS_DEPOSIT
        )

    def release_signatures(
        self,
        project_id: int,
        milestone_id: int,
        root: bytes,
        total: int,
        signers: Sequence[LocalAccount],
    ) -> list[bytes]:
        """The partners' release signatures, in ascending signer order."""
        message = {
            "projectId": project_id,
            "milestoneId": milestone_id,
            "root": root,
            "total": total,
        }
        return sign_by_all(signers, self.domain, "Release", RELEASE, message)

    def arbiter_release_signature(
        self, project_id: int, milestone_id: int, root: bytes, total: int, arbiter: LocalAccount
    ) -> bytes:
        message = {
            "projectId": project_id,
            "milestoneId": milestone_id,
            "root": root,
            "total": total,
        }
        return sign(arbiter, self.domain, "Release", RELEASE, message)

    def release(
        self,
        project_id: int,
        milestone_id: int,
        root: bytes,
        total: int,
        signers: Sequence[LocalAccount],
        *,
        arbiter: LocalAccount | None = None,
        sender: LocalAccount | None = None,
    ) -> Receipt:
        """Release a milestone with the given partners' (and optionally an arbiter's) signatures."""
        signatures = self.release_signatures(project_id, milestone_id, root, total, signers)
        arbiter_sig = (
            self.arbiter_release_signature(project_id, milestone_id, root, total, arbiter)
            if arbiter
            else b""
        )
        return self.release_signed(
            project_id, milestone_id, root, total, signatures, arbiter_sig, sender=sender
        )

    def release_signed(
        self,
        project_id: int,
        milestone_id: int,
        root: bytes,
        total: int,
        signatures: Sequence[bytes],
        arbiter_signature: bytes = b"",
        *,
        sender: LocalAccount | None = None,
    ) -> Receipt:
        """Submit release signatures collected elsewhere."""
        gas = GAS_RELEASE + GAS_PER_SIGNATURE * (len(signatures) + 1)
        return self._chain.transact(
            self.bound,
            "release",
            project_id,
            milestone_id,
            root,
            total,
            list(signatures),
            arbiter_signature,
            sender=sender,
            gas=gas,
        )

    def claim(
        self,
        project_id: int,
        milestone_id: int,
        index: int,
        account: str,
        amount: int,
        proof: Sequence[bytes],
        *,
        sender: LocalAccount | None = None,
        gas: int | None = None,
    ) -> Receipt:
        """Claim one leaf; the funds go to ``account`` whoever sends it."""
        gas = gas or GAS_CLAIM + GAS_PER_PROOF_LEVEL * len(proof)
        return self._chain.transact(
            self.bound,
            "claim",
            project_id,
            milestone_id,
            index,
            account,
            amount,
            list(proof),
            sender=sender,
            gas=gas,
        )

    def claim_leaf(
        self,
        project_id: int,
        milestone_id: int,
        tree: PayoutTree,
        index: int,
        *,
        sender: LocalAccount | None = None,
    ) -> Receipt:
        """Claim leaf ``index`` of ``tree`` with its proof."""
        payout = tree.payouts[index]
        return self.claim(
            project_id,
            milestone_id,
            index,
            payout.account,
            payout.amount,
            tree.proof(index),
            sender=sender,
        )

    def sweep(
        self, project_id: int, milestone_id: int, *, sender: LocalAccount | None = None
    ) -> Receipt:
        """Return a milestone's unclaimed rest to the pool once its claim window is over."""
        return self._chain.transact(
            self.bound, "sweep", project_id, milestone_id, sender=sender, gas=GAS_SWEEP
        )

    def refund(self, project_id: int, *, sender: LocalAccount) -> Receipt:
        """Refund ``sender``'s share of a terminated project's pool."""
        return self._chain.transact(self.bound, "refund", project_id, sender=sender, gas=GAS_REFUND)

    def withdraw_fee(self, project_id: int, *, sender: LocalAccount) -> Receipt:
        """Withdraw the arbiter fees credited to ``sender`` in a project."""
        return self._chain.transact(
            self.bound, "withdrawFee", project_id, sender=sender, gas=GAS_REFUND
        )

    # ------------------------------------------------------------------ views

    def milestone(self, project_id: int, milestone_id: int) -> EscrowMilestone:
        raw = self._chain.call(self.bound, "milestoneOf", project_id, milestone_id)
        root, total, claimed, token, opens, deadline, status, frozen, released_at = raw
        return EscrowMilestone(
            bytes(root),
            total,
            claimed,
            token,
            opens,
            deadline,
            MilestoneStatus(status),
            bool(frozen),
            released_at,
        )

    def funds(self, project_id: int) -> ProjectFunds:
        raw = self._chain.call(self.bound, "fundsOf", project_id)
        return ProjectFunds(*raw)

    def paid_out(self, project_id: int, milestone_ids: Iterable[int]) -> int:
        """Everything that left the escrow for a project: claims, refunds and withdrawn fees.

        Args:
            project_id: the project.
            milestone_ids: every milestone of the project that was ever released (the escrow
                counts claims per milestone; unreleased ids add 0).

        Returns:
            ``sum(claimed) + refunded + fees_paid``, in the project's asset units.
        """
        funds = self.funds(project_id)
        claimed = sum(self.milestone(project_id, m).claimed for m in milestone_ids)
        return claimed + funds.refunded + funds.fees_paid

    def available(self, project_id: int) -> int:
        return int(self._chain.call(self.bound, "available", project_id))

    def deposit_of(self, project_id: int, funder: str) -> int:
        return int(self._chain.call(self.bound, "depositOf", project_id, funder))

    def fee_of(self, project_id: int, arbiter: str) -> int:
        return int(self._chain.call(self.bound, "feeOf", project_id, arbiter))

    def dust(self, project_id: int) -> int:
        return int(self._chain.call(self.bound, "dust", project_id))

    def is_released(self, project_id: int, milestone_id: int) -> bool:
        return bool(self._chain.call(self.bound, "isReleased", project_id, milestone_id))

    def is_claimed(self, project_id: int, milestone_id: int, index: int) -> bool:
        return bool(self._chain.call(self.bound, "isClaimed", project_id, milestone_id, index))
