"""The record: each project's append-only, hash-chained journal, and its verification.

Every state change appends one entry, in the same database transaction as the change
(services call :func:`append` with their own session, so a rolled-back change leaves no
entry and an entry never exists without its change). An entry is its sequence number,
kind, canonical payload (RFC 8785), actor, the actor's signature where the actor signed,
time, the previous entry's hash and its own hash::

    entry_hash = sha256(JCS({"actor", "kind", "payload", "prev_hash", "project_id",
                             "recorded_at", "seq", "signature", "version"}))

The entry hashes, in sequence order, are the leaves of the project's RFC 9162 Merkle tree
(:mod:`ledger.record`); its tree heads are what the ledger signs and anchors on chain.
:func:`verify` recomputes everything from the raw rows and reports each problem with the
sequence number where it is seen. See ``docs/record.md``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import rfc8785
from sqlmodel import Session, col, select

from ledger.db import JournalEntry
from ledger.record import MerkleTree, leaf_hash

VERSION = "ipledger-journal/1"
GENESIS = "0" * 64


def canonical(value: Any) -> str:
    """RFC 8785 (JCS) canonical JSON of ``value``."""
    return rfc8785.dumps(value).decode("utf-8")


def timestamp(moment: datetime) -> str:
    """The one text form of a time in the journal: UTC, microseconds, ``Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(entry: JournalEntry) -> str:
    """Recompute an entry's hash from its fields (not from its stored hash)."""
    material = {
        "actor": entry.actor,
        "kind": entry.kind,
        "payload": entry.payload,
        "prev_hash": entry.prev_hash,
        "project_id": entry.project_id,
        "recorded_at": timestamp(entry.recorded_at),
        "seq": entry.seq,
        "signature": entry.signature,
        "version": VERSION,
    }
    return hashlib.sha256(canonical(material).encode("utf-8")).hexdigest()


def append(
    session: Session,
    *,
    project_id: int,
    kind: str,
    payload: Mapping[str, Any],
    actor: str,
    signature: str | None = None,
    at: datetime | None = None,
) -> JournalEntry:
    """Append an entry to a project's journal, within the caller's transaction.

    Two transactions appending to one project at once cannot both commit: the second
    hits the unique (project, seq) constraint and must be retried by its caller.

    Returns:
        The new entry (flushed, not committed).
    """
    last = session.exec(
        select(JournalEntry)
        .where(JournalEntry.project_id == project_id)
        .order_by(col(JournalEntry.seq).desc())
        .limit(1)
        .with_for_update()
    ).first()
    moment = (at or datetime.now(UTC)).astimezone(UTC)
    entry = JournalEntry(
        project_id=project_id,
        seq=(last.seq + 1) if last else 1,
        kind=kind,
        payload=canonical(dict(payload)),
        actor=actor,
        signature=signature,
        recorded_at=moment,
        prev_hash=last.entry_hash if last else GENESIS,
        entry_hash="",
    )
    entry.entry_hash = entry_hash(entry)
    session.add(entry)
    session.flush()
    return entry


def entries(session: Session, project_id: int) -> list[JournalEntry]:
    """A project's entries in sequence order."""
    return list(
        session.exec(
            select(JournalEntry)
            .where(JournalEntry.project_id == project_id)
            .order_by(col(JournalEntry.seq))
        ).all()
    )


def entries_after(session: Session, project_id: int, seq: int) -> list[JournalEntry]:
    """A project's entries after sequence number ``seq``, in order."""
    return list(
        session.exec(
            select(JournalEntry)
            .where(JournalEntry.project_id == project_id)
            .where(col(JournalEntry.seq) > seq)
            .order_by(col(JournalEntry.seq))
        ).all()
    )


def tree(rows: list[JournalEntry]) -> MerkleTree:
    """The Merkle tree over the entries' stored hashes, in order (leaf i = entry i's hash)."""
    return MerkleTree(leaf_hash(bytes.fromhex(row.entry_hash)) for row in rows)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the record, where it is seen."""

    seq: int
    kind: str  # "edited", "deleted", "chain_broken", "rewritten", "truncated"
    detail: str


@dataclass(frozen=True)
class VerifyReport:
    project_id: int
    size: int
    root: str
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(
    session: Session, project_id: int, *, anchored: Mapping[int, bytes] | None = None
) -> VerifyReport:
    """Recompute a project's record from its raw rows and check it against anchored heads.

    Args:
        session: A database session.
        project_id: The project.
        anchored: Tree heads known from outside the database (the chain's anchors, signed
            tree heads): tree size to root hash.

    Returns:
        The report; ``ok`` when nothing is wrong. An entry whose content no longer matches
        its hash is ``edited``; a missing sequence number is ``deleted``; an entry that does
        not follow its predecessor is ``chain_broken`` (an entry inserted, reordered, or one
        before it deleted); a prefix whose root differs from an anchored head is
        ``rewritten`` (a consistent forgery of the rows); an anchored size beyond the rows
        is ``truncated``.
    """
    rows = entries(session, project_id)
    problems: list[Problem] = []
    expected, previous = 1, GENESIS
    for row in rows:
        while row.seq > expected:
            problems.append(Problem(expected, "deleted", "no entry has this sequence number"))
            expected += 1
        if entry_hash(row) != row.entry_hash:
            problems.append(
                Problem(row.seq, "edited", "the entry's content does not match its hash")
            )
        if row.prev_hash != previous:
            problems.append(
                Problem(row.seq, "chain_broken", "the entry does not follow the entry before it")
            )
        previous, expected = row.entry_hash, row.seq + 1
    merkle = tree(rows)
    matched = 0
    for size, root in sorted((anchored or {}).items()):
        if size > len(rows):
            problems.append(
                Problem(size, "truncated", f"a head of size {size} is anchored; {len(rows)} rows")
            )
        elif merkle.root(size) != bytes(root):
            problems.append(
                Problem(
                    matched + 1,
                    "rewritten",
                    f"the first {size} entries differ from the anchored head of that size "
                    f"(the change lies in sequence numbers {matched + 1} to {size})",
                )
            )
        else:
            matched = size
    return VerifyReport(project_id, len(rows), merkle.root().hex(), problems)
