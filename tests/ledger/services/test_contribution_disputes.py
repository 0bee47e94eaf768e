"""Disputes on a contribution: opened, then settled, ruled on or lapsed."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from ledger import contributions
from ledger.context import Ledger
from ledger.db import Dispute, JournalEntry, Project, session_scope
from ledger.errors import Conflict, LedgerError, NotFound, RuleViolation, Unauthorized
from tests.contracts.conftest import key
from tests.ledger.services.conftest import (
    ARBITER,
    FOREIGN_A,
    FOREIGN_C,
    LOCAL_B,
    Clock,
    agreement,
    signer,
)
from tests.ledger.services.contribution_support import (
    EVIDENCE,
    attest,
    count,
    kinds,
    last_entry,
    open_dispute,
    reason_hash,
    register,
    resolve,
    status_of,
)

SECOND_ARBITER = key("second-arbiter")


def test_dispute_settled_by_both_parties_upholds_the_contribution(
    engine: Engine, ledger: Ledger, make_project: Callable[..., Project], clock: Clock
) -> None:
    project = make_project()
    row, _ = register(engine, ledger, project, FOREIGN_A)
    opened = open_dispute(engine, ledger, project, row, LOCAL_B)
    assert (opened.subject, opened.subject_id, opened.opened_by, opened.status) == (
        "contribution",
        row.id,
        LOCAL_B.address,
        "open",
    )
    assert opened.deadline_at - opened.opened_at == timedelta(days=14)  # arbitration period
    assert status_of(engine, row.id) == "disputed"
    entry = last_entry(engine, project)
    assert (entry.kind, entry.actor) == (
        "contribution.dispute_opened",
        f"partner:{LOCAL_B.address}",
    )
    with session_scope(engine) as session:
        assert contributions.counted_since(session, project.id, 0, 2**62) == []
        held = contributions.not_counted(session, project.id, up_to_id=row.id or 0)
        assert [(h.contribution_id, h.status, h.contribution.disputed) for h in held] == [
            (row.id, "disputed", True)
        ]
    clock.advance(days=30)  # settling needs no deadline
    settled = resolve(engine, ledger, project, opened, "uphold", "settlement", [LOCAL_B, FOREIGN_A])
    assert (settled.status, settled.outcome) == ("settled", "uphold")
    assert settled.closed_at is not None
    assert status_of(engine, row.id) == "accepted"
    entry = last_entry(engine, project)
    assert (entry.kind, entry.actor) == ("contribution.dispute_settled", "parties")
    assert json.loads(entry.payload)["signers"] == sorted([LOCAL_B.address, FOREIGN_A.address])
    with session_scope(engine) as session:
        assert len(contributions.counted_since(session, project.id, 0, 2**62)) == 1
        assert [d.id for d in contributions.disputes_of(session, row.id or 0)] == [opened.id]


def test_ruling_rejects_the_contribution_for_good(
    engine: Engine, ledger: Ledger, make_project: Callable[..., Project]
) -> None:
    project = make_project()
    row, _ = register(engine, ledger, project, FOREIGN_A)
    opened = open_dispute(engine, ledger, project, row, FOREIGN_C)
    ruled = resolve(engine, ledger, project, opened, "reject", "ruling", [ARBITER])
    assert (ruled.status, ruled.outcome) == ("ruled", "reject")
    assert status_of(engine, row.id) == "rejected"
    entry = last_entry(engine, project)
    assert (entry.kind, entry.actor) == ("contribution.dispute_ruled", f"arbiter:{ARBITER.address}")
    assert json.loads(entry.payload)["contribution_status"] == "rejected"
    with session_scope(engine) as session:
        assert contributions.counted_since(session, project.id, 0, 2**62) == []
        assert [h.status for h in contributions.not_counted(session, project.id, up_to_id=99)] == [
            "rejected"
        ]
    with pytest.raises(RuleViolation, match="was rejected"):
        open_dispute(engine, ledger, project, row, LOCAL_B)
    with pytest.raises(RuleViolation, match="was rejected"):
        attest(engine, ledger, project, row, LOCAL_B)
    with pytest.raises(Conflict, match="already ruled"):
        resolve(engine, ledger, project, opened, "uphold", "ruling", [ARBITER])


@pytest.mark.parametrize("lapse_outcome", ["uphold", "reject"])
def test_dispute_lapses_to_the_agreements_outcome_after_the_deadline(
    engine: Engine,
    ledger: Ledger,
    make_project: Callable[..., Project],
    clock: Clock,
    lapse_outcome: str,
) -> None:
    project = make_project(agreement(deadlines={"lapse_outcome": lapse_outcome}))
    row, _ = register(engine, ledger, project, FOREIGN_A)
    opened = open_dispute(engine, ledger, project, row, ARBITER)
    assert last_entry(engine, project).actor == f"arbiter:{ARBITER.address}"

    def lapse() -> Dispute:
        with session_scope(engine) as session:
            return contributions.lapse_contribution_dispute(
                session, ledger, dispute_id=opened.id or 0
            )

    clock.advance(days=13)
    with pytest.raises(RuleViolation, match="can be ruled on until") as caught:
        lapse()
    assert caught.value.fields["field"] == "dispute_id"
    clock.advance(days=1, seconds=1)
    lapsed = lapse()
    assert (lapsed.status, lapsed.outcome) == ("lapsed", lapse_outcome)
    assert status_of(engine, row.id) == ("accepted" if lapse_outcome == "uphold" else "rejected")
    entry = last_entry(engine, project)
    assert (entry.kind, entry.actor, entry.signature) == (
        "contribution.dispute_lapsed",
        "ledger",
        None,
    )
    with pytest.raises(Conflict, match="already lapsed"):
        lapse()


def test_dispute_opening_refusals(
    engine: Engine, ledger: Ledger, make_project: Callable[..., Project], clock: Clock
) -> None:
    project = make_project()
    row, _ = register(engine, ledger, project, FOREIGN_A)
    entries = count(engine, JournalEntry)
    with pytest.raises(RuleViolation, match="its own contribution") as caught:
        open_dispute(engine, ledger, project, row, FOREIGN_A)
    assert caught.value.fields["field"] == "by"
    with pytest.raises(Unauthorized, match="neither a partner nor an arbiter") as caught:
        open_dispute(engine, ledger, project, row, key("stranger"))
    assert caught.value.fields["field"] == "by"
    signature = signer(ledger, LOCAL_B).dispute(
        project.chain_project_id, "contribution", row.id, reason_hash("another reason")
    )
    base = {
        "contribution_id": row.id,
        "by": LOCAL_B.address,
        "reason": "the stated reason",
        "evidence_hash": EVIDENCE,
        "signature": signature,
    }
    for change, field in (
        ({"reason": "  "}, "reason"),
        ({"reason": "x" * 4001}, "reason"),
        ({"evidence_hash": "12"}, "evidence_hash"),
        ({"by": "someone"}, "by"),
    ):
        with pytest.raises(RuleViolation) as caught, session_scope(engine) as session:
            contributions.dispute(session, ledger, **{**base, **change})
        assert caught.value.fields["field"] == field
    with pytest.raises(Unauthorized, match="signature is not"), session_scope(engine) as session:
        contributions.dispute(session, ledger, **base)  # signed over another reason
    with pytest.raises(NotFound), session_scope(engine) as session:
        contributions.dispute(session, ledger, **{**base, "contribution_id": 999})
    with pytest.raises(Unauthorized), session_scope(engine) as session:
        contributions.dispute(session, ledger, **{**base, "signature": None})
    assert count(engine, Dispute) == 0 and count(engine, JournalEntry) == entries
    assert status_of(engine, row.id) == "accepted"
    opened = open_dispute(engine, ledger, project, row, LOCAL_B)
    with pytest.raises(Conflict, match="already under dispute"):
        open_dispute(engine, ledger, project, row, FOREIGN_C, reason="another reason")
    resolve(engine, ledger, project, opened, "uphold", "settlement", [FOREIGN_A, LOCAL_B])
    with pytest.raises(Conflict, match="already disputed") as caught:
        open_dispute(engine, ledger, project, row, LOCAL_B)  # the same signed opening again
    assert caught.value.fields["field"] == "signature"
    clock.advance(days=7)
    with pytest.raises(RuleViolation, match="dispute window") as caught:
        open_dispute(engine, ledger, project, row, FOREIGN_C, reason="found late")
    assert caught.value.fields["field"] == "contribution_id"
    assert count(engine, Dispute) == 1


def test_resolution_refusals(
    engine: Engine, ledger: Ledger, make_project: Callable[..., Project], clock: Clock
) -> None:
    document = agreement(
        arbiters=[
            {"name": "Arbiter", "address": ARBITER.address},
            {"name": "Second arbiter", "address": SECOND_ARBITER.address},
        ]
    )
    project = make_project(document)
    row, _ = register(engine, ledger, project, FOREIGN_A)
    opened = open_dispute(engine, ledger, project, row, ARBITER)
    entries = count(engine, JournalEntry)

    def refused(error: type[LedgerError], match: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
        with pytest.raises(error, match=match) as caught:
            resolve(engine, ledger, project, opened, *args, **kwargs)
        return caught.value.fields

    assert refused(Unauthorized, "missing", "uphold", "settlement", [FOREIGN_A])["missing"] == [
        ARBITER.address
    ]
    refused(Unauthorized, "not a party", "uphold", "settlement", [FOREIGN_A, ARBITER, LOCAL_B])
    refused(
        Unauthorized,
        "not a party",
        "reject",
        "settlement",
        [FOREIGN_A, ARBITER],
        signed_outcome="uphold",
    )
    refused(Unauthorized, "not an arbiter", "reject", "ruling", [LOCAL_B])
    refused(RuleViolation, "it opened", "reject", "ruling", [ARBITER])
    refused(RuleViolation, "one arbiter", "reject", "ruling", [SECOND_ARBITER, ARBITER])
    refused(RuleViolation, "outcome must be", "replace", "ruling", [SECOND_ARBITER])
    refused(RuleViolation, "by must be", "reject", "vote", [SECOND_ARBITER])
    with (
        pytest.raises(RuleViolation, match="non-empty") as caught,
        session_scope(engine) as session,
    ):
        contributions.resolve_contribution_dispute(
            session, ledger, dispute_id=opened.id, outcome="reject", by="ruling", signatures=[]
        )
    assert caught.value.fields["field"] == "signatures"
    malformed: list[tuple[Any, type[LedgerError], str]] = [
        ("0x00", RuleViolation, "signatures"),  # one text, not a list
        ([None], Unauthorized, "signature"),
    ]
    for signatures, error, field in malformed:
        with pytest.raises(error) as caught, session_scope(engine) as session:
            contributions.resolve_contribution_dispute(
                session,
                ledger,
                dispute_id=opened.id,
                outcome="reject",
                by="ruling",
                signatures=signatures,
            )
        assert caught.value.fields["field"] == field
    on_milestone = Dispute(
        project_id=project.id,
        subject="milestone",
        subject_id=1,
        opened_by=LOCAL_B.address,
        reason="late",
        evidence_hash=EVIDENCE,
        deadline_at=opened.deadline_at,
    )
    with session_scope(engine) as session:
        session.add(on_milestone)
    for dispute_id in (999, on_milestone.id):
        with pytest.raises(NotFound), session_scope(engine) as session:
            contributions.resolve_contribution_dispute(
                session,
                ledger,
                dispute_id=dispute_id,
                outcome="reject",
                by="ruling",
                signatures=["0x00"],
            )
        with pytest.raises(NotFound), session_scope(engine) as session:
            contributions.lapse_contribution_dispute(session, ledger, dispute_id=dispute_id)
    # A settlement's signature does not count as a ruling (another struct, another signer).
    settlement_by_arbiter = signer(ledger, SECOND_ARBITER).contribution_settlement(
        project.chain_project_id, opened.id, "reject"
    )
    with pytest.raises(Unauthorized), session_scope(engine) as session:
        contributions.resolve_contribution_dispute(
            session,
            ledger,
            dispute_id=opened.id,
            outcome="reject",
            by="ruling",
            signatures=[settlement_by_arbiter],
        )
    clock.advance(days=14, seconds=1)
    fields = refused(RuleViolation, "deadline", "reject", "ruling", [SECOND_ARBITER])
    assert fields["field"] == "dispute_id"
    assert count(engine, JournalEntry) == entries
    assert status_of(engine, row.id) == "disputed"
    settled = resolve(engine, ledger, project, opened, "reject", "settlement", [ARBITER, FOREIGN_A])
    assert (settled.status, settled.outcome) == ("settled", "reject")
    assert kinds(engine, project)[-2:] == [
        "contribution.dispute_opened",
        "contribution.dispute_settled",
    ]
