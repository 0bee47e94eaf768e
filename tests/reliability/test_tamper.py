"""Tamper evidence: seeded random single mutations of a project's stored data, each reported.

A project is given a realistic record (three partners joining, signed contributions, two
milestones planned, submitted and released, heads anchored on chain every few entries and a
signed head over the whole record). Then, one at a time, a single mutation is applied to the
stored rows inside a transaction, the arbiter's ``audit.verify`` runs inside that same
transaction, and the transaction is rolled back:

- a byte of an entry's payload changed;
- an entry deleted;
- an entry inserted (later entries renumbered, the inserted one correctly hashed and chained);
- two entries swapped (their sequence numbers exchanged);
- a field of a stored snapshot altered (its hashes, shares, weights, columns, running
  totals, payouts);
- a stored signature altered (an entry's actor signature, a signed tree head's signature).

Each must make ``verify`` fail and name where: the entry's sequence number, the snapshot's
number and field, the head's size. ``IPLEDGER_TAMPER_MUTATIONS`` sets how many mutations
(200 by default) and ``IPLEDGER_TAMPER_SEED`` the seed; a failure prints both and the
mutation.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, text
from sqlmodel import Session

from ledger import audit, journal, milestones, tree_heads
from ledger.context import Ledger
from ledger.db import JournalEntry, Project, session_scope
from tests.ledger.services.conftest import FOREIGN_A, FOREIGN_C, LOCAL_B, T0, signer
from tests.ledger.services.contribution_support import register
from tests.ledger.services.dispute_support import AMOUNT, payout_root, release, submitted_case

MUTATIONS = int(os.environ.get("IPLEDGER_TAMPER_MUTATIONS", "200"))
SEED = int(os.environ.get("IPLEDGER_TAMPER_SEED", "20261128"))
SNAPSHOT_FIELDS = (
    "inputs_hash",
    "previous_hash",
    "payout_vector",
    "weights",
    "columns",
    "totals",
    "payouts",
)

pytestmark = pytest.mark.reliability


# ---------------------------------------------------------------------- the record


def second_milestone(engine: Engine, ledger: Ledger, project: Project) -> None:
    """More contributions, then milestone 2 planned, submitted (a snapshot) and released."""
    for i, account in enumerate((FOREIGN_A, LOCAL_B, FOREIGN_C) * 3):
        register(engine, ledger, project, account, value=50 + 7 * i, idempotency_key=f"m2-{i}")
    with session_scope(engine) as session:
        planned = milestones.plan(
            session,
            ledger,
            project_id=project.id,
            title="Pilot line",
            amount=AMOUNT,
            trl_target=6,
            due_at=T0 + timedelta(days=90),
        )
    with session_scope(engine) as session:
        milestone = milestones.submit(
            session, ledger, milestone_id=planned.id, evidence_hash="cd" * 32, actor="partner:2"
        )
    root = payout_root(engine, milestone.id)
    signatures = [
        signer(ledger, a).release(
            project.chain_project_id, milestone.number, bytes.fromhex(root), AMOUNT
        )
        for a in (FOREIGN_A, LOCAL_B)
    ]
    with session_scope(engine) as session:
        milestones.release(session, ledger, milestone_id=milestone.id, signatures=signatures)


@pytest.fixture
def project(engine: Engine, ledger: Ledger, make_project: Callable[..., Project]) -> Project:
    ledger.anchor_every = 7  # several anchored heads along the record
    made = make_project()
    case = submitted_case(engine, ledger, made)
    release(engine, ledger, case)
    second_milestone(engine, ledger, made)
    register(engine, ledger, made, FOREIGN_C, value=11, idempotency_key="tail")
    with session_scope(engine) as session:  # a signed head over the whole record
        tree_heads.publish(session, made.id, ledger.record_key, now_ms=1_800_000_000_000)
    return made


# ---------------------------------------------------------------------- mutations


@dataclass(frozen=True)
class Stored:
    """What the mutations choose from: the record's rows, heads and snapshots as stored."""

    project_id: int
    entries: list[dict[str, Any]]
    heads: list[int]  # sizes of the stored signed heads
    snapshots: list[int]  # snapshot numbers
    contributions: list[int]  # contribution row ids


@dataclass(frozen=True)
class Expected:
    """Where ``verify`` must point: an entry's sequence number, a snapshot, or a head."""

    seq: int | None = None
    kind: str | None = None  # the problem reported at ``seq``
    changed: int | None = None  # the first entry changed, when not ``seq`` (an insertion)
    snapshot: tuple[int, str] | None = None
    head: str | None = None  # the line reported for the head
    contribution: tuple[int, str] | None = None  # a row's id and the field that differs


Mutation = tuple[str, Callable[[Connection], None], Expected]


def flip(text_value: str, rng: random.Random) -> str:
    """``text_value`` with one character (byte: the values are ASCII) replaced by another."""
    i = rng.randrange(len(text_value))
    old = text_value[i]
    new = rng.choice([c for c in '0123456789abcdefghijklmnopqrstuvwxyz{}":,' if c != old])
    return text_value[:i] + new + text_value[i + 1 :]


def change_payload(stored: Stored, rng: random.Random) -> Mutation:
    entry = rng.choice(stored.entries)
    payload = flip(entry["payload"], rng)

    def apply(c: Connection) -> None:
        c.execute(
            text("UPDATE journal_entry SET payload = :p WHERE id = :id"),
            {"p": payload, "id": entry["id"]},
        )

    return (
        f"payload of entry {entry['seq']} -> {payload!r}",
        apply,
        Expected(seq=entry["seq"], kind="edited"),
    )


def delete_entry(stored: Stored, rng: random.Random) -> Mutation:
    entry = rng.choice(stored.entries)

    def apply(c: Connection) -> None:
        c.execute(text("DELETE FROM journal_entry WHERE id = :id"), {"id": entry["id"]})

    last = entry["seq"] == len(stored.entries)  # only the head over the whole record shows it
    kind = "truncated" if last else "deleted"
    return (f"delete entry {entry['seq']}", apply, Expected(seq=entry["seq"], kind=kind))


def renumber(c: Connection, project_id: int, start: int, by: int) -> None:
    """Add ``by`` to every sequence number from ``start`` on (in two steps: (project, seq) is
    unique at every row, not only at the statement's end, on some databases)."""
    c.execute(
        text("UPDATE journal_entry SET seq = -seq WHERE project_id = :pid AND seq >= :s"),
        {"pid": project_id, "s": start},
    )
    c.execute(
        text("UPDATE journal_entry SET seq = -seq + :by WHERE project_id = :pid AND seq < 0"),
        {"pid": project_id, "by": by},
    )


def insert_entry(stored: Stored, rng: random.Random) -> Mutation:
    """A forged entry at ``seq``, hashed and chained onto its predecessor as the journal does."""
    seq = rng.randrange(2, len(stored.entries) + 1)
    previous = stored.entries[seq - 2]
    forged = JournalEntry(
        project_id=stored.project_id,
        seq=seq,
        kind="contribution.registered",
        payload=journal.canonical({"value": rng.randrange(1, 10**6)}),
        actor=previous["actor"],
        signature=None,
        recorded_at=previous["recorded_at"],
        prev_hash=previous["entry_hash"],
        entry_hash="",
    )
    forged.entry_hash = journal.entry_hash(forged)
    row = forged.model_dump(exclude={"id"})

    def apply(c: Connection) -> None:
        renumber(c, stored.project_id, seq, 1)
        c.execute(JournalEntry.__table__.insert().values(**row))  # type: ignore[attr-defined]

    # The forgery is well formed: the first entry out of place is the one after it, which no
    # longer follows its predecessor; the anchored heads bracket the forgery itself.
    return (
        f"insert an entry at {seq}",
        apply,
        Expected(seq=seq + 1, kind="chain_broken", changed=seq),
    )


def swap_entries(stored: Stored, rng: random.Random) -> Mutation:
    first, second = sorted(rng.sample(range(len(stored.entries)), 2))
    a, b = stored.entries[first], stored.entries[second]

    def apply(c: Connection) -> None:
        c.execute(text("UPDATE journal_entry SET seq = -1 WHERE id = :id"), {"id": a["id"]})
        c.execute(
            text("UPDATE journal_entry SET seq = :s WHERE id = :id"), {"s": a["seq"], "id": b["id"]}
        )
        c.execute(
            text("UPDATE journal_entry SET seq = :s WHERE id = :id"), {"s": b["seq"], "id": a["id"]}
        )

    return (f"swap entries {a['seq']} and {b['seq']}", apply, Expected(seq=a["seq"], kind="edited"))


def alter_snapshot(stored: Stored, rng: random.Random) -> Mutation:
    number = rng.choice(stored.snapshots)
    field = rng.choice(SNAPSHOT_FIELDS)

    def apply(c: Connection) -> None:
        row = c.execute(
            text(
                "SELECT id, inputs_hash, previous_hash, payout_vector, weights, matrix, totals, "
                "payouts "
                "FROM snapshot WHERE project_id = :pid AND number = :n"
            ),
            {"pid": stored.project_id, "n": number},
        ).one()
        if field in ("inputs_hash", "previous_hash"):
            column, value = field, flip(getattr(row, field) or "0" * 64, rng)
        elif field == "columns":
            matrix = json.loads(row.matrix)
            bump(matrix["columns"], rng)
            column, value = "matrix", json.dumps(matrix)
        else:
            document = json.loads(getattr(row, field))
            bump(document, rng)
            column, value = field, json.dumps(document)
        c.execute(
            text(f"UPDATE snapshot SET {column} = :v WHERE id = :id"), {"v": value, "id": row.id}
        )

    return (f"snapshot {number}: alter {field}", apply, Expected(snapshot=(number, field)))


def bump(document: Any, rng: random.Random) -> None:
    """Change one integer somewhere in a JSON document (a weight, a share, a column cell, a
    total or a payout in wei, the last two written as decimal text)."""
    cells: list[tuple[Any, Any]] = []

    def walk(node: Any) -> None:
        for key in list(node) if isinstance(node, dict) else range(len(node)):
            value = node[key]
            if isinstance(value, dict | list):
                walk(value)
            elif isinstance(value, int) and not isinstance(value, bool):
                cells.append((node, key))
            elif isinstance(value, str) and value.isdigit():  # wei and totals as text
                cells.append((node, key))

    walk(document)
    assert cells, document
    parent, key = rng.choice(cells)
    old = int(parent[key])
    new = old + rng.choice((-1, 1)) * rng.randrange(1, 1000)
    new = new if new >= 0 else old + rng.randrange(1, 1000)
    parent[key] = str(new) if isinstance(parent[key], str) else new


def alter_signature(stored: Stored, rng: random.Random) -> Mutation:
    signed = [e for e in stored.entries if e["signature"]]
    if rng.random() < 0.5:
        entry = rng.choice(signed)
        value = flip(entry["signature"], rng)

        def apply(c: Connection) -> None:
            c.execute(
                text("UPDATE journal_entry SET signature = :s WHERE id = :id"),
                {"s": value, "id": entry["id"]},
            )

        return (
            f"signature of entry {entry['seq']}",
            apply,
            Expected(seq=entry["seq"], kind="edited"),
        )
    size = rng.choice(stored.heads)
    hexadecimal = rng.random() < 0.5  # a forged signature, or a row no longer well formed

    def alter_head(c: Connection) -> None:
        signature = c.execute(
            text("SELECT signature FROM tree_head WHERE project_id = :pid AND tree_size = :n"),
            {"pid": stored.project_id, "n": size},
        ).scalar_one()
        i = rng.randrange(len(signature))
        new = rng.choice(
            [x for x in ("0123456789abcdef" if hexadecimal else "xyz") if x != signature[i]]
        )
        c.execute(
            text("UPDATE tree_head SET signature = :s WHERE project_id = :pid AND tree_size = :n"),
            {"s": signature[:i] + new + signature[i + 1 :], "pid": stored.project_id, "n": size},
        )

    reported = (
        "the signature does not verify"
        if hexadecimal
        else "its stored root or signature is malformed"
    )
    return (
        f"signature of the tree head of size {size}",
        alter_head,
        Expected(head=f"signed tree head of size {size}: {reported}"),
    )


#: A contribution row's column, and how to change its stored value.
CONTRIBUTION_COLUMNS = ("value", "tier", "kind", "evidence_hash", "signature", "partner_number")


def alter_contribution(stored: Stored, rng: random.Random) -> Mutation:
    contribution_id = rng.choice(stored.contributions)
    column = rng.choice(CONTRIBUTION_COLUMNS)

    def apply(c: Connection) -> None:
        old = c.execute(
            text(f"SELECT {column} FROM contribution WHERE id = :id"), {"id": contribution_id}
        ).scalar_one()
        if column == "value":
            new: Any = int(old) + rng.choice((-1, 1, 10**18))
        elif column == "partner_number":
            new = int(old) % 3 + 1  # another partner of the project
        elif column == "tier":
            new = rng.choice([t for t in ("core", "derivative", "application") if t != old])
        elif column == "kind":
            new = rng.choice([k for k in ("code", "data", "patent", "funding") if k != old])
        else:
            new = flip(old, rng)
        c.execute(
            text(f"UPDATE contribution SET {column} = :v WHERE id = :id"),
            {"v": new, "id": contribution_id},
        )

    return (
        f"contribution {contribution_id}: alter {column}",
        apply,
        Expected(contribution=(contribution_id, column)),
    )


KINDS = (
    change_payload,
    delete_entry,
    insert_entry,
    swap_entries,
    alter_snapshot,
    alter_signature,
    alter_contribution,
)


# ---------------------------------------------------------------------- checking


def first_entry_problem(report: audit.AuditReport) -> int | None:
    """The smallest sequence number a row-level problem (not a head comparison) names."""
    seqs = [
        p.seq for p in report.record.problems if p.kind in ("edited", "deleted", "chain_broken")
    ]
    seqs += [p.seq for p in report.record.problems if p.kind == "truncated"]
    return min(seqs, default=None)


def check(report: audit.AuditReport, expected: Expected) -> None:
    assert not report.ok
    if expected.seq is not None:
        assert first_entry_problem(report) == expected.seq, report.problems()
        found = {(p.seq, p.kind) for p in report.record.problems}
        assert (expected.seq, expected.kind) in found, report.problems()
        for problem in report.record.problems:  # a head comparison brackets the change
            if problem.kind == "rewritten":
                size = int(problem.detail.split("the first ")[1].split(" ")[0])
                changed = expected.seq if expected.changed is None else expected.changed
                assert problem.seq <= changed <= size, report.problems()
        assert not report.snapshots and not report.heads, report.problems()
    if expected.snapshot is not None:
        number, field = expected.snapshot
        assert (number, field) in {(m.number, m.field) for m in report.snapshots}
        assert report.record.ok and not report.heads, report.problems()
    if expected.head is not None:
        assert report.heads == [expected.head], report.problems()
        assert not report.snapshots, report.problems()
    if expected.contribution is not None:  # a snapshot counting the row may differ too
        assert [(m.contribution_id, m.field) for m in report.contributions] == [
            expected.contribution
        ], report.problems()
        assert report.record.ok and not report.heads, report.problems()
    elif expected.seq is None:  # an entry changed may leave its row differing from it too
        assert not report.contributions, report.problems()


@contextmanager
def rolled_back(engine: Engine) -> Iterator[tuple[Connection, Session]]:
    """A connection in a transaction and a session on it; everything is rolled back after."""
    with engine.connect() as connection:
        transaction = connection.begin()
        try:
            with Session(bind=connection) as session:
                yield connection, session
        finally:
            transaction.rollback()


def stored_data(engine: Engine, project_id: int) -> Stored:
    with session_scope(engine) as session:
        entries = [row.model_dump() for row in journal.entries(session, project_id)]
        heads = [h.head.tree_size for h in tree_heads.heads(session, project_id)]
        numbers = session.execute(
            text("SELECT number FROM snapshot WHERE project_id = :pid ORDER BY number"),
            {"pid": project_id},
        ).scalars()
        contributions = session.execute(
            text("SELECT id FROM contribution WHERE project_id = :pid ORDER BY id"),
            {"pid": project_id},
        ).scalars()
        return Stored(project_id, entries, heads, list(numbers), list(contributions))


def remember_chain_reads(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> Callable[[], int]:
    """Answer each distinct chain read (a view call, an event query) from its first answer.

    The mutations touch only the database and nothing is sent to the chain while they run,
    so every read would return what it returned the first time; the database side of every
    check (record, heads, snapshots, and reconcile's comparison) still runs in full for each
    mutation. Returns a function giving the chain's block number, to check it did not move.
    """
    chain = ledger.chain
    answers: dict[tuple[Any, ...], Any] = {}

    def remembered(read: Callable[..., Any]) -> Callable[..., Any]:
        def answer(bound: Any, name: str, *args: Any, **kwargs: Any) -> Any:
            key = (read.__name__, bound.address, name, repr(args), repr(sorted(kwargs.items())))
            if key not in answers:
                answers[key] = read(bound, name, *args, **kwargs)
            found = answers[key]
            return list(found) if isinstance(found, list) else found

        return answer

    monkeypatch.setattr(chain, "call", remembered(chain.call))
    monkeypatch.setattr(chain, "events", remembered(chain.events))
    return lambda: int(chain.w3.eth.block_number)


def test_every_single_mutation_is_reported_where_it_is(
    engine: Engine, ledger: Ledger, project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert project.id is not None
    stored = stored_data(engine, project.id)
    block = remember_chain_reads(ledger, monkeypatch)
    before = block()
    with rolled_back(engine) as (_, session):
        clean = audit.verify(session, ledger, project_id=project.id)
    assert clean.ok, clean.problems()
    assert len(stored.entries) >= 25 and len(stored.snapshots) >= 2 and len(stored.heads) >= 3
    assert clean.anchored_sizes and max(stored.heads) == len(stored.entries)

    rng = random.Random(SEED)
    seen: dict[str, int] = {}
    spent: dict[str, float] = {}
    for i in range(MUTATIONS):
        kind = KINDS[i % len(KINDS)] if i < len(KINDS) else rng.choice(KINDS)
        label, apply, expected = kind(stored, rng)
        started = time.perf_counter()
        with rolled_back(engine) as (connection, session):
            apply(connection)
            report = audit.verify(session, ledger, project_id=project.id)
            try:
                check(report, expected)
            except AssertionError as failure:
                raise AssertionError(
                    f"mutation {i} (IPLEDGER_TAMPER_SEED={SEED}): {label}: expected {expected}, "
                    f"verify said {report.problems() or 'nothing'}"
                ) from failure
        seen[kind.__name__] = seen.get(kind.__name__, 0) + 1
        spent[kind.__name__] = spent.get(kind.__name__, 0.0) + time.perf_counter() - started
    timings = {k: f"{seen[k]} in {spent[k]:.1f} s" for k in seen}
    assert set(seen) == {k.__name__ for k in KINDS}, timings
    assert block() == before  # the chain did not move: its remembered answers stayed true
    with rolled_back(engine) as (_, session):  # every mutation was rolled back
        assert audit.verify(session, ledger, project_id=project.id).ok
