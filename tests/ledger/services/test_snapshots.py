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
from tests.ledger.services.contribution_rows import add


def take(engine: Engine, ledger: Ledger, project: Project, reason: str = "test") -> int:
    with session_scope(engine) as session:
        locked = lock_project(session, project.id)
        return snapshots.take(session, ledger, locked, reason=reason).id


def test_snapshots_chain_and_recompute_identically(
    engine: Engine, ledger: Ledger, make_project: Callable[..., Project]
) -> None:
    project = make_project()
    with session_scope(engine) as session:
        add(session, ledger, project.id, 1, "core", "code", 300)
        add(session, ledger, project.id, 2, "core", "labor_hours", 100)
        disputed = add(session, ledger, project.id, 3, "application", "data", 50).id
        add(session, ledger, project.id, 2, "application", "equipment", 50)
    first = take(engine, ledger, project)
    with session_scope(engine) as session:
        session.get(Contribution, disputed).status = "disputed"
        add(session, ledger, project.id, 2, "derivative", "tacit_training", 70)
    second = take(engine, ledger, project)
    with session_scope(engine) as session:
        session.get(Contribution, disputed).status = "accepted"  # dispute upheld
        rejected = add(
            session, ledger, project.id, 1, "derivative", "code", 1000, status="disputed"
        )
    third = take(engine, ledger, project)
    with session_scope(engine) as session:
        rows = snapshots.history(session, project.id)
        assert [r.id for r in rows] == [first, second, third]
        assert rows[0].previous_hash is None
        assert rows[1].previous_hash == rows[0].inputs_hash
        assert rows[2].previous_hash == rows[1].inputs_hash
        assert json.loads(rows[1].disputed) == [disputed]
        assert json.loads(rows[2].disputed) == [rejected.id]
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
    with session_scope(engine) as session:
        add(session, ledger, project.id, 1, "core", "code", 10)
        add(session, ledger, project.id, 2, "core", "code", 10)
    take(engine, ledger, project)
    with session_scope(engine) as session:
        row = snapshots.latest(session, project.id)
        vector = json.loads(row.payout_vector)
        vector["1"], vector["2"] = vector["1"] - 1, vector["2"] + 1
        row.payout_vector = json.dumps(vector)
    with session_scope(engine) as session:
        (mismatch,) = snapshots.verify(session, project.id)
    assert (mismatch.number, mismatch.field) == (1, "payout_vector")


def test_nothing_to_share_is_refused(
    engine: Engine, ledger: Ledger, make_project: Callable[..., Project]
) -> None:
    project = make_project()
    with pytest.raises(RuleViolation, match="nothing to share"):
        take(engine, ledger, project)
    with session_scope(engine) as session:
        assert snapshots.history(session, project.id) == []
