"""Signed tree heads of each project's record, and their anchors on chain.

:func:`publish` signs the head of the record as it stands (Ed25519, the ledger's own key,
:mod:`ledger.record.heads`) and stores it; :func:`anchor` puts the newest unanchored head
on chain through the record anchor's gateway and remembers the block. Anchors are what
:func:`ledger.journal.verify` checks a record against: they live outside the database.
"""

from __future__ import annotations

import time
from typing import Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlmodel import Session, col, select

from ledger import journal
from ledger.db import TreeHeadRecord
from ledger.errors import RuleViolation
from ledger.record import Frontier, SignedTreeHead, TreeHead, leaf_hash, sign_head
from ledger.record.errors import TreeHeadInvalid


class AnchorReceipt(Protocol):
    block_number: int
    tx_hash: str


class Anchor(Protocol):
    """What :func:`anchor` needs of the chain (``RecordAnchorGateway`` offers it)."""

    def anchor(self, project_id: int, tree_size: int, root_hash: bytes) -> AnchorReceipt: ...


def publish(
    session: Session, project_id: int, key: Ed25519PrivateKey, *, now_ms: int | None = None
) -> SignedTreeHead:
    """Sign and store the head of the project's record; the same head again if nothing changed.

    The root comes from the last head's frontier and the entries added since (see
    :class:`~ledger.record.Frontier`), so publishing costs what was appended, not the
    whole record; a head stored without a frontier is recomputed from all entries once.

    Raises:
        RuleViolation: when the record is empty (an empty tree is never published).
    """
    latest = _latest(session, project_id)
    frontier = Frontier(0)
    if latest is not None and latest.frontier is not None:
        frontier = Frontier.decode(latest.tree_size, latest.frontier)
    rows = journal.entries_after(session, project_id, frontier.size)
    if not rows and frontier.size == 0:
        raise RuleViolation("the record of this project is empty", project_id=project_id)
    if latest is not None and not rows and latest.tree_size == frontier.size:
        return _signed(latest)
    frontier = frontier.extend(leaf_hash(bytes.fromhex(row.entry_hash)) for row in rows)
    if latest is not None and latest.tree_size == frontier.size:
        latest.frontier = frontier.encode()  # a head stored before heads kept frontiers
        session.add(latest)
        session.flush()
        return _signed(latest)
    head = TreeHead(frontier.size, frontier.root(), now_ms or int(time.time() * 1000))
    signed = sign_head(key, head)
    session.add(
        TreeHeadRecord(
            project_id=project_id,
            tree_size=head.tree_size,
            root_hash=head.root_hash.hex(),
            timestamp_ms=head.timestamp_ms,
            signature=signed.signature.hex(),
            frontier=frontier.encode(),
        )
    )
    session.flush()
    return signed


def anchor(session: Session, project_id: int, chain_anchor: Anchor) -> bool:
    """Anchor the newest published head of a project if it is not anchored yet.

    Args:
        session: The database session (the anchor's block is recorded in it).
        project_id: The project.
        chain_anchor: The record anchor's gateway.

    Returns:
        True when a head was anchored now.
    """
    latest = _latest(session, project_id)
    if latest is None or latest.anchored_block is not None:
        return False
    receipt = chain_anchor.anchor(project_id, latest.tree_size, bytes.fromhex(latest.root_hash))
    latest.anchored_block = receipt.block_number
    latest.anchored_tx = receipt.tx_hash
    session.add(latest)
    session.flush()
    return True


def heads(session: Session, project_id: int) -> list[SignedTreeHead]:
    """Every published head of a project, oldest first."""
    return [_signed(row) for row in stored(session, project_id)]


def stored(session: Session, project_id: int) -> list[TreeHeadRecord]:
    """Every published head's row, oldest first, as stored (an arbiter decodes each itself)."""
    return list(
        session.exec(
            select(TreeHeadRecord)
            .where(TreeHeadRecord.project_id == project_id)
            .order_by(col(TreeHeadRecord.tree_size))
        ).all()
    )


def decode(row: TreeHeadRecord) -> SignedTreeHead:
    """A stored row as a signed head.

    Raises:
        TreeHeadInvalid: a stored root or signature that is not hex, or a root not 32 bytes.
    """
    try:
        return _signed(row)
    except ValueError as error:  # bytes.fromhex: not hexadecimal
        raise TreeHeadInvalid(
            f"the stored head of size {row.tree_size} is not hexadecimal",
            field="tree_head",
            tree_size=row.tree_size,
        ) from error


def _latest(session: Session, project_id: int) -> TreeHeadRecord | None:
    return session.exec(
        select(TreeHeadRecord)
        .where(TreeHeadRecord.project_id == project_id)
        .order_by(col(TreeHeadRecord.tree_size).desc())
        .limit(1)
    ).first()


def _signed(row: TreeHeadRecord) -> SignedTreeHead:
    head = TreeHead(row.tree_size, bytes.fromhex(row.root_hash), row.timestamp_ms)
    return SignedTreeHead(head, bytes.fromhex(row.signature))
