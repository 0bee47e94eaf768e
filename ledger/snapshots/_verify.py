"""Recomputing every stored snapshot from the raw contributions, and what differs."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from ledger import projects
from ledger.db import Contribution
from ledger.equity import Partner as EquityPartner
from ledger.equity import Snapshot
from ledger.equity.engine import Recalculation, compute_history
from ledger.errors import LedgerError
from ledger.snapshots._reads import (
    columns_of,
    equity_contribution,
    history,
)


@dataclass(frozen=True)
class Mismatch:
    """A stored snapshot that differs from its recomputation."""

    number: int
    field: str
    stored: Any
    recomputed: Any


def recompute(session: Session, project_id: int) -> list[Snapshot]:
    """Every snapshot of the project recomputed from the raw contributions, oldest first."""
    rows = history(session, project_id)
    contributions = session.exec(
        select(Contribution)
        .where(Contribution.project_id == project_id)
        .order_by(col(Contribution.id))
    ).all()
    steps = []
    for row in rows:
        uncounted = set(json.loads(row.disputed))
        spec = projects.agreement_of(session, project_id, row.agreement_version)
        partners = tuple(
            EquityPartner(int(n), side)  # type: ignore[arg-type]
            for n, side in json.loads(row.matrix)["sides"].items()
        )
        counted = tuple(
            equity_contribution(c, disputed=c.id in uncounted)
            for c in contributions
            if c.id is not None and c.id <= row.last_contribution_id
        )
        steps.append(Recalculation(row.cutoff_us, spec.equity_terms(), partners, counted))
    return compute_history(steps)


def verify(session: Session, project_id: int) -> list[Mismatch]:
    """Where the stored snapshots differ from :func:`recompute` (empty when they agree).

    Stored inputs that cannot be recomputed at all (a contribution row whose tier or kind
    is not one the ledger knows) are one mismatch, ``recomputation``, at the first snapshot.
    """
    mismatches = []
    rows = history(session, project_id)
    try:
        recomputed = recompute(session, project_id)
    except (LedgerError, ValueError, KeyError) as error:
        return [Mismatch(rows[0].number, "recomputation", None, str(error))] if rows else []
    for row, fresh in zip(rows, recomputed, strict=True):
        expected = {
            "inputs_hash": fresh.inputs_hash,
            "previous_hash": fresh.previous_hash,
            "payout_vector": {str(k): v for k, v in fresh.payout_vector.items()},
            "weights": {t.value: w for t, w in fresh.weights.items()},
            "columns": columns_of(fresh),
            "totals": sorted(
                [pid, tier.value, kind.value, str(v)]
                for (pid, tier, kind), v in fresh.totals.items()
            ),
            "payouts": None
            if row.amount is None
            else {str(k): str(v) for k, v in fresh.payouts(row.amount).items()},
        }
        stored = {
            "inputs_hash": row.inputs_hash,
            "previous_hash": row.previous_hash,
            "payout_vector": json.loads(row.payout_vector),
            "weights": json.loads(row.weights),
            "columns": json.loads(row.matrix)["columns"],
            "totals": sorted(json.loads(row.totals)),
            "payouts": None if row.payouts is None else json.loads(row.payouts),
        }
        for field, value in expected.items():
            if stored[field] != value:
                mismatches.append(Mismatch(row.number, field, stored[field], value))
    return mismatches
