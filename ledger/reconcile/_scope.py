"""What every check of one project reads from: the session, the ledger, the project."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from ledger.context import Ledger
from ledger.db import JournalEntry, Project
from ledger.reconcile._model import Findings


@dataclass
class Scope:
    """One project being reconciled, and where its discrepancies go."""

    session: Session
    ledger: Ledger
    project: Project
    found: Findings

    @property
    def project_id(self) -> int:
        assert self.project.id is not None
        return self.project.id

    @property
    def chain_id(self) -> int:
        """The project's id on chain (the caller checked it has one)."""
        assert self.project.chain_project_id is not None
        return self.project.chain_project_id

    def payloads(self, kind: str) -> list[tuple[int, dict[str, Any]]]:
        """The project's journal entries of one kind: (sequence number, payload), in order."""
        rows = self.session.exec(
            select(JournalEntry)
            .where(JournalEntry.project_id == self.project_id)
            .where(JournalEntry.kind == kind)
            .order_by(col(JournalEntry.seq))
        ).all()
        return [(row.seq, json.loads(row.payload)) for row in rows]
