"""Gateway to DisputeResolution: Med-Arb disputes on milestones, snapshots and contributions.

A partner opens a dispute with its own transaction: the ledger prepares the call
(:meth:`DisputeResolutionGateway.open_unsigned`), the partner signs it, and the ledger
relays it only if it is exactly that call (:meth:`~DisputeResolutionGateway.open_relayed`).
A settlement carries every partner's EIP-712 ``Settlement`` signature and anyone may send
it; an arbiter's ruling is the arbiter's own transaction, relayed the same way; a lapse
after the arbitration period may be sent by anyone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from eth_account.signers.local import LocalAccount

from ledger.chain.contract import ContractGateway
from ledger.chain.eip712 import sign_by_all
from ledger.chain.escrow import GAS_DISPUTE, GAS_PER_SIGNATURE, SETTLEMENT, ZERO_ROOT
from ledger.chain.gateway import Receipt
from ledger.chain.registry import Outcome


class Subject(IntEnum):
    MILESTONE = 0
    SNAPSHOT = 1
    CONTRIBUTION = 2


class DisputeStatus(IntEnum):
    NONE = 0
    OPEN = 1
    SETTLED = 2
    RULED = 3
    LAPSED = 4


@dataclass(frozen=True)
class Dispute:
    project_id: int
    subject_id: int
    evidence_hash: bytes
    opened_by: str
    opened_at: int
    subject: Subject
    status: DisputeStatus
    outcome: Outcome


class DisputeResolutionGateway(ContractGateway):
    """Open disputes, settle them by every partner's signature, rule as arbiter, let them lapse."""

    NAME = "DisputeResolution"

    def open_dispute(
        self,
        project_id: int,
        subject: Subject,
        subject_id: int,
        evidence_hash: bytes,
        *,
        sender: LocalAccount,
    ) -> int:
        """Open a dispute as partner ``sender``; returns its id."""
        receipt = self._chain.transact(
            self.bound,
            "open",
            project_id,
            int(subject),
            subject_id,
            evidence_hash,
            sender=sender,
            gas=GAS_DISPUTE,
        )
        (event,) = self._chain.decode_events(self.bound, "DisputeOpened", receipt)
        return int(event["args"]["disputeId"])

    def settlement_signatures(
        self,
        dispute_id: int,
        outcome: Outcome,
        new_root: bytes,
        new_total: int,
        signers: Sequence[LocalAccount],
    ) -> list[bytes]:
        message = {
            "disputeId": dispute_id,
            "outcome": int(outcome),
            "newRoot": new_root,
            "newTotal": new_total,
        }
        return sign_by_all(signers, self.domain, "Settlement", SETTLEMENT, message)

    def settle(
        self,
        dispute_id: int,
        outcome: Outcome,
        signers: Sequence[LocalAccount],
        *,
        new_root: bytes = ZERO_ROOT,
        new_total: int = 0,
        sender: LocalAccount | None = None,
    ) -> Receipt:
        """Settle with every partner's signature (mediation)."""
        sigs = self.settlement_signatures(dispute_id, outcome, new_root, new_total, signers)
        return self._chain.transact(
            self.bound,
            "settle",
            dispute_id,
            int(outcome),
            new_root,
            new_total,
            sigs,
            sender=sender,
            gas=GAS_DISPUTE + GAS_PER_SIGNATURE * len(sigs),
        )

    def rule(
        self,
        dispute_id: int,
        outcome: Outcome,
        *,
        sender: LocalAccount,
        new_root: bytes = ZERO_ROOT,
        new_total: int = 0,
        fee: int = 0,
    ) -> Receipt:
        """Rule as arbiter ``sender``, with a fee from the project's pool."""
        return self._chain.transact(
            self.bound,
            "rule",
            dispute_id,
            int(outcome),
            new_root,
            new_total,
            fee,
            sender=sender,
            gas=GAS_DISPUTE,
        )

    def lapse(self, dispute_id: int, *, sender: LocalAccount | None = None) -> Receipt:
        """Apply the agreement's lapse outcome once the arbitration period is over."""
        return self._chain.transact(self.bound, "lapse", dispute_id, sender=sender, gas=GAS_DISPUTE)

    # ------------------------------------------------------------------ relayed

    def open_unsigned(
        self, project_id: int, subject: Subject, subject_id: int, evidence_hash: bytes, sender: str
    ) -> dict[str, Any]:
        """The ``open`` transaction for partner ``sender`` to sign (see :meth:`open_relayed`)."""
        args = (project_id, int(subject), subject_id, evidence_hash)
        return self._chain.unsigned(self.bound, "open", *args, sender=sender, gas=GAS_DISPUTE)

    def open_relayed(
        self, raw: bytes, project_id: int, subject: Subject, subject_id: int, evidence_hash: bytes
    ) -> tuple[int, str, Receipt]:
        """Relay a partner's signed ``open``; returns the dispute id, the opener and the receipt.

        Raises:
            RuleViolation: unless ``raw`` is exactly this ``open`` call, signed.
            ContractReverted: ``DisputeResolution*`` refusals (nothing is sent).
        """
        args = (project_id, int(subject), subject_id, evidence_hash)
        sender, receipt = self._chain.send_signed(self.bound, raw, "open", *args)
        (event,) = self._chain.decode_events(self.bound, "DisputeOpened", receipt)
        return int(event["args"]["disputeId"]), sender, receipt

    def rule_unsigned(
        self,
        dispute_id: int,
        outcome: Outcome,
        new_root: bytes,
        new_total: int,
        fee: int,
        sender: str,
    ) -> dict[str, Any]:
        """The ``rule`` transaction for arbiter ``sender`` to sign (see :meth:`rule_relayed`)."""
        args = (dispute_id, int(outcome), new_root, new_total, fee)
        return self._chain.unsigned(self.bound, "rule", *args, sender=sender, gas=GAS_DISPUTE)

    def rule_relayed(
        self,
        raw: bytes,
        dispute_id: int,
        outcome: Outcome,
        new_root: bytes,
        new_total: int,
        fee: int,
    ) -> tuple[str, Receipt]:
        """Relay an arbiter's signed ``rule``; returns the arbiter and the receipt."""
        args = (dispute_id, int(outcome), new_root, new_total, fee)
        return self._chain.send_signed(self.bound, raw, "rule", *args)

    def settle_signed(
        self,
        dispute_id: int,
        outcome: Outcome,
        new_root: bytes,
        new_total: int,
        signatures: Sequence[bytes],
        *,
        sender: LocalAccount | None = None,
    ) -> Receipt:
        """Settle with signatures collected elsewhere, in ascending signer order."""
        return self._chain.transact(
            self.bound,
            "settle",
            dispute_id,
            int(outcome),
            new_root,
            new_total,
            list(signatures),
            sender=sender,
            gas=GAS_DISPUTE + GAS_PER_SIGNATURE * len(signatures),
        )

    def events_of(self, receipt: Receipt, event: str) -> list[dict[str, Any]]:
        """The arguments of each ``event`` (``DisputeSettled``, ``DisputeRuled`` …) in a receipt."""
        return [dict(e["args"]) for e in self._chain.decode_events(self.bound, event, receipt)]

    # ------------------------------------------------------------------ views

    def dispute(self, dispute_id: int) -> Dispute:
        raw = self._chain.call(self.bound, "disputeOf", dispute_id)
        pid, sid, evidence, by, at, subject, status, outcome = raw
        return Dispute(
            pid,
            sid,
            bytes(evidence),
            by,
            at,
            Subject(subject),
            DisputeStatus(status),
            Outcome(outcome),
        )

    def is_frozen(self, project_id: int, milestone_id: int) -> bool:
        return bool(self._chain.call(self.bound, "isFrozen", project_id, milestone_id))
