"""The journal: hash-chained entries in the caller's transaction; tampering is reported."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, text

from ledger import journal
from ledger.db import JournalEntry, create_db_engine, migrate, session_scope
from ledger.record import leaf_hash, root
from tests.ledger.journal_support import rewrite_consistently

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
PROJECT = 7


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_db_engine(database_url)
    migrate(engine)
    yield engine
    engine.dispose()


def fill(engine: Engine, count: int = 5, project_id: int = PROJECT) -> None:
    with session_scope(engine) as session:
        for i in range(count):
            journal.append(
                session,
                project_id=project_id,
                kind="contribution.registered",
                payload={"value": 100 + i, "tier": "core", "partner": i % 3 + 1},
                actor=f"partner:{i % 3 + 1}",
                signature="0x" + f"{i:02x}" * 65,
                at=T0 + timedelta(seconds=i),
            )


def report(engine: Engine, anchored: dict[int, bytes] | None = None) -> journal.VerifyReport:
    with session_scope(engine) as session:
        return journal.verify(session, PROJECT, anchored=anchored)


def heads(engine: Engine) -> dict[int, bytes]:
    with session_scope(engine) as session:
        merkle = journal.tree(journal.entries(session, PROJECT))
    return {size: merkle.root(size) for size in range(1, merkle.size + 1)}


def test_append_chains_entries(engine: Engine) -> None:
    fill(engine)
    with session_scope(engine) as session:
        rows = journal.entries(session, PROJECT)
    assert [r.seq for r in rows] == [1, 2, 3, 4, 5]
    assert rows[0].prev_hash == journal.GENESIS
    assert all(b.prev_hash == a.entry_hash for a, b in zip(rows, rows[1:], strict=False))
    assert rows[2].payload == '{"partner":3,"tier":"core","value":102}'  # RFC 8785 form
    result = report(engine)
    assert result.ok and result.size == 5
    leaves = [leaf_hash(bytes.fromhex(r.entry_hash)) for r in rows]
    assert result.root == root(leaves).hex()


def test_projects_have_separate_journals(engine: Engine) -> None:
    fill(engine, 3, project_id=1)
    fill(engine, 2, project_id=2)
    with session_scope(engine) as session:
        assert [r.seq for r in journal.entries(session, 2)] == [1, 2]


def test_no_entry_without_its_change(engine: Engine) -> None:
    with pytest.raises(RuntimeError), session_scope(engine) as session:
        journal.append(session, project_id=PROJECT, kind="x", payload={}, actor="admin")
        raise RuntimeError("the change itself failed")
    assert report(engine).size == 0


def test_entry_hash_is_reproducible_from_its_fields(engine: Engine) -> None:
    fill(engine, 1)
    with session_scope(engine) as session:
        (row,) = journal.entries(session, PROJECT)
        assert journal.entry_hash(row) == row.entry_hash
        changed = JournalEntry(**{**row.model_dump(), "actor": "someone else"})
        assert journal.entry_hash(changed) != row.entry_hash


def test_edited_entry_is_reported(engine: Engine) -> None:
    fill(engine)
    with engine.begin() as c:
        c.execute(
            text("UPDATE journal_entry SET payload = :p WHERE seq = 3"),
            {"p": '{"partner":3,"tier":"core","value":999}'},
        )
    assert [(p.seq, p.kind) for p in report(engine).problems] == [(3, "edited")]


def test_deleted_entry_is_reported(engine: Engine) -> None:
    fill(engine)
    with engine.begin() as c:
        c.execute(text("DELETE FROM journal_entry WHERE seq = 2"))
    assert [(p.seq, p.kind) for p in report(engine).problems] == [
        (2, "deleted"),
        (3, "chain_broken"),
    ]


def test_inserted_entry_is_reported(engine: Engine) -> None:
    fill(engine)
    with engine.begin() as c:  # make room at 3, then forge a well-formed entry there
        c.execute(text("UPDATE journal_entry SET seq = seq + 100 WHERE seq >= 3"))
        c.execute(text("UPDATE journal_entry SET seq = seq - 99 WHERE seq >= 100"))
    with session_scope(engine) as session:
        second = journal.entries(session, PROJECT)[1]
        forged = JournalEntry(
            project_id=PROJECT,
            seq=3,
            kind="contribution.registered",
            payload='{"value":1000000}',
            actor="partner:1",
            recorded_at=T0,
            prev_hash=second.entry_hash,
            entry_hash="",
        )
        forged.entry_hash = journal.entry_hash(forged)
        session.add(forged)
    problems = report(engine).problems
    assert (4, "chain_broken") in [(p.seq, p.kind) for p in problems]
    assert all(p.seq >= 4 for p in problems)  # the forgery itself is well formed


def test_reordered_entries_are_reported(engine: Engine) -> None:
    fill(engine)
    with engine.begin() as c:
        c.execute(text("UPDATE journal_entry SET seq = 100 WHERE seq = 2"))
        c.execute(text("UPDATE journal_entry SET seq = 2 WHERE seq = 3"))
        c.execute(text("UPDATE journal_entry SET seq = 3 WHERE seq = 100"))
    found = {(p.seq, p.kind) for p in report(engine).problems}
    assert {(2, "edited"), (3, "edited"), (2, "chain_broken"), (3, "chain_broken")} <= found


def test_consistent_rewrite_is_caught_by_the_anchors(engine: Engine) -> None:
    fill(engine)
    anchored = heads(engine)
    # whoever rewrites entry 2 and recomputes every hash after it passes the local checks...
    rewrite_consistently(engine, PROJECT, 2, '{"partner":2,"tier":"core","value":5000}')
    assert report(engine).ok
    # ...but not the heads anchored before
    problems = report(engine, anchored).problems
    assert problems[0].kind == "rewritten"
    assert problems[0].seq == 2
    assert "sequence numbers 2 to 2" in problems[0].detail


def test_truncated_record_is_caught_by_the_anchors(engine: Engine) -> None:
    fill(engine)
    anchored = heads(engine)
    with engine.begin() as c:
        c.execute(text("DELETE FROM journal_entry WHERE seq = 5"))
    kinds = [(p.seq, p.kind) for p in report(engine, anchored).problems]
    assert (5, "truncated") in kinds
