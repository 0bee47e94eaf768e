"""Snapshots of a project's equity matrix, stored, chained and recomputable.

:func:`take` computes the next snapshot of a project incrementally: it resumes an
:class:`~ledger.equity.Accumulator` from the previous snapshot's stored state (values per
partner, tier and kind; the inputs' hash; the cutoff), adds the contributions recorded
since (ids above the previous watermark) and applies the status changes of older ones
(a dispute opened or resolved). Its cost grows with what changed, not with everything
ever contributed. :func:`recompute` rebuilds every snapshot of a project from the raw
contributions and the agreement versions, and :func:`verify` says where the stored ones
differ from it.

A snapshot with a milestone amount also stores the payout of each partner (wei, summing to
the amount exactly) and the root of the payout tree the escrow will verify claims
against (leaf ``i`` pays partner ``i + 1`` at its payout address; see
:mod:`ledger.chain.payout_tree`). History is append-only: a ruling takes a new snapshot
that names the one it supersedes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, col, or_, select

from ledger import projects
from ledger.chain.payout_tree import PayoutTree
from ledger.context import Ledger
from ledger.db import Contribution, Milestone, Partner, Project, SnapshotRecord
from ledger.equity import Accumulator, Snapshot
from ledger.equity import Contribution as EquityContribution
from ledger.equity import Partner as EquityPartner
from ledger.equity.engine import Recalculation, compute_history
from ledger.errors import NotFound, RuleViolation
from ledger.recording import record

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def micros(ledger: Ledger) -> int:
    """The ledger's clock in integer microseconds since the epoch (the engine's time unit)."""
    return micros_of(ledger.clock())


def micros_of(moment: datetime) -> int:
    """A time as integer microseconds since the epoch, exactly."""
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def latest(session: Session, project_id: int) -> SnapshotRecord | None:
    return session.exec(
        select(SnapshotRecord)
        .where(SnapshotRecord.project_id == project_id)
        .order_by(col(SnapshotRecord.number).desc())
        .limit(1)
    ).first()


def history(session: Session, project_id: int) -> list[SnapshotRecord]:
    """Every snapshot of a project, oldest first."""
    return list(
        session.exec(
            select(SnapshotRecord)
            .where(SnapshotRecord.project_id == project_id)
            .order_by(col(SnapshotRecord.number))
        ).all()
    )


def get(session: Session, snapshot_id: int) -> SnapshotRecord:
    row = session.get(SnapshotRecord, snapshot_id)
    if row is None:
        raise NotFound(f"no snapshot {snapshot_id}", snapshot_id=snapshot_id)
    return row


def equity_contribution(row: Contribution, *, disputed: bool = False) -> EquityContribution:
    return EquityContribution(
        partner_id=row.partner_number,
        tier=row.tier,  # type: ignore[arg-type]
        kind=row.kind,  # type: ignore[arg-type]
        value=row.value,
        recorded_at=row.recorded_us,
        disputed=disputed,
    )


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
            totals=_decode_totals(previous.totals),
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
    fresh = session.exec(
        select(Contribution)
        .where(Contribution.project_id == project.id)
        .where(col(Contribution.id) > watermark)
        .order_by(col(Contribution.id))
    ).all()
    for row in fresh:
        assert row.id is not None
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


def payout_tree(session: Session, row: SnapshotRecord) -> PayoutTree:
    """The payout tree of a snapshot with an amount (leaf i: partner i + 1).

    Raises:
        RuleViolation: for a snapshot without an amount.
    """
    if row.payouts is None:
        raise RuleViolation("this snapshot has no payouts", field="snapshot", number=row.number)
    payouts = {int(k): int(v) for k, v in json.loads(row.payouts).items()}
    members = {
        p.number: p.payout_address
        for p in session.exec(select(Partner).where(Partner.project_id == row.project_id)).all()
    }
    return PayoutTree.of([(members[n], payouts[n]) for n in sorted(payouts)])


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
    """Where the stored snapshots differ from :func:`recompute` (empty when they agree)."""
    mismatches = []
    for row, fresh in zip(
        history(session, project_id), recompute(session, project_id), strict=True
    ):
        expected = {
            "inputs_hash": fresh.inputs_hash,
            "previous_hash": fresh.previous_hash,
            "payout_vector": {str(k): v for k, v in fresh.payout_vector.items()},
            "weights": {t.value: w for t, w in fresh.weights.items()},
            "columns": _columns(fresh),
        }
        stored = {
            "inputs_hash": row.inputs_hash,
            "previous_hash": row.previous_hash,
            "payout_vector": json.loads(row.payout_vector),
            "weights": json.loads(row.weights),
            "columns": json.loads(row.matrix)["columns"],
        }
        for field, value in expected.items():
            if stored[field] != value:
                mismatches.append(Mismatch(row.number, field, stored[field], value))
    return mismatches


# ---------------------------------------------------------------------- internal


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
    now_uncounted = {
        row.id: row
        for row in session.exec(
            select(Contribution)
            .where(Contribution.project_id == project_id)
            .where(col(Contribution.id) <= watermark)
            .where(
                or_(Contribution.status != "accepted", col(Contribution.id).in_(sorted(excluded)))
            )
        ).all()
    }
    for contribution_id in sorted(uncounted_before - now_uncounted.keys()):
        row = session.get(Contribution, contribution_id)
        assert row is not None
        accumulator.add(equity_contribution(row))
    for contribution_id in sorted(now_uncounted.keys() - uncounted_before):
        accumulator.remove(equity_contribution(now_uncounted[contribution_id]))
    return {i for i in now_uncounted if i is not None}


def _columns(snapshot: Snapshot) -> dict[str, list[list[Any]]]:
    return {
        tier.value: [[s.partner_id, s.rights, s.profit] for s in column.shares]
        for tier, column in snapshot.columns.items()
    }


def _decode_totals(text: str) -> dict[tuple[int, str, str], int]:
    return {(int(pid), tier, kind): int(value) for pid, tier, kind, value in json.loads(text)}


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
                "columns": _columns(snapshot),
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
