"""Every refusal of the dispute services, each leaving the ledger and the chain unchanged."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import func, select

from ledger import disputes, milestones
from ledger.context import Ledger
from ledger.db import Dispute, JournalEntry, Project, session_scope
from ledger.errors import Conflict, ContractReverted, NotFound, RuleViolation, Unauthorized
from tests.contracts.conftest import key
from tests.ledger.services.conftest import ARBITER, FOREIGN_A, LOCAL_B, T0, Clock, signer
from tests.ledger.services.contribution_support import register
from tests.ledger.services.dispute_support import (
    AMOUNT,
    EVIDENCE,
    ONE_ETHER,
    Case,
    open_dispute,
    opening,
    release,
    settlement_signatures,
    submitted_case,
)

MALLORY = key("mallory")


@pytest.fixture
def case(engine: Engine, ledger: Ledger, make_project: Callable[..., Project]) -> Case:
    return submitted_case(engine, ledger, make_project())


def counts(engine: Engine, ledger: Ledger) -> tuple[int, int, int]:
    """Journal entries, dispute rows and disputes on chain: a refusal changes none."""
    with session_scope(engine) as session:
        entries = session.exec(select(func.count()).select_from(JournalEntry)).one()
        rows = session.exec(select(func.count()).select_from(Dispute)).one()
    on_chain = ledger.chain.call(ledger.disputes.bound, "disputeCount")
    return int(entries), int(rows), int(on_chain)


def snapshot_of(engine: Engine, case: Case) -> int:
    with session_scope(engine) as session:
        snapshot_id = milestones.get(session, case.milestone.id).snapshot_id
    assert snapshot_id is not None
    return snapshot_id


# ---------------------------------------------------------------------- opening


def test_openings_refused_before_anything_reaches_the_chain(
    engine: Engine, ledger: Ledger, case: Case
) -> None:
    before = counts(engine, ledger)
    good = opening(engine, ledger, case, LOCAL_B)
    with pytest.raises(RuleViolation, match="subject must be one of"):
        open_dispute(engine, ledger, case, subject="contribution", transaction=good)
    with pytest.raises(RuleViolation) as caught:
        open_dispute(engine, ledger, case, transaction="0xdeadbeef")
    assert caught.value.fields["field"] == "transaction"
    with pytest.raises(RuleViolation, match="hex"):
        open_dispute(engine, ledger, case, transaction="not hex")
    # signed for the milestone, sent as a dispute on the snapshot: not the call it signed
    with pytest.raises(RuleViolation, match="data is not") as caught:
        open_dispute(
            engine,
            ledger,
            case,
            subject="snapshot",
            subject_id=snapshot_of(engine, case),
            transaction=good,
        )
    assert caught.value.fields["part"] == "data"
    # a stranger's own, well-formed transaction
    ledger.chain.send_value(MALLORY.address, ONE_ETHER)
    with session_scope(engine) as session:
        unsigned = ledger.disputes.open_unsigned(
            case.project.chain_project_id, 0, 1, bytes.fromhex(EVIDENCE), MALLORY.address
        )
    with pytest.raises(Unauthorized, match="not a partner"):
        open_dispute(
            engine, ledger, case, transaction=signer(ledger, MALLORY).transaction(unsigned)
        )
    with pytest.raises(Unauthorized, match="not a partner"), session_scope(engine) as session:
        disputes.prepare_opening(
            session,
            ledger,
            project_id=case.project.id,
            subject="milestone",
            subject_id=case.milestone.id,
            opener=MALLORY.address,
            evidence_hash=EVIDENCE,
        )
    with pytest.raises(RuleViolation, match="reason"), session_scope(engine) as session:
        disputes.open_dispute(
            session,
            ledger,
            project_id=case.project.id,
            subject="milestone",
            subject_id=case.milestone.id,
            reason="  ",
            evidence_hash=EVIDENCE,
            transaction=good,
        )
    with pytest.raises(RuleViolation, match="evidence_hash"), session_scope(engine) as session:
        disputes.open_dispute(
            session,
            ledger,
            project_id=case.project.id,
            subject="milestone",
            subject_id=case.milestone.id,
            reason="why",
            evidence_hash="abc",
            transaction=good,
        )
    with pytest.raises(NotFound), session_scope(engine) as session:
        disputes.prepare_opening(
            session,
            ledger,
            project_id=case.project.id,
            subject="milestone",
            subject_id=999,
            opener=LOCAL_B.address,
            evidence_hash=EVIDENCE,
        )
    assert counts(engine, ledger) == before
    # the good one still goes through afterwards
    assert open_dispute(engine, ledger, case, transaction=good).status == "open"


def test_a_planned_milestone_or_a_subject_under_dispute_is_refused(
    engine: Engine, ledger: Ledger, case: Case
) -> None:
    with session_scope(engine) as session:
        planned = milestones.plan(
            session,
            ledger,
            project_id=case.project.id,
            title="Pilot",
            amount=AMOUNT,
            trl_target=6,
            due_at=T0 + timedelta(days=90),
        )
    with pytest.raises(RuleViolation, match="is planned"):
        open_dispute(engine, ledger, case, subject_id=planned.id)
    open_dispute(engine, ledger, case, LOCAL_B)
    before = counts(engine, ledger)
    with pytest.raises(Conflict, match="under dispute"):
        open_dispute(engine, ledger, case, FOREIGN_A)
    with pytest.raises(Conflict, match="under dispute"):
        open_dispute(engine, ledger, case, subject="snapshot", subject_id=snapshot_of(engine, case))
    # and no recalculation happens while the equity is disputed
    with pytest.raises(Conflict, match="under dispute"), session_scope(engine) as session:
        milestones.submit(
            session, ledger, milestone_id=planned.id, evidence_hash="cd" * 32, actor="x"
        )
    assert counts(engine, ledger) == before


def test_a_released_milestone_is_disputed_only_until_its_claims_open(
    engine: Engine, ledger: Ledger, case: Case
) -> None:
    release(engine, ledger, case)
    with pytest.raises(RuleViolation, match="dispute the milestone"):
        open_dispute(engine, ledger, case, subject="snapshot", subject_id=snapshot_of(engine, case))
    ledger.chain.advance_time(7 * 86_400 + 1)
    before = counts(engine, ledger)
    with pytest.raises(ContractReverted) as caught:
        open_dispute(engine, ledger, case, LOCAL_B)
    assert caught.value.fields["error"] == "DisputeResolutionWindowClosed"
    assert counts(engine, ledger) == before


def test_a_snapshot_is_disputed_only_within_the_window(
    engine: Engine, ledger: Ledger, case: Case, clock: Clock
) -> None:
    transaction = opening(
        engine, ledger, case, LOCAL_B, subject="snapshot", subject_id=snapshot_of(engine, case)
    )
    clock.advance(days=7, seconds=1)
    before = counts(engine, ledger)
    with pytest.raises(RuleViolation, match="window"):
        open_dispute(
            engine,
            ledger,
            case,
            subject="snapshot",
            subject_id=snapshot_of(engine, case),
            transaction=transaction,
        )
    assert counts(engine, ledger) == before


# ---------------------------------------------------------------------- resolving


def test_proposals_name_what_is_wrong(engine: Engine, ledger: Ledger, case: Case) -> None:
    opened = open_dispute(engine, ledger, case, LOCAL_B)
    later = register(engine, ledger, case.project, FOREIGN_A, value=7, idempotency_key="late")
    ids = case.contributions

    def propose(outcome: str, excluded: tuple = ()) -> disputes.Proposal:  # type: ignore[type-arg]
        with session_scope(engine) as session:
            return disputes.propose(
                session, ledger, dispute_id=opened.id, outcome=outcome, excluded=excluded
            )

    for outcome, excluded, message in [
        ("annul", (), "outcome must be one of"),
        ("uphold", (ids["c_core"].id,), "only a replace"),
        ("replace", (), "names the contributions"),
        ("replace", (later.contribution.id,), "does not count"),
        ("replace", (ids["c_core"].id, ids["c_core"].id), "twice"),
        ("replace", ("1",), "integers"),
    ]:
        with pytest.raises(RuleViolation, match=message):
            propose(outcome, excluded)
    assert propose("uphold").new_total == 0
    with pytest.raises(NotFound):
        with session_scope(engine) as session:
            disputes.propose(session, ledger, dispute_id=999, outcome="uphold")


def test_a_settlement_needs_every_partner_and_nobody_else(
    engine: Engine, ledger: Ledger, case: Case
) -> None:
    opened = open_dispute(engine, ledger, case, LOCAL_B)
    before = counts(engine, ledger)

    def settle(signatures: list[str]) -> None:
        with session_scope(engine) as session:
            disputes.settle(
                session, ledger, dispute_id=opened.id, outcome="uphold", signatures=signatures
            )

    two = settlement_signatures(engine, ledger, opened.id, "uphold", accounts=(FOREIGN_A, LOCAL_B))
    with pytest.raises(Unauthorized, match="missing"):
        settle(two)
    with pytest.raises(Unauthorized, match="twice"):
        settle(two + two[:1])
    stranger = settlement_signatures(
        engine, ledger, opened.id, "uphold", accounts=(FOREIGN_A, LOCAL_B, MALLORY)
    )
    with pytest.raises(Unauthorized, match="not a partner"):
        settle(stranger)
    # every partner signed a rejection, which is not what is being settled
    rejection = settlement_signatures(engine, ledger, opened.id, "reject")
    with pytest.raises(Unauthorized, match="not a partner"):
        settle(rejection)
    assert counts(engine, ledger) == before
    settle(settlement_signatures(engine, ledger, opened.id, "uphold"))
    with pytest.raises(Conflict, match="already settled"):
        settle(settlement_signatures(engine, ledger, opened.id, "uphold"))


def test_a_ruling_is_the_arbiters_own_transaction_within_the_period(
    engine: Engine, ledger: Ledger, case: Case
) -> None:
    release(engine, ledger, case)
    opened = open_dispute(engine, ledger, case, LOCAL_B)

    def prepared(outcome: str, fee: int = 0, arbiter: str = ARBITER.address) -> dict:  # type: ignore[type-arg]
        with session_scope(engine) as session:
            return disputes.prepare_ruling(
                session, ledger, dispute_id=opened.id, outcome=outcome, fee=fee, arbiter=arbiter
            )[1]

    def rule(outcome: str, transaction: str, fee: int = 0) -> None:
        with session_scope(engine) as session:
            disputes.rule(
                session,
                ledger,
                dispute_id=opened.id,
                outcome=outcome,
                fee=fee,
                transaction=transaction,
            )

    with pytest.raises(Unauthorized, match="not an arbiter"):
        prepared("uphold", arbiter=FOREIGN_A.address)
    with pytest.raises(RuleViolation, match="fee"):
        prepared("uphold", fee=-1)
    before = counts(engine, ledger)
    # a partner signs the arbiter's call
    with pytest.raises(Unauthorized, match="not an arbiter"):
        rule("uphold", signer(ledger, FOREIGN_A).transaction(prepared("uphold")))
    # the arbiter signed an uphold; the ledger is asked to record a rejection
    with pytest.raises(RuleViolation, match="data is not"):
        rule("reject", signer(ledger, ARBITER).transaction(prepared("uphold")))
    cap = AMOUNT * 500 // 10_000
    with pytest.raises(ContractReverted) as caught:
        rule("uphold", signer(ledger, ARBITER).transaction(prepared("uphold", cap + 1)), cap + 1)
    assert caught.value.fields["error"] == "DisputeResolutionFeeAboveCap"
    with pytest.raises(ContractReverted) as caught, session_scope(engine) as session:
        disputes.lapse(session, ledger, dispute_id=opened.id)
    assert caught.value.fields["error"] == "DisputeResolutionArbitrationRunning"
    ledger.chain.advance_time(14 * 86_400 + 1)
    with pytest.raises(ContractReverted) as caught:
        rule("uphold", signer(ledger, ARBITER).transaction(prepared("uphold")))
    assert caught.value.fields["error"] == "DisputeResolutionArbitrationOver"
    assert counts(engine, ledger) == before
