"""Opening a dispute on a contribution (Med-Arb, in the ledger).

While the dispute is open the contribution is ``disputed`` and counts in no snapshot.
"""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from ledger.context import Ledger
from ledger.contributions._common import acting_on, chain_id_of, domain_of
from ledger.contributions._fields import (
    check_address,
    check_digest,
    check_reason,
    check_signature,
    stored_signature,
    text_hash,
)
from ledger.db import Dispute
from ledger.errors import Conflict, RuleViolation
from ledger.journal import timestamp
from ledger.projects import agreement_of
from ledger.recording import record
from ledger.signatures import dispute_message, require_signer

SUBJECT = "contribution"


def dispute(
    session: Session,
    ledger: Ledger,
    *,
    contribution_id: int,
    by: str,
    reason: str,
    evidence_hash: str,
    signature: str,
) -> Dispute:
    """Open a dispute on a contribution, signed by the opener (EIP-712 ``DisputeOpening``).

    Only another partner of the project or one of its arbiters may open one, within the
    agreement's dispute window after the contribution was recorded. The arbitration
    deadline is the opening time plus the agreement's arbitration period.

    Raises:
        RuleViolation: for an invalid field, the contributor itself, a rejected
            contribution, or a closed dispute window.
        NotFound: for an unknown contribution.
        Unauthorized: for an opener who is neither partner nor arbiter, or a signature
            that is not the opener's.
        Conflict: while another dispute on it is open, or for an opening already heard.
    """
    opener = check_address(by, "by")
    text = check_reason(reason)
    evidence = check_digest(evidence_hash, "evidence_hash")
    check_signature(signature)
    row, project, role = acting_on(session, contribution_id, opener, field="by", act="dispute")
    if row.status == "disputed":
        raise Conflict(f"contribution {row.id} is already under dispute", field="contribution_id")
    deadlines = agreement_of(session, row.project_id).deadlines
    now = ledger.clock()
    window_end = row.recorded_at + timedelta(seconds=deadlines.dispute_window)
    if now > window_end:
        raise RuleViolation(
            f"the dispute window of contribution {row.id} closed at {timestamp(window_end)}",
            field="contribution_id",
            closed_at=timestamp(window_end),
        )
    message = dispute_message(
        project_id=chain_id_of(project),
        subject=SUBJECT,
        subject_id=contribution_id,
        reason_hash=text_hash(text),
    )
    require_signer(domain_of(ledger), "DisputeOpening", message, signature, opener)
    heard = session.exec(
        select(Dispute)
        .where(Dispute.subject == SUBJECT)
        .where(Dispute.subject_id == contribution_id)
        .where(Dispute.opened_by == opener)
        .where(Dispute.reason == text)
    ).first()
    if heard is not None:
        raise Conflict(
            f"{opener} already disputed contribution {row.id} for this reason "
            f"(dispute {heard.id}); a new dispute needs a new reason",
            field="signature",
            dispute_id=heard.id,
        )
    opened = Dispute(
        project_id=row.project_id,
        subject=SUBJECT,
        subject_id=contribution_id,
        opened_by=opener,
        reason=text,
        evidence_hash=evidence,
        deadline_at=now + timedelta(seconds=deadlines.arbitration_period),
        opened_at=now,
    )
    session.add(opened)
    row.status = "disputed"
    session.add(row)
    session.flush()
    record(
        session,
        ledger,
        project,
        "contribution.dispute_opened",
        {
            "contribution_id": contribution_id,
            "deadline_at": timestamp(opened.deadline_at),
            "dispute_id": opened.id,
            "evidence_hash": evidence,
            "opened_by": opener,
            "reason": text,
            "reason_hash": text_hash(text),
            "role": role,
        },
        actor=f"{role}:{opener}",
        signature=stored_signature(signature),
    )
    return opened
