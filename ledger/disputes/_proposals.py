"""What an outcome would do: the root and total a settlement or a ruling carries."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from ledger import projects, snapshots
from ledger.chain.disputes import Outcome
from ledger.chain.escrow import ZERO_ROOT
from ledger.context import Ledger
from ledger.db import Contribution, Dispute, Project
from ledger.disputes._fields import (
    OUTCOME_CODES,
    OUTCOMES,
    excluded_ids,
)
from ledger.disputes._subjects import (
    current,
    open_row,
)
from ledger.errors import ChainStateError, RuleViolation


@dataclass(frozen=True)
class Proposal:
    """What an outcome would do: the values a settlement or a ruling carries on chain.

    ``new_root`` and ``new_total`` are zero unless the outcome is ``replace``; ``payouts``
    (partner number → wei) and ``snapshot`` are the superseding snapshot's.
    """

    dispute_id: int
    chain_dispute_id: int
    outcome: str
    excluded: tuple[int, ...]
    new_root: str
    new_total: int
    payouts: dict[int, int] | None

    def settlement_message(self) -> dict[str, Any]:
        """The ``Settlement`` struct every partner signs (DisputeResolution's domain)."""
        return {
            "disputeId": self.chain_dispute_id,
            "outcome": int(OUTCOME_CODES[self.outcome]),
            "newRoot": bytes.fromhex(self.new_root),
            "newTotal": self.new_total,
        }


def propose(
    session: Session,
    ledger: Ledger,
    *,
    dispute_id: int,
    outcome: str,
    excluded: Sequence[int] = (),
) -> Proposal:
    """What ``outcome`` would do to an open dispute; stores nothing.

    ``replace`` names the contributions that stop counting (``excluded``); the other
    outcomes name none.

    Raises:
        RuleViolation: for an unknown outcome, a bad ``excluded`` list, or a ``replace``
            whose snapshot is no longer the project's latest or whose tier rules fail.
        Conflict: when the dispute is not open.
    """
    row = open_row(session, dispute_id)
    project = projects.get_project(session, row.project_id)
    return proposal_for(session, ledger, project, row, outcome, excluded)


def proposal_for(
    session: Session,
    ledger: Ledger,
    project: Project,
    row: Dispute,
    outcome: str,
    excluded: Sequence[int],
) -> Proposal:
    if outcome not in OUTCOMES:
        raise RuleViolation(
            f"outcome must be one of {', '.join(OUTCOMES)}, got {outcome!r}",
            field="outcome",
            allowed=list(OUTCOMES),
        )
    assert row.id is not None and row.chain_dispute_id is not None
    ids = excluded_ids(excluded)
    if outcome != "replace":
        if ids:
            raise RuleViolation(
                f"only a replace excludes contributions, not {outcome}", field="excluded"
            )
        return Proposal(row.id, row.chain_dispute_id, outcome, (), ZERO_ROOT.hex(), 0, None)
    if not ids:
        raise RuleViolation(
            "a replace names the contributions that stop counting", field="excluded"
        )
    target = current(session, row)
    assert target.snapshot is not None and project.id is not None
    last = snapshots.latest(session, project.id)
    if last is None or last.id != target.snapshot.id:
        raise RuleViolation(
            f"snapshot {target.snapshot.number} is no longer the project's latest: a "
            "replacement would count what came after it; uphold or reject instead",
            field="outcome",
        )
    uncounted = set(json.loads(target.snapshot.disputed))
    for contribution_id in ids:
        counted = session.get(Contribution, contribution_id)
        if (
            counted is None
            or counted.project_id != project.id
            or contribution_id > target.snapshot.last_contribution_id
            or contribution_id in uncounted
        ):
            raise RuleViolation(
                f"contribution {contribution_id} does not count in snapshot "
                f"{target.snapshot.number}",
                field="excluded",
                contribution_id=contribution_id,
            )
    correction = snapshots.preview_correction(
        session, project, excluded=frozenset(ids), amount=target.snapshot.amount
    )
    return Proposal(
        row.id,
        row.chain_dispute_id,
        outcome,
        ids,
        correction.payout_root or ZERO_ROOT.hex(),
        target.snapshot.amount or 0,
        correction.payouts,
    )


def check_event(proposal: Proposal, event: dict[str, Any]) -> None:
    """The chain recorded exactly the proposal (else a reported error, never fixed here)."""
    got = (Outcome(event["outcome"]), bytes(event["newRoot"]).hex(), int(event["newTotal"]))
    want = (OUTCOME_CODES[proposal.outcome], proposal.new_root, proposal.new_total)
    if got != want:
        raise ChainStateError(
            f"the chain recorded {got} for dispute {proposal.dispute_id}, "
            f"the ledger proposed {want}",
            dispute_id=proposal.dispute_id,
        )
