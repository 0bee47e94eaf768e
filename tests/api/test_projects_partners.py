"""A project's partners over HTTP: listing them in joining order, and joining by signature."""

from __future__ import annotations

from typing import Any

import pytest
from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address
from sqlmodel import Session

from api.client import ApiError
from ledger import principals
from ledger.chain.registry import Side
from ledger.db import Project
from tests.api.world import World
from tests.contracts.conftest import key
from tests.ledger.services.conftest import FOREIGN_A, FOREIGN_C, LOCAL_B, signer

MALLORY = key("mallory")


def refused(call: Any, status: int) -> dict[str, Any]:
    with pytest.raises(ApiError) as caught:
        call()
    assert caught.value.status == status, caught.value.problem
    return caught.value.problem


def numbers(world: World, project_id: int) -> list[tuple[int, str]]:
    return [(p["number"], p["address"]) for p in world.client("admin").partners(project_id)]


def unjoined_principal(
    world: World, monkeypatch: pytest.MonkeyPatch, name: str, project: Project, account: Any
) -> None:
    """A partner principal of ``project`` for an address that has not joined it yet.

    A party the agreement names gets its key before it joins; an address the agreement does
    not name gets none (``create_principal`` refuses it), so for such an address the check
    is replaced for the one creation, to exercise the route's own refusal.
    """
    named = {p.address for p in agreement_of_project(world, project).parties}
    if account.address in named:
        world.add_principal(name, "partner", project_id=project.id, account=account)
        return

    def any_address(
        session: Session, role: str, project_id: int | None, address: str | None
    ) -> str | None:
        assert address is not None
        return to_checksum_address(address)

    with monkeypatch.context() as patched:
        patched.setattr(principals, "principal_address", any_address)
        world.add_principal(name, "partner", project_id=project.id, account=account)


def agreement_of_project(world: World, project: Project) -> Any:
    from ledger.projects import agreement_of

    assert project.id is not None
    with world.session() as session:
        return agreement_of(session, project.id)


def join_signature(world: World, project: Project, account: LocalAccount, side: Side) -> str:
    assert project.chain_project_id is not None
    return signer(world.ledger, account).join(
        project.chain_project_id, project.agreement_hash, side
    )


def post_join(world: World, who: str, project: Project, body: dict[str, Any]):  # type: ignore[no-untyped-def]
    return world.http.post(
        f"/v1/projects/{project.id}/partners", json=body, headers=world.headers(who)
    )


def test_partners_are_listed_in_joining_order_with_their_terms(world: World) -> None:
    partners = world.client("partner_b").partners(world.project_id)
    rows = [
        (p["number"], p["address"], p["side"], p["kind"], p["jurisdiction"], p["name"])
        for p in partners
    ]
    assert rows == [
        (1, FOREIGN_A.address, "foreign", "university", "DE", "TU Example"),
        (2, LOCAL_B.address, "local", "enterprise", "CN", "Vision Works"),
        (3, FOREIGN_C.address, "foreign", "individual", "DE", "A. Talent"),
    ]
    for partner in partners:
        assert partner["payout_address"] == partner["address"]
        assert partner["joined_tx"].startswith("0x") and len(partner["joined_tx"]) == 66
        assert partner["joined_at"].startswith("20")
    assert partners[0]["joined_at"] < partners[1]["joined_at"] < partners[2]["joined_at"]
    assert world.client("arbiter").partner(world.project_id, 2) == partners[1]


def test_partners_come_in_pages(world: World) -> None:
    client = world.client("partner_a")
    path = f"/v1/projects/{world.project_id}/partners"
    first = client.get(path, limit=2)
    assert [p["number"] for p in first["items"]] == [1, 2]
    rest = client.get(path, limit=2, cursor=first["next_cursor"])
    assert [p["number"] for p in rest["items"]] == [3]
    assert rest["next_cursor"] is None
    whole = client.get(path, limit=3)
    assert (len(whole["items"]), whole["next_cursor"]) == (3, None)
    assert refused(lambda: client.get(path, cursor="bm9wZQ"), 422)["field"] == "cursor"
    assert refused(lambda: client.get(path, limit=500), 422)["type"] == "/problems/invalid-request"


def test_an_unknown_number_or_one_of_another_project_is_404(world: World) -> None:
    empty = world.second_project(joiners=())
    assert empty.id is not None
    admin = world.client("admin")
    assert admin.partners(empty.id) == []
    problem = refused(lambda: admin.partner(empty.id, 1), 404)  # project 1 has a partner 1
    assert (problem["project_id"], problem["number"]) == (empty.id, 1)
    assert refused(lambda: admin.partner(world.project_id, 4), 404)["number"] == 4
    for bad in ("0", "one", str(2**31)):
        response = world.http.get(
            f"/v1/projects/{world.project_id}/partners/{bad}", headers=world.headers("admin")
        )
        assert response.status_code == 422


def test_a_party_joins_as_itself_and_takes_the_next_number(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = world.second_project(joiners=(LOCAL_B,))
    assert project.id is not None and project.chain_project_id is not None
    unjoined_principal(world, monkeypatch, "c_in_2", project, FOREIGN_C)
    body = {
        "address": FOREIGN_C.address,
        "signature": join_signature(world, project, FOREIGN_C, Side.FOREIGN),
        "payout_address": FOREIGN_A.address,
    }
    response = post_join(world, "c_in_2", project, body)
    assert response.status_code == 201, response.text
    joined = response.json()
    assert response.headers["location"] == f"/v1/projects/{project.id}/partners/2"
    assert joined["number"] == 2
    assert (joined["address"], joined["side"], joined["kind"]) == (
        FOREIGN_C.address,
        "foreign",
        "individual",
    )
    assert (joined["jurisdiction"], joined["name"]) == ("DE", "A. Talent")
    assert joined["payout_address"] == FOREIGN_A.address
    assert world.ledger.registry.partner(project.chain_project_id, FOREIGN_C.address)[0] == 2
    assert numbers(world, project.id) == [(1, LOCAL_B.address), (2, FOREIGN_C.address)]
    assert world.client("c_in_2").partner(project.id, 2) == joined


def test_the_client_signs_a_join(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    project = world.second_project(joiners=())
    assert project.id is not None
    unjoined_principal(world, monkeypatch, "a_in_2", project, FOREIGN_A)
    joined = world.client("a_in_2").join(project.id, FOREIGN_A, "foreign")
    assert (joined["number"], joined["address"]) == (1, FOREIGN_A.address)
    assert joined["payout_address"] == FOREIGN_A.address
    problem = refused(lambda: world.client("a_in_2").join(project.id, FOREIGN_A, "foreign"), 409)
    assert problem["field"] == "address"
    assert numbers(world, project.id) == [(1, FOREIGN_A.address)]


def test_a_join_without_a_signature_is_422_and_joins_no_one(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = world.second_project(joiners=())
    assert project.id is not None
    unjoined_principal(world, monkeypatch, "a_in_2", project, FOREIGN_A)
    for body in (
        {"address": FOREIGN_A.address},
        {"address": FOREIGN_A.address, "signature": "0x1234"},
        {"address": "0x1234", "signature": "0x" + "1b" * 65},
        {"address": FOREIGN_A.address, "signature": "0x" + "1b" * 65, "side": "foreign"},
    ):
        response = post_join(world, "a_in_2", project, body)
        assert response.status_code == 422, response.text
        assert response.json()["type"] == "/problems/invalid-request"
    assert numbers(world, project.id) == []


def test_a_join_signed_by_another_account_is_403_and_joins_no_one(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = world.second_project(joiners=())
    assert project.id is not None and project.chain_project_id is not None
    unjoined_principal(world, monkeypatch, "a_in_2", project, FOREIGN_A)
    forged = signer(world.ledger, MALLORY).join(
        project.chain_project_id, project.agreement_hash, Side.FOREIGN
    )
    response = post_join(
        world, "a_in_2", project, {"address": FOREIGN_A.address, "signature": forged}
    )
    assert response.status_code == 403, response.text
    assert response.json()["type"] == "/problems/unauthorized"
    unreadable = {"address": FOREIGN_A.address, "signature": "0x" + "00" * 65}
    assert post_join(world, "a_in_2", project, unreadable).status_code == 403
    assert numbers(world, project.id) == []
    assert world.ledger.registry.partner_count(project.chain_project_id) == 0


def test_a_join_signature_for_another_project_is_403_here(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = world.second_project(joiners=())
    elsewhere = world.second_project(joiners=())
    assert project.id is not None and project.chain_project_id is not None
    unjoined_principal(world, monkeypatch, "a_in_2", project, FOREIGN_A)
    replayed = join_signature(world, elsewhere, FOREIGN_A, Side.FOREIGN)
    body = {"address": FOREIGN_A.address, "signature": replayed}
    response = post_join(world, "a_in_2", project, body)
    assert response.status_code == 403, response.text
    assert response.json()["field"] == "signature"
    wrong_side = join_signature(world, project, FOREIGN_A, Side.LOCAL)
    body = {"address": FOREIGN_A.address, "signature": wrong_side}
    assert post_join(world, "a_in_2", project, body).status_code == 403
    assert numbers(world, project.id) == []
    assert world.ledger.registry.partner_count(project.chain_project_id) == 0


def test_a_partner_joins_only_as_itself_and_only_once(world: World) -> None:
    project = world.second_project(joiners=(LOCAL_B,))
    assert project.id is not None
    world.add_principal("b_in_2", "partner", project_id=project.id, account=LOCAL_B)
    signed_by_a = join_signature(world, project, FOREIGN_A, Side.FOREIGN)
    response = post_join(
        world, "b_in_2", project, {"address": FOREIGN_A.address, "signature": signed_by_a}
    )
    assert response.status_code == 403
    assert (response.json()["rule"], response.json()["action"]) == ("acting_as", "partner.join")
    again = join_signature(world, project, LOCAL_B, Side.LOCAL)
    response = post_join(world, "b_in_2", project, {"address": LOCAL_B.address, "signature": again})
    assert response.status_code == 409
    assert "already joined" in response.json()["detail"]
    assert numbers(world, project.id) == [(1, LOCAL_B.address)]


def test_only_a_partner_of_the_project_joins(world: World) -> None:
    project = world.second_project(joiners=())
    assert project.id is not None
    body = {
        "address": FOREIGN_A.address,
        "signature": join_signature(world, project, FOREIGN_A, Side.FOREIGN),
    }
    for who in ("admin", "arbiter", "funder"):
        response = post_join(world, who, project, body)
        assert response.status_code == 403
        assert response.json()["rule"] == "role"
    response = post_join(world, "partner_a", project, body)  # project 1's key
    assert (response.status_code, response.json()["rule"]) == (403, "project")
    assert numbers(world, project.id) == []


def test_an_address_the_agreement_does_not_name_cannot_join(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = world.second_project(joiners=())
    assert project.id is not None and project.chain_project_id is not None
    unjoined_principal(world, monkeypatch, "mallory", project, MALLORY)
    problem = refused(lambda: world.client("mallory").join(project.id, MALLORY, "local"), 422)
    assert (problem["type"], problem["field"]) == ("/problems/rule-violation", "address")
    assert numbers(world, project.id) == []
    assert world.ledger.registry.partner_count(project.chain_project_id) == 0


def test_the_client_refuses_a_side_that_is_not_one(world: World) -> None:
    with pytest.raises(ValueError, match="side"):
        world.client("partner_a").join(world.project_id, FOREIGN_A, "north")
