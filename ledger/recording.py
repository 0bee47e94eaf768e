"""Writing to a project: one lock per project, one journal entry per change, anchors.

Every service that changes a project calls :func:`lock_project` first and
:func:`record` for each change, inside the caller's transaction. The lock (an update of the
project's ``write_seq``: a row lock on PostgreSQL, the write lock on SQLite) serialises the
project's writers, so journal sequence numbers and snapshots never race. :func:`record`
anchors the record's head on chain whenever the journal reaches a multiple of
``Ledger.anchor_every`` entries; :func:`anchor_now` anchors at once (every milestone
release does).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import update
from sqlmodel import Session

from ledger import journal, tree_heads
from ledger.context import Ledger
from ledger.db import JournalEntry, Project
from ledger.errors import NotFound, RuleViolation


def lock_project(session: Session, project_id: int, *, live: bool = True) -> Project:
    """Take the project's write lock for this transaction and return the project.

    Raises:
        NotFound: for an unknown project.
        RuleViolation: when ``live`` and the project was terminated.
    """
    result = session.execute(
        update(Project).where(Project.id == project_id).values(write_seq=Project.write_seq + 1)
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        raise NotFound(f"no project {project_id}", project_id=project_id)
    project = session.get(Project, project_id, populate_existing=True)
    assert project is not None
    if live and project.status != "active":
        raise RuleViolation(
            f"project {project_id} is {project.status}", field="project", status=project.status
        )
    return project


def record(
    session: Session,
    ledger: Ledger,
    project: Project,
    kind: str,
    payload: Mapping[str, Any],
    *,
    actor: str,
    signature: str | None = None,
) -> JournalEntry:
    """Append one entry to the project's record; anchor the head every ``anchor_every`` entries."""
    assert project.id is not None
    entry = journal.append(
        session,
        project_id=project.id,
        kind=kind,
        payload=payload,
        actor=actor,
        signature=signature,
        at=ledger.clock(),
    )
    if entry.seq % ledger.anchor_every == 0:
        anchor_now(session, ledger, project)
    return entry


def anchor_now(session: Session, ledger: Ledger, project: Project) -> int:
    """Sign the record's current head and anchor it on chain; returns the anchored size."""
    assert project.id is not None and project.chain_project_id is not None
    signed = tree_heads.publish(
        session, project.id, ledger.record_key, now_ms=int(ledger.clock().timestamp() * 1000)
    )
    tree_heads.anchor(session, project.id, _ChainAnchor(ledger, project.chain_project_id))
    return signed.head.tree_size


class _ChainAnchor:
    """The record anchor addressed by the project's id on chain (the journal's is the ledger's)."""

    def __init__(self, ledger: Ledger, chain_project_id: int) -> None:
        self._ledger = ledger
        self._chain_project_id = chain_project_id

    def anchor(self, project_id: int, tree_size: int, root_hash: bytes) -> Any:
        return self._ledger.anchor.anchor(self._chain_project_id, tree_size, root_hash)
