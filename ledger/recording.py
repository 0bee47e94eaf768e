"""Writing to a project: one lock per project, one journal entry per change, anchors.

Every service that changes a project calls :func:`lock_project` first and
:func:`record` for each change, inside the caller's transaction. The lock (an update of the
project's ``write_seq``: a row lock on PostgreSQL, the write lock on SQLite) serialises the
project's writers, so journal sequence numbers and snapshots never race.

Anchoring: :func:`record` signs the record's head whenever the journal reaches a multiple
of ``Ledger.anchor_every`` entries, and :func:`publish_head` signs it at once (every
milestone release does). The signed head is stored in the caller's transaction, with the
entries it covers; it goes on chain only **after that transaction commits** (a listener on
the session's ``after_commit``), so a root never reaches the chain for rows that were rolled
back or lost in a crash. An anchor that fails then (the node is down, the process dies)
leaves the head unanchored: :func:`anchor_pending` and :func:`anchor_all_pending` (run by the
server at start-up and every ``IPLEDGER_ANCHOR_RETRY_SECONDS``) anchor it later, and a head
the chain already holds (anchored just before a crash) is adopted, not sent twice.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, event, func, update
from sqlmodel import Session, col, select

from ledger import journal, tree_heads
from ledger.chain import history
from ledger.context import Ledger
from ledger.db import JournalEntry, Project, TreeHeadRecord, session_scope
from ledger.errors import ContractReverted, NotFound, RuleViolation

log = logging.getLogger(__name__)

#: ``session.info`` key: the projects whose signed head waits for the commit to be anchored.
_PENDING = "ipledger.anchor_after_commit"


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
        publish_head(session, ledger, project)
    return entry


def publish_head(session: Session, ledger: Ledger, project: Project) -> int:
    """Sign the record's current head in this transaction; anchor it once it commits.

    Returns:
        The size of the signed head.
    """
    assert project.id is not None and project.chain_project_id is not None
    signed = tree_heads.publish(
        session, project.id, ledger.record_key, now_ms=int(ledger.clock().timestamp() * 1000)
    )
    session.info.setdefault(_PENDING, {})[project.id] = ledger
    return signed.head.tree_size


def anchor_pending(engine: Engine, ledger: Ledger, project_id: int) -> bool:
    """Anchor the project's newest signed head on chain if it is not anchored yet.

    Runs in its own transaction under the project's write lock, so two writers never send
    the same head.

    Returns:
        True when a head was anchored (or adopted from the chain) now.

    Raises:
        ChainError: the node is unavailable or the anchor reverted (the head stays pending).
    """
    with session_scope(engine) as session:
        project = lock_project(session, project_id, live=False)
        assert project.chain_project_id is not None
        return tree_heads.anchor(
            session, project_id, _ChainAnchor(ledger, project.chain_project_id)
        )


def anchor_all_pending(engine: Engine, ledger: Ledger) -> list[int]:
    """Anchor every project's newest head still unanchored; the projects anchored now.

    A project whose anchor fails is logged and left for the next call.
    """
    newest = (
        select(TreeHeadRecord.project_id, func.max(TreeHeadRecord.tree_size).label("size"))
        .group_by(col(TreeHeadRecord.project_id))
        .subquery()
    )
    with session_scope(engine) as session:
        waiting = session.exec(
            select(TreeHeadRecord.project_id)
            .join(
                newest,
                (col(TreeHeadRecord.project_id) == newest.c.project_id)
                & (col(TreeHeadRecord.tree_size) == newest.c.size),
            )
            .where(col(TreeHeadRecord.anchored_block).is_(None))
            .order_by(col(TreeHeadRecord.project_id))
        ).all()
    return [project_id for project_id in waiting if _anchor_logged(engine, ledger, project_id)]


def _anchor_logged(engine: Engine, ledger: Ledger, project_id: int) -> bool:
    try:
        return anchor_pending(engine, ledger, project_id)
    except Exception:  # the write is committed; the head waits for the next attempt
        log.warning(
            "project %s: the record's head stays unanchored for now", project_id, exc_info=True
        )
        return False


@event.listens_for(Session, "after_commit")
def _anchor_after_commit(session: Session) -> None:
    pending: dict[int, Ledger] | None = session.info.pop(_PENDING, None)
    if not pending:
        return
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    for project_id, ledger in pending.items():
        _anchor_logged(engine, ledger, project_id)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


@dataclass(frozen=True)
class _Adopted:
    """A head the chain already held (anchored before a crash lost the ledger's note of it)."""

    block_number: int
    tx_hash: str


class _ChainAnchor:
    """The record anchor addressed by the project's id on chain (the journal's is the ledger's)."""

    def __init__(self, ledger: Ledger, chain_project_id: int) -> None:
        self._ledger = ledger
        self._chain_project_id = chain_project_id

    def anchor(self, project_id: int, tree_size: int, root_hash: bytes) -> Any:
        gateway = self._ledger.anchor
        try:
            return gateway.anchor(self._chain_project_id, tree_size, root_hash)
        except ContractReverted as error:
            if error.error != "RecordAnchorAlreadyAnchored":
                raise
        held = next(
            e
            for e in history.heads_anchored(gateway, self._chain_project_id)
            if e.event.tree_size == tree_size
        )
        return _Adopted(held.block_number, held.tx_hash)
