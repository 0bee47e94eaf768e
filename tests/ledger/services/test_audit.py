"""The arbiter's verify: clean after a milestone's life, and each kind of edit reported."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine, text

from ledger import audit, journal
from ledger.context import Ledger
from ledger.db import Project, session_scope
from tests.ledger.services.dispute_support import Case, release, submitted_case


@pytest.fixture
def case(engine: Engine, ledger: Ledger, make_project: Callable[..., Project]) -> Case:
    made = submitted_case(engine, ledger, make_project())
    release(engine, ledger, made)  # anchors the record's head on chain
    return made


def report(engine: Engine, ledger: Ledger, case: Case) -> audit.AuditReport:
    with session_scope(engine) as session:
        return audit.verify(session, ledger, project_id=case.project.id)


def flip_one_character(engine: Engine, sql: str, **params: object) -> None:
    """Replace the last character of one stored text value with another."""
    with session_scope(engine) as session:
        session.execute(text(sql), params)


def test_a_clean_project_verifies(engine: Engine, ledger: Ledger, case: Case) -> None:
    result = report(engine, ledger, case)
    assert result.ok, result.problems()
    assert result.anchored_sizes and result.record.size >= max(result.anchored_sizes)


def test_one_byte_of_a_journal_entry_is_reported_by_sequence_number(
    engine: Engine, ledger: Ledger, case: Case
) -> None:
    with session_scope(engine) as session:
        target = next(
            e for e in journal.entries(session, case.project.id) if e.kind == "milestone.submitted"
        )
        seq, payload = target.seq, target.payload
    assert payload.endswith("}")
    edited = payload[:-2] + ("0" if payload[-2] != "0" else "1") + "}"
    flip_one_character(
        engine,
        "UPDATE journal_entry SET payload = :p WHERE project_id = :pid AND seq = :seq",
        p=edited,
        pid=case.project.id,
        seq=seq,
    )
    result = report(engine, ledger, case)
    assert not result.ok
    assert [(p.seq, p.kind) for p in result.record.problems][0] == (seq, "edited")


def test_one_digit_of_a_contribution_is_reported_by_its_snapshot(
    engine: Engine, ledger: Ledger, case: Case
) -> None:
    flip_one_character(
        engine,
        "UPDATE contribution SET value = :v WHERE id = :id",
        v="501",
        id=case.contributions["a_core"].id,
    )
    result = report(engine, ledger, case)
    assert not result.ok
    assert {m.field for m in result.snapshots} >= {"inputs_hash"}
    assert result.record.ok  # the journal itself was not touched


def test_a_forged_tree_head_signature_is_reported(
    engine: Engine, ledger: Ledger, case: Case
) -> None:
    with session_scope(engine) as session:
        row = session.execute(
            text("SELECT tree_size, signature FROM tree_head WHERE project_id = :pid"),
            {"pid": case.project.id},
        ).first()
    assert row is not None
    size, signature = row
    forged = signature[:-1] + ("0" if signature[-1] != "0" else "1")
    flip_one_character(
        engine,
        "UPDATE tree_head SET signature = :s WHERE project_id = :pid AND tree_size = :n",
        s=forged,
        pid=case.project.id,
        n=size,
    )
    result = report(engine, ledger, case)
    assert result.heads == [f"signed tree head of size {size}: the signature does not verify"]
    assert not result.ok


@pytest.mark.parametrize("column", ["signature", "root_hash"])
def test_a_malformed_stored_tree_head_is_reported_not_raised(
    engine: Engine, ledger: Ledger, case: Case, column: str
) -> None:
    with session_scope(engine) as session:
        size, value = session.execute(
            text(f"SELECT tree_size, {column} FROM tree_head WHERE project_id = :pid"),
            {"pid": case.project.id},
        ).one()
    flip_one_character(
        engine,
        f"UPDATE tree_head SET {column} = :v WHERE project_id = :pid AND tree_size = :n",
        v="z" + value[1:],  # no longer hexadecimal
        pid=case.project.id,
        n=size,
    )
    result = report(engine, ledger, case)
    assert result.heads == [
        f"signed tree head of size {size}: its stored root or signature is malformed"
    ]
    assert not result.ok


@pytest.mark.parametrize("column", ["payouts", "totals"])
def test_a_snapshot_s_payouts_or_running_totals_edited_are_reported(
    engine: Engine, ledger: Ledger, case: Case, column: str
) -> None:
    with session_scope(engine) as session:
        number, value = session.execute(
            text(f"SELECT number, {column} FROM snapshot WHERE project_id = :pid"),
            {"pid": case.project.id},
        ).one()
    edited = value.replace('"1', '"2', 1)  # one wei or one total's first digit
    assert edited != value
    flip_one_character(
        engine,
        f"UPDATE snapshot SET {column} = :v WHERE project_id = :pid AND number = :n",
        v=edited,
        pid=case.project.id,
        n=number,
    )
    result = report(engine, ledger, case)
    assert [(m.number, m.field) for m in result.snapshots] == [(number, column)]
    assert result.record.ok and not result.ok
