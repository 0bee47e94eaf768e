"""Foreground assets and licences through the API: assets recorded from the partner's own
transaction, licences checked against the agreement and granted by a quorum's signatures."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount

from api.client import ApiError
from api.client._assets import licence_message
from ledger import licensing
from ledger.chain.registry import Tier
from ledger.db import Project
from tests.api.world import World
from tests.ledger.services.conftest import FOREIGN_A, FOREIGN_C, LOCAL_B, signer
from tests.ledger.services.ip_support import (
    CORE,
    LICENSEE,
    QUORUM,
    STRANGER,
    commit_column,
    fund,
    register_on_chain,
)

A, B, C = FOREIGN_A.address, LOCAL_B.address, FOREIGN_C.address
TERMS = {"licensee": LICENSEE.address, "territory": "DE", "industry": "C26", "fee": 900}


@pytest.fixture(autouse=True)
def _funded(world: World) -> None:
    """The partners and the licensee send transactions of their own."""
    fund(world.ledger, LOCAL_B, FOREIGN_A, LICENSEE)


def register(
    world: World,
    tier: Tier = Tier.CORE,
    content: bytes = b"defect detector",
    *,
    project: Project | None = None,
    account: LocalAccount = LOCAL_B,
) -> dict[str, Any]:
    """``account`` registers an asset on chain itself; partner_b records it."""
    content_hash, tx_hash = register_on_chain(
        world.ledger, project or world.project, account, tier, content
    )
    return world.client("partner_b").record_asset(  # type: ignore[no-any-return]
        world.project_id,
        tier=tier.name.lower(),
        title=content.decode(),
        content_hash=content_hash,
        tx_hash=tx_hash,
    )


def other_asset(world: World) -> tuple[Project, int]:
    """An asset of a second project, recorded through the services."""
    other = world.second_project()
    content_hash, tx_hash = register_on_chain(world.ledger, other, LOCAL_B, Tier.CORE, b"theirs")
    with world.session() as session:
        row = licensing.register_asset(
            session,
            world.ledger,
            project_id=other.id,
            tier="core",
            title="Theirs",
            content_hash=content_hash,
            tx_hash=tx_hash,
        )
    assert row.id is not None
    return other, row.id


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


def signed(world: World, asset_id: int, accounts: tuple[LocalAccount, ...] = QUORUM, **terms: Any):  # type: ignore[no-untyped-def]
    """A grant body: the API's offer for ``terms``, signed by ``accounts``."""
    values = {**TERMS, **terms}
    offer = world.client("partner_a").licence_offer(world.project_id, asset_id, **values)
    signatures = [signer(world.ledger, a).licence(**licence_message(offer)) for a in accounts]
    return {**values, "fee": str(values["fee"]), "signatures": signatures}


# ---------------------------------------------------------------------- assets


def test_an_asset_is_recorded_from_the_partners_own_transaction(world: World) -> None:
    content_hash, tx_hash = register_on_chain(
        world.ledger, world.project, LOCAL_B, Tier.APPLICATION, b"inspection app"
    )
    payload = {
        "tier": "application",
        "title": "Inspection app",
        "content_hash": content_hash,
        "tx_hash": tx_hash,
    }
    response = post(world, "partner_a", "/assets", payload)  # any partner records it
    assert response.status_code == 201, response.text
    made = response.json()
    assert response.headers["location"] == f"/v1/projects/{world.project_id}/assets/{made['id']}"
    assert (made["tier"], made["title"], made["content_hash"]) == (
        "application",
        "Inspection app",
        content_hash,
    )
    assert (made["registrant"], made["tx_hash"]) == (B, tx_hash)
    on_chain = world.ledger.foreground.asset(made["chain_asset_id"])
    assert (on_chain[0], on_chain[2], on_chain[3].hex()) == (world.pid, B, content_hash)
    for who in ("partner_c", "funder", "licensee", "arbiter", "admin"):
        reader = world.client(who)
        assert reader.assets(world.project_id) == [made]
        assert reader.asset(world.project_id, made["id"]) == {**made, "ownership": []}


def test_the_asset_shows_its_owners_as_the_committed_column_says(world: World) -> None:
    made = register(world)
    partner = world.client("partner_a")
    assert partner.asset(world.project_id, made["id"])["ownership"] == []
    commit_column(world.ledger, world.project, Tier.CORE, CORE)
    owners = partner.asset(world.project_id, made["id"])["ownership"]
    assert sorted((o["number"], o["address"], o["bps"]) for o in owners) == [
        (1, A, 4000),
        (2, B, 3500),
        (3, C, 2500),
    ]
    assert sum(o["bps"] for o in owners) == 10_000


def test_an_asset_the_chain_did_not_register_so_is_refused(world: World) -> None:
    content_hash, tx_hash = register_on_chain(
        world.ledger, world.project, LOCAL_B, Tier.CORE, b"detector"
    )
    good = {"tier": "core", "title": "Detector", "content_hash": content_hash, "tx_hash": tx_hash}
    transfer = world.ledger.chain.send_value(STRANGER.address, 1).tx_hash
    cases = [
        ({"tier": "application"}, 422, "tier"),
        ({"content_hash": "ab" * 32}, 422, "tx_hash"),
        ({"tx_hash": transfer}, 422, "tx_hash"),
        ({"title": "   "}, 422, "title"),
    ]
    for changes, status, field in cases:
        response = post(world, "partner_b", "/assets", {**good, **changes})
        assert response.status_code == status, (changes, response.text)
        assert response.json()["field"] == field
    unknown = post(world, "partner_b", "/assets", {**good, "tx_hash": "0x" + "11" * 32})
    assert unknown.status_code == 404
    for changes in ({"tier": "pooled"}, {"content_hash": "xyz"}, {"tx_hash": "0x12"}, {"x": 1}):
        assert post(world, "partner_b", "/assets", {**good, **changes}).status_code == 422
    assert world.client("partner_b").assets(world.project_id) == []
    assert post(world, "partner_b", "/assets", good).status_code == 201
    again = post(world, "partner_b", "/assets", good)
    assert again.status_code == 409 and again.json()["field"] == "tx_hash"
    assert post(world, "licensee", "/assets", good).json()["rule"] == "role"


def test_an_asset_registration_retried_with_its_key_is_recorded_once(world: World) -> None:
    content_hash, tx_hash = register_on_chain(
        world.ledger, world.project, LOCAL_B, Tier.CORE, b"detector"
    )
    payload = {
        "tier": "core",
        "title": "Detector",
        "content_hash": content_hash,
        "tx_hash": tx_hash,
    }
    first = post(world, "partner_b", "/assets", payload, **{"Idempotency-Key": "asset-1"})
    again = post(world, "partner_b", "/assets", payload, **{"Idempotency-Key": "asset-1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert again.headers["location"] == first.headers["location"]
    other = post(
        world,
        "partner_b",
        "/assets",
        {**payload, "title": "Other"},
        **{"Idempotency-Key": "asset-1"},
    )
    assert other.status_code == 409
    assert [a["title"] for a in world.client("partner_b").assets(world.project_id)] == ["Detector"]


def test_assets_page_and_filter_by_tier(world: World) -> None:
    made = [
        register(world, Tier.CORE, b"core one"),
        register(world, Tier.APPLICATION, b"app one"),
        register(world, Tier.CORE, b"core two"),
    ]
    partner = world.client("partner_c")
    path = f"/v1/projects/{world.project_id}/assets"
    first = partner.get(path, limit=2)
    assert [a["id"] for a in first["items"]] == [made[0]["id"], made[1]["id"]]
    second = partner.get(path, limit=2, cursor=first["next_cursor"])
    assert [a["id"] for a in second["items"]] == [made[2]["id"]] and second["next_cursor"] is None
    assert [a["id"] for a in partner.assets(world.project_id, tier="core")] == [
        made[0]["id"],
        made[2]["id"],
    ]
    assert partner.assets(world.project_id, tier="derivative") == []
    assert refused(lambda: partner.get(path, cursor="Zm9v"), 422)["field"] == "cursor"
    refused(lambda: partner.get(path, tier="pooled"), 422)
    refused(lambda: partner.get(path, limit=0), 422)


def test_unknown_assets_and_another_projects_are_404(world: World) -> None:
    _, theirs = other_asset(world)
    partner = world.client("partner_a")
    for asset_id in (theirs, 999):
        for call in (
            lambda i=asset_id: partner.asset(world.project_id, i),
            lambda i=asset_id: partner.licence_offer(world.project_id, i, **TERMS),
            lambda i=asset_id: partner.grant_licence(world.project_id, i, **TERMS, accounts=QUORUM),
            lambda i=asset_id: partner.licences(world.project_id, asset_id=i),
        ):
            assert refused(call, 404)["asset_id"] == asset_id
    assert partner.assets(world.project_id) == []
    assert refused(lambda: partner.asset(10_000 + 1, theirs), 403)["rule"] == "project"


# ---------------------------------------------------------------------- licences


def test_a_quorum_grants_a_licence_on_the_offer_the_api_prepared(world: World) -> None:
    asset = register(world)
    partner = world.client("partner_a")
    offer = partner.licence_offer(world.project_id, asset["id"], **TERMS)
    assert offer == {
        "project_id": world.pid,
        "asset_id": asset["chain_asset_id"],
        "licensee": LICENSEE.address,
        "territory": "DE",
        "industry": "C26",
        "fee": "900",
        "licence_id": 1,
    }
    response = post(
        world, "partner_b", f"/assets/{asset['id']}/licences", signed(world, asset["id"])
    )
    assert response.status_code == 201, response.text
    granted = response.json()
    assert (
        response.headers["location"] == f"/v1/projects/{world.project_id}/licences/{granted['id']}"
    )
    assert {k: granted[k] for k in ("asset_id", "licensee", "territory", "industry", "fee")} == {
        "asset_id": asset["id"],
        "licensee": LICENSEE.address,
        "territory": "DE",
        "industry": "C26",
        "fee": "900",
    }
    assert (granted["state"], granted["chain_licence_id"]) == ("granted", 1)
    assert sorted(granted["signers"]) == sorted([A, B]) and granted["tx_hash"].startswith("0x")
    on_chain = world.ledger.foreground.licence(1)
    assert (on_chain.licensee, on_chain.territory, on_chain.fee) == (LICENSEE.address, b"DE", 900)
    assert partner.licence(world.project_id, granted["id"]) == granted
    assert world.client("licensee").licences(world.project_id) == [granted]


def test_a_licence_for_a_forbidden_territory_is_refused_with_the_rule(world: World) -> None:
    asset = register(world, Tier.CORE, b"core algorithm")
    partner = world.client("partner_a")
    problem = refused(
        lambda: partner.licence_offer(
            world.project_id, asset["id"], **{**TERMS, "territory": "US"}
        ),
        422,
    )
    assert problem["type"] == "/problems/rule-violation"
    assert (problem["field"], problem["value"], problem["tier"]) == ("territory", "US", "core")
    assert problem["allowed"] == ["CN", "DE"]
    # the quorum signed a licence for DE; the grant asks for US
    forbidden = {**signed(world, asset["id"]), "territory": "US"}
    response = post(world, "partner_a", f"/assets/{asset['id']}/licences", forbidden)
    assert response.status_code == 422 and response.json()["field"] == "territory"
    assert response.json()["allowed"] == ["CN", "DE"]
    assert partner.licences(world.project_id) == []
    assert world.ledger.foreground.next_licence_id() == 1


def test_a_licence_for_a_forbidden_industry_is_refused_with_the_rule(world: World) -> None:
    asset = register(world, Tier.APPLICATION, b"inspection app")
    partner = world.client("partner_a")
    terms = {**TERMS, "territory": "US", "industry": "J62"}
    problem = refused(
        lambda: partner.grant_licence(world.project_id, asset["id"], **terms, accounts=QUORUM), 422
    )
    assert (problem["field"], problem["value"], problem["tier"]) == (
        "industry",
        "J62",
        "application",
    )
    assert problem["allowed"] == ["C26", "C28"]
    assert partner.licences(world.project_id) == []
    granted = partner.grant_licence(
        world.project_id, asset["id"], **{**terms, "industry": "C28"}, accounts=QUORUM
    )
    assert (granted["territory"], granted["industry"]) == ("US", "C28")  # any territory


def test_bad_licence_terms_name_their_field(world: World) -> None:
    asset = register(world)
    path = f"/assets/{asset['id']}/licences/prepare"
    for changes, field in [
        ({"licensee": "0x" + "00" * 20}, "licensee"),
        ({"territory": "XX"}, "territory"),
        ({"industry": "Z99"}, "industry"),
    ]:
        response = post(world, "partner_a", path, {**TERMS, "fee": "900", **changes})
        assert response.status_code == 422 and response.json()["field"] == field, changes
    for changes in ({"fee": 1.5}, {"fee": "-1"}, {"territory": "D E"}, {"licensee": "nobody"}):
        response = post(world, "partner_a", path, {**TERMS, "fee": "900", **changes})
        assert (
            response.status_code == 422 and response.json()["type"] == "/problems/invalid-request"
        )


def test_a_grant_needs_the_quorums_signatures_over_this_offer(world: World) -> None:
    asset = register(world)
    path = f"/assets/{asset['id']}/licences"
    good = signed(world, asset["id"])

    missing = {k: v for k, v in good.items() if k != "signatures"}
    response = post(world, "partner_a", path, missing)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.signatures"
    assert post(world, "partner_a", path, {**good, "signatures": []}).status_code == 422

    for accounts in [(FOREIGN_A,), (FOREIGN_A, STRANGER), (FOREIGN_A, FOREIGN_A)]:
        response = post(world, "partner_a", path, signed(world, asset["id"], accounts))
        assert response.status_code == 403, accounts
        assert response.json()["field"] == "signatures"
    # the same partners signed the same terms for another project's asset
    _, theirs = other_asset(world)
    with world.session() as session:
        offer = licensing.prepare_licence(
            session, world.ledger, asset_id=theirs, **{**TERMS, "fee": 900}
        )
    replayed = [signer(world.ledger, a).licence(**dataclasses.asdict(offer)) for a in QUORUM]
    response = post(world, "partner_a", path, {**good, "signatures": replayed})
    assert response.status_code == 403 and response.json()["field"] == "signatures"
    # signed for a fee of 900, sent with another fee
    response = post(world, "partner_a", path, {**good, "fee": "1"})
    assert response.status_code == 403
    assert world.client("partner_a").licences(world.project_id) == []
    assert world.ledger.foreground.next_licence_id() == 1


def test_licences_page_and_filter(world: World) -> None:
    core = register(world, Tier.CORE, b"core algorithm")
    kit = register(world, Tier.DERIVATIVE, b"retrofit kit")
    partner = world.client("partner_a")
    pid = world.project_id
    first = partner.grant_licence(pid, core["id"], **TERMS, accounts=QUORUM)
    second = partner.grant_licence(
        pid, kit["id"], **{**TERMS, "licensee": STRANGER.address}, accounts=QUORUM
    )
    third = partner.grant_licence(pid, kit["id"], **{**TERMS, "fee": 5}, accounts=QUORUM)
    path = f"/v1/projects/{pid}/licences"
    page_one = partner.get(path, limit=2)
    assert [x["id"] for x in page_one["items"]] == [first["id"], second["id"]]
    page_two = partner.get(path, limit=2, cursor=page_one["next_cursor"])
    assert [x["id"] for x in page_two["items"]] == [third["id"]] and page_two["next_cursor"] is None
    assert [x["id"] for x in partner.licences(pid, asset_id=kit["id"])] == [
        second["id"],
        third["id"],
    ]
    assert [x["id"] for x in partner.licences(pid, licensee=STRANGER.address.lower())] == [
        second["id"]
    ]
    commit_column(world.ledger, world.project, Tier.CORE, CORE)  # revenue needs a column
    receipt = world.ledger.foreground.pay_licence_fee(1, value=900, sender=LICENSEE)
    world.client("licensee").record_licence_fee(pid, first["id"], receipt.tx_hash)
    assert [x["id"] for x in partner.licences(pid, state="paid")] == [first["id"]]
    assert [x["id"] for x in partner.licences(pid, state="granted")] == [second["id"], third["id"]]
    assert refused(lambda: partner.get(path, cursor="Zm9v"), 422)["field"] == "cursor"
    refused(lambda: partner.get(path, state="revoked"), 422)
    refused(lambda: partner.get(path, licensee="nobody"), 422)


def test_unknown_licences_and_another_projects_are_404(world: World) -> None:
    _, theirs = other_asset(world)
    with world.session() as session:
        offer = licensing.prepare_licence(
            session, world.ledger, asset_id=theirs, **{**TERMS, "fee": 900}
        )
    signatures = [signer(world.ledger, a).licence(**dataclasses.asdict(offer)) for a in QUORUM]
    with world.session() as session:
        licence = licensing.grant_licence(
            session, world.ledger, asset_id=theirs, signatures=signatures, **{**TERMS, "fee": 900}
        )
    partner = world.client("partner_a")
    for licence_id in (licence.id, 999):
        problem = refused(lambda i=licence_id: partner.licence(world.project_id, i), 404)
        assert problem["licence_id"] == licence_id
        problem = refused(
            lambda i=licence_id: world.client("licensee").record_licence_fee(
                world.project_id, i, "0x" + "11" * 32
            ),
            404,
        )
        assert problem["licence_id"] == licence_id
    assert partner.licences(world.project_id) == []
