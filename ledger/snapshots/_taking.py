"""Taking the next snapshot incrementally, and previewing a correction of the latest."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import text
from sqlmodel import Session, col, select

from ledger import projects
from ledger.chain.payout_tree import PayoutTree
from ledger.context import Ledger
from ledger.db import Contribution, Milestone, Partner, Project, SnapshotRecord
from ledger.equity import Accumulator, Snapshot
from ledger.equity import Partner as EquityPartner
from ledger.errors import RuleViolation
from ledger.recording import record
from ledger.snapshots._reads import (
    columns_of,
    decode_totals,
    equity_contribution,
    latest,
    micros,
)

#: The condition of the partial index ``ix_contribution_uncounted``, written the same way.
NOT_ACCEPTED = text("contribution.status <> 'accepted'")


@dataclass(frozen=True)
class _Next:
    """The project's next snapshot, computed and not yet stored."""

    snapshot: Snapshot
    previous: SnapshotRecord | None
    members: list[Partner]
    watermark: int
    uncounted: set[int]


def _compute(
    session: Session,
    project: Project,
    *,
    cutoff: int,
    through_cutoff: bool,
    excluded: frozenset[int] = frozenset(),
) -> _Next:
    """Resume from the latest snapshot and apply what changed since, up to ``cutoff``.

    ``excluded`` contributions count as not accepted whatever their status (a proposed
    ruling). With ``through_cutoff`` a contribution recorded after the cutoff is an error
    (the clock went back); without, it and every later one wait for the next snapshot.
    """
    assert project.id is not None
    previous = latest(session, project.id)
    spec = projects.agreement_of(session, project.id)
    members = projects.partners_of(session, project.id)
    partners = [EquityPartner(p.number, p.side) for p in members]  # type: ignore[arg-type]
    if previous is None:
        accumulator = Accumulator(spec.equity_terms(), partners)
        watermark, uncounted_before = 0, set[int]()
    else:
        accumulator = Accumulator.resume(
            spec.equity_terms(),
            partners,
            totals=decode_totals(previous.totals),
            previous_hash=previous.inputs_hash,
            previous_cutoff=previous.cutoff_us,
        )
        watermark, uncounted_before = (
            previous.last_contribution_id,
            set(json.loads(previous.disputed)),
        )
    uncounted = _apply_status_changes(
        session, project.id, accumulator, watermark, uncounted_before, excluded
    )
    # Only the columns the engine reads, streamed: a first snapshot may read millions.
    fresh = session.exec(
        select(  # type: ignore[call-overload]
            Contribution.id,
            Contribution.partner_number,
            Contribution.tier,
            Contribution.kind,
            Contribution.value,
            Contribution.recorded_us,
            Contribution.status,
        )
        .where(Contribution.project_id == project.id)
        .where(col(Contribution.id) > watermark)
        .order_by(col(Contribution.id))
    )
    for row in fresh:
        if row.recorded_us > cutoff:
            if not through_cutoff:
                break
            raise RuleViolation(
                "a contribution is recorded after the cutoff: the ledger's clock went back",
                field="recorded_at",
                contribution_id=row.id,
            )
        if row.status == "accepted" and row.id not in excluded:
            accumulator.add(equity_contribution(row))
        else:
            uncounted.add(row.id)
        watermark = row.id
    return _Next(accumulator.snapshot(cutoff), previous, members, watermark, uncounted)


def take(
    session: Session,
    ledger: Ledger,
    project: Project,
    *,
    milestone: Milestone | None = None,
    reason: str,
    supersedes: SnapshotRecord | None = None,
    actor: str = "ledger",
) -> SnapshotRecord:
    """Compute, store and record the project's next snapshot (the caller holds the lock).

    A superseding snapshot (``supersedes`` given) is cut where the latest snapshot was: it
    counts what the latest counted, with the statuses as they are now (a ruling's rejected
    contributions out); contributions recorded since wait for the next snapshot.

    Raises:
        RuleViolation: if nothing counts yet, or a tier rule cannot hold.
    """
    assert project.id is not None
    if supersedes is None:
        step = _compute(session, project, cutoff=micros(ledger), through_cutoff=True)
    else:
        last = latest(session, project.id)
        assert last is not None
        step = _compute(session, project, cutoff=last.cutoff_us, through_cutoff=False)
    previous = step.previous
    stored = _store(
        session,
        project,
        step.snapshot,
        number=(previous.number + 1) if previous else 1,
        milestone=milestone,
        members=step.members,
        watermark=step.watermark,
        uncounted=step.uncounted,
        reason=reason,
        supersedes=supersedes,
    )
    record(
        session,
        ledger,
        project,
        "snapshot.taken",
        {
            "agreement_version": stored.agreement_version,
            "amount": None if stored.amount is None else str(stored.amount),
            "cutoff_us": stored.cutoff_us,
            "inputs_hash": stored.inputs_hash,
            "milestone": milestone.number if milestone else None,
            "number": stored.number,
            "payout_root": stored.payout_root,
            "previous_hash": stored.previous_hash,
            "reason": reason,
            "supersedes": supersedes.number if supersedes else None,
            "weights": json.loads(stored.weights),
        },
        actor=actor,
    )
    return stored


@dataclass(frozen=True)
class Correction:
    """What a superseding snapshot would be if ``excluded`` contributions stopped counting."""

    snapshot: Snapshot
    payouts: dict[int, int] | None
    payout_root: str | None


def preview_correction(
    session: Session, project: Project, *, excluded: frozenset[int], amount: int | None
) -> Correction:
    """The snapshot :func:`take` would store to supersede the latest one, stored nowhere.

    Raises:
        RuleViolation: when the project has no snapshot yet, or the tier rules cannot hold
            without the excluded contributions.
    """
    assert project.id is not None
    last = latest(session, project.id)
    if last is None:
        raise RuleViolation("the project has no snapshot to correct", field="snapshot")
    step = _compute(
        session, project, cutoff=last.cutoff_us, through_cutoff=False, excluded=excluded
    )
    if amount is None:
        return Correction(step.snapshot, None, None)
    wei = step.snapshot.payouts(amount)
    addresses = {p.number: p.payout_address for p in step.members}
    root = PayoutTree.of([(addresses[n], wei[n]) for n in sorted(wei)]).root.hex()
    return Correction(step.snapshot, wei, root)


def _apply_status_changes(
    session: Session,
    project_id: int,
    accumulator: Accumulator,
    watermark: int,
    uncounted_before: set[int],
    excluded: frozenset[int] = frozenset(),
) -> set[int]:
    """Count again what was resolved, uncount what was disputed since; the new uncounted set.

    Only contributions up to the watermark whose status is not ``accepted`` now, or was
    not at the previous snapshot, are read (disputes are few), plus the ``excluded`` ones.
    """
    if watermark == 0:
        return set()
    # The status condition alone and literal, so the partial index ix_contribution_uncounted
    # serves it (a bound parameter would not let the planner match the index's condition).
    now_uncounted = {
        row.id: row
        for row in session.exec(
            select(Contribution)
            .where(Contribution.project_id == project_id)
            .where(col(Contribution.id) <= watermark)
            .where(NOT_ACCEPTED)
        ).all()
    }
    for contribution_id in sorted(excluded - now_uncounted.keys()):
        row = session.get(Contribution, contribution_id)
        if row is not None and row.project_id == project_id and contribution_id <= watermark:
            now_uncounted[contribution_id] = row
    for contribution_id in sorted(uncounted_before - now_uncounted.keys()):
        row = session.get(Contribution, contribution_id)
        assert row is not None
        accumulator.add(equity_contribution(row))
    for contribution_id in sorted(now_uncounted.keys() - uncounted_before):
        accumulator.remove(equity_contribution(now_uncounted[contribution_id]))
    return {i for i in now_uncounted if i is not None}


def _store(
    session: Session,
    project: Project,
    snapshot: Snapshot,
    *,
    number: int,
    milestone: Milestone | None,
    members: list[Partner],
    watermark: int,
    uncounted: set[int],
    reason: str,
    supersedes: SnapshotRecord | None,
) -> SnapshotRecord:
    assert project.id is not None
    amount = milestone.amount if milestone is not None else None
    payouts = None
    root = None
    if amount is not None:
        wei = snapshot.payouts(amount)
        payouts = json.dumps({str(k): str(v) for k, v in wei.items()}, sort_keys=True)
        addresses = {p.number: p.payout_address for p in members}
        root = PayoutTree.of([(addresses[n], wei[n]) for n in sorted(wei)]).root.hex()
    row = SnapshotRecord(
        project_id=project.id,
        number=number,
        milestone_id=milestone.id if milestone else None,
        agreement_version=project.agreement_version,
        cutoff_us=snapshot.cutoff,
        inputs_hash=snapshot.inputs_hash,
        previous_hash=snapshot.previous_hash,
        matrix=json.dumps(
            {
                "columns": columns_of(snapshot),
                "sides": {str(p.id): p.side.value for p in snapshot.partners},
            },
            sort_keys=True,
        ),
        weights=json.dumps({t.value: w for t, w in snapshot.weights.items()}, sort_keys=True),
        payout_vector=json.dumps({str(k): v for k, v in snapshot.payout_vector.items()}),
        totals=json.dumps(
            [
                [pid, tier.value, kind.value, str(v)]
                for (pid, tier, kind), v in snapshot.totals.items()
            ]
        ),
        disputed=json.dumps(sorted(uncounted)),
        last_contribution_id=watermark,
        amount=amount,
        payouts=payouts,
        payout_root=root,
        supersedes_id=supersedes.id if supersedes else None,
        reason=reason,
    )
    session.add(row)
    session.flush()
    return row
