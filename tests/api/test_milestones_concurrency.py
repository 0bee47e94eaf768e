"""Two requests at once: one milestone is released once, one payout paid once."""

from __future__ import annotations

import threading
from typing import Any

from ledger.chain import history
from tests.api.test_milestones_api import (
    AMOUNT,
    CLAIMS_OPEN,
    PARTNERS,
    fund_escrow,
    kinds,
    release_signature,
    submitted,
)
from tests.api.world import World
from tests.ledger.services.conftest import FOREIGN_A, LOCAL_B


def at_once(world: World, path: str, bodies: list[tuple[str, dict[str, Any]]]) -> list[Any]:
    """POST each ``(who, body)`` to ``path`` from its own thread, released together."""
    barrier = threading.Barrier(len(bodies))
    answers: list[Any] = [None] * len(bodies)

    def send(i: int, who: str, body: dict[str, Any]) -> None:
        barrier.wait()
        answers[i] = world.http.post(path, json=body, headers=world.headers(who))

    threads = [
        threading.Thread(target=send, args=(i, who, body)) for i, (who, body) in enumerate(bodies)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_one_milestone_released_twice_at_once_is_released_once(world: World) -> None:
    submitted(world)
    fund_escrow(world, 2 * AMOUNT)
    signatures = [release_signature(world, a) for a in (FOREIGN_A, LOCAL_B)]
    path = f"/v1/projects/{world.project_id}/milestones/1/release"
    answers = at_once(
        world,
        path,
        [("partner_a", {"signatures": signatures}), ("partner_b", {"signatures": signatures})],
    )
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200, 409], [a.text for a in answers]
    (won,) = [a.json() for a in answers if a.status_code == 200]
    (lost,) = [a for a in answers if a.status_code == 409]
    assert lost.headers["content-type"] == "application/problem+json"
    assert lost.json()["state"] == "released"
    releases = history.milestones_released(world.ledger.escrow, world.pid)
    assert [(r.event.milestone_id, r.tx_hash) for r in releases] == [(1, won["released_tx"])]
    assert kinds(world).count("milestone.released") == 1
    assert world.ledger.escrow.available(world.pid) == AMOUNT  # set aside once
    assert world.client("partner_c").milestone(world.project_id, 1) == won


def test_one_payout_claimed_twice_at_once_is_paid_once(world: World) -> None:
    submitted(world)
    fund_escrow(world, AMOUNT)
    world.client("partner_a").release_milestone(world.project_id, 1, [FOREIGN_A, LOCAL_B])
    world.ledger.chain.advance_time(CLAIMS_OPEN)
    owed = int(world.client("partner_a").claims(world.project_id, 1)["items"][1]["amount"])
    before = world.ledger.chain.balance(PARTNERS[2].address)
    path = f"/v1/projects/{world.project_id}/milestones/1/claims"
    body = {"partner_number": 2}
    answers = at_once(world, path, [("partner_b", body), ("arbiter", body), ("partner_a", body)])
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201, 409, 409], [a.text for a in answers]
    (won,) = [a.json() for a in answers if a.status_code == 201]
    assert world.ledger.chain.balance(PARTNERS[2].address) - before == owed
    claims = history.claims(world.ledger.escrow, world.pid)
    assert [(c.event.index, c.event.amount, c.tx_hash) for c in claims] == [
        (1, owed, won["tx_hash"])
    ]
    assert kinds(world).count("payout.claimed") == 1
    assert world.ledger.escrow.milestone(world.pid, 1).claimed == owed
