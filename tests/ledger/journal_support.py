"""What a forger with database access and the code would do to the record, for the tests."""

from __future__ import annotations

from sqlalchemy import Engine

from ledger import journal
from ledger.db import session_scope


def rewrite_consistently(engine: Engine, project_id: int, seq: int, payload: str) -> None:
    """Change entry ``seq``'s payload and recompute every hash from it on, so that the rows
    alone still check out; only heads kept outside the database can tell."""
    with session_scope(engine) as session:
        rows = journal.entries(session, project_id)
        rows[seq - 1].payload = payload
        previous = rows[seq - 2].entry_hash if seq > 1 else journal.GENESIS
        for row in rows[seq - 1 :]:
            row.prev_hash = previous
            row.entry_hash = journal.entry_hash(row)
            previous = row.entry_hash
            session.add(row)
