"""Milestones: submitted with a snapshot, released by quorum on chain, claimed, alerted."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount
from sqlalchemy import Engine

from ledger import audit, journal, milestones, snapshots
from ledger.agreements import Deadlines
from ledger.context import Ledger
from ledger.db import Milestone, Project, session_scope
from ledger.errors import (
    ChainStateError,
    ChainUnavailable,
    ContractReverted,
    RuleViolation,
    Unauthorized,
)
from tests.contracts.conftest import key
from tests.ledger.services.conftest import (
    FOREIGN_A,
    FOREIGN_C,
    LOCAL_B,
    PARTIES,
    T0,
    Clock,
    signer,
)
from tests.ledger.services.contribution_support import contribute

AMOUNT = 10**18 + 7  # odd, so rounding leaves wei to place
DUE = T0 + timedelta(days=30)
CLAIMS_OPEN = Deadlines().dispute_window + 1  # seconds after a release (the default window)


# ---------------------------------------------------------------------- the steps


def plan(engine: Engine, ledger: Ledger, project: Project, **changes: Any) -> Milestone:
    """Plan the project's next milestone: "Prototype", AMOUNT wei, TRL 4, due at DUE."""
    arguments = {"title": "Prototype", "amount": AMOUNT, "trl_target": 4, "due_at": DUE}
    with session_scope(engine) as session:
        return milestones.plan(session, ledger, project_id=project.id, **arguments | changes)


def submit(engine: Engine, ledger: Ledger, milestone: Milestone, actor: str) -> Milestone:
    with session_scope(engine) as session:
        return milestones.submit(
            session, ledger, milestone_id=milestone.id, evidence_hash="ab" * 32, actor=actor
        )


def fund(ledger: Ledger, project: Project, amount: int) -> None:
    """Deposit into the project's escrow, the operator acting as funder."""
    ledger.escrow.deposit(project.chain_project_id, amount, sender=ledger.operator)


def sign_release(
    engine: Engine, ledger: Ledger, project: Project, milestone: Milestone, *by: LocalAccount
) -> list[str]:
    """The ``Release`` signature of each of ``by`` over the milestone's payout root and amount."""
    with session_scope(engine) as session:
        root = snapshots.get(session, milestone.snapshot_id).payout_root
    return [
        signer(ledger, account).release(
            project.chain_project_id, milestone.number, bytes.fromhex(root), milestone.amount
        )
        for account in by
    ]


def release(
    engine: Engine, ledger: Ledger, milestone: Milestone, signatures: list[str]
) -> Milestone:
    with session_scope(engine) as session:
        return milestones.release(session, ledger, milestone_id=milestone.id, signatures=signatures)


def claim(engine: Engine, ledger: Ledger, milestone: Milestone, partner_number: int) -> str:
    with session_scope(engine) as session:
        return milestones.claim(
            session, ledger, milestone_id=milestone.id, partner_number=partner_number
        )


def lose_the_answer(monkeypatch: pytest.MonkeyPatch, gateway: Any, method: str) -> list[Any]:
    """``gateway.method`` sends its transaction, then fails as if the connection dropped
    before the receipt came back; the receipts it got, for the test to compare."""
    real, mined = getattr(gateway, method), []

    def lost(*args: Any, **kwargs: Any) -> Any:
        mined.append(real(*args, **kwargs))
        raise ChainUnavailable("the connection dropped before the receipt")

    monkeypatch.setattr(gateway, method, lost)
    return mined


def state_of(engine: Engine, milestone: Milestone) -> str:
    with session_scope(engine) as session:
        return milestones.get(session, milestone.id).state


def raise_alerts(engine: Engine, ledger: Ledger, project: Project) -> list[int]:
    """Numbers of the milestones that became overdue now."""
    with session_scope(engine) as session:
        raised = milestones.raise_overdue_alerts(session, ledger, project_id=project.id)
        return [m.number for m in raised]


def balances(ledger: Ledger) -> list[int]:
    """The balances of partners 1, 2 and 3 (the parties in joining order)."""
    return [ledger.chain.balance(account.address) for account in PARTIES]


# ---------------------------------------------------------------------- fixtures


@pytest.fixture
def project(engine: Engine, ledger: Ledger, make_project: Callable[..., Project]) -> Project:
    """The Sino-German project with contributions in its core and application tiers."""
    project = make_project()
    contribute(engine, ledger, project, FOREIGN_A, "core", "code", 500)
    contribute(engine, ledger, project, LOCAL_B, "core", "labor_hours", 400)
    contribute(engine, ledger, project, FOREIGN_C, "application", "tacit_knowhow_transfer", 90)
    contribute(engine, ledger, project, LOCAL_B, "application", "data", 30)
    return project


@pytest.fixture
def submitted(engine: Engine, ledger: Ledger, project: Project) -> Milestone:
    """The project's first milestone, submitted (its snapshot taken); the escrow is empty."""
    return submit(engine, ledger, plan(engine, ledger, project), actor="partner:1")


@pytest.fixture
def funded(ledger: Ledger, project: Project, submitted: Milestone) -> Milestone:
    """The submitted milestone, with twice its amount in the escrow."""
    fund(ledger, project, 2 * AMOUNT)
    return submitted


# ---------------------------------------------------------------------- tests


def test_release_and_claims_pay_the_snapshot_to_the_wei(
    engine: Engine, ledger: Ledger, project: Project, funded: Milestone
) -> None:
    signatures = sign_release(engine, ledger, project, funded, FOREIGN_A, LOCAL_B)
    assert release(engine, ledger, funded, signatures).state == "released"
    with pytest.raises(RuleViolation, match="dispute window"):
        claim(engine, ledger, funded, 1)
    ledger.chain.advance_time(CLAIMS_OPEN)
    before = balances(ledger)
    for number in (1, 2, 3):
        claim(engine, ledger, funded, number)
    paid = [after - earlier for after, earlier in zip(balances(ledger), before, strict=True)]
    with session_scope(engine) as session:
        payouts = json.loads(snapshots.get(session, funded.snapshot_id).payouts)
        entries = journal.entries(session, project.id)
    assert paid == [int(payouts[n]) for n in ("1", "2", "3")]
    assert sum(paid) == AMOUNT
    # the head was anchored when the milestone was released
    anchored = ledger.anchor.latest(project.chain_project_id)
    assert anchored is not None
    release_seq = next(e.seq for e in entries if e.kind == "milestone.released")
    assert anchored.tree_size == release_seq < len(entries)
    with pytest.raises(ContractReverted) as caught:
        claim(engine, ledger, funded, 1)
    assert "Claimed" in caught.value.fields["error"]


def test_release_needs_a_quorum_of_partner_signatures(
    engine: Engine, ledger: Ledger, project: Project, funded: Milestone
) -> None:
    one = sign_release(engine, ledger, project, funded, FOREIGN_A)
    with pytest.raises(Unauthorized, match="needs 2 partner signatures"):
        release(engine, ledger, funded, one)
    stranger = sign_release(engine, ledger, project, funded, FOREIGN_A, key("mallory"))
    with pytest.raises(Unauthorized, match="not a partner"):
        release(engine, ledger, funded, stranger)
    with pytest.raises(Unauthorized, match="twice"):
        release(engine, ledger, funded, one + one)
    assert state_of(engine, funded) == "submitted"
    assert not ledger.escrow.is_released(project.chain_project_id, funded.number)


def test_a_release_mined_while_its_answer_was_lost_is_adopted_when_sent_again(
    engine: Engine,
    ledger: Ledger,
    project: Project,
    funded: Milestone,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    signatures = sign_release(engine, ledger, project, funded, FOREIGN_A, LOCAL_B)
    with session_scope(engine) as session:  # the fixture's deposit went straight to the chain
        first = audit.verify(session, ledger, project_id=project.id).problems()  # type: ignore[arg-type]
    mined = lose_the_answer(monkeypatch, ledger.escrow, "release_signed")
    with pytest.raises(ChainUnavailable):
        release(engine, ledger, funded, signatures)
    monkeypatch.undo()
    assert state_of(engine, funded) == "submitted"  # rolled back; the chain has released
    assert ledger.escrow.is_released(project.chain_project_id, funded.number)
    with session_scope(engine) as session:
        behind = audit.verify(session, ledger, project_id=project.id)  # type: ignore[arg-type]
    assert any(d.subject == "milestone" for d in behind.chain), behind.problems()

    released = release(engine, ledger, funded, signatures)  # the same request, sent again
    assert released.state == "released"
    assert (released.released_tx, released.released_block) == (
        mined[0].tx_hash,
        mined[0].block_number,
    )
    with session_scope(engine) as session:
        report = audit.verify(session, ledger, project_id=project.id)  # type: ignore[arg-type]
    assert report.problems() == first  # the release is the ledger's now, as the chain's


def test_a_claim_mined_while_its_answer_was_lost_is_recorded_when_sent_again(
    engine: Engine,
    ledger: Ledger,
    project: Project,
    funded: Milestone,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    release(
        engine, ledger, funded, sign_release(engine, ledger, project, funded, FOREIGN_A, LOCAL_B)
    )
    ledger.chain.advance_time(CLAIMS_OPEN)
    mined = lose_the_answer(monkeypatch, ledger.escrow, "claim_leaf")
    before = balances(ledger)
    with pytest.raises(ChainUnavailable):
        claim(engine, ledger, funded, 2)
    monkeypatch.undo()
    assert claim(engine, ledger, funded, 2) == mined[0].tx_hash  # recorded, not paid again
    with session_scope(engine) as session:
        claims = [e for e in journal.entries(session, project.id) if e.kind == "payout.claimed"]
        payouts = json.loads(snapshots.get(session, funded.snapshot_id).payouts)
    assert [json.loads(e.payload)["tx"] for e in claims] == [mined[0].tx_hash]
    paid = [after - earlier for after, earlier in zip(balances(ledger), before, strict=True)]
    assert paid == [0, int(payouts["2"]), 0]
    with pytest.raises(ContractReverted):  # recorded now: a third send is the chain's refusal
        claim(engine, ledger, funded, 2)


def test_a_release_on_chain_with_another_root_is_a_chain_state_error(
    engine: Engine, ledger: Ledger, project: Project, funded: Milestone
) -> None:
    """The chain released the milestone with a root the ledger's row no longer holds."""
    release(
        engine, ledger, funded, sign_release(engine, ledger, project, funded, FOREIGN_A, LOCAL_B)
    )
    with session_scope(engine) as session:  # the row set back, its snapshot's root changed
        row = session.get(Milestone, funded.id)
        assert row is not None and row.snapshot_id is not None
        row.state = "submitted"
        snapshot = snapshots.get(session, row.snapshot_id)
        snapshot.payout_root = "ab" * 32
        session.add_all([row, snapshot])
    signatures = sign_release(engine, ledger, project, funded, FOREIGN_A, LOCAL_B)
    with pytest.raises(ChainStateError, match="released on chain with root"):
        release(engine, ledger, funded, signatures)
    assert state_of(engine, funded) == "submitted"


def test_release_needs_the_funds_in_escrow(
    engine: Engine, ledger: Ledger, project: Project, submitted: Milestone
) -> None:
    signatures = sign_release(engine, ledger, project, submitted, FOREIGN_A, LOCAL_B)
    with pytest.raises(RuleViolation, match="the escrow holds 0 wei"):
        release(engine, ledger, submitted, signatures)
    assert state_of(engine, submitted) == "submitted"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": ""}, "title"),
        ({"amount": 0}, "amount"),
        ({"amount": 1.5}, "amount"),
        ({"trl_target": 10}, "trl_target"),
        ({"due_at": DUE.replace(tzinfo=None)}, "due_at"),
    ],
)
def test_plan_names_the_bad_field(
    engine: Engine,
    ledger: Ledger,
    make_project: Callable[..., Project],
    changes: dict[str, Any],
    field: str,
) -> None:
    project = make_project()
    with pytest.raises(RuleViolation) as caught:
        plan(engine, ledger, project, **changes)
    assert caught.value.fields["field"] == field


def test_submit_twice_is_refused(engine: Engine, ledger: Ledger, submitted: Milestone) -> None:
    with pytest.raises(RuleViolation, match="is submitted, not planned"):
        submit(engine, ledger, submitted, actor="a")


def test_overdue_alert_is_recorded_once(
    engine: Engine, ledger: Ledger, project: Project, submitted: Milestone, clock: Clock
) -> None:
    assert raise_alerts(engine, ledger, project) == []
    clock.advance(days=31)
    assert raise_alerts(engine, ledger, project) == [submitted.number]
    assert raise_alerts(engine, ledger, project) == []
    with session_scope(engine) as session:
        alerts = [e for e in journal.entries(session, project.id) if e.kind == "alert.overdue"]
    assert len(alerts) == 1
    payload = json.loads(alerts[0].payload)
    assert payload["milestone"] == 1 and FOREIGN_A.address in payload["notified"]
