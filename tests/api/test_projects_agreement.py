"""A project's agreement over HTTP: the current version, every version, amendments signed by all."""

from __future__ import annotations

from typing import Any

import pytest

from api.client import ApiError
from ledger.agreements import parse_agreement
from tests.api.world import World
from tests.ledger.services.conftest import ARBITER, PARTIES, agreement, signer

AMENDED = agreement(valuation={"tacit_training": 2000})


def refused(call: Any, status: int) -> dict[str, Any]:
    with pytest.raises(ApiError) as caught:
        call()
    assert caught.value.status == status, caught.value.problem
    return caught.value.problem


def versions(world: World, project_id: int | None = None) -> list[int]:
    found = world.client("admin").agreement_versions(project_id or world.project_id)
    return [v["version"] for v in found]


def amendment_body(
    world: World, document: dict[str, Any], signatures: list[str], version: int = 2
) -> dict[str, Any]:
    return {
        "version": version,
        "agreement": document,
        "reason": "Training counts double",
        "signatures": signatures,
    }


def sign_all(world: World, document: dict[str, Any], *, pid: int, version: int = 2) -> list[str]:
    digest = parse_agreement(document).document_hash()
    return [signer(world.ledger, a).amendment(pid, version, digest) for a in PARTIES]


def amend(world: World, body: dict[str, Any], who: str = "partner_a"):  # type: ignore[no-untyped-def]
    return world.http.post(
        f"/v1/projects/{world.project_id}/agreement/amendments",
        json=body,
        headers=world.headers(who),
    )


def test_the_current_agreement_is_version_1_as_created(world: World) -> None:
    current = world.client("partner_b").agreement(world.project_id)
    spec = parse_agreement(agreement())
    assert current["project_id"] == world.project_id
    assert current["version"] == 1
    assert current["document_hash"] == spec.document_hash() == world.project.agreement_hash
    assert current["document"] == spec.document()
    assert current["document"]["tiers"]["core"]["brackets"][0]["cap"] == str(1_000_000 * 10**18)
    assert current["reason"] == "created"
    assert current["signatures"] == []
    assert world.client("arbiter").agreement_version(world.project_id, 1) == current
    assert world.client("partner_c").agreement_versions(world.project_id) == [current]


def test_every_partner_signs_an_amendment_and_it_becomes_the_current_version(
    world: World,
) -> None:
    first = world.client("admin").agreement(world.project_id)
    accounts = [world.accounts[name] for name in ("partner_a", "partner_b", "partner_c")]
    new = world.client("partner_b").amend_agreement(
        world.project_id, AMENDED, accounts, reason="Training counts double"
    )
    spec = parse_agreement(AMENDED)
    assert new["project_id"] == world.project_id
    assert new["version"] == 2
    assert new["document_hash"] == spec.document_hash()
    assert new["document"] == spec.document()
    assert new["document"]["valuation"] == {"tacit_training": 2000}
    assert new["reason"] == "Training counts double"
    expected = sign_all(world, AMENDED, pid=world.pid)
    assert new["signatures"] == sorted(expected)
    partner = world.client("partner_a")
    assert partner.agreement(world.project_id) == new
    assert partner.agreement_version(world.project_id, 2) == new
    assert partner.agreement_version(world.project_id, 1) == first
    assert partner.agreement_versions(world.project_id) == [first, new]
    project = partner.project(world.project_id)
    assert project["agreement_version"] == 2
    assert project["agreement_hash"] == world.project.agreement_hash  # the one joined over


def test_an_amendment_answers_201_with_the_new_versions_location(world: World) -> None:
    body = amendment_body(world, AMENDED, sign_all(world, AMENDED, pid=world.pid))
    response = amend(world, body, who="admin")
    assert response.status_code == 201, response.text
    assert response.headers["location"] == f"/v1/projects/{world.project_id}/agreement/versions/2"
    assert response.json()["version"] == 2
    assert versions(world) == [1, 2]


def test_an_amendment_without_signatures_is_422_and_changes_nothing(world: World) -> None:
    body = amendment_body(world, AMENDED, [])
    for broken in (
        body,
        {k: v for k, v in body.items() if k != "signatures"},
        {**body, "signatures": ["0x1234"]},
        {**body, "signatures": ["0x" + "11" * 65] * 257},
    ):
        response = amend(world, broken)
        assert response.status_code == 422, response.text
        assert response.json()["type"] == "/problems/invalid-request"
    assert versions(world) == [1]


def test_an_amendment_short_of_a_partner_is_403_naming_it(world: World) -> None:
    signatures = sign_all(world, AMENDED, pid=world.pid)
    response = amend(world, amendment_body(world, AMENDED, signatures[:2]))
    assert response.status_code == 403, response.text
    problem = response.json()
    assert problem["field"] == "signatures"
    assert problem["missing"] == [PARTIES[2].address]
    assert versions(world) == [1]


def test_an_amendment_signed_by_someone_else_is_403(world: World) -> None:
    signatures = sign_all(world, AMENDED, pid=world.pid)
    digest = parse_agreement(AMENDED).document_hash()
    stranger = signer(world.ledger, ARBITER).amendment(world.pid, 2, digest)
    for wrong in ([*signatures, stranger], [stranger, *signatures[1:]]):
        response = amend(world, amendment_body(world, AMENDED, wrong))
        assert response.status_code == 403, response.text
        assert response.json()["field"] == "signatures"
        assert ARBITER.address in response.json()["detail"]
    unrecoverable = [*signatures[:2], "0x" + "00" * 65]
    response = amend(world, amendment_body(world, AMENDED, unrecoverable))
    assert response.status_code == 403, response.text
    assert response.json()["field"] == "signature"  # no key can be recovered from it
    assert versions(world) == [1]


def test_signatures_made_for_another_project_or_version_or_document_are_refused(
    world: World,
) -> None:
    other = world.second_project()
    assert other.chain_project_id is not None
    replayed = sign_all(world, AMENDED, pid=other.chain_project_id)
    response = amend(world, amendment_body(world, AMENDED, replayed))
    assert response.status_code == 403, response.text
    assert "not a partner" in response.json()["detail"]
    later = sign_all(world, AMENDED, pid=world.pid, version=3)
    assert amend(world, amendment_body(world, AMENDED, later)).status_code == 403
    elsewhere = agreement(valuation={"tacit_training": 3000})
    signed_elsewhere = sign_all(world, elsewhere, pid=world.pid)
    assert amend(world, amendment_body(world, AMENDED, signed_elsewhere)).status_code == 403
    assert versions(world) == [1]
    assert versions(world, other.id) == [1]


def test_an_amendment_must_name_the_next_version(world: World) -> None:
    signatures = sign_all(world, AMENDED, pid=world.pid, version=3)
    response = amend(world, amendment_body(world, AMENDED, signatures, version=3))
    assert response.status_code == 409, response.text
    assert response.json()["field"] == "version"
    assert response.json()["current_version"] == 1
    assert amend(world, amendment_body(world, AMENDED, [], version=1)).status_code == 422
    assert versions(world) == [1]


def test_an_amendment_of_a_term_fixed_on_chain_or_of_nothing_is_422(world: World) -> None:
    for document, field in (
        (agreement(quorum={"partners": 3}), "quorum"),
        (agreement(deadlines={"dispute_window": 86_400}), "deadlines"),
        (agreement(), "agreement"),
        (agreement(valuation={"telepathy": 1}), "valuation.telepathy"),
        (agreement(parties=agreement()["parties"][:2]), "parties"),
    ):
        body = amendment_body(world, document, sign_all(world, agreement(), pid=world.pid))
        response = amend(world, body)
        assert response.status_code == 422, (field, response.text)
        assert response.json()["type"] == "/problems/rule-violation"
        assert response.json()["field"] == field
    assert versions(world) == [1]


def test_only_admins_and_partners_submit_an_amendment(world: World) -> None:
    body = amendment_body(world, AMENDED, sign_all(world, AMENDED, pid=world.pid))
    for who in ("arbiter", "funder", "licensee", "issuer"):
        response = amend(world, body, who=who)
        assert response.status_code == 403
        assert (response.json()["rule"], response.json()["action"]) == ("role", "project.amend")
    assert versions(world) == [1]


def test_agreement_versions_come_in_pages(world: World) -> None:
    accounts = list(PARTIES)
    partner = world.client("partner_c")
    partner.amend_agreement(world.project_id, AMENDED, accounts, reason="first")
    third = agreement(valuation={"tacit_training": 2000}, title="Industrial vision II")
    partner.amend_agreement(world.project_id, third, accounts, reason="second")
    path = f"/v1/projects/{world.project_id}/agreement/versions"
    first = partner.get(path, limit=2)
    assert [(v["version"], v["reason"]) for v in first["items"]] == [(1, "created"), (2, "first")]
    rest = partner.get(path, limit=2, cursor=first["next_cursor"])
    assert [(v["version"], v["reason"]) for v in rest["items"]] == [(3, "second")]
    assert rest["items"][0]["document"]["title"] == "Industrial vision II"
    assert rest["next_cursor"] is None
    assert versions(world) == [1, 2, 3]
    assert partner.project(world.project_id)["title"] == "Industrial vision"  # as created
    assert refused(lambda: partner.get(path, cursor="bm9wZQ"), 422)["field"] == "cursor"


def test_an_unknown_version_or_another_projects_version_is_404(world: World) -> None:
    other = world.second_project()
    assert other.id is not None
    admin = world.client("admin")
    admin.amend_agreement(other.id, AMENDED, list(PARTIES), reason="only there")
    assert versions(world, other.id) == [1, 2]
    for version in (2, 9):
        problem = refused(lambda: admin.agreement_version(world.project_id, version), 404)  # noqa: B023
        assert problem["version"] == version
    for bad in ("0", "x", str(2**31)):
        response = world.http.get(
            f"/v1/projects/{world.project_id}/agreement/versions/{bad}",
            headers=world.headers("admin"),
        )
        assert response.status_code == 422
