"""Contribution rows written straight into the table, for snapshot and milestone tests.

The contributions service (signatures, idempotency) has tests of its own; here only what a
snapshot reads matters: partner number, tier, kind, value, time and status.
"""

from __future__ import annotations

import hashlib

from sqlmodel import Session

from ledger import projects, snapshots
from ledger.context import Ledger
from ledger.db import Contribution


def add(
    session: Session,
    ledger: Ledger,
    project_id: int,
    number: int,
    tier: str,
    kind: str,
    value: int,
    *,
    status: str = "accepted",
) -> Contribution:
    partner = projects.partners_of(session, project_id)[number - 1]
    at = ledger.clock()
    row = Contribution(
        project_id=project_id,
        partner_id=partner.id,
        partner_number=number,
        tier=tier,
        kind=kind,
        value=value,
        evidence_hash=hashlib.sha256(f"{number}{tier}{value}".encode()).hexdigest(),
        idempotency_key=f"k-{at.timestamp()}",
        body_hash="0" * 64,
        signature="0x" + "00" * 65,
        status=status,
        recorded_us=snapshots.micros_of(at),
        recorded_at=at,
        journal_seq=0,
    )
    session.add(row)
    session.flush()
    return row
