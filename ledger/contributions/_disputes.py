"""Deciding a dispute on a contribution: by settlement, by an arbiter's ruling, or by lapse.

``uphold`` makes the contribution ``accepted`` again, ``reject`` makes it ``rejected`` for
good. Disputes on milestones and snapshots go on chain and are not handled here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from sqlmodel import Session

from ledger.context import Ledger
from ledger.contributions._common import chain_id_of, contributor_of, domain_of, role_of
from ledger.contributions._fields import (
    OUTCOMES,
    RESOLUTIONS,
    check_choice,
    check_signature,
    stored_signature,
)
from ledger.contributions._queries import get, get_dispute
from ledger.db import Contribution, Dispute, Project
from ledger.errors import Conflict, RuleViolation, Unauthorized
from ledger.journal import canonical, timestamp
from ledger.projects import agreement_of
from ledger.recording import lock_project, record
from ledger.signatures import contribution_resolution_message, recover


def resolve_contribution_dispute(
    session: Session,
    ledger: Ledger,
    *,
    dispute_id: int,
    outcome: str,
    by: str,
    signatures: Sequence[str],
) -> Dispute:
    """Decide an open dispute on a contribution by settlement or by an arbiter's ruling.

    ``settlement``: the contributor and the opener both sign ``ContributionSettlement``
    (at any time while the dispute is open). ``ruling``: one arbiter of the project, not
    the opener, signs ``ContributionRuling`` by the arbitration deadline.

    Raises:
        RuleViolation: for an unknown outcome or way, a ruling past the deadline or by the
            opener, or not exactly one ruling signature.
        NotFound: for an unknown dispute or one that is not on a contribution.
        Unauthorized: for a signature by anyone else, or a party's signature missing.
        Conflict: if the dispute was already decided.
    """
    decided = check_choice(outcome, "outcome", OUTCOMES)
    way = check_choice(by, "by", RESOLUTIONS)
    if isinstance(signatures, str) or not signatures:
        raise RuleViolation("signatures must be a non-empty list", field="signatures")
    for signature in signatures:
        check_signature(signature)
    case = _open_case(session, dispute_id)
    message = contribution_resolution_message(
        project_id=chain_id_of(case.project), dispute_id=dispute_id, outcome=decided
    )
    if way == "settlement":
        signers = _settlement_signers(session, ledger, case, message, signatures)
        status, actor = "settled", "parties"
    else:
        signers = _ruling_signer(session, ledger, case, message, signatures)
        status, actor = "ruled", f"arbiter:{signers[0]}"
    return _close(session, ledger, case, decided, status, actor, signers, signatures)


def lapse_contribution_dispute(session: Session, ledger: Ledger, *, dispute_id: int) -> Dispute:
    """After the arbitration deadline, decide an open dispute by the agreement's lapse outcome.

    Anyone may ask for it; the record names the ledger as the actor.

    Raises:
        NotFound: for an unknown dispute or one that is not on a contribution.
        RuleViolation: before the deadline has passed.
        Conflict: if the dispute was already decided.
    """
    case = _open_case(session, dispute_id)
    now = ledger.clock()
    if now <= case.dispute.deadline_at:
        raise RuleViolation(
            f"dispute {dispute_id} can be ruled on until {timestamp(case.dispute.deadline_at)}",
            field="dispute_id",
            deadline_at=timestamp(case.dispute.deadline_at),
        )
    outcome = agreement_of(session, case.project.id or 0).deadlines.lapse_outcome
    return _close(session, ledger, case, outcome, "lapsed", "ledger", [], [])


class _Case(NamedTuple):
    dispute: Dispute
    project: Project
    contribution: Contribution


def _open_case(session: Session, dispute_id: int) -> _Case:
    """The open dispute, its project (locked) and its contribution, read after the lock."""
    opened = get_dispute(session, dispute_id)
    project = lock_project(session, opened.project_id)
    session.refresh(opened)
    if opened.status != "open":
        raise Conflict(
            f"dispute {dispute_id} was already {opened.status}",
            field="dispute_id",
            status=opened.status,
        )
    row = get(session, opened.subject_id)
    session.refresh(row)
    return _Case(opened, project, row)


def _settlement_signers(
    session: Session,
    ledger: Ledger,
    case: _Case,
    message: dict[str, object],
    signatures: Sequence[str],
) -> list[str]:
    """The two parties, when they and nobody else signed the settlement."""
    parties = {contributor_of(session, case.contribution), case.dispute.opened_by}
    domain = domain_of(ledger)
    signers = sorted({recover(domain, "ContributionSettlement", message, s) for s in signatures})
    strangers = [s for s in signers if s not in parties]
    if strangers:
        raise Unauthorized(
            f"{strangers[0]} signed the settlement but is not a party to the dispute",
            field="signatures",
        )
    missing = sorted(parties - set(signers))
    if missing:
        raise Unauthorized(
            f"both parties must sign the settlement; missing {', '.join(missing)}",
            field="signatures",
            missing=missing,
        )
    return signers


def _ruling_signer(
    session: Session,
    ledger: Ledger,
    case: _Case,
    message: dict[str, object],
    signatures: Sequence[str],
) -> list[str]:
    """The arbiter who signed the ruling, when it may rule now."""
    if len(signatures) != 1:
        raise RuleViolation("a ruling carries one arbiter's signature", field="signatures")
    arbiter = recover(domain_of(ledger), "ContributionRuling", message, signatures[0])
    project_id = case.dispute.project_id
    if role_of(session, project_id, arbiter) != "arbiter":
        raise Unauthorized(
            f"{arbiter} is not an arbiter of project {project_id}", field="signatures"
        )
    if arbiter == case.dispute.opened_by:
        raise RuleViolation("an arbiter cannot rule on a dispute it opened", field="signatures")
    deadline = case.dispute.deadline_at
    if ledger.clock() > deadline:
        raise RuleViolation(
            f"the arbitration deadline of dispute {case.dispute.id} passed at "
            f"{timestamp(deadline)}; it can be settled or lapse",
            field="dispute_id",
            deadline_at=timestamp(deadline),
        )
    return [arbiter]


def _close(
    session: Session,
    ledger: Ledger,
    case: _Case,
    outcome: str,
    status: str,
    actor: str,
    signers: list[str],
    signatures: Sequence[str],
) -> Dispute:
    """Record the decision: the dispute closed, the contribution accepted or rejected."""
    opened, row = case.dispute, case.contribution
    kept = [stored_signature(s) for s in signatures]
    opened.status = status
    opened.outcome = outcome
    opened.closed_at = ledger.clock()
    opened.resolution = canonical({"by": status, "signers": signers, "signatures": kept})
    row.status = "accepted" if outcome == "uphold" else "rejected"
    session.add(opened)
    session.add(row)
    session.flush()
    record(
        session,
        ledger,
        case.project,
        f"contribution.dispute_{status}",
        {
            "contribution_id": row.id,
            "contribution_status": row.status,
            "dispute_id": opened.id,
            "outcome": outcome,
            "signers": signers,
        },
        actor=actor,
        signature=",".join(kept) or None,
    )
    return opened
