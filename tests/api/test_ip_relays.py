"""A party's own transactions through the API: the server prepares the call, the party signs
it with its own key, the server relays it only if it is exactly that call and the caller's
own, and stores what recording the same act by its hash stores."""

from __future__ import annotations

import dataclasses
import hashlib
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount

from api.client import ApiError
from api.client._assets import signable
from ledger import licensing
from ledger.chain.registry import Tier
from ledger.db import ForegroundAsset, Licence, RevenuePayment
from tests.api.world import World
from tests.ledger.services.conftest import FOREIGN_A, FOREIGN_C, LOCAL_B, signer
from tests.ledger.services.ip_support import (
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
#: What the API shows of a row that a relayed act and one recorded by hash share.
OWN = ("id", "title", "content_hash", "chain_asset_id", "tx_hash", "created_at")
PAID = ("id", "asset_id", "licence_id", "tx_hash", "created_at")


@pytest.fixture(autouse=True)
def _funded(world: World) -> None:
    """The parties pay their own gas; the core column is committed."""
    fund(world.ledger, LOCAL_B, FOREIGN_C, LICENSEE, STRANGER)
    commit_column(world.ledger, world.project, Tier.CORE, CORE)


def digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def post(world: World, who: str, path: str, payload: Any = None, **headers: str) -> Any:
    return world.http.post(
        f"/v1/projects/{world.project_id}{path}",
        json=payload,
        headers={**world.headers(who), **headers},
    )


def refused(call: Any, status: int) -> dict[str, Any]:
    with pytest.raises(ApiError) as caught:
        call()
    assert caught.value.status == status, caught.value.problem
    return caught.value.problem


def sign(world: World, account: LocalAccount, unsigned: dict[str, Any]) -> str:
    return signer(world.ledger, account).transaction(signable(unsigned))


def nonce(world: World, account: LocalAccount) -> int:
    return int(world.ledger.chain.w3.eth.get_transaction_count(account.address))


def but(row: dict[str, Any], *fields: str) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in fields}


def recorded_asset(world: World, content: bytes) -> dict[str, Any]:
    """Vision Works registers a core asset on chain itself; it is recorded by its hash."""
    content_hash, tx_hash = register_on_chain(
        world.ledger, world.project, LOCAL_B, Tier.CORE, content
    )
    return world.client("partner_b").record_asset(  # type: ignore[no-any-return]
        world.project_id,
        tier="core",
        title=content.decode(),
        content_hash=content_hash,
        tx_hash=tx_hash,
    )


def licence_on(world: World, asset: dict[str, Any], fee: int = 900) -> dict[str, Any]:
    return world.client("partner_a").grant_licence(  # type: ignore[no-any-return]
        world.project_id, asset["id"], LICENSEE.address, "DE", "C26", fee, QUORUM
    )


def stored(world: World) -> tuple[int, int, int]:
    return (
        count(world.engine, ForegroundAsset),
        count(world.engine, Licence),
        count(world.engine, RevenuePayment),
    )


# ---------------------------------------------------------------------- happy paths


def test_a_partner_registers_an_asset_as_one_it_sent_itself(world: World) -> None:
    vision = world.client("partner_b")
    unsigned = vision.prepare_asset(world.project_id, "core", digest(b"Defect detector"))
    contracts = vision.chain()["contracts"]
    assert (unsigned["to"], unsigned["value"], unsigned["type"]) == (
        contracts["ForegroundRegistry"],
        "0",
        2,
    )
    assert (unsigned["chainId"], unsigned["nonce"]) == (
        world.ledger.chain.chain_id,
        nonce(world, LOCAL_B),
    )
    assert world.ledger.chain.w3.eth.get_transaction_count(B) == unsigned["nonce"]  # nothing sent

    body = {
        "tier": "core",
        "title": "Defect detector",
        "content_hash": digest(b"Defect detector"),
        "transaction": sign(world, LOCAL_B, unsigned),
    }
    response = post(world, "partner_b", "/assets", body)
    assert response.status_code == 201, response.text
    relayed = response.json()
    assert response.headers["location"] == f"/v1/projects/{world.project_id}/assets/{relayed['id']}"
    assert (relayed["registrant"], relayed["tier"], relayed["content_hash"]) == (
        B,
        "core",
        digest(b"Defect detector"),
    )
    on_chain = world.ledger.foreground.asset(relayed["chain_asset_id"])
    assert (on_chain[0], on_chain[1], on_chain[2]) == (world.pid, Tier.CORE, B)
    assert world.ledger.chain.receipt(relayed["tx_hash"]).succeeded

    by_hash = recorded_asset(world, b"Line camera driver")
    assert but(relayed, *OWN) == but(by_hash, *OWN)
    assert relayed.keys() == by_hash.keys()
    reader = world.client("licensee")
    assert reader.assets(world.project_id) == [relayed, by_hash]
    # the client does the same in one call
    made = vision.register_asset(world.project_id, LOCAL_B, "application", "App", digest(b"app"))
    assert (made["tier"], made["registrant"], made["title"]) == ("application", B, "App")


def test_a_licensee_pays_a_licence_fee_as_one_it_paid_itself(world: World) -> None:
    first = licence_on(world, recorded_asset(world, b"core algorithm"))
    second = licence_on(world, recorded_asset(world, b"second algorithm"))
    licensee = world.client("licensee")
    unsigned = licensee.prepare_licence_fee(world.project_id, first["id"])
    assert (unsigned["to"], unsigned["value"]) == (world.ledger.foreground.address, "900")

    path = f"/licences/{first['id']}/fee"
    response = post(world, "licensee", path, {"transaction": sign(world, LICENSEE, unsigned)})
    assert response.status_code == 201, response.text
    relayed = response.json()
    assert (
        response.headers["location"] == f"/v1/projects/{world.project_id}/revenue/{relayed['id']}"
    )
    assert (relayed["licence_id"], relayed["payer"], relayed["amount"]) == (
        first["id"],
        LICENSEE.address,
        "900",
    )
    receipt = world.ledger.foreground.pay_licence_fee(
        second["chain_licence_id"], value=900, sender=LICENSEE
    )
    by_hash = licensee.record_licence_fee(world.project_id, second["id"], receipt.tx_hash)
    assert but(relayed, *PAID) == but(by_hash, *PAID)
    assert sum(int(s["wei"]) for s in relayed["split"]) == 900
    credited = {a: world.ledger.revenue.credit(a) for a in (A, B, C)}
    assert {s["address"]: 2 * int(s["wei"]) for s in relayed["split"]} == credited
    assert licensee.licence(world.project_id, first["id"])["state"] == "paid"
    paid = refused(lambda: licensee.prepare_licence_fee(world.project_id, first["id"]), 409)
    assert paid["field"] == "licence_id"

    third = licence_on(world, recorded_asset(world, b"third algorithm"), fee=5)
    done = licensee.pay_licence_fee(world.project_id, third["id"], LICENSEE)
    assert (done["licence_id"], done["amount"]) == (third["id"], "5")


def test_a_payer_deposits_revenue_as_one_it_paid_itself(world: World) -> None:
    first = recorded_asset(world, b"core algorithm")
    second = recorded_asset(world, b"second algorithm")
    licensee = world.client("licensee")
    unsigned = licensee.prepare_revenue(world.project_id, first["id"], 800)
    assert (unsigned["to"], unsigned["value"]) == (world.ledger.revenue.address, "800")

    body = {
        "asset_id": first["id"],
        "amount": "800",
        "transaction": sign(world, LICENSEE, unsigned),
    }
    response = post(world, "licensee", "/revenue", body)
    assert response.status_code == 201, response.text
    relayed = response.json()
    paid = world.ledger.revenue.deposit_revenue(second["chain_asset_id"], 800, sender=LICENSEE)
    by_hash = licensee.record_revenue(world.project_id, second["id"], paid.tx_hash, 800)
    assert but(relayed, *PAID) == but(by_hash, *PAID)
    assert (relayed["payer"], relayed["amount"], relayed["licence_id"]) == (
        LICENSEE.address,
        "800",
        None,
    )
    # a partner pays too, with its own key; the cumulative revenue goes on
    more = world.client("partner_c").deposit_revenue(world.project_id, first["id"], FOREIGN_C, 700)
    assert (more["payer"], more["cumulative_before"]) == (C, "800")
    assert world.ledger.revenue.cumulative_revenue(first["chain_asset_id"]) == 1500
    assert [p["id"] for p in licensee.revenue(world.project_id, asset_id=first["id"])] == [
        relayed["id"],
        more["id"],
    ]


# ---------------------------------------------------------------------- refusals


def test_a_transaction_another_account_signed_is_403_and_nothing_is_sent(world: World) -> None:
    asset = recorded_asset(world, b"core algorithm")
    licence = licence_on(world, asset)
    pid, before = world.project_id, stored(world)
    vision, licensee = world.client("partner_b"), world.client("licensee")
    registration = sign(world, LOCAL_B, vision.prepare_asset(pid, "core", digest(b"x")))
    fee = sign(world, LICENSEE, licensee.prepare_licence_fee(pid, licence["id"]))
    payment = sign(world, LICENSEE, licensee.prepare_revenue(pid, asset["id"], 800))
    nonces = (nonce(world, LOCAL_B), nonce(world, LICENSEE))
    attempts = [
        (
            "partner_a",
            "/assets",
            {
                "tier": "core",
                "title": "X",
                "content_hash": digest(b"x"),
                "transaction": registration,
            },
        ),
        ("partner_c", f"/licences/{licence['id']}/fee", {"transaction": fee}),
        (
            "partner_c",
            "/revenue",
            {"asset_id": asset["id"], "amount": "800", "transaction": payment},
        ),
    ]
    for who, path, body in attempts:
        response = post(world, who, path, body)
        assert response.status_code == 403, (path, response.text)
        problem = response.json()
        assert (problem["rule"], problem["acting_as"]) == (
            "acting_as",
            B if path == "/assets" else LICENSEE.address,
        )
    assert stored(world) == before
    assert (nonce(world, LOCAL_B), nonce(world, LICENSEE)) == nonces
    # a licensee principal that names no address can neither prepare nor relay
    world.add_principal("bare", "licensee", project_id=pid)
    bare = world.client("bare")
    assert refused(lambda: bare.prepare_revenue(pid, asset["id"], 800), 422)["field"] == "address"
    response = post(world, "bare", "/revenue", attempts[2][2])
    assert (response.status_code, response.json()["field"]) == (422, "address")
    assert stored(world) == before


@pytest.mark.parametrize("part", ["data", "value", "to", "chainId"])
def test_a_transaction_that_is_not_the_call_is_422_and_nothing_is_sent(
    world: World, part: str
) -> None:
    asset = recorded_asset(world, b"core algorithm")
    licence = licence_on(world, asset)
    pid, before = world.project_id, stored(world)
    vision, licensee = world.client("partner_b"), world.client("licensee")

    def tampered(unsigned: dict[str, Any]) -> dict[str, Any]:
        changed = dict(unsigned)
        if part == "data":
            changed["data"] = unsigned["data"][:-1] + ("0" if unsigned["data"][-1] != "0" else "1")
        elif part == "value":
            changed["value"] = str(int(unsigned["value"]) + 1)
        elif part == "to":
            changed["to"] = vision.chain()["contracts"]["MilestoneEscrow"]
        else:
            changed["chainId"] = unsigned["chainId"] + 1
        return changed

    registration = vision.prepare_asset(pid, "core", digest(b"x"))
    fee = licensee.prepare_licence_fee(pid, licence["id"])
    payment = licensee.prepare_revenue(pid, asset["id"], 800)
    nonces = (nonce(world, LOCAL_B), nonce(world, LICENSEE))
    attempts = [
        (
            "partner_b",
            "/assets",
            {"tier": "core", "title": "X", "content_hash": digest(b"x")},
            "transaction",
            LOCAL_B,
            registration,
        ),
        ("licensee", f"/licences/{licence['id']}/fee", {}, "transaction", LICENSEE, fee),
        (
            "licensee",
            "/revenue",
            {"asset_id": asset["id"], "amount": "800"},
            "transaction",
            LICENSEE,
            payment,
        ),
    ]
    for who, path, body, key, account, unsigned in attempts:
        response = post(world, who, path, {**body, key: sign(world, account, tampered(unsigned))})
        assert response.status_code == 422, (path, response.text)
        assert (response.json()["field"], response.json()["part"]) == ("transaction", part)
    assert stored(world) == before
    assert (nonce(world, LOCAL_B), nonce(world, LICENSEE)) == nonces
    # what the server prepared still goes through (the licensee's second at its next nonce)
    for who, path, body, key, account, unsigned in attempts:
        current = {**unsigned, "nonce": nonce(world, account)}
        response = post(world, who, path, {**body, key: sign(world, account, current)})
        assert response.status_code == 201, (path, response.text)


def test_bodies_give_either_a_transaction_or_a_hash(world: World) -> None:
    asset = recorded_asset(world, b"core algorithm")
    licence = licence_on(world, asset)
    signed = "0x02" + "ab" * 40
    tx_hash = "0x" + "11" * 32
    asset_fields = {"tier": "core", "title": "X", "content_hash": digest(b"x")}
    for path, body in [
        ("/assets", asset_fields),
        ("/assets", {**asset_fields, "tx_hash": tx_hash, "transaction": signed}),
        (f"/licences/{licence['id']}/fee", {}),
        (f"/licences/{licence['id']}/fee", {"tx_hash": tx_hash, "transaction": signed}),
        ("/revenue", {"asset_id": asset["id"], "amount": "800"}),
        ("/revenue", {"asset_id": asset["id"], "transaction": signed}),
        ("/revenue", {"asset_id": asset["id"], "tx_hash": tx_hash, "transaction": signed}),
        ("/assets/prepare", {"tier": "core"}),
        ("/revenue/prepare", {"asset_id": asset["id"]}),
        ("/revenue/prepare", {"asset_id": asset["id"], "amount": "1", "payer": B}),
    ]:
        response = post(world, "partner_b", path, body)
        assert response.status_code == 422, (path, body, response.text)
    # a hex string that is no signed transaction: refused before the chain is asked
    response = post(
        world,
        "licensee",
        "/revenue",
        {"asset_id": asset["id"], "amount": "800", "transaction": signed},
    )
    assert (response.status_code, response.json()["field"]) == (422, "transaction")
    zero = post(world, "licensee", "/revenue/prepare", {"asset_id": asset["id"], "amount": "0"})
    assert (zero.status_code, zero.json()["field"]) == (422, "amount")
    assert stored(world)[2] == 0


def test_unknown_ids_and_another_projects_are_404(world: World) -> None:
    other = world.second_project()
    content_hash, tx_hash = register_on_chain(world.ledger, other, LOCAL_B, Tier.CORE, b"theirs")
    with world.session() as session:
        theirs = licensing.register_asset(
            session,
            world.ledger,
            project_id=other.id,
            tier="core",
            title="Theirs",
            content_hash=content_hash,
            tx_hash=tx_hash,
        )
    offer = {"licensee": LICENSEE.address, "territory": "DE", "industry": "C26", "fee": 900}
    with world.session() as session:
        prepared = licensing.prepare_licence(session, world.ledger, asset_id=theirs.id, **offer)
    signatures = [signer(world.ledger, a).licence(**dataclasses.asdict(prepared)) for a in QUORUM]
    with world.session() as session:
        their_licence = licensing.grant_licence(
            session, world.ledger, asset_id=theirs.id, signatures=signatures, **offer
        )
    licensee, pid = world.client("licensee"), world.project_id
    for asset_id in (theirs.id, 999):
        problem = refused(lambda i=asset_id: licensee.prepare_revenue(pid, i, 800), 404)
        assert problem["asset_id"] == asset_id
        refused(lambda i=asset_id: licensee.deposit_revenue(pid, i, LICENSEE, 800), 404)
    for licence_id in (their_licence.id, 999):
        problem = refused(lambda i=licence_id: licensee.prepare_licence_fee(pid, i), 404)
        assert problem["licence_id"] == licence_id
        refused(lambda i=licence_id: licensee.pay_licence_fee(pid, i, LICENSEE), 404)
    assert refused(lambda: licensee.prepare_revenue(pid + 1000, 1, 800), 403)["rule"] == "project"
    assert stored(world)[2] == 0


def test_a_relayed_act_retried_with_its_key_is_relayed_once(world: World) -> None:
    vision, pid = world.client("partner_b"), world.project_id
    unsigned = vision.prepare_asset(pid, "core", digest(b"Defect detector"))
    body = {
        "tier": "core",
        "title": "Defect detector",
        "content_hash": digest(b"Defect detector"),
        "transaction": sign(world, LOCAL_B, unsigned),
    }
    first = post(world, "partner_b", "/assets", body, **{"Idempotency-Key": "relay-1"})
    sent = nonce(world, LOCAL_B)
    again = post(world, "partner_b", "/assets", body, **{"Idempotency-Key": "relay-1"})
    assert first.status_code == again.status_code == 201, first.text
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert nonce(world, LOCAL_B) == sent == unsigned["nonce"] + 1
    other = post(
        world, "partner_b", "/assets", {**body, "title": "Other"}, **{"Idempotency-Key": "relay-1"}
    )
    assert other.status_code == 409
    assert other.json()["type"] == "/problems/idempotency-key-reused"
    # the same signed transaction under a new key: the chain refuses it, nothing is stored
    replay = post(world, "partner_b", "/assets", body, **{"Idempotency-Key": "relay-2"})
    assert replay.status_code == 409, replay.text
    assert [a["id"] for a in vision.assets(pid)] == [first.json()["id"]]
    assert nonce(world, LOCAL_B) == sent
