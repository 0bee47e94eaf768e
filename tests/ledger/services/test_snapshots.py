"""Snapshots: incremental recalculation equals recomputation from the raw contributions."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from sqlalchemy import Engine

from ledger import journal, snapshots
from ledger.context import Ledger
from ledger.db import Contribution, Project, session_scope
from ledger.errors import RuleViolation
from ledger.recording import lock_project
from tests.ledger.services.conftest import ARBITER, FOREIGN_A, FOREIGN_C, LOCAL_B
from tests.ledger.services.contribution_support import (
    contribute,
    open_dispute,
    resolve,
    status_of,
)


def take(engine: Engine, ledger: Ledger, project: Project, reason: str = "test") -> int:
    with session_scope(engine) as session:
        locked = lock_project(session, project.id)
        return snapshots.take(session, ledger, locked, reason=reason).id


def test_snapshots_chain_and_recompute_identically(
    engine: Engine, ledger: Ledger, make_project: Callable[..., Project]
) -> None:
    project = make_project()
    contribute(engine, ledger, project, FOREIGN_A, "core", "code", 300)
    contribute(engine, ledger, project, LOCAL_B, "core", "labor_hours", 100)
    data = contribute(engine, ledger, project, FOREIGN_C, "application", "data", 50)
    contribute(engine, ledger, project, LOCAL_B, "application", "equipment", 50)
    first = take(engine, ledger, project)
    # counted in the first snapshot, then disputed: it comes out of the second
    opened = open_dispute(engine, ledger, project, data, FOREIGN_A)
    contribute(engine, ledger, project, LOCAL_B, "derivative", "tacit_training", 70)
    second = take(engine, ledger, project)
    # the arbiter upholds it, so it counts again; a new contribution is disputed before
    # any snapshot counted it
    resolve(engine, ledger, project, opened, "uphold", "ruling", [ARBITER])
    contested = contribute(engine, ledger, project, FOREIGN_A, "derivative", "code", 1000)
    open_dispute(engine, ledger, project, contested, LOCAL_B)
    assert (status_of(engine, data.id), status_of(engine, contested.id)) == (
        "accepted",
        "disputed",
    )
    third = take(engine, ledger, project)
    with session_scope(engine) as session:
        rows = snapshots.history(session, project.id)
        assert [r.id for r in rows] == [first, second, third]
        assert rows[0].previous_hash is None
        assert rows[1].previous_hash == rows[0].inputs_hash
        assert rows[2].previous_hash == rows[1].inputs_hash
        assert json.loads(rows[1].disputed) == [data.id]
        assert json.loads(rows[2].disputed) == [contested.id]
        # the core band holds: foreign partner 1 has 3/4 raw, clamped to 7000
        core = json.loads(rows[0].matrix)["columns"]["core"]
        assert [share[1] for share in core] == [7000, 3000, 0]
        assert set(json.loads(rows[1].weights)) == {"core", "application", "derivative"}
        assert snapshots.verify(session, project.id) == []
        kinds = [e.kind for e in journal.entries(session, project.id)]
        assert kinds.count("snapshot.taken") == 3


def test_verify_reports_a_stored_snapshot_that_was_changed(
    engine: Engine, ledger: Ledger, make_project: Callable[..., Project]
) -> None:
    project = make_project()
    contribute(engine, ledger, project, FOREIGN_A, "core", "code", 10)
    contribute(engine, ledger, project, LOCAL_B, "core", "code", 10)
    take(engine, ledger, project)
    with session_scope(engine) as session:
        # tampering on purpose: an edit of the stored row, behind the services' back, is
        # what verify must catch
        row = snapshots.latest(session, project.id)
        vector = json.loads(row.payout_vector)
        vector["1"], vector["2"] = vector["1"] - 1, vector["2"] + 1
        row.payout_vector = json.dumps(vector)
    with session_scope(engine) as session:
        (mismatch,) = snapshots.verify(session, project.id)
    assert (mismatch.number, mismatch.field) == (1, "payout_vector")


def test_verify_reports_a_contribution_changed_after_its_snapshot(
    engine: Engine, ledger: Ledger, make_project: Callable[..., Project]
) -> None:
    project = make_project()
    edited = contribute(engine, ledger, project, FOREIGN_A, "core", "code", 10)
    contribute(engine, ledger, project, LOCAL_B, "core", "code", 10)
    take(engine, ledger, project)
    with session_scope(engine) as session:
        # tampering on purpose: contributions are never edited, so a changed value is
        # a forgery the recomputation must expose
        session.get(Contribution, edited.id).value = 11
    with session_scope(engine) as session:
        mismatches = snapshots.verify(session, project.id)
    # the hash of the inputs, and the running total the changed value counts in
    assert [(m.number, m.field) for m in mismatches] == [(1, "inputs_hash"), (1, "totals")]


def test_nothing_to_share_is_refused(
    engine: Engine, ledger: Ledger, make_project: Callable[..., Project]
) -> None:
    project = make_project()
    with pytest.raises(RuleViolation, match="nothing to share"):
        take(engine, ledger, project)
    with session_scope(engine) as session:
        assert snapshots.history(session, project.id) == []
