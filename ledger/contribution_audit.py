"""Contribution rows against the journal entries that registered them.

Equity is computed from the ``contribution`` table, and the record holds, for each row,
the ``contribution.registered`` entry written in the same transaction (its fields, the
body hash and the partner's signature). :func:`verify` compares the two, so a row edited,
deleted or added behind the ledger's back is named even before a snapshot counts it. It
trusts the entries only as far as the record's own verify does (an edited entry is
reported there).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from ledger import journal
from ledger.db import Contribution

REGISTERED = "contribution.registered"

#: Row attribute -> how the entry's payload writes it.
_FIELDS: dict[str, Any] = {
    "tier": str,
    "kind": str,
    "value": str,
    "evidence_hash": str,
    "idempotency_key": str,
    "body_hash": str,
    "partner_number": int,
    "recorded_us": int,
    "asset_id": lambda v: v,
}


@dataclass(frozen=True)
class RowMismatch:
    """A contribution row that differs from its journal entry, or has none."""

    contribution_id: int
    field: str
    detail: str


def verify(session: Session, project_id: int) -> list[RowMismatch]:
    """Every contribution row of the project against its ``contribution.registered`` entry."""
    registered: dict[int, tuple[int, dict[str, Any], str | None]] = {}
    for entry in journal.entries(session, project_id):
        if entry.kind != REGISTERED:
            continue
        try:
            payload = json.loads(entry.payload)
            registered[int(payload["contribution_id"])] = (entry.seq, payload, entry.signature)
        except (ValueError, TypeError, KeyError):
            continue  # an unreadable entry: the record's verify reports it as edited
    rows = session.exec(
        select(Contribution)
        .where(Contribution.project_id == project_id)
        .order_by(col(Contribution.id))
    ).all()
    found: list[RowMismatch] = []
    for row in rows:
        assert row.id is not None
        entry = registered.pop(row.id, None)
        if entry is None:
            found.append(RowMismatch(row.id, "entry", "no journal entry registered this row"))
            continue
        seq, payload, signature = entry
        if row.journal_seq != seq:
            found.append(
                RowMismatch(row.id, "journal_seq", f"{row.journal_seq} in the row, entry {seq}")
            )
        for name, written in _FIELDS.items():
            if payload.get(name) != written(getattr(row, name)):
                found.append(
                    RowMismatch(
                        row.id,
                        name,
                        f"{getattr(row, name)!r} in the row, {payload.get(name)!r} in entry {seq}",
                    )
                )
        if row.signature != signature:
            found.append(RowMismatch(row.id, "signature", f"differs from entry {seq}'s"))
    for contribution_id, (seq, _, _) in sorted(registered.items()):
        found.append(RowMismatch(contribution_id, "row", f"entry {seq} registered it; no row"))
    return found
