"""Tier columns and the negotiated split through the API: the ledger says what is signed, a
quorum (a column) or every partner (a split) signs it, the chain holds it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from api.client import ApiError
from api.client._rights import column_message, negotiated_split
from ledger import milestones, snapshots
from ledger.chain.registry import Tier
from ledger.chain.rights import NegotiatedSplit
from tests.api.world import World
from tests.contracts.conftest import key
from tests.ledger.services.conftest import FOREIGN_A, FOREIGN_C, LOCAL_B, signer
from tests.ledger.services.dispute_support import submitted_case
from tests.ledger.services.ip_support import LICENSEE, QUORUM, fund, register_on_chain

A, B, C = FOREIGN_A.address, LOCAL_B.address, FOREIGN_C.address
EVERYONE = (FOREIGN_A, LOCAL_B, FOREIGN_C)
MALLORY = key("mallory")
SPLIT = {1: 2000, 2: 7000, 3: 1000}


@pytest.fixture
def snapshot_id(world: World) -> int:
    """Milestone 1 submitted with five contributions: its snapshot's ledger id."""
    case = submitted_case(world.engine, world.ledger, world.project)
    with world.session() as session:
        found = milestones.get(session, case.milestone.id).snapshot_id  # type: ignore[arg-type]
    assert found is not None
    return found


def refused(call: Any, status: int) -> dict[str, Any]:
    with pytest.raises(ApiError) as caught:
        call()
    assert caught.value.status == status, caught.value.problem
    return caught.value.problem


def post(world: World, who: str, path: str, payload: Any) -> Any:
    return world.http.post(
        f"/v1/projects/{world.project_id}{path}", json=payload, headers=world.headers(who)
    )


def column_signatures(world: World, message: dict[str, Any], *accounts: Any) -> list[str]:
    arguments = column_message(message)
    return [signer(world.ledger, a).rights_column(**arguments) for a in accounts]


# ---------------------------------------------------------------------- tier columns


def test_the_column_message_is_the_stored_snapshots_column(world: World, snapshot_id: int) -> None:
    with world.session() as session:
        stored = snapshots.get(session, snapshot_id)
    matrix = json.loads(stored.matrix)["columns"]
    by_number = {1: A, 2: B, 3: C}
    reader = world.client("funder")
    for tier, code in (("core", 0), ("application", 1)):
        message = reader.tier_column_message(world.project_id, snapshot_id, tier)
        assert (message["snapshot_id"], message["snapshot_number"]) == (snapshot_id, stored.number)
        assert (message["chain_project_id"], message["tier"], message["tier_code"]) == (
            world.pid,
            tier,
            code,
        )
        assert (message["root"], message["inputs_hash"]) == (stored.payout_root, stored.inputs_hash)
        column = message["column"]
        assert column["partners"] == sorted(column["partners"], key=lambda a: int(a, 16))
        expected = {by_number[int(n)]: rights for n, rights, _ in matrix[tier]}
        assert dict(zip(column["partners"], column["rights_bps"], strict=True)) == expected
        assert [by_number[n] for n in column["numbers"]] == column["partners"]
        assert (column["profit_bps"] != []) == (tier == "application")
        arguments = column_message(message)
        assert arguments["column"].column_hash().hex() == message["column_hash"]
    assert "derivative" not in matrix  # no derivative contribution: no column to commit
    problem = refused(
        lambda: reader.tier_column_message(world.project_id, snapshot_id, "derivative"), 404
    )
    assert (problem["snapshot_id"], problem["tier"]) == (snapshot_id, "derivative")
    sent = {"signatures": ["0x" + "1b" * 65, "0x" + "1c" * 65]}
    response = post(world, "partner_a", f"/snapshots/{snapshot_id}/columns/derivative", sent)
    assert response.status_code == 404 and response.json()["tier"] == "derivative"


def test_a_quorum_commits_a_snapshots_tier_column(world: World, snapshot_id: int) -> None:
    partner = world.client("partner_c")
    before = partner.committed_column(world.project_id, "core")
    assert (before["snapshot_number"], before["committed_at"]) == (0, None)
    assert before["column"]["partners"] == []

    message = partner.tier_column_message(world.project_id, snapshot_id, "core")
    committed = partner.commit_tier_column(world.project_id, snapshot_id, "core", QUORUM)
    assert committed["tx_hash"].startswith("0x") and committed["committed_at"] is not None
    assert committed["snapshot_number"] == message["snapshot_number"]
    assert committed["column"] == message["column"]
    assert committed["column_hash"] == message["column_hash"]
    assert (committed["root"], committed["inputs_hash"]) == (
        message["root"],
        message["inputs_hash"],
    )
    held = world.ledger.rights.column(world.pid, Tier.CORE)
    assert list(held.column.rights_bps) == message["column"]["rights_bps"]
    now = world.client("licensee").committed_column(world.project_id, "core")
    assert now == {**committed, "tx_hash": None}
    assert partner.committed_column(world.project_id, "application")["snapshot_number"] == 0

    again = refused(
        lambda: partner.commit_tier_column(world.project_id, snapshot_id, "core", QUORUM), 409
    )
    assert again["error"] == "TieredRightsStaleSnapshot"


def test_a_column_needs_the_quorums_signatures_over_it(world: World, snapshot_id: int) -> None:
    path = f"/snapshots/{snapshot_id}/columns/core"
    message = world.client("partner_a").tier_column_message(world.project_id, snapshot_id, "core")

    assert post(world, "partner_a", path, {}).json()["errors"][0]["field"] == "body.signatures"
    assert post(world, "partner_a", path, {"signatures": []}).status_code == 422
    for accounts, words in [
        ((FOREIGN_A,), "needs 2"),
        ((FOREIGN_A, MALLORY), "not a partner"),
        ((FOREIGN_A, FOREIGN_A), "twice"),
    ]:
        response = post(
            world, "partner_a", path, {"signatures": column_signatures(world, message, *accounts)}
        )
        assert response.status_code == 403, accounts
        assert response.json()["field"] == "signatures" and words in response.json()["detail"]
    # the quorum signed the application column, or this column for another project
    application = world.client("partner_a").tier_column_message(
        world.project_id, snapshot_id, "application"
    )
    other = world.second_project()
    elsewhere = {**message, "chain_project_id": other.chain_project_id}
    for signed in (application, elsewhere):
        response = post(
            world, "partner_a", path, {"signatures": column_signatures(world, signed, *QUORUM)}
        )
        assert response.status_code == 403 and response.json()["field"] == "signatures"
    assert (
        world.client("partner_a").committed_column(world.project_id, "core")["snapshot_number"] == 0
    )
    assert post(world, "arbiter", path, {"signatures": []}).json()["rule"] == "role"


def test_unknown_snapshots_tiers_and_another_projects_snapshot_are_refused(
    world: World, snapshot_id: int
) -> None:
    other = world.second_project()
    case = submitted_case(world.engine, world.ledger, other)
    with world.session() as session:
        theirs = milestones.get(session, case.milestone.id).snapshot_id  # type: ignore[arg-type]
    assert theirs is not None and theirs != snapshot_id
    partner = world.client("partner_a")
    for sid in (theirs, 999):
        problem = refused(
            lambda s=sid: partner.tier_column_message(world.project_id, s, "core"), 404
        )
        assert problem["snapshot_id"] == sid
        refused(lambda s=sid: partner.commit_tier_column(world.project_id, s, "core", QUORUM), 404)
    assert world.ledger.rights.column(other.chain_project_id, Tier.CORE).snapshot_id == 0
    for path in (f"/snapshots/{snapshot_id}/columns/pooled", "/columns/Core"):
        response = world.http.get(
            f"/v1/projects/{world.project_id}{path}", headers=world.headers("partner_a")
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "path.tier"


# ---------------------------------------------------------------------- negotiated split


def test_every_partner_sets_the_derivative_split(world: World) -> None:
    partner = world.client("partner_b")
    assert partner.current_split(world.project_id)["nonce"] == 0
    proposal = partner.split_proposal(world.project_id, SPLIT)
    assert (proposal["chain_project_id"], proposal["nonce"]) == (world.pid, 1)
    assert proposal["partners"] == sorted([A, B, C], key=lambda a: int(a, 16))
    by_address = dict(zip(proposal["partners"], proposal["bps"], strict=True))
    assert by_address == {A: 2000, B: 7000, C: 1000}
    assert dict(zip(proposal["partners"], proposal["numbers"], strict=True)) == {A: 1, B: 2, C: 3}
    assert negotiated_split(proposal).split_hash().hex() == proposal["split_hash"]
    assert proposal["tx_hash"] is None

    set_ = partner.negotiate_split(world.project_id, SPLIT, EVERYONE)
    assert set_["tx_hash"].startswith("0x")
    assert {k: v for k, v in set_.items() if k != "tx_hash"} == {
        k: v for k, v in proposal.items() if k != "tx_hash"
    }
    held = world.ledger.rights.negotiated_split(world.pid)
    assert (held.nonce, list(held.bps)) == (1, proposal["bps"])
    assert world.client("arbiter").current_split(world.project_id) == {**set_, "tx_hash": None}
    assert partner.split_proposal(world.project_id, {1: 0, 2: 5000, 3: 5000})["nonce"] == 2

    # derivative revenue now follows it, to the wei
    fund(world.ledger, LOCAL_B, LICENSEE)
    content_hash, tx_hash = register_on_chain(
        world.ledger, world.project, LOCAL_B, Tier.DERIVATIVE, b"retrofit kit"
    )
    asset = partner.record_asset(
        world.project_id,
        tier="derivative",
        title="Retrofit kit",
        content_hash=content_hash,
        tx_hash=tx_hash,
    )
    paid = world.ledger.revenue.deposit_revenue(asset["chain_asset_id"], 10_001, sender=LICENSEE)
    payment = world.client("licensee").record_revenue(world.project_id, asset["id"], paid.tx_hash)
    split = {share["address"]: int(share["wei"]) for share in payment["split"]}
    assert split == {A: 2000, B: 7001, C: 1000}  # the wei left goes to the largest remainder


def test_a_split_needs_every_partners_signature_over_it(world: World) -> None:
    proposal = world.client("partner_a").split_proposal(world.project_id, SPLIT)
    split = negotiated_split(proposal)
    bps = {str(n): v for n, v in SPLIT.items()}

    def signed(*accounts: Any, pid: int = world.pid, over: NegotiatedSplit = split) -> list[str]:
        return [signer(world.ledger, a).negotiated_split(pid, over) for a in accounts]

    missing = post(world, "partner_a", "/split", {"bps": bps})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "body.signatures"
    other = world.second_project()
    another_split = NegotiatedSplit(1, split.partners, (0, 5000, 5000))
    for signatures, words in [
        (signed(FOREIGN_A, LOCAL_B), "missing"),
        (signed(FOREIGN_A, LOCAL_B, MALLORY), "not a partner"),
        (signed(FOREIGN_A, LOCAL_B, FOREIGN_C, FOREIGN_C), "twice"),
        (signed(*EVERYONE, pid=other.chain_project_id), "not a partner"),
        (signed(*EVERYONE, over=another_split), "not a partner"),
    ]:
        response = post(world, "partner_a", "/split", {"bps": bps, "signatures": signatures})
        assert response.status_code == 403, words
        assert response.json()["field"] == "signatures" and words in response.json()["detail"]
    assert world.client("partner_a").current_split(world.project_id)["nonce"] == 0
    assert (
        post(world, "arbiter", "/split", {"bps": bps, "signatures": signed(*EVERYONE)}).json()[
            "rule"
        ]
        == "role"
    )


def test_a_split_names_every_partner_once_and_sums_to_10000(world: World) -> None:
    partner = world.client("partner_a")
    pid = world.project_id
    dummy = ["0x" + "1b" * 65]
    for bps, total in [
        ({1: 5000, 2: 4999, 3: 0}, 9999),
        ({1: 5000, 2: 5000}, None),
        ({1: 5000, 2: 5000, 3: 0, 4: 0}, None),
    ]:
        problem = refused(lambda b=bps: partner.split_proposal(pid, b), 422)
        assert (problem["field"], problem.get("total")) == ("bps", total)
        sent = {"bps": {str(n): v for n, v in bps.items()}, "signatures": dummy}
        response = post(world, "partner_a", "/split", sent)
        assert response.status_code == 422 and response.json()["field"] == "bps"
    path = f"/v1/projects/{pid}/split/proposal"
    twice = [("bps", "1:5000"), ("bps", "1:5000"), ("bps", "3:0")]
    response = world.http.get(path, params=twice, headers=world.headers("partner_a"))
    assert response.status_code == 422 and response.json()["field"] == "bps"
    for query in ([("bps", "one:5000")], [("bps", "1:-5")], []):
        response = world.http.get(path, params=query, headers=world.headers("partner_a"))
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"].startswith("query.bps")
    too_much = {"bps": {"1": 10_001, "2": 0, "3": 0}, "signatures": dummy}
    assert post(world, "partner_a", "/split", too_much).status_code == 422
    assert partner.current_split(pid)["nonce"] == 0
