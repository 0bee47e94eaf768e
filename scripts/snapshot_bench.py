"""The stored snapshot service's recalculation times for ``python scripts/bench.py snapshots``.

The seeded project of :mod:`snapshot_bench_data` (1,000 partners, N accepted contributions)
is written into a fresh database: SQLite in a temporary folder, and PostgreSQL too when
``IPLEDGER_DATABASE_URL`` (or ``IPLEDGER_BENCH_DATABASE_URL``) names a server (a throwaway
database is created there and dropped afterwards). Then, on each backend:

- from scratch: :func:`ledger.snapshots.take` of milestone 1, the project's first snapshot
  (reads all N rows, counts them, stores the snapshot with its payouts and payout root,
  appends its journal entry);
- incremental: 10,000 new contributions are inserted and milestone 2's ``take`` resumes from
  the stored totals, reading only the rows above the first snapshot's watermark.

Each take runs ``runs`` times in its own transaction under the project's lock, rolled back
but for the last, which is committed; the best run is reported with the median. The
ledger's clock is fixed per take, so every run computes the identical snapshot. Peak memory
is :func:`snapshot_bench_support.peak_rss_kib` over the take, next to the resident size
when it started.

After the timings, :func:`ledger.snapshots.verify` recomputes both stored snapshots from the
raw rows and must find no mismatch, the journal must verify, and the stored inputs' hashes
must equal those of the pure engine fed the same contributions: the same work timed without
the database (an :class:`~ledger.equity.Accumulator` adding N, its snapshot and payouts;
then resumed from those totals, adding the 10,000, the next snapshot and payouts).

The :class:`~ledger.context.Ledger` is :func:`snapshot_bench_support.bench_ledger`: no
chain (``take`` never reaches it here), a real record key, and the journal append is real.
"""

from __future__ import annotations

import gc
import os
import random
import statistics
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from snapshot_bench_data import (
    AMOUNT,
    Seeded,
    agreement,
    create_project,
    draws,
    insert_contributions,
)
from snapshot_bench_support import (
    FixedClock,
    bench_ledger,
    peak_rss_kib,
    postgres_database,
    reset_peak,
    rss_kib,
    timed,
)
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from ledger import journal, snapshots
from ledger.agreements import AgreementSpec
from ledger.context import Ledger
from ledger.db import Contribution, Milestone, create_db_engine, migrate
from ledger.equity import Accumulator, Snapshot, compute_snapshot
from ledger.equity import Contribution as EquityContribution
from ledger.equity import Partner as EquityPartner
from ledger.recording import lock_project

CONTRIBUTIONS = 1_000_000
NEW = 10_000
RUNS = 3
#: The first contribution, the first milestone's snapshot, the second's.
FIRST = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
CUTOFF_1 = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
CUTOFF_2 = CUTOFF_1 + timedelta(days=30)
MIB = 1024


@dataclass(frozen=True)
class Take:
    seconds: float
    start_rss_kib: int
    peak_rss_kib: int
    inputs_hash: str


def run(
    *,
    seed: int,
    contributions: int = CONTRIBUTIONS,
    new: int = NEW,
    runs: int = RUNS,
    postgres_url: str | None = None,
) -> dict[str, Any]:
    """Time both takes on SQLite (and PostgreSQL), check them, compare with the engine."""
    resettable = reset_peak()
    load_before = os.getloadavg()[0]
    spec = agreement()
    measured: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        measured["sqlite"] = _backend(url, spec, seed, contributions, new, runs)
    if postgres_url:
        with postgres_database(postgres_url) as url:
            measured["postgresql"] = _backend(url, spec, seed, contributions, new, runs)
    engine, hashes = _engine(spec, seed, contributions, new, runs)
    for backend, result in measured.items():
        if result.pop("inputs_hashes") != hashes:
            raise RuntimeError(f"{backend}: the stored snapshots differ from the engine's")
        result["same_as_engine"] = True
        result["scratch_vs_engine_ratio"] = result["scratch_seconds"] / engine["first_seconds"]
        result["incremental_vs_engine_ratio"] = (
            result["incremental_seconds"] / engine["resumed_seconds"]
        )
    return {
        "partners": len(spec.parties),
        "contributions": contributions,
        "new": new,
        "runs": runs,
        "seed": seed,
        "peak_memory": "ru_maxrss, reset per phase via /proc/self/clear_refs"
        if resettable
        else "ru_maxrss since the process started",
        "load_average_1min": f"{load_before:.2f} before, {os.getloadavg()[0]:.2f} after",
        "engine": engine,
        **measured,
    }


def _backend(
    url: str, spec: AgreementSpec, seed: int, contributions: int, new: int, runs: int
) -> dict[str, Any]:
    engine = create_db_engine(url)
    try:
        migrate(engine)
        seeded = create_project(engine, spec, due=CUTOFF_2 + timedelta(days=60))
        noise = random.Random(seed + 2)
        batches = draws(seed, contributions, FIRST, CUTOFF_1 - timedelta(seconds=1))
        insert_seconds, _ = timed(
            lambda: insert_contributions(
                engine, seeded.project_id, seeded.partner_ids, batches, noise
            )
        )
        ledger = bench_ledger()
        scratch = [
            _take(engine, ledger, seeded, 1, CUTOFF_1, keep=r == runs - 1) for r in range(runs)
        ]
        later = draws(seed + 1, new, CUTOFF_1, CUTOFF_2 - timedelta(days=1))
        insert_contributions(engine, seeded.project_id, seeded.partner_ids, later, noise)
        incremental = [
            _take(engine, ledger, seeded, 2, CUTOFF_2, keep=r == runs - 1) for r in range(runs)
        ]
        read_seconds = _read_seconds(engine, seeded.project_id)
        status_seconds = min(
            _status_query_seconds(engine, seeded.project_id, contributions) for _ in range(runs)
        )
        verify = _verify(engine, seeded.project_id, contributions + new)
    finally:
        engine.dispose()
    for takes in (scratch, incremental):
        if len({t.inputs_hash for t in takes}) != 1:
            raise RuntimeError("runs of the same take computed different snapshots")
    best_scratch = min(t.seconds for t in scratch)
    best_incremental = min(t.seconds for t in incremental)
    return {
        f"insert_seconds_{contributions}": insert_seconds,
        "scratch_seconds": best_scratch,
        "scratch_median_seconds": statistics.median(t.seconds for t in scratch),
        "incremental_seconds": best_incremental,
        "incremental_median_seconds": statistics.median(t.seconds for t in incremental),
        "incremental_vs_scratch_ratio": best_incremental / best_scratch,
        "scratch_start_rss_mib": scratch[-1].start_rss_kib // MIB,
        "scratch_peak_rss_mib": max(t.peak_rss_kib for t in scratch) // MIB,
        "incremental_start_rss_mib": incremental[-1].start_rss_kib // MIB,
        "incremental_peak_rss_mib": max(t.peak_rss_kib for t in incremental) // MIB,
        f"read_rows_seconds_{contributions}": read_seconds,
        "status_query_seconds": status_seconds,
        **verify,
        "inputs_hashes": (scratch[-1].inputs_hash, incremental[-1].inputs_hash),
    }


def _take(
    engine: Engine, ledger: Ledger, seeded: Seeded, number: int, at: datetime, *, keep: bool
) -> Take:
    """One timed take of milestone ``number``'s snapshot at ``at``; committed only if ``keep``."""
    ledger.clock = FixedClock(at)
    with Session(engine, expire_on_commit=False) as session:
        project = lock_project(session, seeded.project_id)
        milestone = session.get(Milestone, seeded.milestone_ids[number])
        gc.collect()
        reset_peak()
        start = rss_kib()
        started = time.perf_counter()
        row = snapshots.take(session, ledger, project, milestone=milestone, reason="bench")
        seconds = time.perf_counter() - started
        peak = peak_rss_kib()
        result = Take(seconds, start, peak, row.inputs_hash)
        if keep:
            session.commit()
        else:
            session.rollback()
    return result


def _read_seconds(engine: Engine, project_id: int) -> float:
    """The from-scratch take's query alone: every row of the project, as ORM objects."""
    with Session(engine) as session:
        query = (
            select(Contribution)
            .where(Contribution.project_id == project_id)
            .order_by(col(Contribution.id))
        )
        seconds, _ = timed(lambda: len(session.exec(query).all()))
    return seconds


def _status_query_seconds(engine: Engine, project_id: int, watermark: int) -> float:
    """The incremental take's query for status changes alone (``take``'s, no exclusions).

    No contribution has changed status here, so it finds nothing; what it costs is the
    database's scan of every row up to the watermark (no index covers ``status``).
    """
    with Session(engine) as session:
        query = (
            select(Contribution)
            .where(Contribution.project_id == project_id)
            .where(col(Contribution.id) <= watermark)
            .where(Contribution.status != "accepted")
        )
        seconds, found = timed(lambda: session.exec(query).all())
    if found:
        raise RuntimeError("a contribution changed status, yet none was disputed")
    return seconds


def _verify(engine: Engine, project_id: int, total: int) -> dict[str, Any]:
    """Recompute the stored snapshots from the raw rows; fail on any difference."""
    with Session(engine) as session:
        gc.collect()
        reset_peak()
        seconds, mismatches = timed(lambda: snapshots.verify(session, project_id))
        peak = peak_rss_kib()
        if mismatches:
            raise RuntimeError(f"the stored snapshots differ from a recomputation: {mismatches}")
        rows = snapshots.history(session, project_id)
        entries = journal.entries(session, project_id)
        if (
            [r.number for r in rows] != [1, 2]
            or rows[1].previous_hash != rows[0].inputs_hash
            or rows[1].last_contribution_id != total
            or [e.kind for e in entries] != ["snapshot.taken"] * 2
            or not journal.verify(session, project_id).ok
        ):
            raise RuntimeError("the stored snapshots or their journal entries are not as taken")
    return {"verify_seconds": seconds, "verify_mismatches": 0, "verify_peak_rss_mib": peak // MIB}


def _engine(
    spec: AgreementSpec, seed: int, contributions: int, new: int, runs: int
) -> tuple[dict[str, float], tuple[str, str]]:
    """The same two snapshots by the pure engine, from the same draws; best of ``runs``."""
    terms = spec.equity_terms()
    partners = [
        EquityPartner(number, spec.side_of(party.jurisdiction))
        for number, party in enumerate(spec.parties, start=1)
    ]
    base = _equity(draws(seed, contributions, FIRST, CUTOFF_1 - timedelta(seconds=1)))
    fresh = _equity(draws(seed + 1, new, CUTOFF_1, CUTOFF_2 - timedelta(days=1)))
    cutoff_1, cutoff_2 = snapshots.micros_of(CUTOFF_1), snapshots.micros_of(CUTOFF_2)

    def first() -> Snapshot:
        accumulator = Accumulator(terms, partners)
        for contribution in base:
            accumulator.add(contribution)
        snapshot = accumulator.snapshot(cutoff_1)
        snapshot.payouts(AMOUNT)
        return snapshot

    firsts = [timed(first) for _ in range(runs)]
    previous = firsts[-1][1]

    def resumed() -> Snapshot:
        accumulator = Accumulator.resume(
            terms,
            partners,
            totals=previous.totals,
            previous_hash=previous.inputs_hash,
            previous_cutoff=previous.cutoff,
        )
        for contribution in fresh:
            accumulator.add(contribution)
        snapshot = accumulator.snapshot(cutoff_2)
        snapshot.payouts(AMOUNT)
        return snapshot

    nexts = [timed(resumed) for _ in range(runs)]
    scratch_seconds, scratch = timed(
        lambda: compute_snapshot(
            agreement=terms, partners=partners, contributions=base, cutoff=cutoff_1
        )
    )
    if scratch.inputs_hash != previous.inputs_hash:
        raise RuntimeError("the engine's first snapshot differs from its from-scratch one")
    first_seconds = min(s for s, _ in firsts)
    resumed_seconds = min(s for s, _ in nexts)
    return {
        "first_seconds": first_seconds,
        "resumed_seconds": resumed_seconds,
        "resumed_vs_first_ratio": resumed_seconds / first_seconds,
        "compute_snapshot_seconds": scratch_seconds,
    }, (previous.inputs_hash, nexts[-1][1].inputs_hash)


def _equity(batches: Iterator[list[tuple[int, str, str, int, int]]]) -> list[EquityContribution]:
    """Draws as the engine's contributions, as :func:`ledger.snapshots.take` builds them."""
    return [
        EquityContribution(
            partner_id=number,
            tier=tier,  # type: ignore[arg-type]
            kind=kind,  # type: ignore[arg-type]
            value=value,
            recorded_at=us,
        )
        for batch in batches
        for number, tier, kind, value, us in batch
    ]
