"""Partners registering at the same time: each contribution stored once, the record whole,
and the next snapshot counting every one."""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from typing import Any

from eth_account.signers.local import LocalAccount
from sqlmodel import select

from ledger import journal, snapshots
from ledger.client import Domains, Signer
from ledger.db import Contribution, session_scope
from ledger.recording import lock_project
from ledger.snapshots._reads import decode_totals
from tests.api.world import World
from tests.ledger.services.conftest import FOREIGN_A, FOREIGN_C, LOCAL_B

PER_PARTNER = 16
#: Each partner sends from two threads; keys 4..11 go out from both (a retry racing the first).
SLICES = (range(0, 12), range(4, PER_PARTNER))
PARTNERS: dict[str, LocalAccount] = {
    "partner_a": FOREIGN_A,
    "partner_b": LOCAL_B,
    "partner_c": FOREIGN_C,
}
TIERS = ("core", "application", "derivative")


def signed_bodies(world: World, who: str, account: LocalAccount) -> list[dict[str, Any]]:
    signer = Signer(account, Domains.of(world.ledger))
    bodies = []
    for i in range(PER_PARTNER):
        fields = {
            "tier": TIERS[i % 3],
            "kind": "code" if i % 2 else "data",
            "value": 1000 + i,
            "evidence_hash": hashlib.sha256(f"{who}/{i}".encode()).hexdigest(),
            "idempotency_key": f"{who}-{i}",
            "asset_id": None,
        }
        signature = signer.contribution(world.pid, **fields)
        bodies.append(
            {
                **fields,
                "value": str(fields["value"]),
                "partner": account.address,
                "signature": signature,
            }
        )
    return bodies


def test_partners_registering_at_once_store_each_contribution_once(world: World) -> None:
    path = f"/v1/projects/{world.project_id}/contributions"
    bodies = {who: signed_bodies(world, who, account) for who, account in PARTNERS.items()}
    answers: list[tuple[str, int, int, int | None]] = []  # who, index, status, id
    lock = threading.Lock()
    barrier = threading.Barrier(len(PARTNERS) * len(SLICES))

    def send(who: str, indexes: range) -> None:
        headers = world.headers(who)
        barrier.wait()
        for i in indexes:
            response = world.http.post(path, json=bodies[who][i], headers=headers)
            created = response.json().get("id") if response.status_code < 300 else None
            with lock:
                answers.append((who, i, response.status_code, created))

    threads = [
        threading.Thread(target=send, args=(who, indexes)) for who in PARTNERS for indexes in SLICES
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    sent = sum(len(s) for s in SLICES) * len(PARTNERS)
    assert len(answers) == sent
    statuses = Counter(status for _, _, status, _ in answers)
    # every key once created, and its second sending answered as a replay
    assert statuses == {201: PER_PARTNER * len(PARTNERS), 200: sent - PER_PARTNER * len(PARTNERS)}
    by_key: dict[tuple[str, int], set[int | None]] = {}
    for who, i, _, created in answers:
        by_key.setdefault((who, i), set()).add(created)
    assert all(len(ids) == 1 for ids in by_key.values())  # a replay names the same row

    with session_scope(world.engine) as session:
        rows = session.exec(
            select(Contribution).where(Contribution.project_id == world.project_id)
        ).all()
        assert len(rows) == PER_PARTNER * len(PARTNERS)
        assert sorted(r.id for r in rows) == sorted(ids.pop() for ids in by_key.values())
        keys = Counter((r.partner_number, r.idempotency_key) for r in rows)
        assert set(keys.values()) == {1}
        assert len({r.journal_seq for r in rows}) == len(rows)
        report = journal.verify(session, world.project_id)
        assert report.ok, report.problems
        kinds = Counter(e.kind for e in journal.entries(session, world.project_id))
        assert kinds["contribution.registered"] == len(rows)
        values: Counter[int] = Counter()
        for r in rows:
            values[r.partner_number] += r.value

    with session_scope(world.engine) as session:
        project = lock_project(session, world.project_id)
        taken = snapshots.take(session, world.ledger, project, reason="after the rush")
        snapshot_id = taken.id
        assert taken.last_contribution_id == max(r.id for r in rows)  # type: ignore[type-var]
        totals: Counter[int] = Counter()
        for (number, _, _), value in decode_totals(taken.totals).items():
            totals[number] += value
        assert totals == values
        assert snapshots.verify(session, world.project_id) == []

    counted = world.client("partner_a").all_contributions(world.project_id, snapshot_id=snapshot_id)
    assert len(counted) == len(rows)
    assert world.client("partner_b").equity(world.project_id)["id"] == snapshot_id
