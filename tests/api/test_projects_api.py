"""Projects over HTTP: creating one, reading and listing, who may read which, idempotency."""

from __future__ import annotations

from typing import Any

import pytest

from api.client import ApiError
from ledger.agreements import parse_agreement
from tests.api.world import World
from tests.ledger.services.conftest import agreement

TOKEN = "0x6813Eb9362372EEF6200f3b1dbC3f819671cBA69"


def refused(call: Any, status: int) -> dict[str, Any]:
    """The problem of a client call that must fail with ``status``."""
    with pytest.raises(ApiError) as caught:
        call()
    assert caught.value.status == status, caught.value.problem
    return caught.value.problem


def project_ids(world: World) -> list[int]:
    return [p["id"] for p in world.client("admin").projects()]


def test_an_admin_creates_a_project_in_the_ledger_and_on_chain(world: World) -> None:
    document = agreement(title="Robot grippers", token=TOKEN)
    response = world.http.post(
        "/v1/projects", json={"agreement": document}, headers=world.headers("admin")
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["location"] == f"/v1/projects/{created['id']}"
    digest = parse_agreement(document).document_hash()
    assert created["id"] == world.project_id + 1
    assert created["chain_project_id"] == world.pid + 1
    assert created["title"] == "Robot grippers"
    assert created["host_jurisdiction"] == "CN"
    assert created["agreement_hash"] == digest
    assert created["state"] == "active"
    assert created["agreement_version"] == 1
    assert created["token"] == TOKEN
    assert created["created_at"].startswith("20")
    terms = world.ledger.registry.agreement(created["chain_project_id"])
    assert bytes(terms[0]).hex() == digest
    assert world.ledger.registry.partner_count(created["chain_project_id"]) == 0
    assert world.client("admin").project(created["id"]) == created
    assert project_ids(world) == [world.project_id, created["id"]]


def test_a_project_paid_in_ether_has_no_token(world: World) -> None:
    project = world.client("partner_a").project(world.project_id)
    assert project["token"] is None
    assert project["title"] == "Industrial vision"
    assert project["agreement_hash"] == world.project.agreement_hash
    assert project["chain_project_id"] == world.pid


def test_an_invalid_agreement_is_422_naming_its_field_and_creates_nothing(world: World) -> None:
    admin = world.client("admin")
    band = agreement(tiers={"core": {"band": {"lo": 9000, "hi": 1}}})
    problem = refused(lambda: admin.create_project(band), 422)
    assert problem["type"] == "/problems/rule-violation"
    assert problem["field"] == "tiers.core.band"
    problem = refused(lambda: admin.create_project(agreement(colour="blue")), 422)
    assert problem["field"] == "colour"
    one_side = agreement(host_jurisdiction="FR")  # every party foreign
    assert refused(lambda: admin.create_project(one_side), 422)["field"] == "agreement"
    huge = agreement(title="x" * 100_001)
    problem = refused(lambda: admin.create_project(huge), 422)
    assert problem["type"] == "/problems/invalid-request"
    assert problem["errors"][0]["field"] == "body.agreement"
    for body in ({}, {"agreement": []}, {"agreement": agreement(), "extra": 1}):
        response = world.http.post("/v1/projects", json=body, headers=world.headers("admin"))
        assert response.status_code == 422
        assert response.json()["type"] == "/problems/invalid-request"
    assert project_ids(world) == [world.project_id]


def test_only_an_admin_creates_a_project(world: World) -> None:
    for who in ("partner_a", "arbiter", "funder", "issuer"):
        problem = refused(lambda: world.client(who).create_project(agreement()), 403)  # noqa: B023
        assert (problem["rule"], problem["action"]) == ("role", "project.create")
    assert project_ids(world) == [world.project_id]


def test_creating_again_with_the_same_idempotency_key_returns_the_first_project(
    world: World,
) -> None:
    headers = {**world.headers("admin"), "Idempotency-Key": "project-2"}
    body = {"agreement": agreement(title="Second line")}
    first = world.http.post("/v1/projects", json=body, headers=headers)
    assert first.status_code == 201, first.text
    again = world.http.post("/v1/projects", json=body, headers=headers)
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["location"] == first.headers["location"]
    other = world.http.post(
        "/v1/projects", json={"agreement": agreement(title="Third line")}, headers=headers
    )
    assert other.status_code == 409
    assert other.json()["type"] == "/problems/idempotency-key-reused"
    assert project_ids(world) == [world.project_id, first.json()["id"]]


def test_an_admin_lists_projects_in_pages(world: World) -> None:
    second = world.second_project(joiners=())
    third = world.second_project(joiners=())
    admin = world.client("admin")
    first = admin.get("/v1/projects", limit=2)
    assert [p["id"] for p in first["items"]] == [world.project_id, second.id]
    assert first["items"][1]["chain_project_id"] == second.chain_project_id
    assert first["next_cursor"] is not None
    rest = admin.get("/v1/projects", limit=2, cursor=first["next_cursor"])
    assert [p["id"] for p in rest["items"]] == [third.id]
    assert rest["next_cursor"] is None
    assert admin.get("/v1/projects")["next_cursor"] is None
    assert project_ids(world) == [world.project_id, second.id, third.id]
    problem = refused(lambda: admin.get("/v1/projects", cursor="bm9wZQ"), 422)
    assert problem["field"] == "cursor"
    for params in ({"cursor": "not a cursor!"}, {"limit": 0}, {"limit": 201}):
        problem = refused(lambda: admin.get("/v1/projects", **params), 422)  # noqa: B023
        assert problem["type"] == "/problems/invalid-request"


def test_a_project_principal_lists_only_its_own_project(world: World) -> None:
    world.second_project()
    assert [p["id"] for p in world.client("admin").projects()] == [world.project_id, 2]
    for who in ("partner_a", "funder", "licensee", "arbiter"):
        assert [p["id"] for p in world.client(who).projects()] == [world.project_id]
        assert world.client(who).project(world.project_id)["id"] == world.project_id
    problem = refused(lambda: world.client("issuer").projects(), 403)
    assert problem["rule"] == "role"


def test_a_licensee_and_a_funder_read_their_own_project(world: World) -> None:
    for who in ("licensee", "funder"):
        client = world.client(who)
        assert client.project(world.project_id)["title"] == "Industrial vision"
        assert client.agreement(world.project_id)["version"] == 1
        assert [p["number"] for p in client.partners(world.project_id)] == [1, 2, 3]
        assert client.partner(world.project_id, 2)["name"] == "Vision Works"


def test_a_partner_of_project_1_cannot_read_project_2(world: World) -> None:
    other = world.second_project()
    assert other.id is not None
    partner = world.client("partner_a")
    reads = (
        lambda: partner.project(other.id),
        lambda: partner.agreement(other.id),
        lambda: partner.agreement_versions(other.id),
        lambda: partner.agreement_version(other.id, 1),
        lambda: partner.partners(other.id),
        lambda: partner.partner(other.id, 1),
    )
    for read in reads:
        problem = refused(read, 403)
        assert (problem["rule"], problem["project_id"]) == ("project", other.id)
    assert world.client("admin").project(other.id)["id"] == other.id


def test_an_unknown_project_is_404(world: World) -> None:
    admin = world.client("admin")
    for read in (
        lambda: admin.project(999),
        lambda: admin.agreement(999),
        lambda: admin.agreement_versions(999),
        lambda: admin.agreement_version(999, 1),
        lambda: admin.partners(999),
        lambda: admin.partner(999, 1),
    ):
        problem = refused(read, 404)
        assert problem["type"] == "/problems/not-found"
    for path in ("/v1/projects/0", "/v1/projects/x", f"/v1/projects/{2**63}"):
        response = world.http.get(path, headers=world.headers("admin"))
        assert response.status_code == 422, path
