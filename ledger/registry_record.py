"""Record 0: the journal of acts that belong to no project (issuers, credentials, recognition).

A project's writers are serialised by an update of its row (:func:`ledger.recording.
lock_project`); record 0 has no row to update, and :func:`ledger.journal.append`'s lock of
the latest entry is not enough on its own: it locks nothing while the record is empty, and
on PostgreSQL a writer that waited on it still reads the old latest entry, so two writers
would pick the same sequence number and one would fail on the unique constraint.
:func:`lock_registry` therefore takes a lock of its own, first thing in the transaction:

- PostgreSQL: a transaction-scoped advisory lock (``pg_advisory_xact_lock``) on
  :data:`REGISTRY_LOCK`, released at commit or rollback. Readers are never blocked.
- SQLite: an ``UPDATE`` of the journal that matches no row. It is a write, so it opens
  the transaction with the database's write lock (SQLite has one writer at a time); a
  transaction that read first and wrote later could fail to upgrade instead of waiting.

Every write to record 0 calls :func:`lock_registry` before anything else, then
:func:`record_registry` once for its change, in the caller's transaction.

Record 0 is hash-chained and verifiable like any other (:func:`ledger.journal.verify`);
its tree heads are not anchored on chain yet, since ``RecordAnchor`` anchors by the id of
a project in the registry and record 0 has none.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import false, text, update
from sqlmodel import Session

from ledger import journal
from ledger.context import Ledger
from ledger.db import JournalEntry

#: The project id under which the registry's own record is kept (no project has id 0).
REGISTRY_RECORD = 0
#: Key of the PostgreSQL advisory lock of record 0: the bytes ``ipl-reg0`` as an integer.
REGISTRY_LOCK = int.from_bytes(b"ipl-reg0", "big")


def lock_registry(session: Session) -> None:
    """Take record 0's write lock for the rest of the caller's transaction.

    Call it first in every write to record 0; calling it again in the same transaction is
    harmless.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": REGISTRY_LOCK})
        return
    session.execute(
        update(JournalEntry)
        .where(JournalEntry.project_id == REGISTRY_RECORD, false())
        .values(seq=JournalEntry.seq)
        .execution_options(synchronize_session=False)
    )


def record_registry(
    session: Session,
    ledger: Ledger,
    kind: str,
    payload: Mapping[str, Any],
    *,
    actor: str,
    signature: str | None = None,
) -> JournalEntry:
    """Append one entry to record 0, timed by the ledger's clock, in the caller's transaction.

    Args:
        session: The transaction, holding :func:`lock_registry`.
        ledger: The collaborators (for the clock).
        kind: What happened, e.g. ``credential.stored``.
        payload: RFC 8785 JSON: amounts beyond 2**53 must be decimal strings.
        actor: Who acted (``admin``, ``issuer:<urn>``).
        signature: The actor's signature of the act, where it signed one.
    """
    return journal.append(
        session,
        project_id=REGISTRY_RECORD,
        kind=kind,
        payload=payload,
        actor=actor,
        signature=signature,
        at=ledger.clock(),
    )
