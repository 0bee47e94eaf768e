"""Revenue through the API: payments the licensee made on chain, recorded by their hash, each
split among every partner to the wei as the chain credited them."""

from __future__ import annotations

from typing import Any

import pytest

from api.client import ApiError
from ledger import licensing
from ledger.chain.registry import Tier
from ledger.db import RevenuePayment
from tests.api.world import World
from tests.ledger.services.conftest import FOREIGN_A, FOREIGN_C, LOCAL_B
from tests.ledger.services.ip_support import (
    APPLICATION,
    APPLICATION_PROFIT,
    CORE,
    LICENSEE,
    QUORUM,
    STRANGER,
    commit_column,
    count,
    fund,
    register_on_chain,
)

A, B, C = FOREIGN_A.address, LOCAL_B.address, FOREIGN_C.address


@pytest.fixture(autouse=True)
def _columns(world: World) -> None:
    """Keys with ether for their own transactions, and committed core and application columns."""
    fund(world.ledger, LOCAL_B, LICENSEE, STRANGER)
    commit_column(world.ledger, world.project, Tier.CORE, CORE)
    commit_column(world.ledger, world.project, Tier.APPLICATION, APPLICATION, APPLICATION_PROFIT)


def register(world: World, tier: Tier = Tier.CORE, content: bytes = b"core algorithm") -> int:
    content_hash, tx_hash = register_on_chain(world.ledger, world.project, LOCAL_B, tier, content)
    made = world.client("partner_b").record_asset(
        world.project_id,
        tier=tier.name.lower(),
        title=content.decode(),
        content_hash=content_hash,
        tx_hash=tx_hash,
    )
    return int(made["id"])


def pay(world: World, asset_id: int, amount: int, payer: Any = LICENSEE) -> str:
    """``payer`` pays revenue for the asset with its own transaction; its hash."""
    chain_id = world.client("admin").asset(world.project_id, asset_id)["chain_asset_id"]
    return world.ledger.revenue.deposit_revenue(chain_id, amount, sender=payer).tx_hash


def refused(call: Any, status: int) -> dict[str, Any]:
    with pytest.raises(ApiError) as caught:
        call()
    assert caught.value.status == status, caught.value.problem
    return caught.value.problem


def post(world: World, who: str, path: str, payload: Any, **headers: str) -> Any:
    return world.http.post(
        f"/v1/projects/{world.project_id}{path}",
        json=payload,
        headers={**world.headers(who), **headers},
    )


def wei(split: list[dict[str, Any]]) -> dict[str, int]:
    return {share["address"]: int(share["wei"]) for share in split}


def test_a_licensees_payment_is_recorded_with_every_partners_share(world: World) -> None:
    asset = register(world)
    tx_hash = pay(world, asset, 800)
    response = post(world, "licensee", "/revenue", {"asset_id": asset, "tx_hash": tx_hash})
    assert response.status_code == 201, response.text
    payment = response.json()
    assert (
        response.headers["location"] == f"/v1/projects/{world.project_id}/revenue/{payment['id']}"
    )
    assert (payment["asset_id"], payment["tier"], payment["payer"]) == (
        asset,
        "core",
        LICENSEE.address,
    )
    assert (payment["amount"], payment["cumulative_before"]) == ("800", "0")
    assert (payment["tx_hash"], payment["licence_id"]) == (tx_hash, None)
    assert [(s["number"], s["address"]) for s in payment["split"]] == [(1, A), (2, B), (3, C)]
    split = wei(payment["split"])
    assert sum(split.values()) == 800
    assert split == {a: world.ledger.revenue.credit(a) for a in (A, B, C)}  # what the chain paid
    assert all(isinstance(s["wei"], str) for s in payment["split"])

    second = world.client("partner_c").record_revenue(
        world.project_id, asset, pay(world, asset, 701), 701
    )
    assert (second["amount"], second["cumulative_before"]) == ("701", "800")
    assert sum(wei(second["split"]).values()) == 701
    assert {a: split[a] + w for a, w in wei(second["split"]).items()} == {
        a: world.ledger.revenue.credit(a) for a in (A, B, C)
    }
    reader = world.client("funder")
    assert reader.payment(world.project_id, payment["id"]) == payment
    assert reader.revenue(world.project_id) == [payment, second]


def test_application_revenue_is_split_by_the_profit_bps(world: World) -> None:
    asset = register(world, Tier.APPLICATION, b"inspection app")
    payment = world.client("licensee").record_revenue(
        world.project_id, asset, pay(world, asset, 1001)
    )
    assert payment["tier"] == "application"
    assert wei(payment["split"]) == {A: 501, B: 300, C: 200}  # 5000, 3000, 2000 bps of 1001


def test_a_licence_fee_is_recorded_under_its_licence(world: World) -> None:
    asset = register(world)
    partner = world.client("partner_a")
    licence = partner.grant_licence(
        world.project_id, asset, LICENSEE.address, "CN", "C26", 900, QUORUM
    )
    receipt = world.ledger.foreground.pay_licence_fee(
        licence["chain_licence_id"], value=900, sender=LICENSEE
    )
    licensee = world.client("licensee")
    as_royalty = refused(
        lambda: licensee.record_revenue(world.project_id, asset, receipt.tx_hash), 422
    )
    assert as_royalty["field"] == "tx_hash"

    response = post(
        world, "licensee", f"/licences/{licence['id']}/fee", {"tx_hash": receipt.tx_hash}
    )
    assert response.status_code == 201, response.text
    payment = response.json()
    assert (
        response.headers["location"] == f"/v1/projects/{world.project_id}/revenue/{payment['id']}"
    )
    assert (payment["licence_id"], payment["amount"], payment["payer"]) == (
        licence["id"],
        "900",
        LICENSEE.address,
    )
    assert sum(wei(payment["split"]).values()) == 900
    assert partner.licence(world.project_id, licence["id"])["state"] == "paid"
    assert partner.revenue(world.project_id, asset_id=asset) == [payment]
    again = refused(
        lambda: licensee.record_licence_fee(world.project_id, licence["id"], receipt.tx_hash), 409
    )
    assert again["field"] == "licence_id"
    unpaid = partner.grant_licence(
        world.project_id, asset, LICENSEE.address, "DE", "C26", 5, QUORUM
    )
    other_tx = pay(world, asset, 10)
    problem = refused(
        lambda: licensee.record_licence_fee(world.project_id, unpaid["id"], other_tx), 422
    )
    assert problem["field"] == "tx_hash"


def test_a_payment_the_chain_did_not_make_so_is_refused(world: World) -> None:
    asset, other = register(world), register(world, Tier.CORE, b"second algorithm")
    tx_hash = pay(world, asset, 500)
    licensee = world.client("licensee")
    pid = world.project_id
    wrong = refused(lambda: licensee.record_revenue(pid, asset, tx_hash, 499), 422)
    assert (wrong["field"], wrong["chain"]) == ("amount", "500")
    assert refused(lambda: licensee.record_revenue(pid, other, tx_hash), 422)["field"] == "tx_hash"
    transfer = world.ledger.chain.send_value(STRANGER.address, 1).tx_hash
    assert refused(lambda: licensee.record_revenue(pid, asset, transfer), 422)["field"] == "tx_hash"
    refused(lambda: licensee.record_revenue(pid, asset, "0x" + "11" * 32), 404)
    for payload in (
        {"asset_id": asset, "tx_hash": "0x12"},
        {"asset_id": asset, "tx_hash": tx_hash, "amount": 1.5},
        {"asset_id": 0, "tx_hash": tx_hash},
        {"tx_hash": tx_hash},
    ):
        assert post(world, "licensee", "/revenue", payload).status_code == 422, payload
    assert (
        post(world, "funder", "/revenue", {"asset_id": asset, "tx_hash": tx_hash}).json()["rule"]
        == "role"
    )
    assert count(world.engine, RevenuePayment) == 0
    licensee.record_revenue(pid, asset, tx_hash, 500)
    assert refused(lambda: licensee.record_revenue(pid, asset, tx_hash), 409)["field"] == "tx_hash"


def test_another_projects_assets_and_payments_are_404(world: World) -> None:
    other = world.second_project()
    commit_column(world.ledger, other, Tier.CORE, CORE)
    content_hash, tx_hash = register_on_chain(world.ledger, other, LOCAL_B, Tier.CORE, b"theirs")
    with world.session() as session:
        asset = licensing.register_asset(
            session,
            world.ledger,
            project_id=other.id,
            tier="core",
            title="Theirs",
            content_hash=content_hash,
            tx_hash=tx_hash,
        )
    assert asset.id is not None and asset.chain_asset_id is not None
    paid = world.ledger.revenue.deposit_revenue(asset.chain_asset_id, 100, sender=LICENSEE)
    with world.session() as session:
        theirs = licensing.record_revenue(
            session, world.ledger, asset_id=asset.id, tx_hash=paid.tx_hash
        )
    licensee = world.client("licensee")
    pid = world.project_id
    problem = refused(lambda: licensee.record_revenue(pid, asset.id, paid.tx_hash), 404)
    assert problem["asset_id"] == asset.id
    for payment_id in (theirs.id, 999):
        assert (
            refused(lambda i=payment_id: licensee.payment(pid, i), 404)["payment_id"] == payment_id
        )
    refused(lambda: licensee.revenue(pid, asset_id=asset.id), 404)
    refused(lambda: licensee.revenue(pid, asset_id=999), 404)
    assert licensee.revenue(pid) == []
    assert all(t["amount"] == "0" for t in licensee.revenue_by_tier(pid)["tiers"])


def test_payments_page_and_filter(world: World) -> None:
    core, app = register(world), register(world, Tier.APPLICATION, b"inspection app")
    licensee = world.client("licensee")
    pid = world.project_id
    first = licensee.record_revenue(pid, core, pay(world, core, 800))
    second = licensee.record_revenue(pid, app, pay(world, app, 300))
    third = licensee.record_revenue(pid, core, pay(world, core, 900, STRANGER))
    path = f"/v1/projects/{pid}/revenue"
    page_one = licensee.get(path, limit=2)
    assert [p["id"] for p in page_one["items"]] == [first["id"], second["id"]]
    page_two = licensee.get(path, limit=2, cursor=page_one["next_cursor"])
    assert [p["id"] for p in page_two["items"]] == [third["id"]] and page_two["next_cursor"] is None
    assert [p["id"] for p in licensee.revenue(pid, asset_id=core)] == [first["id"], third["id"]]
    assert [p["id"] for p in licensee.revenue(pid, tier="application")] == [second["id"]]
    assert [p["id"] for p in licensee.revenue(pid, payer=STRANGER.address.lower())] == [third["id"]]
    assert [p["id"] for p in licensee.revenue(pid, tier="core", payer=LICENSEE.address)] == [
        first["id"]
    ]
    assert licensee.revenue(pid, tier="derivative") == []
    assert refused(lambda: licensee.get(path, cursor="Zm9v"), 422)["field"] == "cursor"
    refused(lambda: licensee.get(path, tier="pooled"), 422)
    refused(lambda: licensee.get(path, payer="0x12"), 422)


def test_revenue_by_tier_sums_every_partners_shares_exactly(world: World) -> None:
    core, app = register(world), register(world, Tier.APPLICATION, b"inspection app")
    licensee = world.client("licensee")
    pid = world.project_id
    payments = [
        licensee.record_revenue(pid, core, pay(world, core, 800)),
        licensee.record_revenue(pid, core, pay(world, core, 4_333)),
        licensee.record_revenue(pid, app, pay(world, app, 1001)),
    ]
    totals = world.client("partner_a").revenue_by_tier(pid)
    assert [t["tier"] for t in totals["tiers"]] == ["core", "application", "derivative"]
    by_tier = {t["tier"]: t for t in totals["tiers"]}
    assert (by_tier["core"]["payments"], by_tier["core"]["amount"]) == (2, "5133")
    assert wei(by_tier["core"]["split"]) == {
        a: wei(payments[0]["split"])[a] + wei(payments[1]["split"])[a] for a in (A, B, C)
    }
    assert wei(by_tier["application"]["split"]) == {A: 501, B: 300, C: 200}
    assert wei(by_tier["derivative"]["split"]) == {A: 0, B: 0, C: 0}
    for tier in totals["tiers"]:
        assert sum(wei(tier["split"]).values()) == int(tier["amount"])
    assert totals["amount"] == "6134"
    credited = {a: world.ledger.revenue.credit(a) for a in (A, B, C)}  # both tiers, on chain
    core_split, app_split = wei(by_tier["core"]["split"]), wei(by_tier["application"]["split"])
    assert {a: core_split[a] + app_split[a] for a in (A, B, C)} == credited


def test_a_payment_recorded_again_with_its_key_is_recorded_once(world: World) -> None:
    asset = register(world)
    payload = {"asset_id": asset, "tx_hash": pay(world, asset, 800), "amount": "800"}
    first = post(world, "licensee", "/revenue", payload, **{"Idempotency-Key": "pay-1"})
    again = post(world, "licensee", "/revenue", payload, **{"Idempotency-Key": "pay-1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    other = post(
        world, "licensee", "/revenue", {**payload, "amount": "799"}, **{"Idempotency-Key": "pay-1"}
    )
    assert other.status_code == 409
    assert other.json()["type"] == "/problems/idempotency-key-reused"
    assert count(world.engine, RevenuePayment) == 1
