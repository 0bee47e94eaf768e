"""Opening a dispute: the partner's own transaction, checked by the ledger, then relayed."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from ledger import projects
from ledger.chain.gateway import transaction_sender
from ledger.context import Ledger
from ledger.db import Dispute
from ledger.disputes._fields import (
    SUBJECT_CODES,
    chain_id_of,
    digest,
    raw_transaction,
    reason_text,
    utc,
)
from ledger.disputes._subjects import (
    require_partner,
    target_of,
)
from ledger.recording import lock_project, record


def prepare_opening(
    session: Session,
    ledger: Ledger,
    *,
    project_id: int,
    subject: str,
    subject_id: int,
    opener: str,
    evidence_hash: str,
) -> dict[str, Any]:
    """The ``open`` transaction partner ``opener`` signs to dispute a milestone or snapshot.

    Raises:
        NotFound: for an unknown project, milestone or snapshot.
        RuleViolation, Conflict, Unauthorized: as :func:`open_dispute` would.
    """
    project = projects.get_project(session, project_id)
    target = target_of(session, ledger, project, subject, subject_id)
    require_partner(session, project_id, opener, "opener")
    return ledger.disputes.open_unsigned(
        chain_id_of(project), SUBJECT_CODES[subject], target.number, digest(evidence_hash), opener
    )


def open_dispute(
    session: Session,
    ledger: Ledger,
    *,
    project_id: int,
    subject: str,
    subject_id: int,
    reason: str,
    evidence_hash: str,
    transaction: str,
) -> Dispute:
    """Relay a partner's signed ``open`` transaction and record the dispute it opened.

    Raises:
        RuleViolation: for a bad field, a subject not open to dispute (a planned or rejected
            milestone, a snapshot past its window, superseded, or of a released milestone),
            or a transaction that is not exactly the expected ``open`` call.
        Unauthorized: when the transaction's signer is not a partner.
        Conflict: while the subject is under dispute already.
        ContractReverted: when the chain refuses (e.g. the milestone's claims are open).
    """
    text = reason_text(reason)
    evidence = digest(evidence_hash)
    raw = raw_transaction(transaction)
    opener = transaction_sender(raw)
    project = lock_project(session, project_id)
    target = target_of(session, ledger, project, subject, subject_id)
    require_partner(session, project_id, opener, "transaction")
    chain_dispute, _, receipt = ledger.disputes.open_relayed(
        raw, chain_id_of(project), SUBJECT_CODES[subject], target.number, evidence
    )
    held = ledger.disputes.dispute(chain_dispute)
    terms = projects.agreement_of(session, project_id).deadlines
    row = Dispute(
        project_id=project_id,
        subject=subject,
        subject_id=subject_id,
        opened_by=opener,
        reason=text,
        evidence_hash=evidence.hex(),
        chain_dispute_id=chain_dispute,
        deadline_at=utc(held.opened_at + terms.arbitration_period),
        opened_at=ledger.clock(),
    )
    session.add(row)
    if target.milestone is not None:
        target.milestone.state = "disputed"
        session.add(target.milestone)
    session.flush()
    record(
        session,
        ledger,
        project,
        "dispute.opened",
        {
            "chain_dispute_id": chain_dispute,
            "deadline_at": row.deadline_at.isoformat(),
            "dispute_id": row.id,
            "evidence_hash": row.evidence_hash,
            "number": target.number,
            "opened_by": opener,
            "reason": text,
            "subject": subject,
            "tx": receipt.tx_hash,
        },
        actor=f"partner:{opener}",
        signature=transaction,
    )
    return row
