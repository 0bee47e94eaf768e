"""Reading a record for an auditor: ranges, proofs against published or freshly signed heads,
anchors, and record 0's verify."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine, text

from ledger import journal, record_queries, registry_record
from ledger.context import Ledger
from ledger.db import Project, session_scope
from ledger.errors import NotFound, RuleViolation
from ledger.record import TreeHead, leaf_hash, verify_consistency, verify_head, verify_inclusion
from ledger.recording import lock_project, publish_head, record
from tests.ledger.services.conftest import (  # the services' chain, ledger and project
    clock,
    deployed,
    engine,
    ledger,
    make_project,
)

__all__ = ["clock", "deployed", "engine", "ledger", "make_project"]


@pytest.fixture
def project(engine: Engine, ledger: Ledger, make_project: Callable[..., Project]) -> Project:
    """A project whose record holds 12 entries."""
    made = make_project()
    assert made.id is not None
    with session_scope(engine) as session:
        locked = lock_project(session, made.id)
        while len(journal.entries(session, made.id)) < 12:
            record(session, ledger, locked, "note.added", {"n": 1}, actor="test")
    return made


def publish(engine: Engine, ledger: Ledger, project: Project, extra: int = 0) -> int:
    with session_scope(engine) as session:
        locked = lock_project(session, project.id)  # type: ignore[arg-type]
        for n in range(extra):
            record(session, ledger, locked, "note.added", {"n": n}, actor="test")
        return publish_head(session, ledger, locked)


def proves(proof: record_queries.Inclusion) -> bool:
    head = proof.head.signed.head
    return verify_inclusion(
        index=proof.index,
        tree_size=head.tree_size,
        leaf_hash=leaf_hash(bytes.fromhex(proof.entry.entry_hash)),
        proof=proof.proof,
        root_hash=head.root_hash,
    )


def test_entries_are_read_between_two_sequence_numbers(
    engine: Engine, ledger: Ledger, project: Project
) -> None:
    pid = project.id or 0
    with session_scope(engine) as session:
        assert [e.seq for e in record_queries.entries_page(session, pid, limit=100)] == list(
            range(1, 13)
        )
        page = record_queries.entries_page(session, pid, from_seq=3, to_seq=9, after=4, limit=3)
        assert [e.seq for e in page] == [5, 6, 7]
        page = record_queries.entries_page(session, pid, from_seq=3, to_seq=9, after=7, limit=3)
        assert [e.seq for e in page] == [8, 9]
        with pytest.raises(RuleViolation) as caught:
            record_queries.entries_page(session, pid, from_seq=4, to_seq=3, limit=3)
        assert caught.value.fields["field"] == "to_seq"
        assert record_queries.entry(session, pid, 12).seq == 12
        with pytest.raises(NotFound):
            record_queries.entry(session, pid, 13)
        with pytest.raises(NotFound):
            record_queries.entries_page(session, 10_000, limit=3)


def test_a_head_is_the_published_one_or_signed_for_the_answer(
    engine: Engine, ledger: Ledger, project: Project
) -> None:
    pid = project.id or 0
    key = ledger.record_key.public_key()
    with session_scope(engine) as session:
        fresh = record_queries.head(session, ledger, pid)
        assert not fresh.published and fresh.anchored_block is None
        assert fresh.signed.head.tree_size == 12 and verify_head(key, fresh.signed)
        assert fresh.signed.head.root_hash == journal.tree(journal.entries(session, pid)).root()
    size = publish(engine, ledger, project)
    with session_scope(engine) as session:
        published = record_queries.head(session, ledger, pid)
        assert published.published and published.anchored_tx is not None
        assert published.signed.head == TreeHead(
            size, fresh.signed.head.root_hash, published.signed.head.timestamp_ms
        )
        assert verify_head(key, published.signed)
        earlier = record_queries.head(session, ledger, pid, 5)
        assert not earlier.published and earlier.signed.head.tree_size == 5
        for bad in (0, 13):
            with pytest.raises(RuleViolation):
                record_queries.head(session, ledger, pid, bad)
        rows = record_queries.head_rows(session, pid, limit=10)
        assert [r.tree_size for r in rows] == [12]
        assert record_queries.head_rows(session, pid, after=12, limit=10) == []


def test_proofs_verify_against_the_heads_they_come_with(
    engine: Engine, ledger: Ledger, project: Project
) -> None:
    pid = project.id or 0
    with session_scope(engine) as session:
        for seq in (1, 6, 12):
            proof = record_queries.inclusion(session, ledger, pid, seq)
            assert proof.index == seq - 1 and proves(proof)
        assert proves(record_queries.inclusion(session, ledger, pid, 4, tree_size=4))
        with pytest.raises(RuleViolation):
            record_queries.inclusion(session, ledger, pid, 5, tree_size=4)
        both = record_queries.consistency(session, ledger, pid, 5, 11)
        assert verify_consistency(
            old_size=5,
            new_size=11,
            old_root=both.first.signed.head.root_hash,
            new_root=both.second.signed.head.root_hash,
            proof=both.proof,
        )
        assert (
            record_queries.consistency(session, ledger, pid, 3).second.signed.head.tree_size == 12
        )
        for first, second in ((0, 5), (6, 5), (1, 13)):
            with pytest.raises(RuleViolation):
                record_queries.consistency(session, ledger, pid, first, second)


def test_a_deleted_entry_shifts_the_leaves_and_breaks_the_published_heads_proofs(
    engine: Engine, ledger: Ledger, project: Project
) -> None:
    pid = project.id or 0
    publish(engine, ledger, project)
    with session_scope(engine) as session:
        session.execute(
            text("DELETE FROM journal_entry WHERE project_id = :pid AND seq = 3"), {"pid": pid}
        )
    with session_scope(engine) as session:
        proof = record_queries.inclusion(session, ledger, pid, 8)
        assert proof.index == 6  # the 7th row now
        # the published head of 12 no longer covers the rows, which are 11: a fresh head
        assert not proof.head.published and proof.head.signed.head.tree_size == 11
        assert proves(proof)
        published = record_queries.head_rows(session, pid, limit=1)[0]
        assert published.root_hash != proof.head.signed.head.root_hash.hex()


def test_anchors_are_read_from_the_chain_with_their_transactions(
    engine: Engine, ledger: Ledger, project: Project
) -> None:
    pid = project.id or 0
    sizes = [publish(engine, ledger, project), publish(engine, ledger, project, 2)]
    sizes.append(publish(engine, ledger, project, 3))
    with session_scope(engine) as session:
        held = record_queries.anchors_page(session, ledger, pid, limit=10)
        assert [(a.index, a.tree_size) for a in held] == [(0, 12), (1, 14), (2, 17)]
        assert [a.tree_size for a in held] == sizes
        stored = {r.tree_size: r for r in record_queries.head_rows(session, pid, limit=10)}
        for anchor in held:
            assert anchor.tx_hash == stored[anchor.tree_size].anchored_tx is not None
            assert anchor.block_number == stored[anchor.tree_size].anchored_block
            assert anchor.root_hash.hex() == stored[anchor.tree_size].root_hash
        page = record_queries.anchors_page(session, ledger, pid, after=1, limit=1)
        assert [a.index for a in page] == [1]
        assert record_queries.anchors_page(session, ledger, pid, after=3, limit=5) == []
        assert record_queries.anchors_page(session, ledger, 0, limit=5) == []


def test_record_zero_is_read_and_verified_on_its_own(engine: Engine, ledger: Ledger) -> None:
    zero = registry_record.REGISTRY_RECORD
    with session_scope(engine) as session:
        assert record_queries.owner(session, zero) is None
        with pytest.raises(NotFound):
            record_queries.head(session, ledger, zero)  # nothing recorded yet
        assert record_queries.verify(session, ledger, zero).ok
    for n in range(3):
        with session_scope(engine) as session:
            registry_record.lock_registry(session)
            registry_record.record_registry(session, ledger, "note.added", {"n": n}, actor="t")
    with session_scope(engine) as session:
        assert proves(record_queries.inclusion(session, ledger, zero, 2))
        report = record_queries.verify(session, ledger, zero)
        assert report.ok and report.record.size == 3 and report.anchored_sizes == []
        session.execute(
            text("UPDATE journal_entry SET actor = 'x' WHERE project_id = 0 AND seq = 2")
        )
    with session_scope(engine) as session:
        report = record_queries.verify(session, ledger, zero)
        assert [(p.seq, p.kind) for p in report.record.problems] == [(2, "edited")]
        assert not report.ok
