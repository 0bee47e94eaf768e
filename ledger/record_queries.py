"""Reading a record for an auditor: entries, proofs, tree heads, anchors and the full check.

A *record* is a project's journal, or record 0, the registry's (issuers, credentials,
recognitions, admins): :data:`ledger.registry_record.REGISTRY_RECORD`. Everything here only
reads; nothing is stored, locked or sent to the chain.

Tree heads: a head the ledger published (``tree_head``, made by :mod:`ledger.tree_heads`
when it anchors) is returned as it was stored. A head for a size the ledger has not
published is signed for the answer with the same Ed25519 key and not stored: it binds the
ledger as much (the key signed it), but it is not among the heads :func:`verify` checks
the record against, and it is signed over the rows as they stand now. ``Head.published``
tells the two apart.

Leaves: leaf ``i`` of a record's tree is ``leaf_hash(entry_hash)`` of its ``i``-th entry in
sequence order (:func:`ledger.journal.tree`), so for an intact record entry ``seq`` is
leaf ``seq - 1``. Building a proof reads every entry's hash up to the tree's size.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlmodel import Session, col, select

from ledger import audit, journal, projects, tree_heads
from ledger.context import Ledger
from ledger.db import JournalEntry, Project, TreeHeadRecord
from ledger.errors import NotFound, RuleViolation
from ledger.record import MerkleTree, SignedTreeHead, TreeHead, leaf_hash, sign_head, verify_head
from ledger.registry_record import REGISTRY_RECORD


@dataclass(frozen=True)
class Head:
    """A signed tree head and what the ledger holds of it."""

    signed: SignedTreeHead
    published: bool
    anchored_block: int | None = None
    anchored_tx: str | None = None


@dataclass(frozen=True)
class Inclusion:
    """An entry, its leaf's index and the path from it to ``head``'s root."""

    entry: JournalEntry
    index: int
    proof: list[bytes]
    head: Head


@dataclass(frozen=True)
class Consistency:
    """Two heads and the proof that the first's tree is a prefix of the second's."""

    first: Head
    second: Head
    proof: list[bytes]


@dataclass(frozen=True)
class Anchor:
    """A tree head the chain holds for a project, and the transaction that put it there."""

    index: int
    tree_size: int
    root_hash: bytes
    anchored_at: int
    block_number: int
    tx_hash: str | None


def owner(session: Session, record_id: int) -> Project | None:
    """The project whose record ``record_id`` is; None for record 0.

    Raises:
        NotFound: for an unknown project.
    """
    if record_id == REGISTRY_RECORD:
        return None
    return projects.get_project(session, record_id)


def public_key(ledger: Ledger) -> bytes:
    """The 32 raw bytes of the Ed25519 key that checks the record's tree heads."""
    return ledger.record_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def entries_page(
    session: Session,
    record_id: int,
    *,
    from_seq: int = 1,
    to_seq: int | None = None,
    after: int = 0,
    limit: int,
) -> list[JournalEntry]:
    """Up to ``limit`` entries with ``from_seq <= seq <= to_seq`` and ``seq > after``, in order.

    Raises:
        NotFound: for an unknown project.
        RuleViolation: ``field="to_seq"`` when ``to_seq < from_seq``.
    """
    owner(session, record_id)
    if to_seq is not None and to_seq < from_seq:
        raise RuleViolation(
            f"to_seq {to_seq} is below from_seq {from_seq}",
            field="to_seq",
            from_seq=from_seq,
            to_seq=to_seq,
        )
    query = (
        select(JournalEntry)
        .where(JournalEntry.project_id == record_id)
        .where(col(JournalEntry.seq) >= max(from_seq, after + 1))
    )
    if to_seq is not None:
        query = query.where(col(JournalEntry.seq) <= to_seq)
    return list(session.exec(query.order_by(col(JournalEntry.seq)).limit(limit)).all())


def entry(session: Session, record_id: int, seq: int) -> JournalEntry:
    """The entry with sequence number ``seq``.

    Raises:
        NotFound: for an unknown project or sequence number.
    """
    owner(session, record_id)
    row = session.exec(
        select(JournalEntry)
        .where(JournalEntry.project_id == record_id)
        .where(JournalEntry.seq == seq)
    ).first()
    if row is None:
        raise NotFound(f"no entry {seq} in record {record_id}", seq=seq)
    return row


def head(session: Session, ledger: Ledger, record_id: int, tree_size: int | None = None) -> Head:
    """The signed head of the record's first ``tree_size`` entries (all of them by default).

    Raises:
        NotFound: for an unknown project, or a record without entries.
        RuleViolation: ``field="tree_size"`` for a size beyond the record.
    """
    owner(session, record_id)
    _, tree = _tree(session, record_id)
    return _head(session, ledger, record_id, tree, _size(tree, tree_size, "tree_size"))


def inclusion(
    session: Session, ledger: Ledger, record_id: int, seq: int, tree_size: int | None = None
) -> Inclusion:
    """Entry ``seq`` with its inclusion proof in the tree of ``tree_size`` entries.

    Raises:
        NotFound: for an unknown project or sequence number.
        RuleViolation: ``field="tree_size"`` for a size beyond the record or one that does
            not hold the entry.
    """
    row = entry(session, record_id, seq)
    seqs, tree = _tree(session, record_id)
    size = _size(tree, tree_size, "tree_size")
    index = bisect.bisect_left(seqs, seq)
    if index >= size:
        raise RuleViolation(
            f"entry {seq} is leaf {index}, outside a tree of {size} entries",
            field="tree_size",
            seq=seq,
            tree_size=size,
        )
    proof = tree.inclusion_proof(index, size)
    return Inclusion(row, index, proof, _head(session, ledger, record_id, tree, size))


def consistency(
    session: Session, ledger: Ledger, record_id: int, first: int, second: int | None = None
) -> Consistency:
    """The heads of sizes ``first`` and ``second`` (the whole record by default) and the
    consistency proof between them.

    Raises:
        NotFound: for an unknown project, or a record without entries.
        RuleViolation: ``field="first"`` or ``"second"`` unless ``1 <= first <= second <=``
            the record's size.
    """
    owner(session, record_id)
    _, tree = _tree(session, record_id)
    new = _size(tree, second, "second")
    if not 1 <= first <= new:
        raise RuleViolation(
            f"first must be in 1 .. {new}, got {first}", field="first", first=first, second=new
        )
    return Consistency(
        _head(session, ledger, record_id, tree, first),
        _head(session, ledger, record_id, tree, new),
        tree.consistency_proof(first, new),
    )


def head_rows(
    session: Session, record_id: int, *, after: int = 0, limit: int
) -> list[TreeHeadRecord]:
    """Up to ``limit`` heads the ledger published of sizes above ``after``, smallest first.

    Raises:
        NotFound: for an unknown project.
    """
    owner(session, record_id)
    return list(
        session.exec(
            select(TreeHeadRecord)
            .where(TreeHeadRecord.project_id == record_id)
            .where(col(TreeHeadRecord.tree_size) > after)
            .order_by(col(TreeHeadRecord.tree_size))
            .limit(limit)
        ).all()
    )


def anchors_page(
    session: Session, ledger: Ledger, record_id: int, *, after: int = 0, limit: int
) -> list[Anchor]:
    """Up to ``limit`` heads the chain holds for the record, from index ``after`` on.

    Read from ``RecordAnchor`` itself; the transaction hash comes from the ledger's own row
    of that size (None if it has none). Record 0 is not anchored: always empty.

    Raises:
        NotFound: for an unknown project.
    """
    project = owner(session, record_id)
    if project is None:
        return []
    assert project.chain_project_id is not None
    count = ledger.anchor.count(project.chain_project_id)
    held = [
        ledger.anchor.head_at(project.chain_project_id, index)
        for index in range(after, min(count, after + limit))
    ]
    sizes = [h.tree_size for h in held]
    txs = (
        dict(
            session.exec(
                select(TreeHeadRecord.tree_size, TreeHeadRecord.anchored_tx)
                .where(TreeHeadRecord.project_id == record_id)
                .where(col(TreeHeadRecord.tree_size).in_(sizes))
            ).all()
        )
        if sizes
        else {}
    )
    return [
        Anchor(
            h.index, h.tree_size, h.root_hash, h.anchored_at, h.block_number, txs.get(h.tree_size)
        )
        for h in held
    ]


def verify(session: Session, ledger: Ledger, record_id: int) -> audit.AuditReport:
    """:func:`ledger.audit.verify` for a project; for record 0, the record alone.

    Record 0 has no snapshots, no state on chain and no anchors: its entries are checked
    among themselves and against the heads the ledger published for it whose signatures
    verify; a head whose signature fails is reported as :func:`ledger.audit.verify` does.

    Raises:
        NotFound: for an unknown project.
    """
    if owner(session, record_id) is not None:
        return audit.verify(session, ledger, project_id=record_id)
    key = ledger.record_key.public_key()
    problems, known = [], {}
    for signed in tree_heads.heads(session, record_id):
        if verify_head(key, signed):
            known[signed.head.tree_size] = signed.head.root_hash
        else:
            problems.append(
                f"signed tree head of size {signed.head.tree_size}: the signature does not verify"
            )
    record = journal.verify(session, record_id, anchored=known)
    return audit.AuditReport(record_id, record, [], problems)


def stored_head(row: TreeHeadRecord) -> Head:
    """A published head as its row holds it."""
    signed = SignedTreeHead(
        TreeHead(row.tree_size, bytes.fromhex(row.root_hash), row.timestamp_ms),
        bytes.fromhex(row.signature),
    )
    return Head(signed, True, row.anchored_block, row.anchored_tx)


# ---------------------------------------------------------------------- internal


def _tree(session: Session, record_id: int) -> tuple[list[int], MerkleTree]:
    """The record's sequence numbers and its tree over the stored entry hashes, in order."""
    rows = session.exec(
        select(JournalEntry.seq, JournalEntry.entry_hash)
        .where(JournalEntry.project_id == record_id)
        .order_by(col(JournalEntry.seq))
    ).all()
    seqs = [seq for seq, _ in rows]
    return seqs, MerkleTree(leaf_hash(bytes.fromhex(digest)) for _, digest in rows)


def _size(tree: MerkleTree, size: int | None, field: str) -> int:
    if size is None:
        if tree.size == 0:
            raise NotFound("the record has no entries, so no tree head")
        return tree.size
    if not 1 <= size <= tree.size:
        raise RuleViolation(
            f"{field} must be in 1 .. {tree.size}, got {size}",
            field=field,
            size=tree.size,
        )
    return size


def _head(session: Session, ledger: Ledger, record_id: int, tree: MerkleTree, size: int) -> Head:
    row = session.exec(
        select(TreeHeadRecord)
        .where(TreeHeadRecord.project_id == record_id)
        .where(TreeHeadRecord.tree_size == size)
    ).first()
    if row is not None:
        return stored_head(row)
    now_ms = int(ledger.clock().timestamp() * 1000)
    return Head(sign_head(ledger.record_key, TreeHead(size, tree.root(size), now_ms)), False)
