"""Disputes on milestones and snapshots: the ``dispute`` rows against DisputeResolution.

A row names its subject by the ledger's row id (as contribution disputes do); the chain
names a milestone by its number and a snapshot by its number. Contribution disputes live
only in the ledger and are not compared; rows without a ``chain_dispute_id`` are not either.
"""

from __future__ import annotations

from sqlmodel import col, select

from ledger.chain import history
from ledger.chain.disputes import DisputeStatus
from ledger.chain.registry import Outcome
from ledger.db import Dispute, Milestone, SnapshotRecord
from ledger.reconcile._model import address_text, hex_text
from ledger.reconcile._scope import Scope

#: Subjects that exist only in the ledger.
LEDGER_ONLY_SUBJECTS = frozenset({"contribution"})


def check_disputes(scope: Scope) -> None:
    """Each row with a chain id against ``disputeOf``; ``DisputeOpened`` events of the project
    that no row names."""
    gateway, found = scope.ledger.disputes, scope.found
    rows = scope.session.exec(
        select(Dispute)
        .where(Dispute.project_id == scope.project_id)
        .where(col(Dispute.chain_dispute_id).is_not(None))
        .order_by(col(Dispute.id))
    ).all()
    for row in rows:
        if row.subject in LEDGER_ONLY_SUBJECTS:
            continue
        assert row.chain_dispute_id is not None
        ref, what = str(row.id), f"dispute {row.id} (chain dispute {row.chain_dispute_id})"
        held = gateway.dispute(row.chain_dispute_id)
        if held.status is DisputeStatus.NONE:
            found.ledger_only("dispute", ref, row.chain_dispute_id, what)
            continue
        found.compare("dispute", ref, "project", scope.chain_id, held.project_id, what)
        found.compare("dispute", ref, "subject", row.subject, held.subject.name.lower(), what)
        found.compare(
            "dispute", ref, "subject_id", _chain_subject_id(scope, row), held.subject_id, what
        )
        found.compare(
            "dispute", ref, "opened_by", address_text(row.opened_by), held.opened_by, what
        )
        evidence = hex_text(row.evidence_hash)
        found.compare("dispute", ref, "evidence_hash", evidence, hex_text(held.evidence_hash), what)
        found.compare("dispute", ref, "status", row.status, held.status.name.lower(), what)
        outcome = None if held.outcome is Outcome.NONE else held.outcome.name.lower()
        found.compare("dispute", ref, "outcome", row.outcome, outcome, what)
    named = {row.chain_dispute_id for row in rows}
    for logged in history.disputes_opened(gateway, scope.chain_id):
        event = logged.event
        if event.dispute_id not in named:
            what = (
                f"dispute {event.dispute_id} on {event.subject.name.lower()} "
                f"{event.subject_id}, opened by {event.opened_by}"
            )
            found.chain_only("dispute", event.dispute_id, what)


def _chain_subject_id(scope: Scope, row: Dispute) -> int | None:
    """The chain's id of the row's subject: the milestone's or the snapshot's number."""
    table: type[Milestone] | type[SnapshotRecord]
    if row.subject == "milestone":
        table = Milestone
    elif row.subject == "snapshot":
        table = SnapshotRecord
    else:
        return None
    subject = scope.session.get(table, row.subject_id)
    if subject is None or subject.project_id != scope.project_id:
        return None
    return subject.number
