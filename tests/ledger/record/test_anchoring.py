"""Anchoring after the commit: a head goes on chain only once the rows it covers are stored,
a failed anchor waits for the next attempt, and a head the chain already holds is adopted."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine

from ledger import audit, tree_heads
from ledger.context import Ledger
from ledger.db import Project, session_scope
from ledger.errors import ChainUnavailable
from ledger.recording import anchor_all_pending, anchor_pending, lock_project, publish_head, record
from tests.ledger.services.conftest import (  # the services' chain, ledger and project
    clock,
    deployed,
    engine,
    ledger,
    make_project,
)

__all__ = ["clock", "deployed", "engine", "ledger", "make_project"]


class Boom(Exception):
    """The request failing after its head was signed."""


@pytest.fixture
def project(make_project: Callable[..., Project]) -> Project:
    return make_project()


def chain_sizes(ledger: Ledger, project: Project) -> list[int]:
    assert project.chain_project_id is not None
    return [head.tree_size for head in ledger.anchor.heads(project.chain_project_id)]


def stored(engine: Engine, project: Project) -> dict[int, int | None]:
    """Each signed head's size and the block it was anchored in (None: not yet)."""
    with session_scope(engine) as session:
        return {
            row.tree_size: row.anchored_block
            for row in tree_heads.stored(session, project.id)  # type: ignore[arg-type]
        }


def write(engine: Engine, ledger: Ledger, project: Project, notes: int = 1) -> int:
    """Append ``notes`` entries and sign the head in one transaction; its size."""
    with session_scope(engine) as session:
        locked = lock_project(session, project.id)  # type: ignore[arg-type]
        for n in range(notes):
            record(session, ledger, locked, "note.added", {"n": n}, actor="test")
        return publish_head(session, ledger, locked)


def clean(engine: Engine, ledger: Ledger, project: Project) -> audit.AuditReport:
    with session_scope(engine) as session:
        return audit.verify(session, ledger, project_id=project.id)  # type: ignore[arg-type]


def test_a_head_reaches_the_chain_only_after_its_rows_commit(
    engine: Engine, ledger: Ledger, project: Project
) -> None:
    before = chain_sizes(ledger, project)
    seen_inside: list[int] = []
    with pytest.raises(Boom), session_scope(engine) as session:
        locked = lock_project(session, project.id)  # type: ignore[arg-type]
        record(session, ledger, locked, "note.added", {"n": 1}, actor="test")
        publish_head(session, ledger, locked)
        seen_inside.extend(chain_sizes(ledger, project))
        raise Boom
    assert seen_inside == before  # signed, not sent, while the transaction was open
    assert chain_sizes(ledger, project) == before  # rolled back: never sent
    size = write(engine, ledger, project)
    assert chain_sizes(ledger, project) == [*before, size]
    assert stored(engine, project)[size] is not None
    assert clean(engine, ledger, project).ok


def test_a_failed_anchor_keeps_the_commit_and_waits_for_the_next_attempt(
    engine: Engine, ledger: Ledger, project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = chain_sizes(ledger, project)

    def down(*args: Any, **kwargs: Any) -> Any:
        raise ChainUnavailable("the chain node does not answer")

    monkeypatch.setattr(ledger.anchor, "anchor", down)
    size = write(engine, ledger, project, notes=3)  # committed although the anchor failed
    assert stored(engine, project)[size] is None
    assert chain_sizes(ledger, project) == before
    assert anchor_all_pending(engine, ledger) == []  # still down: logged, left pending
    monkeypatch.undo()
    assert anchor_all_pending(engine, ledger) == [project.id]
    assert chain_sizes(ledger, project) == [*before, size]
    assert stored(engine, project)[size] is not None
    assert anchor_all_pending(engine, ledger) == []  # nothing left
    assert clean(engine, ledger, project).ok


def test_a_head_the_chain_already_holds_is_adopted_not_sent_again(
    engine: Engine, ledger: Ledger, project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The process died after the anchor's transaction was mined, before noting it."""
    real = ledger.anchor.anchor
    sent: list[int] = []

    def lost_answer(chain_project_id: int, tree_size: int, root: bytes) -> Any:
        real(chain_project_id, tree_size, root)
        sent.append(tree_size)
        raise ChainUnavailable("the connection dropped before the receipt")

    monkeypatch.setattr(ledger.anchor, "anchor", lost_answer)
    size = write(engine, ledger, project, notes=2)
    assert sent == [size] and stored(engine, project)[size] is None
    monkeypatch.undo()
    unnoted = clean(engine, ledger, project)  # the chain holds a head the ledger did not note
    assert [(d.subject, d.ref) for d in unnoted.chain] == [("anchor", str(size))]
    assert any(line.startswith(f"chain: anchor {size}: ") for line in unnoted.problems())
    assert anchor_pending(engine, ledger, project.id)  # type: ignore[arg-type]
    assert chain_sizes(ledger, project).count(size) == 1
    assert stored(engine, project)[size] is not None
    report = clean(engine, ledger, project)
    assert report.ok, report.problems()  # the adopted block and transaction match the event
