"""The equity matrix over HTTP: the latest snapshot, a milestone's, the history with what
superseded what, one snapshot, and one partner's view; every column sums to 10000 bps."""

from __future__ import annotations

import json
from typing import Any

import pytest

from api.client import ApiError, Client
from ledger import disputes, milestones, snapshots
from ledger.db import SnapshotRecord, session_scope
from ledger.recording import lock_project
from tests.api.world import World
from tests.ledger.services.conftest import ARBITER, FOREIGN_A, FOREIGN_C, LOCAL_B, signer
from tests.ledger.services.contribution_support import contribute
from tests.ledger.services.dispute_support import AMOUNT, Case, open_dispute, submitted_case

BPS = 10_000


@pytest.fixture
def case(world: World) -> Case:
    """The world's project: five contributions (core and application), milestone 1 submitted."""
    return submitted_case(world.engine, world.ledger, world.project)


def take(world: World, project_id: int | None = None, reason: str = "test") -> int:
    with session_scope(world.engine) as session:
        project = lock_project(session, project_id or world.project_id)
        taken = snapshots.take(session, world.ledger, project, reason=reason)
        assert taken.id is not None
        return taken.id


def refused(call: Any, status: int) -> dict[str, Any]:
    with pytest.raises(ApiError) as caught:
        call()
    assert caught.value.status == status, caught.value.problem
    return caught.value.problem


def check_sums(snapshot: dict[str, Any]) -> None:
    """Every column, the tier weights and the payout vector: integers summing to 10000."""
    assert snapshot["tiers"], "a snapshot has at least one column"
    for column in snapshot["tiers"]:
        rights = [share["rights_bps"] for share in column["shares"]]
        assert all(isinstance(r, int) and r >= 0 for r in rights)
        assert sum(rights) == BPS, column["tier"]
        profits = [share["profit_bps"] for share in column["shares"]]
        if column["tier"] == "application":
            assert sum(profits) == BPS
        else:
            assert profits == [None] * len(profits)
    assert sum(column["weight_bps"] for column in snapshot["tiers"]) == BPS
    assert sum(p["bps"] for p in snapshot["payout_vector"]) == BPS
    if snapshot["amount"] is not None:
        assert sum(int(p["wei"]) for p in snapshot["payout_vector"]) == int(snapshot["amount"])
    else:
        assert all(p["wei"] is None for p in snapshot["payout_vector"])


def stored(world: World, snapshot_id: int) -> SnapshotRecord:
    with session_scope(world.engine) as session:
        row = session.get(SnapshotRecord, snapshot_id)
        assert row is not None
        session.expunge(row)
        return row


def rule_replacement(world: World, case: Case, excluded: tuple[int, ...]) -> None:
    """An arbiter's ruling on milestone 1 that takes ``excluded`` out: a superseding snapshot."""
    opened = open_dispute(world.engine, world.ledger, case, FOREIGN_A)
    with session_scope(world.engine) as session:
        _, unsigned = disputes.prepare_ruling(
            session,
            world.ledger,
            dispute_id=opened.id,  # type: ignore[arg-type]
            outcome="replace",
            excluded=excluded,
            arbiter=ARBITER.address,
        )
    transaction = signer(world.ledger, ARBITER).transaction(unsigned)
    with session_scope(world.engine) as session:
        disputes.rule(
            session,
            world.ledger,
            dispute_id=opened.id,  # type: ignore[arg-type]
            outcome="replace",
            excluded=excluded,
            transaction=transaction,
        )


# ---------------------------------------------------------------------- the latest


def test_before_any_snapshot_the_equity_is_404(world: World) -> None:
    client = world.client("partner_a")
    problem = refused(lambda: client.equity(world.project_id), 404)
    assert problem["project_id"] == world.project_id
    assert client.equity_history(world.project_id) == {"items": [], "next_cursor": None}
    mine = client.partner_equity(world.project_id, FOREIGN_A.address)
    assert (mine["current"], mine["milestones"], mine["payout_total_wei"]) == (None, [], "0")


def test_the_current_equity_is_the_milestones_snapshot_with_its_payouts(
    world: World, case: Case
) -> None:
    current = world.client("funder").equity(world.project_id)
    row = stored(world, case.milestone.snapshot_id)  # type: ignore[arg-type]
    assert (current["id"], current["number"], current["milestone"]) == (row.id, 1, 1)
    assert current["reason"] == "milestone 1"
    assert current["cutoff_us"] == row.cutoff_us
    assert current["inputs_hash"] == row.inputs_hash and current["previous_hash"] is None
    assert (current["supersedes"], current["superseded_by"]) == (None, None)
    assert current["amount"] == str(AMOUNT)
    assert current["payout_root"] == row.payout_root
    assert current["last_contribution_id"] == max(c.id for c in case.contributions.values())  # type: ignore[type-var]
    assert current["left_out"] == []
    check_sums(current)
    matrix = json.loads(row.matrix)
    assert [c["tier"] for c in current["tiers"]] == ["core", "application"]
    for column in current["tiers"]:
        shown = [[s["partner_number"], s["rights_bps"], s["profit_bps"]] for s in column["shares"]]
        assert shown == matrix["columns"][column["tier"]]
    assert {c["tier"]: c["weight_bps"] for c in current["tiers"]} == json.loads(row.weights)
    core = current["tiers"][0]["shares"]
    assert [(s["address"], s["side"]) for s in core] == [
        (FOREIGN_A.address, "foreign"),
        (LOCAL_B.address, "local"),
        (FOREIGN_C.address, "foreign"),
    ]
    foreign = sum(s["rights_bps"] for s in core if s["side"] == "foreign")
    assert 6000 <= foreign <= 7000  # the agreement's core band
    vector = {p["partner_number"]: (p["bps"], int(p["wei"])) for p in current["payout_vector"]}
    payouts = {int(k): int(v) for k, v in json.loads(row.payouts or "{}").items()}
    weights = {int(k): v for k, v in json.loads(row.payout_vector).items()}
    assert vector == {n: (weights[n], payouts[n]) for n in (1, 2, 3)}
    assert [p["payout_address"] for p in current["payout_vector"]] == [
        a.address for a in (FOREIGN_A, LOCAL_B, FOREIGN_C)
    ]


def test_every_snapshot_sums_to_10000_per_column_through_the_api(world: World, case: Case) -> None:
    client = world.client("arbiter")
    contribute(world.engine, world.ledger, world.project, LOCAL_B, "derivative", "code", 70)
    contribute(world.engine, world.ledger, world.project, FOREIGN_A, "derivative", "funding", 9)
    contribute(world.engine, world.ledger, world.project, FOREIGN_C, "application", "data", 333)
    second = take(world)
    contribute(world.engine, world.ledger, world.project, FOREIGN_C, "core", "equipment", 4001)
    third = take(world)
    for snapshot_id in (case.milestone.snapshot_id, second, third):
        check_sums(client.snapshot(world.project_id, snapshot_id))  # type: ignore[arg-type]
    latest = client.equity(world.project_id)
    assert latest["id"] == third and latest["amount"] is None
    assert [c["tier"] for c in latest["tiers"]] == ["core", "application", "derivative"]
    derivative = latest["tiers"][2]["shares"]
    local = sum(s["rights_bps"] for s in derivative if s["side"] == "local")
    assert local >= 5100  # the agreement's derivative lead


# ---------------------------------------------------------------------- milestones


def test_a_milestones_equity_is_its_current_snapshot(world: World, case: Case) -> None:
    client = world.client("partner_b")
    take(world)  # a later snapshot is the latest, not milestone 1's
    first = client.milestone_equity(world.project_id, 1)
    assert first["id"] == case.milestone.snapshot_id and first["milestone"] == 1
    assert client.equity(world.project_id)["id"] != first["id"]
    with session_scope(world.engine) as session:
        milestones.plan(
            session,
            world.ledger,
            project_id=world.project_id,
            title="Pilot",
            amount=5,
            trl_target=6,
            due_at=case.milestone.due_at,
        )
    planned = refused(lambda: client.milestone_equity(world.project_id, 2), 404)
    assert (planned["milestone"], planned["state"]) == (2, "planned")
    assert refused(lambda: client.milestone_equity(world.project_id, 3), 404)["milestone"] == 3
    response = world.http.get(
        f"/v1/projects/{world.project_id}/equity/milestones/0", headers=world.headers("partner_b")
    )
    assert response.status_code == 422


def test_a_superseding_snapshot_replaces_the_milestones_and_the_history_says_so(
    world: World, case: Case
) -> None:
    client = world.client("partner_c")
    original = case.milestone.snapshot_id
    excluded = case.contributions["b_app"].id
    assert excluded is not None
    rule_replacement(world, case, (excluded,))
    replaced = client.milestone_equity(world.project_id, 1)
    assert replaced["id"] != original
    assert (replaced["supersedes"], replaced["superseded_by"]) == (original, None)
    assert replaced["left_out"] == [excluded]
    assert replaced["milestone"] == 1
    assert replaced["cutoff_us"] == stored(world, original).cutoff_us  # type: ignore[arg-type]
    check_sums(replaced)
    old = client.snapshot(world.project_id, original)  # type: ignore[arg-type]
    assert (old["supersedes"], old["superseded_by"]) == (None, replaced["id"])
    assert old["left_out"] == []
    later = take(world)
    history = client.pages(f"/v1/projects/{world.project_id}/equity/snapshots", limit=1)
    assert [s["id"] for s in history] == [original, replaced["id"], later]
    assert [s["number"] for s in history] == [1, 2, 3]
    assert [s["superseded_by"] for s in history] == [replaced["id"], None, None]
    assert [s["supersedes"] for s in history] == [None, original, None]
    assert [s["milestone"] for s in history] == [1, 1, None]
    assert history[2]["previous_hash"] == history[1]["inputs_hash"]
    assert "tiers" not in history[0]  # the list holds summaries
    assert client.milestone_equity(world.project_id, 1)["id"] == replaced["id"]


def test_the_history_pages_by_id(world: World, case: Case) -> None:
    client = world.client("licensee")
    ids = [case.milestone.snapshot_id]
    for value in (11, 12, 13, 14):
        contribute(world.engine, world.ledger, world.project, LOCAL_B, "core", "data", value)
        ids.append(take(world))
    seen: list[int] = []
    cursor = None
    for expected in ([ids[0], ids[1]], [ids[2], ids[3]], [ids[4]]):
        page = client.equity_history(world.project_id, limit=2, cursor=cursor)
        assert [s["id"] for s in page["items"]] == expected
        seen.extend(expected)
        cursor = page["next_cursor"]
    assert cursor is None and seen == ids
    assert [s["reason"] for s in client.equity_history(world.project_id)["items"]] == [
        "milestone 1",
        "test",
        "test",
        "test",
        "test",
    ]
    response = world.http.get(
        f"/v1/projects/{world.project_id}/equity/snapshots",
        params={"cursor": "bm90LWEtY3Vyc29y"},
        headers=world.headers("licensee"),
    )
    assert response.status_code == 422 and response.json()["field"] == "cursor"


# ---------------------------------------------------------------------- one snapshot


def test_a_snapshot_of_another_project_is_404_under_this_one(world: World, case: Case) -> None:
    second = world.second_project()
    contribute(world.engine, world.ledger, second, FOREIGN_A, "core", "code", 5)
    theirs = take(world, second.id)
    client = world.client("partner_a")
    problem = refused(lambda: client.snapshot(world.project_id, theirs), 404)
    assert problem["snapshot_id"] == theirs
    refused(lambda: client.snapshot(world.project_id, 9999), 404)
    admin = world.client("admin")
    assert admin.snapshot(second.id, theirs)["id"] == theirs  # type: ignore[arg-type]
    refused(lambda: admin.snapshot(second.id, case.milestone.snapshot_id), 404)  # type: ignore[arg-type]
    refused(lambda: admin.equity(second.id + 50), 404)  # type: ignore[operator]


# ---------------------------------------------------------------------- a partner


def test_a_partners_equity_across_tiers_and_milestones(world: World, case: Case) -> None:
    client: Client = world.client("partner_b")
    by_address = client.partner_equity(world.project_id, LOCAL_B.address)
    assert client.partner_equity(world.project_id, 2) == by_address
    assert client.partner_equity(world.project_id, LOCAL_B.address.lower()) == by_address
    assert (by_address["partner_number"], by_address["address"], by_address["side"]) == (
        2,
        LOCAL_B.address,
        "local",
    )
    assert by_address["name"] == "Vision Works"
    snapshot = client.milestone_equity(world.project_id, 1)
    rights = {
        column["tier"]: next(s["rights_bps"] for s in column["shares"] if s["partner_number"] == 2)
        for column in snapshot["tiers"]
    }
    profit = next(
        s["profit_bps"]
        for c in snapshot["tiers"]
        if c["tier"] == "application"
        for s in c["shares"]
        if s["partner_number"] == 2
    )
    payout = next(p for p in snapshot["payout_vector"] if p["partner_number"] == 2)
    [milestone] = by_address["milestones"]
    assert (milestone["milestone"], milestone["state"], milestone["amount"]) == (
        1,
        "submitted",
        str(AMOUNT),
    )
    shares = milestone["shares"]
    assert shares["snapshot_id"] == snapshot["id"] and shares["milestone"] == 1
    assert shares["rights_bps"] == rights
    assert shares["profit_bps"] == profit
    assert (shares["payout_bps"], shares["payout_wei"]) == (payout["bps"], payout["wei"])
    assert by_address["current"] == shares
    assert by_address["payout_total_wei"] == payout["wei"]
    every_payout = sum(
        int(client.partner_equity(world.project_id, n)["payout_total_wei"]) for n in (1, 2, 3)
    )
    assert every_payout == AMOUNT


def test_a_partner_without_application_weight_has_0_there(world: World, case: Case) -> None:
    mine = world.client("partner_a").partner_equity(world.project_id, 1)
    # partner 1 contributed only to the core tier; the application column does not list it
    assert mine["current"]["rights_bps"]["application"] == 0
    assert mine["current"]["profit_bps"] == 0
    assert mine["current"]["rights_bps"]["core"] > 0


def test_an_unknown_partner_is_404_and_a_malformed_one_422(world: World, case: Case) -> None:
    client = world.client("partner_a")
    refused(lambda: client.partner_equity(world.project_id, 4), 404)
    refused(lambda: client.partner_equity(world.project_id, ARBITER.address), 404)
    for malformed in ("0", "0x12", "partner-1"):
        response = world.http.get(
            f"/v1/projects/{world.project_id}/equity/partners/{malformed}",
            headers=world.headers("partner_a"),
        )
        assert response.status_code == 422, malformed
