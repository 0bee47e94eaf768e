"""A project with signed contributions and one submitted milestone, for the dispute tests."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta

from eth_account.signers.local import LocalAccount
from sqlalchemy import Engine

from ledger import disputes, funding, journal, milestones, snapshots
from ledger.context import Ledger
from ledger.db import Contribution, Dispute, Milestone, Project, session_scope
from tests.ledger.services.conftest import ARBITER, FOREIGN_A, FOREIGN_C, LOCAL_B, T0, signer
from tests.ledger.services.contribution_support import register

AMOUNT = 10**18 + 7  # odd, so rounding leaves wei to place
EVIDENCE = hashlib.sha256(b"minutes of the review meeting").hexdigest()
ONE_ETHER = 10**18


@dataclass
class Case:
    """A project whose milestone 1 is submitted, and the contributions it counts."""

    project: Project
    milestone: Milestone
    contributions: dict[str, Contribution]


def submitted_case(engine: Engine, ledger: Ledger, project: Project) -> Case:
    """Five signed contributions, milestone 1 planned and submitted, the escrow funded."""
    rows = {
        "a_core": register(engine, ledger, project, FOREIGN_A, value=500, idempotency_key="a1"),
        "b_core": register(
            engine, ledger, project, LOCAL_B, kind="labor_hours", value=400, idempotency_key="b1"
        ),
        "c_core": register(engine, ledger, project, FOREIGN_C, value=100, idempotency_key="c1"),
        "c_app": register(
            engine,
            ledger,
            project,
            FOREIGN_C,
            tier="application",
            kind="tacit_knowhow_transfer",
            value=90,
            idempotency_key="c2",
        ),
        "b_app": register(
            engine,
            ledger,
            project,
            LOCAL_B,
            tier="application",
            kind="data",
            value=30,
            idempotency_key="b2",
        ),
    }
    with session_scope(engine) as session:
        planned = milestones.plan(
            session,
            ledger,
            project_id=project.id,
            title="Prototype",
            amount=AMOUNT,
            trl_target=4,
            due_at=T0 + timedelta(days=30),
        )
    with session_scope(engine) as session:
        milestone = milestones.submit(
            session, ledger, milestone_id=planned.id, evidence_hash="ab" * 32, actor="partner:1"
        )
    receipt = ledger.escrow.deposit(project.chain_project_id, 3 * AMOUNT, sender=ledger.operator)
    with session_scope(engine) as session:  # a deposit the funder sent itself, then recorded
        funding.record_deposit(session, ledger, project_id=project.id, tx_hash=receipt.tx_hash)
    for account in (FOREIGN_A, LOCAL_B, FOREIGN_C, ARBITER):  # they send their own transactions
        ledger.chain.send_value(account.address, ONE_ETHER)
    return Case(project, milestone, {k: r.contribution for k, r in rows.items()})


def release(engine: Engine, ledger: Ledger, case: Case) -> Milestone:
    root = payout_root(engine, case.milestone.id)
    signatures = [
        signer(ledger, a).release(
            case.project.chain_project_id, case.milestone.number, bytes.fromhex(root), AMOUNT
        )
        for a in (FOREIGN_A, LOCAL_B)
    ]
    with session_scope(engine) as session:
        return milestones.release(
            session, ledger, milestone_id=case.milestone.id, signatures=signatures
        )


def payout_root(engine: Engine, milestone_id: int | None) -> str:
    with session_scope(engine) as session:
        milestone = milestones.get(session, milestone_id)  # type: ignore[arg-type]
        root = snapshots.get(session, milestone.snapshot_id).payout_root  # type: ignore[arg-type]
    assert root is not None
    return root


def payouts_of(engine: Engine, milestone_id: int | None) -> dict[int, int]:
    with session_scope(engine) as session:
        milestone = milestones.get(session, milestone_id)  # type: ignore[arg-type]
        stored = snapshots.get(session, milestone.snapshot_id).payouts  # type: ignore[arg-type]
    assert stored is not None
    return {int(k): int(v) for k, v in json.loads(stored).items()}


def opening(
    engine: Engine,
    ledger: Ledger,
    case: Case,
    account: LocalAccount,
    *,
    subject: str = "milestone",
    subject_id: int | None = None,
) -> str:
    """``account``'s signed ``open`` transaction, as the ledger prepared it."""
    with session_scope(engine) as session:
        unsigned = disputes.prepare_opening(
            session,
            ledger,
            project_id=case.project.id,  # type: ignore[arg-type]
            subject=subject,
            subject_id=subject_id or case.milestone.id,  # type: ignore[arg-type]
            opener=account.address,
            evidence_hash=EVIDENCE,
        )
    return signer(ledger, account).transaction(unsigned)


def open_dispute(
    engine: Engine,
    ledger: Ledger,
    case: Case,
    account: LocalAccount = LOCAL_B,
    *,
    subject: str = "milestone",
    subject_id: int | None = None,
    transaction: str | None = None,
) -> Dispute:
    target = subject_id or case.milestone.id
    raw = transaction or opening(engine, ledger, case, account, subject=subject, subject_id=target)
    with session_scope(engine) as session:
        return disputes.open_dispute(
            session,
            ledger,
            project_id=case.project.id,  # type: ignore[arg-type]
            subject=subject,
            subject_id=target,  # type: ignore[arg-type]
            reason="the payout counts code written before the project began",
            evidence_hash=EVIDENCE,
            transaction=raw,
        )


def settlement_signatures(
    engine: Engine,
    ledger: Ledger,
    dispute_id: int | None,
    outcome: str,
    excluded: tuple[int, ...] = (),
    accounts: tuple[LocalAccount, ...] = (FOREIGN_A, LOCAL_B, FOREIGN_C),
) -> list[str]:
    with session_scope(engine) as session:
        proposal = disputes.propose(
            session,
            ledger,
            dispute_id=dispute_id,  # type: ignore[arg-type]
            outcome=outcome,
            excluded=excluded,
        )
    message = proposal.settlement_message()
    return [
        signer(ledger, a).settlement(
            message["disputeId"], message["outcome"], message["newRoot"], message["newTotal"]
        )
        for a in accounts
    ]


def kinds(engine: Engine, project: Project) -> list[str]:
    with session_scope(engine) as session:
        return [e.kind for e in journal.entries(session, project.id)]  # type: ignore[arg-type]
