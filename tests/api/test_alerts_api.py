"""Overdue alerts over HTTP: raised once when a milestone passes its due date unreleased."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from api.client import ApiError
from ledger import journal
from tests.api.test_milestones_api import (
    AMOUNT,
    DUE,
    EVIDENCE,
    contributions,
    fund_escrow,
    plan,
)
from tests.api.world import World
from tests.ledger.services.conftest import ARBITER, FOREIGN_A, FOREIGN_C, LOCAL_B, T0

NOTIFIED = [FOREIGN_A.address, LOCAL_B.address, FOREIGN_C.address, ARBITER.address]


def overdue_entries(world: World) -> list[dict[str, object]]:
    with world.session() as session:
        entries = journal.entries(session, world.project_id)
    return [json.loads(e.payload) for e in entries if e.kind == "alert.overdue"]


def test_an_overdue_milestone_is_alerted_once(world: World) -> None:
    plan(world)  # due on day 30
    client = world.client("partner_a")
    assert client.alerts(world.project_id) == []
    assert overdue_entries(world) == []
    world.clock.advance(days=31)
    (alert,) = client.alerts(world.project_id)
    assert alert["kind"] == "overdue"
    assert (alert["milestone"], alert["state"], alert["milestone_state"]) == (
        1,
        "planned",
        "planned",
    )
    assert alert["due_at"] == DUE.isoformat().replace("+00:00", "Z")
    assert alert["notified"] == NOTIFIED
    assert alert["raised_at"] > alert["due_at"]
    milestone = client.milestone(world.project_id, 1)
    assert milestone["overdue_at"] is not None
    assert alert["due_at"] < milestone["overdue_at"] <= alert["raised_at"]
    with world.session() as session:
        entry = journal.entries(session, world.project_id)[-1]
    assert (alert["id"], alert["seq"], entry.kind) == (entry.id, entry.seq, "alert.overdue")
    # read again, by the arbiter: the same alert, nothing more recorded
    assert world.client("arbiter").alerts(world.project_id) == [alert]
    assert len(overdue_entries(world)) == 1


def test_a_released_milestone_raises_no_alert_and_an_alert_shows_the_state_now(
    world: World,
) -> None:
    contributions(world)
    plan(world, title="released in time", due_at=T0 + timedelta(days=10))
    plan(world, title="late", due_at=T0 + timedelta(days=20))
    client = world.client("partner_b")
    for number in (1, 2):
        client.submit_milestone(world.project_id, number, EVIDENCE)
    fund_escrow(world, 2 * AMOUNT)
    client.release_milestone(world.project_id, 1, [FOREIGN_A, LOCAL_B])
    world.clock.advance(days=25)
    (alert,) = client.alerts(world.project_id)
    assert (alert["milestone"], alert["state"]) == (2, "submitted")
    client.release_milestone(world.project_id, 2, [FOREIGN_A, LOCAL_B])
    (later,) = client.alerts(world.project_id)
    assert (later["state"], later["milestone_state"]) == ("submitted", "released")
    assert [p["milestone"] for p in overdue_entries(world)] == [2]


def test_alerts_are_listed_a_page_at_a_time(world: World) -> None:
    for days in (5, 10, 15, 40):
        plan(world, due_at=T0 + timedelta(days=days))
    world.clock.advance(days=20)
    client = world.client("arbiter")
    path = f"/v1/projects/{world.project_id}/alerts"
    first = client.get(path, limit=2)
    assert [a["milestone"] for a in first["items"]] == [1, 2]
    second = client.get(path, limit=2, cursor=first["next_cursor"])
    assert ([a["milestone"] for a in second["items"]], second["next_cursor"]) == ([3], None)
    world.clock.advance(days=30)  # milestone 4 is now overdue too: raised on the next read
    assert [a["milestone"] for a in client.alerts(world.project_id)] == [1, 2, 3, 4]
    response = world.http.get(
        path, params={"cursor": "bm90LWEtY3Vyc29y"}, headers=world.headers("arbiter")
    )
    assert (response.status_code, response.json()["field"]) == (422, "cursor")


def test_only_partners_and_arbiters_read_alerts(world: World) -> None:
    plan(world)
    world.clock.advance(days=31)
    for who in ("admin", "funder", "licensee"):
        with pytest.raises(ApiError) as caught:
            world.client(who).alerts(world.project_id)
        assert (caught.value.status, caught.value.problem["rule"]) == (403, "role")
    assert overdue_entries(world) == []  # a refused read raises nothing
    other = world.second_project()
    with pytest.raises(ApiError) as caught:
        world.client("partner_a").alerts(other.id)
    assert (caught.value.status, caught.value.problem["rule"]) == (403, "project")
