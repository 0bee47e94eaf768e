"""Contributions over HTTP: registering (signed, as oneself, idempotent), reading, attesting,
and disputes on one contribution (opened, settled, ruled on, lapsed)."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount

from api.client import ApiError, Client
from ledger import contributions
from ledger.chain.eip712 import sign
from ledger.client import Domains, Signer
from ledger.db import Project, session_scope
from ledger.signatures import CONTRIBUTION, contribution_message
from tests.api.world import World
from tests.ledger.services.conftest import ARBITER, FOREIGN_A, FOREIGN_C, LOCAL_B
from tests.ledger.services.contribution_support import register as register_by_service

EVIDENCE = hashlib.sha256(b"lab notebook, pages 1-40").hexdigest()
REASON = "the code was written before the project started"


def fields(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "tier": "core",
        "kind": "code",
        "value": 120,
        "evidence_hash": EVIDENCE,
        "idempotency_key": "c-1",
        "asset_id": None,
    }
    return {**base, **overrides}


def signer(world: World, account: LocalAccount) -> Signer:
    return Signer(account, Domains.of(world.ledger))


def body(
    world: World,
    account: LocalAccount,
    *,
    chain_project_id: int | None = None,
    signed_by: LocalAccount | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """A registration's JSON body for ``account``, signed by ``signed_by`` (default itself)
    over the same message (naming ``account`` as the partner)."""
    values = fields(**overrides)
    message = contribution_message(
        project_id=world.pid if chain_project_id is None else chain_project_id,
        partner=account.address,
        **values,
    )
    domain = Domains.of(world.ledger).ledger()
    raw = sign(signed_by or account, domain, "Contribution", CONTRIBUTION, message)
    return {
        "partner": account.address,
        **values,
        "value": str(values["value"]),
        "signature": "0x" + raw.hex(),
    }


def post(world: World, who: str, project_id: int, json: dict[str, Any]):  # type: ignore[no-untyped-def]
    return world.http.post(
        f"/v1/projects/{project_id}/contributions", json=json, headers=world.headers(who)
    )


def register(world: World, who: str = "partner_a", **overrides: Any) -> dict[str, Any]:
    client = world.client(who)
    return client.register_contribution(
        world.project_id,
        world.accounts[who],
        chain_project_id=world.pid,
        **fields(**overrides),
    )


def stored(world: World) -> list[dict[str, Any]]:
    return world.client("admin").all_contributions(world.project_id)


def refused(call: Any, status: int) -> dict[str, Any]:
    with pytest.raises(ApiError) as caught:
        call()
    assert caught.value.status == status, caught.value.problem
    return caught.value.problem


# ---------------------------------------------------------------------- registering


def test_register_contribution_answers_201_with_the_stored_contribution(world: World) -> None:
    response = post(world, "partner_a", world.project_id, body(world, FOREIGN_A))
    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["location"] == (
        f"/v1/projects/{world.project_id}/contributions/{created['id']}"
    )
    assert created["project_id"] == world.project_id
    assert created["partner"] == FOREIGN_A.address
    assert created["partner_number"] == 1
    assert (created["tier"], created["kind"], created["value"]) == ("core", "code", "120")
    assert created["evidence_hash"] == EVIDENCE
    assert created["asset_id"] is None
    assert created["idempotency_key"] == "c-1"
    assert created["status"] == "accepted"
    assert created["journal_seq"] > 0
    with session_scope(world.engine) as session:
        row = contributions.get(session, created["id"])
        assert created["body_hash"] == row.body_hash
        assert created["signature"] == row.signature
        assert created["recorded_us"] == row.recorded_us
    shown = world.client("partner_b").contribution(world.project_id, created["id"])
    assert {k: shown[k] for k in created} == created
    assert shown["attestations"] == [] and shown["disputes"] == []


def test_a_replay_of_the_signed_key_and_fields_answers_200_with_the_same_contribution(
    world: World,
) -> None:
    signed = body(world, FOREIGN_A, idempotency_key="replayed")
    first = post(world, "partner_a", world.project_id, signed)
    again = post(world, "partner_a", world.project_id, signed)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert "idempotent-replayed" not in again.headers  # the service's replay, not the header's
    assert again.headers["location"] == first.headers["location"]
    assert [c["id"] for c in stored(world)] == [first.json()["id"]]


def test_the_signed_key_over_other_fields_is_409_and_stores_nothing(world: World) -> None:
    first = register(world, idempotency_key="k")
    problem = refused(lambda: register(world, idempotency_key="k", value=121), 409)
    assert problem["field"] == "idempotency_key"
    assert problem["contribution_id"] == first["id"]
    assert [c["value"] for c in stored(world)] == ["120"]


def test_a_retry_with_the_same_idempotency_header_replays_the_first_response(
    world: World,
) -> None:
    headers = {**world.headers("partner_a"), "Idempotency-Key": "register-1"}
    path = f"/v1/projects/{world.project_id}/contributions"
    signed = body(world, FOREIGN_A)
    first = world.http.post(path, json=signed, headers=headers)
    again = world.http.post(path, json=signed, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    other = world.http.post(
        path, json=body(world, FOREIGN_A, idempotency_key="c-2"), headers=headers
    )
    assert other.status_code == 409
    assert other.json()["type"] == "/problems/idempotency-key-reused"
    assert len(stored(world)) == 1


def test_a_value_beyond_2_53_keeps_every_digit(world: World) -> None:
    value = 2**200 + 7
    created = register(world, kind="funding", value=value)
    assert created["value"] == str(value)
    assert world.client("partner_c").contribution(world.project_id, created["id"])["value"] == (
        str(value)
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"tier": "platinum"}, "body.tier"),
        ({"kind": "marketing"}, "body.kind"),
        ({"value": "0"}, "body.value"),
        ({"value": "1" + "0" * 78}, "body.value"),
        ({"value": 1.5}, "body.value"),
        ({"evidence_hash": "0x" + EVIDENCE}, "body.evidence_hash"),
        ({"idempotency_key": ""}, "body.idempotency_key"),
        ({"idempotency_key": "k" * 129}, "body.idempotency_key"),
        ({"asset_id": 0}, "body.asset_id"),
        ({"partner": "0x1234"}, "body.partner"),
        ({"extra": 1}, "body.extra"),
    ],
)
def test_an_invalid_field_is_422_naming_it(world: World, change: dict, field: str) -> None:  # type: ignore[type-arg]
    response = post(world, "partner_a", world.project_id, {**body(world, FOREIGN_A), **change})
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]]
    assert stored(world) == []


def test_an_asset_the_project_does_not_have_is_a_rule_violation(world: World) -> None:
    problem = refused(lambda: register(world, asset_id=99), 422)
    assert problem["type"] == "/problems/rule-violation"
    assert problem["field"] == "asset_id"


def test_a_project_that_is_no_longer_active_refuses_registrations(world: World) -> None:
    with session_scope(world.engine) as session:
        project = session.get(Project, world.project_id)
        assert project is not None
        project.status = "terminated"  # no service ends a project yet: set it as one would
        session.add(project)
    problem = refused(lambda: register(world), 422)
    assert (problem["field"], problem["current_status"]) == ("project", "terminated")
    assert stored(world) == []


# ---------------------------------------------------------------------- signatures


def test_a_registration_without_a_signature_is_422(world: World) -> None:
    unsigned = body(world, FOREIGN_A)
    del unsigned["signature"]
    response = post(world, "partner_a", world.project_id, unsigned)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["body.signature"]
    assert stored(world) == []


def test_a_registration_signed_by_another_account_is_403(world: World) -> None:
    response = post(world, "partner_a", world.project_id, body(world, FOREIGN_A, signed_by=LOCAL_B))
    assert response.status_code == 403
    problem = response.json()
    assert problem["field"] == "signature"
    assert (problem["expected"], problem["recovered"]) == (FOREIGN_A.address, LOCAL_B.address)
    assert stored(world) == []


def test_a_signature_for_project_1_replayed_on_project_2_is_403(world: World) -> None:
    second = world.second_project()
    assert second.id is not None
    world.add_principal("partner_a_2", "partner", project_id=second.id, account=FOREIGN_A)
    signed = body(world, FOREIGN_A)  # signed for the world's project
    assert post(world, "partner_a", world.project_id, signed).status_code == 201
    replayed = post(world, "partner_a_2", second.id, signed)
    assert replayed.status_code == 403
    assert replayed.json()["field"] == "signature"
    page = world.client("partner_a_2").contributions(second.id)
    assert page == {"items": [], "next_cursor": None}


def test_a_partner_registering_as_another_partner_is_403_acting_as(world: World) -> None:
    as_b = body(world, LOCAL_B)  # B's own, well signed: only A's key is wrong
    response = post(world, "partner_a", world.project_id, as_b)
    assert response.status_code == 403
    problem = response.json()
    assert (problem["rule"], problem["action"]) == ("acting_as", "contribution.register")
    assert problem["acting_as"] == LOCAL_B.address
    assert stored(world) == []
    assert post(world, "partner_b", world.project_id, as_b).status_code == 201


def test_an_arbiter_may_not_register(world: World) -> None:
    response = post(world, "arbiter", world.project_id, body(world, ARBITER))
    assert response.status_code == 403
    assert response.json()["rule"] == "role"


# ---------------------------------------------------------------------- reading


def test_an_unknown_contribution_is_404(world: World) -> None:
    problem = refused(lambda: world.client("partner_a").contribution(world.project_id, 999), 404)
    assert problem["contribution_id"] == 999


def test_a_contribution_of_another_project_is_404_under_this_one(world: World) -> None:
    second = world.second_project()
    theirs, _ = register_by_service(world.engine, world.ledger, second, FOREIGN_A)
    mine = register(world)
    client = world.client("partner_a")
    problem = refused(lambda: client.contribution(world.project_id, theirs.id), 404)
    assert problem["contribution_id"] == theirs.id
    assert [c["id"] for c in client.all_contributions(world.project_id)] == [mine["id"]]
    admin = world.client("admin")
    assert admin.contribution(second.id, theirs.id)["id"] == theirs.id
    refused(lambda: admin.contribution(second.id, mine["id"]), 404)


def test_an_unknown_project_is_404_for_an_admin(world: World) -> None:
    admin = world.client("admin")
    refused(lambda: admin.contributions(world.project_id + 50), 404)


# ---------------------------------------------------------------------- attestations


def attestation_body(
    world: World, contribution: dict[str, Any], account: LocalAccount, **signing: Any
) -> dict[str, Any]:
    signed_by = signing.get("signed_by", account)
    chain_project_id = signing.get("chain_project_id", world.pid)
    signature = signer(world, signed_by).attestation(
        chain_project_id, contribution["id"], contribution["body_hash"]
    )
    return {"attester": account.address, "signature": signature}


def attest_raw(world: World, who: str, contribution: dict[str, Any], json: dict[str, Any]):  # type: ignore[no-untyped-def]
    return world.http.post(
        f"/v1/projects/{world.project_id}/contributions/{contribution['id']}/attestations",
        json=json,
        headers=world.headers(who),
    )


def test_attest_answers_201_and_the_contribution_shows_it(world: World) -> None:
    created = register(world)
    response = attest_raw(world, "partner_b", created, attestation_body(world, created, LOCAL_B))
    assert response.status_code == 201, response.text
    attestation = response.json()
    assert attestation["contribution_id"] == created["id"]
    assert (attestation["attester"], attestation["role"]) == (LOCAL_B.address, "partner")
    assert response.headers["location"] == (
        f"/v1/projects/{world.project_id}/contributions/{created['id']}"
        f"/attestations/{attestation['id']}"
    )
    by_arbiter = world.client("arbiter").attest(
        world.project_id, created["id"], ARBITER, chain_project_id=world.pid
    )
    assert (by_arbiter["attester"], by_arbiter["role"]) == (ARBITER.address, "arbiter")
    shown = world.client("partner_c").contribution(world.project_id, created["id"])
    assert shown["attestations"] == [attestation, by_arbiter]
    one = world.client("partner_c").get(response.headers["location"])
    assert one == attestation


def test_attesting_twice_is_409_and_attesting_ones_own_is_422(world: World) -> None:
    created = register(world)
    client = world.client("partner_b")
    client.attest(world.project_id, created["id"], LOCAL_B, chain_project_id=world.pid)
    again = refused(
        lambda: client.attest(world.project_id, created["id"], LOCAL_B, chain_project_id=world.pid),
        409,
    )
    assert again["field"] == "attester"
    own = refused(
        lambda: world.client("partner_a").attest(
            world.project_id, created["id"], FOREIGN_A, chain_project_id=world.pid
        ),
        422,
    )
    assert own["field"] == "attester"


def test_an_attestation_without_a_signature_is_422(world: World) -> None:
    created = register(world)
    response = attest_raw(world, "partner_b", created, {"attester": LOCAL_B.address})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["body.signature"]
    assert world.client("admin").contribution(world.project_id, created["id"])["attestations"] == []


def test_an_attestation_signed_by_another_account_is_403(world: World) -> None:
    created = register(world)
    forged = attestation_body(world, created, LOCAL_B, signed_by=FOREIGN_C)
    response = attest_raw(world, "partner_b", created, forged)
    assert response.status_code == 403
    assert response.json()["field"] == "signature"
    assert world.client("admin").contribution(world.project_id, created["id"])["attestations"] == []


def test_an_attestation_signed_for_another_project_is_403(world: World) -> None:
    second = world.second_project()
    created = register(world)
    other = attestation_body(world, created, LOCAL_B, chain_project_id=second.chain_project_id)
    response = attest_raw(world, "partner_b", created, other)
    assert response.status_code == 403
    assert response.json()["field"] == "signature"
    assert world.client("admin").contribution(world.project_id, created["id"])["attestations"] == []


def test_attesting_as_another_partner_is_403_acting_as(world: World) -> None:
    created = register(world)
    response = attest_raw(world, "partner_b", created, attestation_body(world, created, FOREIGN_C))
    assert response.status_code == 403
    assert (response.json()["rule"], response.json()["action"]) == (
        "acting_as",
        "contribution.attest",
    )
    assert world.client("admin").contribution(world.project_id, created["id"])["attestations"] == []


def test_an_attestation_under_another_project_or_contribution_is_404(world: World) -> None:
    second = world.second_project()
    theirs, _ = register_by_service(world.engine, world.ledger, second, FOREIGN_A)
    response = attest_raw(
        world,
        "partner_b",
        {"id": theirs.id},
        {"attester": LOCAL_B.address, "signature": "0x" + "1b" * 65},
    )
    assert response.status_code == 404
    created = register(world)
    attestation = world.client("partner_b").attest(
        world.project_id, created["id"], LOCAL_B, chain_project_id=world.pid
    )
    other = register(world, idempotency_key="c-2")
    client = world.client("partner_c")
    base = f"/v1/projects/{world.project_id}/contributions"
    refused(lambda: client.get(f"{base}/{other['id']}/attestations/{attestation['id']}"), 404)
    refused(lambda: client.get(f"{base}/{created['id']}/attestations/999"), 404)


# ---------------------------------------------------------------------- disputes


def dispute_body(
    world: World,
    contribution_id: int,
    account: LocalAccount,
    *,
    reason: str = REASON,
    signed_by: LocalAccount | None = None,
    chain_project_id: int | None = None,
) -> dict[str, Any]:
    reason_hash = hashlib.sha256(reason.encode()).hexdigest()
    signature = signer(world, signed_by or account).dispute(
        world.pid if chain_project_id is None else chain_project_id,
        "contribution",
        contribution_id,
        reason_hash,
    )
    return {
        "by": account.address,
        "reason": reason,
        "evidence_hash": EVIDENCE,
        "signature": signature,
    }


def open_raw(world: World, who: str, contribution_id: int, json: dict[str, Any]):  # type: ignore[no-untyped-def]
    return world.http.post(
        f"/v1/projects/{world.project_id}/contributions/{contribution_id}/disputes",
        json=json,
        headers=world.headers(who),
    )


def open_dispute(
    world: World, contribution: dict[str, Any], who: str = "partner_b"
) -> dict[str, Any]:
    return world.client(who).open_contribution_dispute(
        world.project_id,
        contribution["id"],
        world.accounts[who],
        reason=REASON,
        evidence_hash=EVIDENCE,
        chain_project_id=world.pid,
    )


def status_of(world: World, contribution: dict[str, Any]) -> str:
    return world.client("admin").contribution(world.project_id, contribution["id"])["status"]


def test_open_a_dispute_answers_201_and_the_contribution_is_disputed(world: World) -> None:
    created = register(world)
    response = open_raw(
        world, "partner_b", created["id"], dispute_body(world, created["id"], LOCAL_B)
    )
    assert response.status_code == 201, response.text
    opened = response.json()
    assert opened["contribution_id"] == created["id"]
    assert opened["project_id"] == world.project_id
    assert (opened["opened_by"], opened["reason"], opened["status"]) == (
        LOCAL_B.address,
        REASON,
        "open",
    )
    assert opened["reason_hash"] == hashlib.sha256(REASON.encode()).hexdigest()
    assert opened["evidence_hash"] == EVIDENCE
    assert opened["outcome"] is None and opened["closed_at"] is None
    assert opened["signers"] == []
    location = response.headers["location"]
    assert location.endswith(f"/contributions/{created['id']}/disputes/{opened['id']}")
    assert world.client("partner_c").get(location) == opened
    shown = world.client("partner_c").contribution(world.project_id, created["id"])
    assert shown["status"] == "disputed"
    assert shown["disputes"] == [opened]
    again = open_raw(
        world, "partner_c", created["id"], dispute_body(world, created["id"], FOREIGN_C)
    )
    assert again.status_code == 409


def test_a_dispute_without_a_signature_is_422(world: World) -> None:
    created = register(world)
    unsigned = dispute_body(world, created["id"], LOCAL_B)
    del unsigned["signature"]
    response = open_raw(world, "partner_b", created["id"], unsigned)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["body.signature"]
    assert status_of(world, created) == "accepted"


def test_a_dispute_signed_by_another_account_is_403(world: World) -> None:
    created = register(world)
    forged = dispute_body(world, created["id"], LOCAL_B, signed_by=FOREIGN_C)
    response = open_raw(world, "partner_b", created["id"], forged)
    assert response.status_code == 403
    assert response.json()["field"] == "signature"
    assert status_of(world, created) == "accepted"


def test_a_dispute_signed_for_another_project_is_403(world: World) -> None:
    second = world.second_project()
    created = register(world)
    other = dispute_body(world, created["id"], LOCAL_B, chain_project_id=second.chain_project_id)
    response = open_raw(world, "partner_b", created["id"], other)
    assert response.status_code == 403
    assert response.json()["field"] == "signature"
    assert status_of(world, created) == "accepted"


def test_opening_a_dispute_as_another_partner_is_403_acting_as(world: World) -> None:
    created = register(world)
    response = open_raw(
        world, "partner_b", created["id"], dispute_body(world, created["id"], FOREIGN_C)
    )
    assert response.status_code == 403
    assert (response.json()["rule"], response.json()["action"]) == ("acting_as", "dispute.open")
    assert status_of(world, created) == "accepted"


def test_a_dispute_of_another_contribution_or_project_is_404(world: World) -> None:
    created = register(world)
    other = register(world, idempotency_key="c-2")
    opened = open_dispute(world, created)
    client = world.client("partner_c")
    refused(lambda: client.contribution_dispute(world.project_id, other["id"], opened["id"]), 404)
    refused(lambda: client.contribution_dispute(world.project_id, created["id"], 999), 404)
    second = world.second_project()
    theirs, _ = register_by_service(world.engine, world.ledger, second, FOREIGN_A)
    response = open_raw(world, "partner_b", theirs.id, dispute_body(world, theirs.id, LOCAL_B))
    assert response.status_code == 404
    with session_scope(world.engine) as session:
        assert contributions.get(session, theirs.id).status == "accepted"


# ---------------------------------------------------------------------- settling


def settle_raw(world: World, who: str, path: str, json: dict[str, Any]):  # type: ignore[no-untyped-def]
    return world.http.post(f"{path}/settlement", json=json, headers=world.headers(who))


def dispute_path(world: World, created: dict[str, Any], opened: dict[str, Any]) -> str:
    return f"/v1/projects/{world.project_id}/contributions/{created['id']}/disputes/{opened['id']}"


def test_a_settlement_by_both_parties_upholds_the_contribution(world: World) -> None:
    created = register(world)
    opened = open_dispute(world, created)
    settled = world.client("partner_b").settle_contribution_dispute(
        world.project_id,
        created["id"],
        opened["id"],
        outcome="uphold",
        accounts=[FOREIGN_A, LOCAL_B],
        chain_project_id=world.pid,
    )
    assert (settled["status"], settled["outcome"]) == ("settled", "uphold")
    assert sorted(settled["signers"]) == sorted([FOREIGN_A.address, LOCAL_B.address])
    assert settled["closed_at"] is not None
    assert status_of(world, created) == "accepted"
    assert (
        world.client("admin").contribution_dispute(world.project_id, created["id"], opened["id"])
        == settled
    )
    again = refused(
        lambda: world.client("partner_a").settle_contribution_dispute(
            world.project_id,
            created["id"],
            opened["id"],
            outcome="uphold",
            accounts=[FOREIGN_A, LOCAL_B],
            chain_project_id=world.pid,
        ),
        409,
    )
    assert (again["status"], again["current_status"]) == (409, "settled")


def test_a_settlement_without_signatures_is_422(world: World) -> None:
    created = register(world)
    opened = open_dispute(world, created)
    path = dispute_path(world, created, opened)
    for json in ({"outcome": "uphold"}, {"outcome": "uphold", "signatures": []}):
        response = settle_raw(world, "partner_a", path, json)
        assert response.status_code == 422
        assert [e["field"] for e in response.json()["errors"]] == ["body.signatures"]
    assert status_of(world, created) == "disputed"


def test_a_settlement_missing_a_party_or_signed_by_a_stranger_is_403(world: World) -> None:
    created = register(world)
    opened = open_dispute(world, created)
    path = dispute_path(world, created, opened)
    sign = [
        signer(world, a).contribution_settlement(world.pid, opened["id"], "reject")
        for a in (FOREIGN_A, LOCAL_B, FOREIGN_C)
    ]
    missing = settle_raw(world, "partner_a", path, {"outcome": "reject", "signatures": sign[:1]})
    assert missing.status_code == 403
    assert missing.json()["missing"] == [LOCAL_B.address]
    stranger = settle_raw(
        world, "partner_a", path, {"outcome": "reject", "signatures": [sign[0], sign[2]]}
    )
    assert stranger.status_code == 403
    assert status_of(world, created) == "disputed"


def test_a_settlement_signed_for_another_project_is_403(world: World) -> None:
    second = world.second_project()
    created = register(world)
    opened = open_dispute(world, created)
    assert second.chain_project_id is not None
    replayed = [
        signer(world, a).contribution_settlement(second.chain_project_id, opened["id"], "reject")
        for a in (FOREIGN_A, LOCAL_B)
    ]
    response = settle_raw(
        world,
        "partner_a",
        dispute_path(world, created, opened),
        {"outcome": "reject", "signatures": replayed},
    )
    assert response.status_code == 403
    assert status_of(world, created) == "disputed"


# ---------------------------------------------------------------------- ruling


def rule_raw(world: World, path: str, json: dict[str, Any], who: str = "arbiter"):  # type: ignore[no-untyped-def]
    return world.http.post(f"{path}/ruling", json=json, headers=world.headers(who))


def test_an_arbiters_ruling_rejects_the_contribution(world: World) -> None:
    created = register(world)
    opened = open_dispute(world, created)
    ruled = world.client("arbiter").rule_contribution_dispute(
        world.project_id,
        created["id"],
        opened["id"],
        ARBITER,
        outcome="reject",
        chain_project_id=world.pid,
    )
    assert (ruled["status"], ruled["outcome"], ruled["signers"]) == (
        "ruled",
        "reject",
        [ARBITER.address],
    )
    assert status_of(world, created) == "rejected"
    late = refused(
        lambda: world.client("partner_c").attest(
            world.project_id, created["id"], FOREIGN_C, chain_project_id=world.pid
        ),
        422,
    )
    assert (late["field"], late["current_status"]) == ("contribution_id", "rejected")
    assert [
        c["id"]
        for c in world.client("admin").all_contributions(world.project_id, status="rejected")
    ] == [created["id"]]


def test_a_ruling_without_a_signature_is_422(world: World) -> None:
    created = register(world)
    opened = open_dispute(world, created)
    response = rule_raw(world, dispute_path(world, created, opened), {"outcome": "reject"})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["body.signature"]
    assert status_of(world, created) == "disputed"


def test_a_ruling_signed_by_a_partner_is_403(world: World) -> None:
    created = register(world)
    opened = open_dispute(world, created)
    forged = signer(world, FOREIGN_C).contribution_ruling(world.pid, opened["id"], "reject")
    response = rule_raw(
        world, dispute_path(world, created, opened), {"outcome": "reject", "signature": forged}
    )
    assert response.status_code == 403
    assert response.json()["field"] == "signatures"
    assert status_of(world, created) == "disputed"


def test_a_ruling_signed_for_another_project_is_403(world: World) -> None:
    second = world.second_project()
    created = register(world)
    opened = open_dispute(world, created)
    assert second.chain_project_id is not None
    replayed = signer(world, ARBITER).contribution_ruling(
        second.chain_project_id, opened["id"], "reject"
    )
    response = rule_raw(
        world, dispute_path(world, created, opened), {"outcome": "reject", "signature": replayed}
    )
    assert response.status_code == 403
    assert status_of(world, created) == "disputed"


def test_an_arbiter_may_not_rule_on_a_dispute_it_opened(world: World) -> None:
    created = register(world)
    # the API lets partners open disputes; the service also lets an arbiter open one
    reason_hash = hashlib.sha256(REASON.encode()).hexdigest()
    signature = signer(world, ARBITER).dispute(
        world.pid, "contribution", created["id"], reason_hash
    )
    with session_scope(world.engine) as session:
        opened = contributions.dispute(
            session,
            world.ledger,
            contribution_id=created["id"],
            by=ARBITER.address,
            reason=REASON,
            evidence_hash=EVIDENCE,
            signature=signature,
        )
        dispute_id = opened.id
    ruling = signer(world, ARBITER).contribution_ruling(world.pid, dispute_id, "reject")
    response = rule_raw(
        world,
        dispute_path(world, created, {"id": dispute_id}),
        {"outcome": "reject", "signature": ruling},
    )
    assert response.status_code == 403
    assert (response.json()["rule"], response.json()["opened_by"]) == ("party", ARBITER.address)
    assert status_of(world, created) == "disputed"


def test_a_partner_may_not_rule(world: World) -> None:
    created = register(world)
    opened = open_dispute(world, created)
    ruling = signer(world, ARBITER).contribution_ruling(world.pid, opened["id"], "reject")
    response = rule_raw(
        world,
        dispute_path(world, created, opened),
        {"outcome": "reject", "signature": ruling},
        who="partner_c",
    )
    assert response.status_code == 403
    assert response.json()["rule"] == "role"


# ---------------------------------------------------------------------- lapsing


def test_a_dispute_lapses_only_after_its_deadline(world: World) -> None:
    created = register(world)
    opened = open_dispute(world, created)
    client = world.client("partner_c")
    early = refused(
        lambda: client.lapse_contribution_dispute(world.project_id, created["id"], opened["id"]),
        422,
    )
    assert early["field"] == "dispute_id"
    world.clock.advance(days=14, seconds=1)
    lapsed = client.lapse_contribution_dispute(world.project_id, created["id"], opened["id"])
    assert (lapsed["status"], lapsed["outcome"], lapsed["signers"]) == ("lapsed", "uphold", [])
    assert status_of(world, created) == "accepted"
    late = signer(world, ARBITER).contribution_ruling(world.pid, opened["id"], "reject")
    response = rule_raw(
        world, dispute_path(world, created, opened), {"outcome": "reject", "signature": late}
    )
    assert response.status_code == 409
    assert response.json()["current_status"] == "lapsed"


def test_a_ruling_past_the_deadline_is_422(world: World) -> None:
    created = register(world)
    opened = open_dispute(world, created)
    world.clock.advance(days=15)
    ruling = signer(world, ARBITER).contribution_ruling(world.pid, opened["id"], "reject")
    response = rule_raw(
        world, dispute_path(world, created, opened), {"outcome": "reject", "signature": ruling}
    )
    assert response.status_code == 422
    assert status_of(world, created) == "disputed"


# ---------------------------------------------------------------------- the client


def test_the_client_reads_the_chain_project_id_from_the_project(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without ``chain_project_id`` the client asks ``GET /v1/projects/{id}`` once."""
    client = world.client("partner_a")
    asked: list[str] = []
    real_get = Client.get

    def get(self: Client, path: str, **params: Any) -> Any:
        if path == f"/v1/projects/{world.project_id}":
            asked.append(path)
            return {"id": world.project_id, "chain_project_id": world.pid}
        return real_get(self, path, **params)

    monkeypatch.setattr(Client, "get", get)
    first = client.register_contribution(world.project_id, FOREIGN_A, **fields())
    second = client.register_contribution(
        world.project_id, FOREIGN_A, **fields(idempotency_key="c-2")
    )
    assert first["status"] == second["status"] == "accepted"
    assert asked == [f"/v1/projects/{world.project_id}"]
