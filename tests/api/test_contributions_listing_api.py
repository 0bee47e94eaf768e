"""Listing contributions over HTTP: pages by id with cursors, and every filter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from api.client import ApiError, Client
from ledger import milestones, snapshots
from ledger.db import Contribution, session_scope
from ledger.recording import lock_project
from tests.api.world import World
from tests.ledger.services.conftest import ARBITER, FOREIGN_A, FOREIGN_C, LOCAL_B, T0
from tests.ledger.services.contribution_support import contribute, open_dispute, resolve


@dataclass
class Seeded:
    """Thirteen contributions in two phases an hour apart, and what each filter keeps."""

    ids: dict[str, list[int]]
    disputed: int
    rejected: int
    snapshot_id: int
    first_phase: list[int]
    second_phase: list[int]


def seed(world: World) -> Seeded:
    """Phase 1: ten contributions; one disputed, one rejected; milestone 1 submitted (its
    snapshot counts phase 1 but those two). Phase 2, an hour later: three more.
    Milestone 2 stays planned."""
    engine, ledger, project = world.engine, world.ledger, world.project
    rows: list[tuple[str, Contribution]] = []

    def add(who: str, tier: str, kind: str, value: int) -> Contribution:
        account = {"a": FOREIGN_A, "b": LOCAL_B, "c": FOREIGN_C}[who]
        row = contribute(engine, ledger, project, account, tier, kind, value)
        rows.append((who, row))
        return row

    for step, (who, tier, kind) in enumerate(
        [
            ("a", "core", "code"),
            ("b", "application", "data"),
            ("c", "derivative", "funding"),
            ("a", "core", "code"),
            ("b", "application", "data"),
            ("c", "derivative", "funding"),
            ("a", "core", "code"),
            ("b", "application", "data"),
            ("a", "core", "code"),
            ("a", "core", "code"),
        ]
    ):
        add(who, tier, kind, 100 + step)
    disputed = rows[1][1]  # b's first data
    rejected = rows[2][1]  # c's first funding
    open_dispute(engine, ledger, project, disputed, FOREIGN_A)
    ruled = open_dispute(engine, ledger, project, rejected, LOCAL_B)
    resolve(engine, ledger, project, ruled, "reject", "ruling", [ARBITER])
    with session_scope(engine) as session:
        for title in ("Prototype", "Pilot"):
            planned = milestones.plan(
                session,
                ledger,
                project_id=project.id,
                title=title,
                amount=10**18,
                trl_target=4,
                due_at=T0 + timedelta(days=30),
            )
            if title == "Prototype":
                first_id = planned.id
    with session_scope(engine) as session:
        submitted = milestones.submit(
            session, ledger, milestone_id=first_id, evidence_hash="ab" * 32, actor="test"
        )
        snapshot_id = submitted.snapshot_id
    world.clock.advance(hours=1)
    add("a", "core", "code", 200)
    add("a", "core", "code", 201)
    add("b", "core", "labor_hours", 202)
    ids: dict[str, list[int]] = {"a": [], "b": [], "c": []}
    for who, row in rows:
        assert row.id is not None
        ids[who].append(row.id)
    everyone = [row.id for _, row in rows]
    assert disputed.id is not None and rejected.id is not None and snapshot_id is not None
    return Seeded(
        ids=ids,
        disputed=disputed.id,
        rejected=rejected.id,
        snapshot_id=snapshot_id,
        first_phase=everyone[:10],  # type: ignore[arg-type]
        second_phase=everyone[10:],  # type: ignore[arg-type]
    )


def walk(client: Client, project_id: int, limit: int = 2, **filters: Any) -> list[int]:
    """Every id the filters keep, read ``limit`` at a time; each page is checked."""
    ids: list[int] = []
    cursor = None
    pages = 0
    while True:
        page = client.contributions(project_id, limit=limit, cursor=cursor, **filters)
        pages += 1
        assert len(page["items"]) <= limit
        ids.extend(item["id"] for item in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert len(page["items"]) == limit  # only the last page may be short
    assert ids == sorted(ids)
    assert pages == max(1, -(-len(ids) // limit))
    return ids


@pytest.fixture
def seeded(world: World) -> Seeded:
    return seed(world)


def test_pages_walk_every_contribution_in_id_order(world: World, seeded: Seeded) -> None:
    client = world.client("partner_c")
    everything = seeded.first_phase + seeded.second_phase
    assert walk(client, world.project_id, limit=2) == everything
    assert walk(client, world.project_id, limit=5) == everything
    assert walk(client, world.project_id, limit=13) == everything
    first = client.contributions(world.project_id, limit=3)
    assert [c["id"] for c in first["items"]] == everything[:3]
    assert first["items"][0]["partner"] == FOREIGN_A.address
    assert first["items"][1]["value"] == "101"
    whole = client.contributions(world.project_id)
    assert whole["next_cursor"] is None and len(whole["items"]) == 13


def test_filter_by_partner_address_or_number(world: World, seeded: Seeded) -> None:
    client = world.client("arbiter")
    assert walk(client, world.project_id, partner=FOREIGN_A.address) == seeded.ids["a"]
    assert walk(client, world.project_id, partner=FOREIGN_A.address.lower()) == seeded.ids["a"]
    assert walk(client, world.project_id, partner=2) == seeded.ids["b"]
    assert walk(client, world.project_id, partner="3") == seeded.ids["c"]
    with pytest.raises(ApiError) as unknown:
        client.contributions(world.project_id, partner=9)
    assert unknown.value.status == 404
    with pytest.raises(ApiError) as stranger:
        client.contributions(world.project_id, partner=ARBITER.address)
    assert stranger.value.status == 404
    with pytest.raises(ApiError) as malformed:
        client.contributions(world.project_id, partner="0x12")
    assert malformed.value.status == 422


def test_filter_by_tier_and_kind(world: World, seeded: Seeded) -> None:
    client = world.client("partner_a")
    core = walk(client, world.project_id, tier="core")
    assert core == sorted(seeded.ids["a"] + [seeded.second_phase[-1]])
    assert walk(client, world.project_id, tier="derivative") == seeded.ids["c"]
    assert walk(client, world.project_id, kind="data") == seeded.ids["b"][:3]
    assert walk(client, world.project_id, kind="labor_hours") == [seeded.second_phase[-1]]
    assert walk(client, world.project_id, tier="core", kind="data") == []
    with pytest.raises(ApiError) as bad:
        client.contributions(world.project_id, tier="platinum")
    assert bad.value.status == 422


def test_filter_by_status(world: World, seeded: Seeded) -> None:
    client = world.client("partner_b")
    everything = seeded.first_phase + seeded.second_phase
    assert walk(client, world.project_id, status="disputed") == [seeded.disputed]
    assert walk(client, world.project_id, status="rejected") == [seeded.rejected]
    accepted = [i for i in everything if i not in (seeded.disputed, seeded.rejected)]
    assert walk(client, world.project_id, status="accepted") == accepted
    shown = client.contributions(world.project_id, status="rejected")["items"][0]
    assert shown["status"] == "rejected"


def test_filter_by_recording_time(world: World, seeded: Seeded) -> None:
    client = world.client("partner_a")
    items = client.all_contributions(world.project_id)
    end_of_first = items[9]["recorded_at"]
    start_of_second = items[10]["recorded_at"]
    assert walk(client, world.project_id, recorded_to=end_of_first) == seeded.first_phase
    assert walk(client, world.project_id, recorded_from=start_of_second) == seeded.second_phase
    between = walk(
        client,
        world.project_id,
        recorded_from=items[3]["recorded_at"],
        recorded_to=items[5]["recorded_at"],
    )
    assert between == seeded.first_phase[3:6]
    later = world.clock.now + timedelta(days=1)
    assert walk(client, world.project_id, recorded_from=later) == []
    with pytest.raises(ApiError) as naive:
        client.contributions(world.project_id, recorded_from="2026-11-28T09:00:00")
    assert naive.value.status == 422


def test_filter_by_the_snapshot_or_milestone_that_counted_them(
    world: World, seeded: Seeded
) -> None:
    client = world.client("partner_c")
    counted = [i for i in seeded.first_phase if i not in (seeded.disputed, seeded.rejected)]
    assert walk(client, world.project_id, snapshot_id=seeded.snapshot_id) == counted
    assert walk(client, world.project_id, milestone=1) == counted
    assert walk(client, world.project_id, milestone=1, limit=1) == counted
    assert walk(client, world.project_id, milestone=1, partner=1) == seeded.ids["a"][:5]
    assert walk(client, world.project_id, milestone=2) == []  # still planned
    with pytest.raises(ApiError) as unknown:
        client.contributions(world.project_id, milestone=3)
    assert unknown.value.status == 404


def test_a_snapshot_of_another_project_is_404_as_a_filter(world: World, seeded: Seeded) -> None:
    second = world.second_project()
    contribute(world.engine, world.ledger, second, FOREIGN_A, "core", "code", 5)
    with session_scope(world.engine) as session:
        locked = lock_project(session, second.id)
        theirs = snapshots.take(session, world.ledger, locked, reason="test").id
    with pytest.raises(ApiError) as caught:
        world.client("partner_a").contributions(world.project_id, snapshot_id=theirs)
    assert caught.value.status == 404
    assert caught.value.problem["snapshot_id"] == theirs


def test_a_cursor_this_api_did_not_hand_out_is_422(world: World) -> None:
    client = world.client("partner_a")
    path = f"/v1/projects/{world.project_id}/contributions"
    response = world.http.get(
        path, params={"cursor": "bm90LWEtY3Vyc29y"}, headers=world.headers("partner_a")
    )
    assert response.status_code == 422
    assert response.json()["field"] == "cursor"
    with pytest.raises(ApiError) as malformed:
        client.contributions(world.project_id, cursor="not a cursor!")
    assert malformed.value.status == 422
    assert [e["field"] for e in malformed.value.problem["errors"]] == ["query.cursor"]
    with pytest.raises(ApiError) as too_many:
        client.contributions(world.project_id, limit=201)
    assert too_many.value.status == 422
