"""Ending a dispute once: by settlement, by an arbiter's ruling, or by lapse."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlmodel import Session

from ledger import projects, snapshots
from ledger.chain.disputes import Outcome
from ledger.chain.escrow import SETTLEMENT
from ledger.chain.gateway import transaction_sender
from ledger.context import Ledger
from ledger.db import Contribution, Dispute, Project
from ledger.disputes._fields import (
    OUTCOME_CODES,
    fee_amount,
    raw_transaction,
)
from ledger.disputes._proposals import Proposal, check_event, proposal_for
from ledger.disputes._subjects import (
    current,
    open_row,
    require_arbiter,
)
from ledger.errors import ChainStateError
from ledger.recording import lock_project, publish_head, record
from ledger.signatures import partner_signatures


def settle(
    session: Session,
    ledger: Ledger,
    *,
    dispute_id: int,
    outcome: str,
    excluded: Sequence[int] = (),
    signatures: Sequence[str],
) -> Dispute:
    """Settle by mediation: every partner signed the proposal's ``Settlement``.

    Raises:
        Unauthorized: for a signer who is not a partner, a partner twice or one missing.
        RuleViolation, Conflict: as :func:`propose`.
        ContractReverted: when the chain refuses.
    """
    row = open_row(session, dispute_id)
    project = lock_project(session, row.project_id)
    session.refresh(row)
    proposal = proposal_for(session, ledger, project, row, outcome, excluded)
    members = {p.address for p in projects.partners_of(session, row.project_id)}
    signed = partner_signatures(
        ledger.disputes.domain,
        "Settlement",
        proposal.settlement_message(),
        signatures,
        SETTLEMENT,
        members,
        act="settlement",
        everyone=True,
    )
    receipt = ledger.disputes.settle_signed(
        proposal.chain_dispute_id,
        OUTCOME_CODES[proposal.outcome],
        bytes.fromhex(proposal.new_root),
        proposal.new_total,
        signed.ordered(),
    )
    (event,) = ledger.disputes.events_of(receipt, "DisputeSettled")
    check_event(proposal, event)
    return _resolve(
        session,
        ledger,
        project,
        row,
        proposal,
        status="settled",
        actor="parties",
        extra={"signers": signed.addresses(), "tx": receipt.tx_hash},
        signature=",".join(signatures),
    )


def prepare_ruling(
    session: Session,
    ledger: Ledger,
    *,
    dispute_id: int,
    outcome: str,
    excluded: Sequence[int] = (),
    fee: int = 0,
    arbiter: str,
) -> tuple[Proposal, dict[str, Any]]:
    """The proposal and the ``rule`` transaction arbiter ``arbiter`` signs.

    Raises:
        Unauthorized: unless ``arbiter`` is an arbiter of the project.
        RuleViolation, Conflict: as :func:`propose`, and for a negative fee.
    """
    row = open_row(session, dispute_id)
    project = projects.get_project(session, row.project_id)
    require_arbiter(session, row.project_id, arbiter, "arbiter")
    proposal = proposal_for(session, ledger, project, row, outcome, excluded)
    unsigned = ledger.disputes.rule_unsigned(
        proposal.chain_dispute_id,
        OUTCOME_CODES[proposal.outcome],
        bytes.fromhex(proposal.new_root),
        proposal.new_total,
        fee_amount(fee),
        arbiter,
    )
    return proposal, unsigned


def rule(
    session: Session,
    ledger: Ledger,
    *,
    dispute_id: int,
    outcome: str,
    excluded: Sequence[int] = (),
    fee: int = 0,
    transaction: str,
) -> Dispute:
    """Relay an arbiter's signed ``rule`` transaction and record the ruling.

    Raises:
        Unauthorized: when the transaction's signer is not an arbiter of the project.
        RuleViolation: as :func:`propose`, or for a transaction that is not exactly the
            ``rule`` call of this proposal and fee.
        ContractReverted: e.g. past the arbitration deadline or a fee above the cap.
    """
    raw = raw_transaction(transaction)
    arbiter = transaction_sender(raw)
    amount = fee_amount(fee)
    row = open_row(session, dispute_id)
    project = lock_project(session, row.project_id)
    session.refresh(row)
    require_arbiter(session, row.project_id, arbiter, "transaction")
    proposal = proposal_for(session, ledger, project, row, outcome, excluded)
    _, receipt = ledger.disputes.rule_relayed(
        raw,
        proposal.chain_dispute_id,
        OUTCOME_CODES[proposal.outcome],
        bytes.fromhex(proposal.new_root),
        proposal.new_total,
        amount,
    )
    (event,) = ledger.disputes.events_of(receipt, "DisputeRuled")
    check_event(proposal, event)
    return _resolve(
        session,
        ledger,
        project,
        row,
        proposal,
        status="ruled",
        actor=f"arbiter:{arbiter}",
        extra={"fee": str(amount), "tx": receipt.tx_hash},
        signature=transaction,
    )


def lapse(session: Session, ledger: Ledger, *, dispute_id: int) -> Dispute:
    """After the arbitration deadline, resolve with the agreement's lapse outcome.

    Raises:
        Conflict: when the dispute is not open.
        ContractReverted: ``DisputeResolutionArbitrationRunning`` before the deadline.
    """
    row = open_row(session, dispute_id)
    project = lock_project(session, row.project_id)
    session.refresh(row)
    assert row.chain_dispute_id is not None
    receipt = ledger.disputes.lapse(row.chain_dispute_id)
    (event,) = ledger.disputes.events_of(receipt, "DisputeLapsed")
    outcome = {v: k for k, v in OUTCOME_CODES.items()}[Outcome(event["outcome"])]
    proposal = proposal_for(session, ledger, project, row, outcome, ())
    return _resolve(
        session,
        ledger,
        project,
        row,
        proposal,
        status="lapsed",
        actor="ledger",
        extra={"tx": receipt.tx_hash},
        signature=None,
    )


def _resolve(
    session: Session,
    ledger: Ledger,
    project: Project,
    row: Dispute,
    proposal: Proposal,
    *,
    status: str,
    actor: str,
    extra: dict[str, Any],
    signature: str | None,
) -> Dispute:
    """Apply the outcome the chain recorded: statuses, the superseding snapshot, the entry."""
    target = current(session, row)
    milestone, outcome = target.milestone, proposal.outcome
    superseding = None
    if outcome == "replace":
        for contribution_id in proposal.excluded:
            contribution = session.get(Contribution, contribution_id)
            assert contribution is not None
            contribution.status = "rejected"
            session.add(contribution)
        session.flush()
        superseding = snapshots.take(
            session,
            ledger,
            project,
            milestone=milestone,
            reason=f"dispute {row.id} ({status})",
            supersedes=target.snapshot,
        )
        expected = proposal.new_root if proposal.payouts is not None else None
        if superseding.payout_root != expected:
            raise ChainStateError(
                "the superseding snapshot differs from the proposal the chain recorded",
                dispute_id=row.id,
            )
    if milestone is not None:
        if superseding is not None:
            milestone.snapshot_id = superseding.id
        if outcome == "reject" and row.subject == "snapshot":
            milestone.state, milestone.snapshot_id = "planned", None
        elif outcome == "reject":
            milestone.state = "rejected"
        else:
            milestone.state = "released" if milestone.released_tx else "submitted"
        session.add(milestone)
    row.status, row.outcome, row.closed_at = status, outcome, ledger.clock()
    row.resolution = json.dumps(
        {"excluded": list(proposal.excluded), "new_root": proposal.new_root, **extra},
        sort_keys=True,
    )
    session.add(row)
    session.flush()
    record(
        session,
        ledger,
        project,
        f"dispute.{status}",
        {
            "chain_dispute_id": row.chain_dispute_id,
            "dispute_id": row.id,
            "excluded": list(proposal.excluded),
            "milestone_state": milestone.state if milestone else None,
            "new_root": proposal.new_root,
            "new_total": str(proposal.new_total),
            "outcome": outcome,
            "snapshot": superseding.number if superseding else None,
            "subject": row.subject,
            **extra,
        },
        actor=actor,
        signature=signature,
    )
    if milestone is not None and milestone.released_tx:
        publish_head(session, ledger, project)
    return row
