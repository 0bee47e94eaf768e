"""Milestones: planned, submitted (the snapshot is taken), released on chain, claimed; alerts.

- :func:`plan` adds a milestone (amount in wei, TRL target, due date).
- :func:`submit` fixes its cutoff: the snapshot is taken now, with the payout tree of the
  milestone's amount; later contributions count for the next milestone.
- :func:`release` checks the partners' EIP-712 ``Release`` signatures over (project,
  milestone, snapshot root, amount) against the agreement's quorum, checks the escrow
  holds the amount, submits the release, and anchors the record's head on chain.
- :func:`claim` claims a partner's leaf (anyone may send it; the funds go only to the
  partner's payout address) and records it from the chain's event.
- :func:`raise_overdue_alerts` records an ``alert.overdue`` entry for each milestone past
  its due date and not released, naming who is notified (the seed's dynamic alert).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from ledger import projects, snapshots
from ledger.chain import history
from ledger.chain.escrow import RELEASE
from ledger.context import Ledger
from ledger.db import Dispute, JournalEntry, Milestone, Project
from ledger.errors import ChainStateError, Conflict, NotFound, RuleViolation, Unauthorized
from ledger.recording import lock_project, publish_head, record
from ledger.signatures import partner_signatures, recover

STATES = ("planned", "submitted", "released", "disputed", "rejected")


def plan(
    session: Session,
    ledger: Ledger,
    *,
    project_id: int,
    title: str,
    amount: int,
    trl_target: int,
    due_at: datetime,
    actor: str = "admin",
) -> Milestone:
    """Add the project's next milestone.

    Raises:
        RuleViolation: naming ``title``, ``amount`` (an integer > 0), ``trl_target`` (1..9)
            or ``due_at`` (a UTC time).
    """
    if not title.strip() or len(title) > 200:
        raise RuleViolation("a milestone needs a title of 1 to 200 characters", field="title")
    if not isinstance(amount, int) or isinstance(amount, bool) or not 0 < amount < 2**256:
        raise RuleViolation("amount must be an integer number of wei > 0", field="amount")
    if not isinstance(trl_target, int) or not 1 <= trl_target <= 9:
        raise RuleViolation("trl_target must be a TRL from 1 to 9", field="trl_target")
    if due_at.tzinfo is None:
        raise RuleViolation("due_at must be a time with its zone (UTC)", field="due_at")
    project = lock_project(session, project_id)
    number = len(list_milestones(session, project_id)) + 1
    milestone = Milestone(
        project_id=project_id,
        number=number,
        title=title,
        amount=amount,
        trl_target=trl_target,
        due_at=due_at,
    )
    session.add(milestone)
    session.flush()
    record(
        session,
        ledger,
        project,
        "milestone.planned",
        {
            "amount": str(amount),
            "due_at": due_at.isoformat(),
            "number": number,
            "title": title,
            "trl_target": trl_target,
        },
        actor=actor,
    )
    return milestone


def get(session: Session, milestone_id: int) -> Milestone:
    milestone = session.get(Milestone, milestone_id)
    if milestone is None:
        raise NotFound(f"no milestone {milestone_id}", milestone_id=milestone_id)
    return milestone


def list_milestones(session: Session, project_id: int) -> list[Milestone]:
    return list(
        session.exec(
            select(Milestone)
            .where(Milestone.project_id == project_id)
            .order_by(col(Milestone.number))
        ).all()
    )


def submit(
    session: Session, ledger: Ledger, *, milestone_id: int, evidence_hash: str, actor: str
) -> Milestone:
    """Submit a planned milestone with its evidence: its snapshot is taken now.

    Raises:
        RuleViolation: unless the milestone is planned, for a malformed evidence hash, or
            when no contribution counts yet.
        Conflict: while a milestone or snapshot dispute of the project is open.
    """
    evidence = _hex32(evidence_hash, "evidence_hash")
    milestone = get(session, milestone_id)
    project = lock_project(session, milestone.project_id)
    session.refresh(milestone)
    _require_state(milestone, "planned")
    _require_no_open_dispute(session, milestone.project_id)
    snapshot = snapshots.take(
        session, ledger, project, milestone=milestone, reason=f"milestone {milestone.number}"
    )
    milestone.state = "submitted"
    milestone.evidence_hash = evidence
    milestone.snapshot_id = snapshot.id
    session.add(milestone)
    record(
        session,
        ledger,
        project,
        "milestone.submitted",
        {
            "evidence_hash": evidence,
            "number": milestone.number,
            "payout_root": snapshot.payout_root,
            "snapshot": snapshot.number,
        },
        actor=actor,
    )
    return milestone


def release_message(project: Project, milestone: Milestone, root: str) -> dict[str, object]:
    """The ``Release`` struct partners sign (the escrow's domain)."""
    return {
        "projectId": project.chain_project_id,
        "milestoneId": milestone.number,
        "root": bytes.fromhex(root),
        "total": milestone.amount,
    }


def release(
    session: Session,
    ledger: Ledger,
    *,
    milestone_id: int,
    signatures: list[str],
    arbiter_signature: str | None = None,
) -> Milestone:
    """Release a submitted milestone with a quorum of partner signatures.

    The signatures are checked here first (who signed, how many) so that a refusal names
    the problem; the escrow checks them again on chain.

    Raises:
        RuleViolation: unless the milestone is submitted, or when the escrow holds less
            than the amount.
        Unauthorized: for a signer that is not a partner, a signer twice, too few
            signatures, or a missing arbiter signature the agreement requires.
    """
    milestone = get(session, milestone_id)
    project = lock_project(session, milestone.project_id)
    session.refresh(milestone)
    _require_state(milestone, "submitted")
    assert project.chain_project_id is not None and milestone.snapshot_id is not None
    snapshot = snapshots.get(session, milestone.snapshot_id)
    assert snapshot.payout_root is not None
    spec = projects.agreement_of(session, project.id)  # type: ignore[arg-type]
    message = release_message(project, milestone, snapshot.payout_root)
    domain = ledger.escrow.domain
    members = {p.address for p in projects.partners_of(session, milestone.project_id)}
    signers = partner_signatures(
        domain,
        "Release",
        message,
        signatures,
        RELEASE,
        members,
        act="release",
        quorum=spec.quorum.partners,
    )
    arbiter_raw = b""
    if spec.quorum.arbiter or arbiter_signature:
        if not arbiter_signature:
            raise Unauthorized("the agreement requires an arbiter's signature", field="arbiter")
        who = recover(domain, "Release", message, arbiter_signature, RELEASE)
        if who not in {a.address for a in spec.arbiters}:
            raise Unauthorized(f"{who} is not an arbiter of the project", field="arbiter")
        arbiter_raw = bytes.fromhex(arbiter_signature.removeprefix("0x"))
    receipt = _released_on_chain(ledger, project.chain_project_id, milestone, snapshot.payout_root)
    if receipt is None:
        available = ledger.escrow.available(project.chain_project_id)
        if available < milestone.amount:
            raise RuleViolation(
                f"the escrow holds {available} wei, the milestone needs {milestone.amount}",
                field="amount",
                available=str(available),
            )
        receipt = ledger.escrow.release_signed(
            project.chain_project_id,
            milestone.number,
            bytes.fromhex(snapshot.payout_root),
            milestone.amount,
            signers.ordered(),
            arbiter_raw,
        )
    milestone.state = "released"
    milestone.released_tx = receipt.tx_hash
    milestone.released_block = receipt.block_number
    session.add(milestone)
    record(
        session,
        ledger,
        project,
        "milestone.released",
        {
            "amount": str(milestone.amount),
            "block": receipt.block_number,
            "number": milestone.number,
            "root": snapshot.payout_root,
            "signers": signers.addresses(),
            "tx": receipt.tx_hash,
        },
        actor="ledger",
        signature=",".join(signatures),
    )
    publish_head(session, ledger, project)
    return milestone


@dataclass(frozen=True)
class _Mined:
    """A transaction found on chain by its event (its receipt's answer was lost)."""

    tx_hash: str
    block_number: int


def _released_on_chain(
    ledger: Ledger, chain_project_id: int, milestone: Milestone, root: str
) -> _Mined | None:
    """The release of a milestone the ledger still has as submitted, if the chain has it.

    A release whose transaction was mined but whose answer was lost (the node dropped the
    connection; the process died before its commit) is adopted, not sent again: the retry
    records the chain's release. One with another root or amount is a ChainStateError.
    """
    for logged in history.milestones_released(ledger.escrow, chain_project_id):
        event = logged.event
        if event.milestone_id != milestone.number:
            continue
        if event.root.hex() != root or event.total != milestone.amount:
            raise ChainStateError(
                f"milestone {milestone.number} was released on chain with root "
                f"{event.root.hex()} and {event.total} wei, the ledger has {root} and "
                f"{milestone.amount}",
                milestone=milestone.number,
            )
        return _Mined(logged.tx_hash, logged.block_number)
    return None


def claim(session: Session, ledger: Ledger, *, milestone_id: int, partner_number: int) -> str:
    """Claim a partner's payout of a released milestone; returns the transaction hash.

    Raises:
        RuleViolation: unless the milestone is released; for an unknown partner number.
        ContractReverted: ``MilestoneEscrowAlreadyClaimed`` for a second claim.
        ChainStateError: if the chain paid something other than the snapshot says.
    """
    milestone = get(session, milestone_id)
    project = lock_project(session, milestone.project_id)
    _require_state(milestone, "released")
    assert milestone.snapshot_id is not None and project.chain_project_id is not None
    tree = snapshots.payout_tree(session, snapshots.get(session, milestone.snapshot_id))
    index = partner_number - 1
    if not 0 <= index < len(tree):
        raise RuleViolation(f"no partner {partner_number}", field="partner")
    held = ledger.escrow.milestone(project.chain_project_id, milestone.number)
    now = ledger.chain.block().timestamp
    if now < held.claims_open_at:
        raise RuleViolation(
            f"claims of milestone {milestone.number} open at {held.claims_open_at} (chain time "
            f"{now}): the dispute window is still running",
            field="milestone",
            claims_open_at=held.claims_open_at,
        )
    payout = tree.payouts[index]
    tx_hash = _claimed_on_chain(session, ledger, project, milestone, index, payout.amount)
    if tx_hash is None:
        before = held.claimed
        receipt = ledger.escrow.claim_leaf(project.chain_project_id, milestone.number, tree, index)
        after = ledger.escrow.milestone(project.chain_project_id, milestone.number).claimed
        if after - before != payout.amount:
            raise ChainStateError(
                f"the escrow paid {after - before} wei, the snapshot says {payout.amount}",
                partner=partner_number,
            )
        tx_hash = receipt.tx_hash
    record(
        session,
        ledger,
        project,
        "payout.claimed",
        {
            "account": payout.account,
            "amount": str(payout.amount),
            "milestone": milestone.number,
            "partner": partner_number,
            "tx": tx_hash,
        },
        actor="ledger",
    )
    return tx_hash


def _claimed_on_chain(
    session: Session,
    ledger: Ledger,
    project: Project,
    milestone: Milestone,
    index: int,
    amount: int,
) -> str | None:
    """The transaction of a claim the chain paid and the record lacks, if there is one.

    A claim mined while its answer was lost (the connection dropped, the process died
    before its commit) is recorded from its ``Claimed`` event when sent again, not refused.
    A claim the record already holds is left to the chain to refuse (already claimed).
    """
    assert project.chain_project_id is not None
    if not ledger.escrow.is_claimed(project.chain_project_id, milestone.number, index):
        return None
    recorded = session.exec(
        select(JournalEntry.payload)
        .where(JournalEntry.project_id == project.id)
        .where(JournalEntry.kind == "payout.claimed")
    ).all()
    for payload in recorded:
        claimed = json.loads(payload)
        if (claimed.get("milestone"), claimed.get("partner")) == (milestone.number, index + 1):
            return None
    for logged in history.claims(ledger.escrow, project.chain_project_id):
        event = logged.event
        if (event.milestone_id, event.index) == (milestone.number, index):
            if event.amount != amount:
                raise ChainStateError(
                    f"the escrow paid {event.amount} wei, the snapshot says {amount}",
                    partner=index + 1,
                )
            return logged.tx_hash
    return None


def raise_overdue_alerts(session: Session, ledger: Ledger, *, project_id: int) -> list[Milestone]:
    """Record an ``alert.overdue`` for each milestone past due and not released (once each).

    Returns:
        The milestones that became overdue now.
    """
    project = lock_project(session, project_id)
    now = ledger.clock()
    spec = projects.agreement_of(session, project_id)
    notified = [p.address for p in projects.partners_of(session, project_id)]
    notified += [a.address for a in spec.arbiters]
    raised = []
    for milestone in list_milestones(session, project_id):
        if milestone.state == "released" or milestone.overdue_at is not None:
            continue
        if milestone.due_at >= now:
            continue
        milestone.overdue_at = now
        session.add(milestone)
        record(
            session,
            ledger,
            project,
            "alert.overdue",
            {
                "due_at": milestone.due_at.isoformat(),
                "milestone": milestone.number,
                "notified": notified,
                "state": milestone.state,
            },
            actor="ledger",
        )
        raised.append(milestone)
    return raised


def _require_no_open_dispute(session: Session, project_id: int) -> None:
    """Refuse a recalculation while a milestone or snapshot of the project is disputed."""
    opened = session.exec(
        select(Dispute)
        .where(Dispute.project_id == project_id)
        .where(col(Dispute.subject).in_(("milestone", "snapshot")))
        .where(Dispute.status == "open")
    ).first()
    if opened is not None:
        raise Conflict(
            f"dispute {opened.id} on a {opened.subject} is open: the equity is under dispute "
            "until it ends",
            field="milestone",
            dispute_id=opened.id,
        )


def _require_state(milestone: Milestone, state: str) -> None:
    if milestone.state != state:
        raise RuleViolation(
            f"milestone {milestone.number} is {milestone.state}, not {state}",
            field="state",
            state=milestone.state,
        )


def _hex32(value: str, field: str) -> str:
    text = value.removeprefix("0x").lower() if isinstance(value, str) else ""
    if len(text) != 64 or any(c not in "0123456789abcdef" for c in text):
        raise RuleViolation(f"{field} must be 32 bytes of hex", field=field)
    return text
