"""Reconciliation of a project with the chain: clean when both agree, each mismatch reported
with its subject and field, nothing ever written or fixed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from ledger import journal, milestones, snapshots
from ledger.chain.disputes import Subject
from ledger.chain.registry import Tier
from ledger.context import Ledger
from ledger.db import (
    Dispute,
    Milestone,
    Partner,
    Project,
    SnapshotRecord,
    TreeHeadRecord,
    session_scope,
)
from ledger.errors import NotFound
from ledger.reconcile import PRESENCE, Discrepancy, reconcile
from ledger.recording import lock_project, record
from tests.contracts.conftest import key
from tests.ledger.services.conftest import FOREIGN_A, FOREIGN_C, LOCAL_B, T0
from tests.ledger.services.ip_support import CORE, fund
from tests.ledger.services.reconcile_support import (
    claim,
    commit_rights,
    edit,
    found,
    reconciled,
    record_commit,
    release,
    submitted,
    written_state,
)

EVIDENCE = "ee" * 32


@pytest.fixture
def claimed(
    engine: Engine, ledger: Ledger, make_project: Callable[..., Project]
) -> tuple[Project, Milestone]:
    """Agreement, three partners, milestone 1 released and claimed by partners 1 and 2."""
    project = make_project()
    milestone = submitted(engine, ledger, project)
    release(engine, ledger, project, milestone)
    claim(engine, ledger, milestone, 1, 2)
    with session_scope(engine) as session:
        return project, milestones.get(session, milestone.id)


def test_agreeing_project_reconciles_clean_and_nothing_is_written(
    engine: Engine, ledger: Ledger, claimed: tuple[Project, Milestone]
) -> None:
    project, milestone = claimed
    claim(engine, ledger, milestone, 3)
    before, block = written_state(engine, project.id), ledger.chain.block_number
    assert reconciled(engine, ledger, project.id) == []
    assert written_state(engine, project.id) == before and ledger.chain.block_number == block
    assert ledger.escrow.milestone(project.chain_project_id, 1).claimed == milestone.amount


#: Row edits, each with the one discrepancy it must cause: (table, row, column, value,
#: (subject, ref, field)); a ref of None stands for the project's id.
EDITS: list[tuple[type, str, str, Any, tuple[str, str | None, str]]] = [
    (SnapshotRecord, "snapshot", "payout_root", "12" * 32, ("milestone", "1", "payout_root")),
    (Milestone, "milestone", "amount", 5, ("milestone", "1", "amount")),
    (SnapshotRecord, "snapshot", "amount", 5, ("milestone", "1", "snapshot_amount")),
    (Milestone, "milestone", "state", "submitted", ("milestone", "1", "state")),
    (Milestone, "milestone", "released_tx", "0x" + "00" * 32, ("milestone", "1", "released_tx")),
    (Milestone, "milestone", "released_block", 1, ("milestone", "1", "released_block")),
    (Partner, "partner 3", "address", key("mallory").address, ("partner", "3", "address")),
    (Partner, "partner 3", "side", "local", ("partner", "3", "side")),
    (Partner, "partner 2", "joined_tx", "0x" + "11" * 32, ("partner", "2", "joined_tx")),
    (Project, "project", "agreement_hash", "00" * 32, ("project", None, "agreement_hash")),
    (Project, "project", "status", "terminated", ("project", None, "status")),
]


def test_each_edited_row_is_reported_with_its_subject_and_field(
    engine: Engine, ledger: Ledger, claimed: tuple[Project, Milestone]
) -> None:
    project, milestone = claimed
    with session_scope(engine) as session:
        partners = {
            f"partner {p.number}": p
            for p in session.exec(select(Partner).where(Partner.project_id == project.id)).all()
        }
        rows: dict[str, Any] = {
            "snapshot": snapshots.get(session, milestone.snapshot_id),
            "milestone": milestone,
            "project": session.get(Project, project.id),
            **partners,
        }
    for table, which, column, value, (subject, ref, field) in EDITS:
        row = rows[which]
        edit(engine, table, row.id, **{column: value})
        report = reconciled(engine, ledger, project.id)
        edit(engine, table, row.id, **{column: getattr(row, column)})
        assert [(d.subject, d.ref, d.field) for d in report] == [
            (subject, ref or str(project.id), field)
        ], (which, column)
        (only,) = report
        assert only.ledger != only.chain and f"{field} is" in only.detail
    assert reconciled(engine, ledger, project.id) == []


def test_claim_sent_straight_through_the_gateway_is_reported(
    engine: Engine, ledger: Ledger, claimed: tuple[Project, Milestone]
) -> None:
    project, milestone = claimed
    with session_scope(engine) as session:
        tree = snapshots.payout_tree(session, snapshots.get(session, milestone.snapshot_id))
    receipt = ledger.escrow.claim_leaf(project.chain_project_id, milestone.number, tree, 2)
    (only,) = reconciled(engine, ledger, project.id)
    assert only == Discrepancy(
        "claim",
        None,
        PRESENCE,
        None,
        receipt.tx_hash,
        "the claim of partner 3 in milestone 1 is on chain, not in the ledger",
    )


def test_claim_the_chain_never_paid_is_reported(
    engine: Engine, ledger: Ledger, claimed: tuple[Project, Milestone]
) -> None:
    project, _ = claimed
    payload = {"account": FOREIGN_C.address, "amount": "1", "milestone": 1, "partner": 3}
    _record(engine, ledger, project, "payout.claimed", payload | {"tx": "0x" + "ab" * 32})
    assert found(engine, ledger, project.id) == [("claim", "1/3", PRESENCE)]


def test_anchor_missing_on_chain_or_in_the_ledger_is_reported(
    engine: Engine, ledger: Ledger, claimed: tuple[Project, Milestone]
) -> None:
    project, _ = claimed
    with session_scope(engine) as session:
        rows = journal.entries(session, project.id)
        (anchored,) = session.exec(
            select(TreeHeadRecord).where(TreeHeadRecord.project_id == project.id)
        ).all()
    size = len(rows)
    assert anchored.anchored_block is not None and anchored.tree_size < size

    with session_scope(engine) as session:  # the ledger says it anchored a head it did not
        session.add(
            TreeHeadRecord(
                project_id=project.id,
                tree_size=size,
                root_hash=journal.tree(rows).root().hex(),
                timestamp_ms=1,
                signature="00" * 64,
                anchored_block=1,
                anchored_tx="0x" + "cd" * 32,
            )
        )
    assert found(engine, ledger, project.id) == [("anchor", str(size), PRESENCE)]

    receipt = ledger.anchor.anchor(project.chain_project_id, size, journal.tree(rows).root())
    edit(engine, TreeHeadRecord, anchored.id, root_hash="00" * 32)
    report = reconciled(engine, ledger, project.id)
    assert [(d.subject, d.ref, d.field) for d in report] == [
        ("anchor", str(anchored.tree_size), "root_hash"),
        ("anchor", str(size), "anchored_tx"),
        ("anchor", str(size), "anchored_block"),
    ]
    assert report[1].chain == receipt.tx_hash


def test_head_anchored_straight_through_the_gateway_is_reported(
    engine: Engine, ledger: Ledger, claimed: tuple[Project, Milestone]
) -> None:
    project, _ = claimed
    with session_scope(engine) as session:
        rows = journal.entries(session, project.id)
    receipt = ledger.anchor.anchor(project.chain_project_id, len(rows), journal.tree(rows).root())
    report = reconciled(engine, ledger, project.id)
    assert [(d.subject, d.ref, d.field, d.chain) for d in report] == [
        ("anchor", None, PRESENCE, receipt.tx_hash)
    ]


def _record(engine: Engine, ledger: Ledger, project: Project, kind: str, payload: dict) -> None:
    with session_scope(engine) as session:
        record(session, ledger, lock_project(session, project.id), kind, payload, actor="ledger")


# ---------------------------------------------------------------------- disputes


@pytest.fixture
def opened(
    engine: Engine, ledger: Ledger, make_project: Callable[..., Project]
) -> tuple[Project, dict[str, int], dict[str, int]]:
    """A submitted milestone 1 (snapshot 1) and a planned milestone 2; FOREIGN_A opens a
    dispute on snapshot 1 and one on milestone 2 straight on chain. Returns the project, the
    chain dispute ids and the ledger ids of the subjects, by subject."""
    project = make_project()
    first = submitted(engine, ledger, project)
    with session_scope(engine) as session:
        second = milestones.plan(
            session,
            ledger,
            project_id=project.id,
            title="Pilot",
            amount=1,
            trl_target=5,
            due_at=T0 + timedelta(days=60),
        )
    fund(ledger, FOREIGN_A)
    pid = project.chain_project_id
    evidence = bytes.fromhex(EVIDENCE)
    chain_ids = {
        "snapshot": ledger.disputes.open_dispute(
            pid, Subject.SNAPSHOT, 1, evidence, sender=FOREIGN_A
        ),
        "milestone": ledger.disputes.open_dispute(
            pid, Subject.MILESTONE, 2, evidence, sender=FOREIGN_A
        ),
    }
    assert first.snapshot_id is not None and second.id is not None
    return project, chain_ids, {"snapshot": first.snapshot_id, "milestone": second.id}


def _dispute_row(
    project: Project, kind: str, subject_id: int, chain_id: int | None, /, **changes: Any
) -> Dispute:
    values: dict[str, Any] = {
        "project_id": project.id,
        "subject": kind,
        "subject_id": subject_id,
        "opened_by": FOREIGN_A.address,
        "reason": "the snapshot leaves out my code",
        "evidence_hash": EVIDENCE,
        "chain_dispute_id": chain_id,
        "deadline_at": T0 + timedelta(days=14),
    }
    return Dispute(**(values | changes))


def test_dispute_opened_straight_through_the_gateway_is_reported(
    engine: Engine, ledger: Ledger, opened: tuple[Project, dict[str, int], dict[str, int]]
) -> None:
    project, chain_ids, _ = opened
    report = reconciled(engine, ledger, project.id)
    assert [(d.subject, d.ref, d.field, d.chain) for d in report] == [
        ("dispute", None, PRESENCE, str(chain_ids["snapshot"])),
        ("dispute", None, PRESENCE, str(chain_ids["milestone"])),
    ]
    assert "snapshot 1" in report[0].detail and "milestone 2" in report[1].detail


#: Changes to the row of the milestone dispute, and the fields they must be reported under.
DISPUTE_EDITS: list[tuple[dict[str, Any], list[str]]] = [
    ({"status": "settled", "outcome": "uphold"}, ["status", "outcome"]),
    ({"opened_by": LOCAL_B.address}, ["opened_by"]),
    ({"evidence_hash": "00" * 32}, ["evidence_hash"]),
    ({"subject": "snapshot"}, ["subject", "subject_id"]),
    ({"subject_id": 1}, ["subject_id"]),
]


def test_dispute_rows_are_compared_with_the_chain(
    engine: Engine, ledger: Ledger, opened: tuple[Project, dict[str, int], dict[str, int]]
) -> None:
    project, chain_ids, subjects = opened
    with session_scope(engine) as session:
        snapshot = _dispute_row(project, "snapshot", subjects["snapshot"], chain_ids["snapshot"])
        on_milestone = _dispute_row(
            project, "milestone", subjects["milestone"], chain_ids["milestone"]
        )
        # a contribution dispute lives in the ledger only: never compared
        other = _dispute_row(project, "contribution", 1, 999_999)
        session.add_all([snapshot, on_milestone, other])
    assert reconciled(engine, ledger, project.id) == []
    for changes, fields in DISPUTE_EDITS:
        edit(engine, Dispute, on_milestone.id, **changes)
        report = reconciled(engine, ledger, project.id)
        edit(engine, Dispute, on_milestone.id, **{c: getattr(on_milestone, c) for c in changes})
        assert [(d.subject, d.ref, d.field) for d in report] == [
            ("dispute", str(on_milestone.id), field) for field in fields
        ], changes


def test_dispute_row_naming_no_chain_dispute_is_reported(
    engine: Engine, ledger: Ledger, opened: tuple[Project, dict[str, int], dict[str, int]]
) -> None:
    project, chain_ids, subjects = opened
    with session_scope(engine) as session:
        rows = [
            _dispute_row(project, subject, subjects[subject], chain_ids[subject])
            for subject in ("snapshot", "milestone")
        ]
        ghost = _dispute_row(project, "milestone", subjects["milestone"], 777)
        session.add_all([*rows, ghost])
    assert found(engine, ledger, project.id) == [("dispute", str(ghost.id), PRESENCE)]


# ---------------------------------------------------------------------- rights columns


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ("recorded", []),
        ("not_recorded", [("rights_column", None, PRESENCE)]),
        ("other_hash", [("rights_column", "1/core", "column_hash")]),
        ("never_committed", [("rights_column", "1/application", PRESENCE)]),
    ],
)
def test_rights_columns_in_the_journal_are_compared_with_the_chain(
    engine: Engine,
    ledger: Ledger,
    make_project: Callable[..., Project],
    setup: str,
    expected: list[tuple[str, str | None, str]],
) -> None:
    project = make_project()
    commit_rights(
        engine,
        ledger,
        project,
        Tier.CORE,
        CORE,
        recorded=setup != "not_recorded",
        column_hash="ab" * 32 if setup == "other_hash" else None,
    )
    if setup == "never_committed":
        record_commit(engine, ledger, project, Tier.APPLICATION, "cd" * 32, None)
    assert found(engine, ledger, project.id) == expected


def test_reconcile_an_unknown_project_is_not_found(engine: Engine, ledger: Ledger) -> None:
    with pytest.raises(NotFound), session_scope(engine) as session:
        reconcile(session, ledger, project_id=4242)
