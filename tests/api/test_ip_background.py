"""Background IP through the API: deposits signed by their owner, keys released as the chain
says, documents read only by the party the key went to (and the owner)."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import pytest
import rfc8785
from eth_account.signers.local import LocalAccount
from eth_utils import keccak

from api.client import ApiError
from api.client._ip import deposit_terms
from api.routes.ip_background import MAX_DOCUMENT_BYTES, MAX_TERMS_DEPTH
from ledger import background_service as background
from ledger.chain.background import DepositState
from ledger.db import Project
from tests.api.world import World
from tests.ledger.services.conftest import ARBITER, FOREIGN_A, FOREIGN_C, LOCAL_B, signer
from tests.ledger.services.ip_support import QUORUM, release_milestone
from tests.ledger.services.test_background_service import deposit as deposit_directly

A, B, C = FOREIGN_A.address, LOCAL_B.address, FOREIGN_C.address
DOCUMENT = b"%PDF-1.7 calibration of the line cameras, trade secret of Vision Works\n" * 20
TERMS = {"use": "project research only", "sublicence": False, "royalty_bps": 0}


def deposit(world: World, document: bytes = DOCUMENT, **changes: Any) -> dict[str, Any]:
    """partner_b deposits ``document`` for partner A, released at milestone 1."""
    values: dict[str, Any] = {
        "title": "Calibration",
        "terms": TERMS,
        "beneficiary": A,
        "release_milestone": 1,
    }
    values.update(changes)
    return world.client("partner_b").deposit_background(  # type: ignore[no-any-return]
        world.project_id, LOCAL_B, document, **values
    )


def body(world: World, signer_account: LocalAccount = LOCAL_B, **changes: Any) -> dict[str, Any]:
    """A deposit body for owner B, prepared by the API and signed by ``signer_account``."""
    document = changes.pop("document", DOCUMENT)
    prepared = world.client("partner_b").prepare_background_deposit(
        world.project_id, B, document, terms=TERMS, beneficiary=A, release_milestone=1
    )
    signature = signer(world.ledger, signer_account).background_deposit(
        deposit_terms(prepared["terms"])
    )
    sent = {
        "owner": B,
        "title": "Calibration",
        "document": base64.b64encode(document).decode(),
        "terms": TERMS,
        "beneficiary": A,
        "release_milestone": 1,
        "handle": prepared["handle"],
        "signature": signature,
    }
    sent.update(changes)
    return sent


def post(world: World, who: str, path: str, payload: Any, **headers: str) -> Any:
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


def other_deposit(world: World) -> tuple[Project, int, int]:
    """A deposit of a second project (made through the services): project, id, id on chain."""
    other = world.second_project()
    row = deposit_directly(world.engine, world.ledger, other)
    assert row.id is not None and row.chain_deposit_id is not None
    return other, row.id, row.chain_deposit_id


def test_a_partner_deposits_its_document_and_everyone_reads_the_metadata_only(
    world: World,
) -> None:
    made = deposit(world)
    assert made["owner"] == B and made["title"] == "Calibration"
    assert made["document_hash"] == hashlib.sha256(DOCUMENT).hexdigest()
    assert made["terms"] == TERMS
    assert made["terms_hash"] == hashlib.sha256(rfc8785.dumps(TERMS)).hexdigest()
    assert (made["beneficiary"], made["release_milestone"]) == (A, 1)
    assert (made["state"], made["released_to"]) == ("held", None)
    assert made["project_id"] == world.project_id and made["tx_hash"].startswith("0x")
    held = world.ledger.background.get(made["chain_deposit_id"])
    assert held.key_commitment.hex() == made["key_commitment"]
    assert (held.owner, held.beneficiary, held.release_milestone) == (B, A, 1)

    for who in ("partner_a", "arbiter", "funder", "licensee", "admin"):
        reader = world.client(who)
        assert reader.background_deposit(world.project_id, made["id"]) == made
        assert reader.background_deposits(world.project_id) == [made]
    shown = world.http.get(
        f"/v1/projects/{world.project_id}/background/{made['id']}", headers=world.headers("admin")
    ).text
    key = world.ledger.vault.key_for(held.document_hash, name=held.key_commitment)
    assert base64.b64encode(DOCUMENT).decode()[:40] not in shown
    assert key.hex() not in shown and DOCUMENT[:40].decode() not in shown


def test_the_deposit_answers_201_with_its_location(world: World) -> None:
    response = post(world, "partner_b", "/background", body(world))
    assert response.status_code == 201, response.text
    made = response.json()
    assert (
        response.headers["location"] == f"/v1/projects/{world.project_id}/background/{made['id']}"
    )


def test_a_partner_deposits_only_as_itself(world: World) -> None:
    prepared = post(
        world,
        "partner_a",
        "/background/prepare",
        {k: v for k, v in body(world).items() if k not in {"title", "handle", "signature"}},
    )
    assert prepared.status_code == 403 and prepared.json()["rule"] == "acting_as"
    response = post(world, "partner_a", "/background", body(world))
    assert response.status_code == 403 and response.json()["rule"] == "acting_as"
    assert world.client("partner_b").background_deposits(world.project_id) == []


def test_the_owners_signature_is_required_and_checked(world: World) -> None:
    missing = body(world)
    del missing["signature"]
    response = post(world, "partner_b", "/background", missing)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["body.signature"]

    wrong = post(world, "partner_b", "/background", body(world, FOREIGN_A))
    assert wrong.status_code == 403, wrong.text
    assert wrong.json()["type"] == "/problems/unauthorized"
    assert (wrong.json()["field"], wrong.json()["recovered"]) == ("signature", A)

    # the owner signed the same document's deposit in another project; replayed here
    other = world.second_project()
    with world.session() as session:
        elsewhere = background.prepare_deposit(
            session,
            world.ledger,
            project_id=other.id,
            owner=B,
            document=DOCUMENT,
            terms=TERMS,
            beneficiary=A,
            release_milestone=1,
        )
    replayed = body(
        world, signature=signer(world.ledger, LOCAL_B).background_deposit(elsewhere.terms)
    )
    response = post(world, "partner_b", "/background", replayed)
    assert response.status_code == 403, response.text
    assert response.json()["field"] == "signature"

    # another project's handle is refused too
    response = post(world, "partner_b", "/background", body(world, handle=elsewhere.handle))
    assert response.status_code == 422 and response.json()["field"] == "handle"
    assert world.client("partner_b").background_deposits(world.project_id) == []
    assert world.ledger.background.get(1).state is DepositState.NONE  # nothing on chain


def test_the_document_is_base64_and_bounded(world: World) -> None:
    too_big = base64.b64encode(b"x" * (MAX_DOCUMENT_BYTES + 1)).decode()
    for document in (too_big, "not base64!", "YWJ", ""):
        payload = {**body(world), "document": document}
        for path in ("/background/prepare", "/background"):
            sent = (
                payload
                if path == "/background"
                else {k: v for k, v in payload.items() if k not in {"title", "handle", "signature"}}
            )
            response = post(world, "partner_b", path, sent)
            assert response.status_code == 422, (document[:10], path)
            assert response.json()["errors"][0]["field"] == "body.document"
    largest = deposit(world, b"y" * MAX_DOCUMENT_BYTES)  # the limit itself is taken
    assert largest["document_hash"] == hashlib.sha256(b"y" * MAX_DOCUMENT_BYTES).hexdigest()


def test_bad_inputs_are_refused_naming_the_field(world: World) -> None:
    cases = [
        ({"beneficiary": "0x" + "00" * 20}, 422, "beneficiary"),
        ({"terms": {"fee": 2**60}}, 422, "terms"),
    ]
    for changes, status, field in cases:
        problem = refused(lambda c=changes: deposit(world, **c), status)
        assert problem["field"] == field
    deposit(world)
    again = refused(lambda: deposit(world), 409)
    assert again["field"] == "document"
    extra = post(world, "partner_b", "/background", {**body(world, document=b"x"), "extra": 1})
    assert extra.status_code == 422
    nested: dict[str, Any] = {"use": "research"}
    for _ in range(MAX_TERMS_DEPTH):
        nested = {"clause": nested}
    for terms in (nested, {"text": "x" * 20_000}, ["not", "an", "object"]):
        sent = {**body(world, document=b"another document"), "terms": terms}
        response = post(world, "partner_b", "/background", sent)
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "body.terms"
    assert len(world.client("partner_a").background_deposits(world.project_id)) == 1


def test_the_key_follows_the_milestone_to_the_beneficiary_only(world: World) -> None:
    made = deposit(world)
    pid, did = world.project_id, made["id"]
    beneficiary, arbiter = world.client("partner_a"), world.client("arbiter")
    refused(lambda: beneficiary.background_document(pid, did), 403)

    problem = refused(lambda: arbiter.release_background_key(pid, did), 409)
    assert problem["error"] == "BackgroundEscrowMilestoneNotReleased"
    refused(lambda: world.client("partner_b").release_background_key(pid, did), 403)
    assert arbiter.background_deposit(pid, did)["state"] == "held"

    release_milestone(world.ledger, world.project, 1)
    released = arbiter.release_background_key(pid, did)
    assert (released["state"], released["released_to"]) == ("released", A)
    assert beneficiary.background_document(pid, did) == DOCUMENT
    assert world.client("partner_b").background_document(pid, did) == DOCUMENT  # the owner
    answer = beneficiary.get(f"/v1/projects/{pid}/background/{did}/document")
    assert answer["size"] == len(DOCUMENT) and answer["document_hash"] == made["document_hash"]
    for who in ("partner_c", "arbiter", "funder", "licensee", "admin"):
        problem = refused(lambda w=who: world.client(w).background_document(pid, did), 403)
        assert problem["field"] == "reader"
    refused(lambda: arbiter.release_background_key(pid, did), 409)  # released already


def test_an_arbiters_ruling_releases_the_key_to_its_recipient(world: World) -> None:
    made = deposit(world)
    pid, did, chain_id = world.project_id, made["id"], made["chain_deposit_id"]
    arbiter = world.client("arbiter")
    path = f"/background/{did}/release"

    missing = post(world, "arbiter", path, {"recipient": C})
    assert missing.status_code == 422 and missing.json()["field"] == "arbiter_signature"
    no_recipient = signer(world.ledger, ARBITER).background_release(chain_id, C)
    response = post(world, "arbiter", path, {"arbiter_signature": no_recipient})
    assert response.status_code == 422 and response.json()["field"] == "recipient"

    wrong = refused(lambda: arbiter.release_background_key(pid, did, FOREIGN_A, C), 403)
    assert wrong["field"] == "arbiter_signature"
    _, _, other_chain_id = other_deposit(world)
    replayed = signer(world.ledger, ARBITER).background_release(other_chain_id, C)
    response = post(world, "arbiter", path, {"recipient": C, "arbiter_signature": replayed})
    assert response.status_code == 403, response.text
    assert response.json()["field"] == "arbiter_signature"
    assert arbiter.background_deposit(pid, did)["state"] == "held"

    released = arbiter.release_background_key(pid, did, ARBITER, C)
    assert (released["state"], released["released_to"]) == ("released", C)
    assert world.client("partner_c").background_document(pid, did) == DOCUMENT
    refused(lambda: world.client("partner_a").background_document(pid, did), 403)


def test_the_owner_withdraws_after_termination_with_its_signature(world: World) -> None:
    made = deposit(world)
    pid, did, chain_id = world.project_id, made["id"], made["chain_deposit_id"]
    owner = world.client("partner_b")
    problem = refused(lambda: owner.withdraw_background(pid, did, LOCAL_B), 422)
    assert problem["field"] == "project"
    world.ledger.registry.terminate(world.pid, keccak(b"wound up"), QUORUM)

    path = f"/background/{did}/withdraw"
    assert post(world, "partner_b", path, {}).status_code == 422
    wrong = refused(lambda: owner.withdraw_background(pid, did, FOREIGN_A), 403)
    assert wrong["recovered"] == A
    _, _, other_chain_id = other_deposit(world)
    replayed = signer(world.ledger, LOCAL_B).background_withdrawal(other_chain_id)
    response = post(world, "partner_b", path, {"signature": replayed})
    assert response.status_code == 403 and response.json()["field"] == "signature"
    own = signer(world.ledger, LOCAL_B).background_withdrawal(chain_id)
    not_owner = post(world, "partner_a", path, {"signature": own})
    assert not_owner.status_code == 403 and not_owner.json()["rule"] == "acting_as"
    assert owner.background_deposit(pid, did)["state"] == "held"

    withdrawn = owner.withdraw_background(pid, did, LOCAL_B)
    assert withdrawn["state"] == "withdrawn"
    assert owner.background_document(pid, did) == DOCUMENT


def test_unknown_ids_and_another_projects_deposit_are_404(world: World) -> None:
    _, theirs, chain_id = other_deposit(world)
    ours = deposit(world)["id"]
    pid = world.project_id
    ruling = signer(world.ledger, ARBITER).background_release(chain_id, C)
    withdrawal = signer(world.ledger, LOCAL_B).background_withdrawal(chain_id)
    for deposit_id in (theirs, 999):
        for who, method, path, payload in [
            ("partner_a", "GET", "", None),
            ("partner_b", "GET", "/document", None),
            ("arbiter", "POST", "/release", {"recipient": C, "arbiter_signature": ruling}),
            ("partner_b", "POST", "/withdraw", {"signature": withdrawal}),
        ]:
            response = world.http.request(
                method,
                f"/v1/projects/{pid}/background/{deposit_id}{path}",
                json=payload,
                headers=world.headers(who),
            )
            assert response.status_code == 404, (deposit_id, path, response.text)
            assert response.json()["deposit_id"] == deposit_id
    with world.session() as session:
        assert background.get_deposit(session, theirs).state == "held"
    assert world.client("partner_a").background_deposit(pid, ours)["id"] == ours


def test_the_list_pages_and_filters(world: World) -> None:
    made = [deposit(world, DOCUMENT + bytes([n]), title=f"Doc {n}") for n in range(3)]
    partner = world.client("partner_a")
    path = f"/v1/projects/{world.project_id}/background"
    first = partner.get(path, limit=2)
    assert [d["id"] for d in first["items"]] == [made[0]["id"], made[1]["id"]]
    second = partner.get(path, limit=2, cursor=first["next_cursor"])
    assert [d["id"] for d in second["items"]] == [made[2]["id"]]
    assert second["next_cursor"] is None
    bad = refused(lambda: partner.get(path, cursor="bm90LWEtY3Vyc29y"), 422)
    assert bad["field"] == "cursor"

    release_milestone(world.ledger, world.project, 1)
    world.client("arbiter").release_background_key(world.project_id, made[1]["id"])
    assert [d["id"] for d in partner.background_deposits(world.project_id, state="released")] == [
        made[1]["id"]
    ]
    held = partner.background_deposits(world.project_id, state="held")
    assert [d["id"] for d in held] == [made[0]["id"], made[2]["id"]]
    assert len(partner.background_deposits(world.project_id, owner=B.lower())) == 3
    assert partner.background_deposits(world.project_id, owner=A) == []
    refused(lambda: partner.get(path, state="lost"), 422)
    refused(lambda: partner.get(path, owner="0x12"), 422)


def test_a_deposit_retried_with_its_idempotency_key_is_made_once(world: World) -> None:
    sent = body(world)
    first = post(world, "partner_b", "/background", sent, **{"Idempotency-Key": "deposit-1"})
    assert first.status_code == 201, first.text
    again = post(world, "partner_b", "/background", sent, **{"Idempotency-Key": "deposit-1"})
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    other = post(
        world,
        "partner_b",
        "/background",
        {**sent, "title": "Another title"},
        **{"Idempotency-Key": "deposit-1"},
    )
    assert other.status_code == 409
    assert other.json()["type"] == "/problems/idempotency-key-reused"
    deposits = world.client("partner_b").background_deposits(world.project_id)
    assert [d["title"] for d in deposits] == ["Calibration"]
