"""Signed tree heads of the record, anchored on chain, catch a rewritten record."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, text

from ledger import journal, tree_heads
from ledger.chain.compiler import Build
from ledger.chain.gateway import Chain
from ledger.chain.record_anchor import RecordAnchorGateway
from ledger.chain.registry import ProjectRegistryGateway
from ledger.db import create_db_engine, migrate, session_scope
from ledger.errors import RuleViolation
from ledger.record import verify_head
from tests.contracts.conftest import make_project, setup_for
from tests.ledger.journal_support import rewrite_consistently

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_db_engine(database_url)
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def on_chain(chain: Chain, build: Build) -> tuple[int, RecordAnchorGateway]:
    registry_bound, _ = chain.deploy(build["ProjectRegistry"], chain.operator.address)
    registry = ProjectRegistryGateway(chain, registry_bound)
    project = make_project(registry, setup_for(chain))  # ledger signer: the operator
    anchor_bound, _ = chain.deploy(build["RecordAnchor"], registry.address)
    return project.id, RecordAnchorGateway(chain, anchor_bound)


def append(engine: Engine, project_id: int, values: range) -> None:
    with session_scope(engine) as session:
        for value in values:
            journal.append(
                session,
                project_id=project_id,
                kind="contribution.registered",
                payload={"value": value},
                actor="partner:1",
                at=T0 + timedelta(seconds=value),
            )


def test_publish_signs_the_current_head(engine: Engine) -> None:
    append(engine, 1, range(3))
    with session_scope(engine) as session:
        signed = tree_heads.publish(session, 1, KEY, now_ms=1_000)
        again = tree_heads.publish(session, 1, KEY, now_ms=2_000)
        rows = journal.entries(session, 1)
    assert signed.head.tree_size == 3
    assert signed.head.root_hash == journal.tree(rows).root()
    assert verify_head(KEY.public_key(), signed)
    assert again == signed  # nothing changed: the same head, not a new one
    with session_scope(engine) as session:
        assert len(tree_heads.heads(session, 1)) == 1


def test_each_head_is_extended_from_the_last_ones_frontier(engine: Engine) -> None:
    published = []
    for start, end in [(0, 1), (1, 5), (5, 6), (6, 13), (13, 40)]:
        append(engine, 1, range(start, end))
        with session_scope(engine) as session:
            published.append(tree_heads.publish(session, 1, KEY, now_ms=end))
    with session_scope(engine) as session:
        full = journal.tree(journal.entries(session, 1))
    # every head equals the root the whole tree gives for its size
    assert [h.head.tree_size for h in published] == [1, 5, 6, 13, 40]
    assert all(h.head.root_hash == full.root(h.head.tree_size) for h in published)


def test_a_head_stored_without_its_frontier_is_recomputed_from_all_entries(
    engine: Engine,
) -> None:
    append(engine, 1, range(6))
    with session_scope(engine) as session:
        tree_heads.publish(session, 1, KEY, now_ms=1)
        session.execute(text("UPDATE tree_head SET frontier = NULL"))
    append(engine, 1, range(6, 9))
    with session_scope(engine) as session:
        signed = tree_heads.publish(session, 1, KEY, now_ms=2)
        full = journal.tree(journal.entries(session, 1))
    assert (signed.head.tree_size, signed.head.root_hash) == (9, full.root())


def test_empty_record_has_no_head(engine: Engine) -> None:
    with pytest.raises(RuleViolation, match="empty"), session_scope(engine) as session:
        tree_heads.publish(session, 1, KEY)


def test_anchored_heads_catch_a_rewritten_record(
    engine: Engine, on_chain: tuple[int, RecordAnchorGateway]
) -> None:
    project_id, anchor = on_chain
    append(engine, project_id, range(3))
    with session_scope(engine) as session:
        head = tree_heads.publish(session, project_id, KEY).head
        assert tree_heads.anchor(session, project_id, anchor)
        assert not tree_heads.anchor(session, project_id, anchor)  # already anchored
    assert anchor.root_at(project_id, 3) == head.root_hash

    append(engine, project_id, range(3, 5))
    with session_scope(engine) as session:
        tree_heads.publish(session, project_id, KEY)
        tree_heads.anchor(session, project_id, anchor)
    assert [h.tree_size for h in anchor.heads(project_id)] == [3, 5]

    # a consistent rewrite of entry 2 passes the row checks...
    rewrite_consistently(engine, project_id, 2, '{"value":1000000}')
    anchored = {h.tree_size: h.root_hash for h in anchor.heads(project_id)}
    with session_scope(engine) as session:
        assert journal.verify(session, project_id).ok
        report = journal.verify(session, project_id, anchored=anchored)
    # ...and is caught by the heads anchored on chain
    assert [(p.seq, p.kind) for p in report.problems][0] == (1, "rewritten")
