"""Milestone and snapshot disputes over HTTP: opened by the partner's own transaction,
settled by every partner, ruled by the arbiter's own transaction, or lapsed.

The milestone under dispute is built with the services (``dispute_support``): project 1's
milestone 1 is submitted, its escrow funded and every party holds ether for gas.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount

from api.client import ApiError, Client
from api.client._disputes import unsigned
from ledger import disputes, milestones
from ledger.db import Dispute, Project
from tests.api.world import World
from tests.contracts.conftest import key
from tests.ledger.services.conftest import ARBITER, FOREIGN_A, FOREIGN_C, LOCAL_B, signer
from tests.ledger.services.dispute_support import (
    AMOUNT,
    EVIDENCE,
    ONE_ETHER,
    Case,
    opening,
    settlement_signatures,
    submitted_case,
)
from tests.ledger.services.dispute_support import open_dispute as open_by_service

MALLORY = key("mallory")
PARTNERS = (FOREIGN_A, LOCAL_B, FOREIGN_C)
REASON = "the payout counts code written before the project began"
OTHER_EVIDENCE = hashlib.sha256(b"another document").hexdigest()


@pytest.fixture
def case(world: World) -> Case:
    return submitted_case(world.engine, world.ledger, world.project)


def refused(call: Any, status: int) -> dict[str, Any]:
    """Run ``call``; it must fail with ``status``. Returns the problem."""
    with pytest.raises(ApiError) as caught:
        call()
    assert caught.value.status == status, caught.value.problem
    return caught.value.problem


def snapshot_id(world: World, case: Case) -> int:
    with world.session() as session:
        found = milestones.get(session, case.milestone.id).snapshot_id  # type: ignore[arg-type]
    assert found is not None
    return found


def milestone_state(world: World, case: Case) -> str:
    with world.session() as session:
        return milestones.get(session, case.milestone.id).state  # type: ignore[arg-type]


def signed_opening(
    client: Client, world: World, account: LocalAccount, subject_id: int, **body: Any
) -> dict[str, Any]:
    """The body of ``POST .../disputes`` with ``account``'s signed ``open`` transaction."""
    prepared = client.prepare_dispute(
        world.project_id, account.address, "milestone", subject_id, EVIDENCE
    )
    transaction = client.signer(account).transaction(unsigned(prepared))
    return {
        "subject": "milestone",
        "subject_id": subject_id,
        "reason": REASON,
        "evidence_hash": EVIDENCE,
        "transaction": transaction,
        **body,
    }


def open_as_b(world: World, case: Case, subject: str = "milestone", subject_id: int = 0) -> dict:  # type: ignore[type-arg]
    return world.client("partner_b").open_dispute(
        world.project_id,
        LOCAL_B,
        subject,
        subject_id or case.milestone.id,  # type: ignore[arg-type]
        REASON,
        EVIDENCE,
    )


def no_disputes(world: World) -> bool:
    return world.client("admin").disputes(world.project_id)["items"] == []


# ---------------------------------------------------------------------- opening


def test_prepare_returns_the_open_call_for_the_opener_to_sign(world: World, case: Case) -> None:
    prepared = world.client("partner_b").prepare_dispute(
        world.project_id, LOCAL_B.address, "milestone", case.milestone.id, EVIDENCE
    )
    assert prepared["signer"] == LOCAL_B.address
    assert prepared["call"] == {
        "contract": "DisputeResolution",
        "function": "open",
        "args": {
            "projectId": world.pid,
            "subject": 0,
            "subjectId": case.milestone.number,
            "evidenceHash": "0x" + EVIDENCE,
        },
    }
    transaction = prepared["transaction"]
    assert transaction["to"] == world.ledger.disputes.address
    assert transaction["chainId"] == world.ledger.chain.chain_id
    assert (transaction["type"], transaction["value"]) == (2, "0")
    assert transaction["nonce"] == world.ledger.chain.w3.eth.get_transaction_count(LOCAL_B.address)
    assert int(transaction["maxFeePerGas"]) >= int(transaction["maxPriorityFeePerGas"]) > 0
    # the data is the call the contract runs, with those arguments
    expected = world.ledger.disputes.open_unsigned(
        world.pid, 0, case.milestone.number, bytes.fromhex(EVIDENCE), LOCAL_B.address
    )
    assert transaction["data"] == expected["data"]
    assert no_disputes(world)  # preparing stores nothing


def test_a_partner_opens_a_dispute_with_its_own_signed_transaction(
    world: World, case: Case
) -> None:
    client = world.client("partner_b")
    body = signed_opening(client, world, LOCAL_B, case.milestone.id)  # type: ignore[arg-type]
    response = world.http.post(
        f"/v1/projects/{world.project_id}/disputes", json=body, headers=world.headers("partner_b")
    )
    assert response.status_code == 201, response.text
    opened = response.json()
    assert response.headers["location"] == (
        f"/v1/projects/{world.project_id}/disputes/{opened['id']}"
    )
    assert opened["project_id"] == world.project_id
    assert (opened["subject"], opened["subject_id"]) == ("milestone", case.milestone.id)
    assert opened["opened_by"] == LOCAL_B.address
    assert (opened["reason"], opened["evidence_hash"]) == (REASON, EVIDENCE)
    assert (opened["status"], opened["outcome"], opened["resolution"]) == ("open", None, None)
    assert opened["chain_dispute_id"] >= 1
    held = world.ledger.disputes.dispute(opened["chain_dispute_id"])
    assert (held.opened_by, held.subject_id) == (LOCAL_B.address, case.milestone.number)
    assert milestone_state(world, case) == "disputed"
    assert world.client("arbiter").dispute(world.project_id, opened["id"]) == opened


def test_a_raw_transaction_that_is_not_exactly_the_prepared_call_is_refused(
    world: World, case: Case
) -> None:
    client = world.client("partner_b")
    body = signed_opening(client, world, LOCAL_B, case.milestone.id)  # type: ignore[arg-type]
    # signed for the milestone, sent as a dispute on its snapshot
    problem = refused(
        lambda: client.post(
            f"/v1/projects/{world.project_id}/disputes",
            {**body, "subject": "snapshot", "subject_id": snapshot_id(world, case)},
        ),
        422,
    )
    assert (problem["field"], problem["part"]) == ("transaction", "data")
    # signed over one evidence hash, sent with another
    problem = refused(
        lambda: client.post(
            f"/v1/projects/{world.project_id}/disputes", {**body, "evidence_hash": OTHER_EVIDENCE}
        ),
        422,
    )
    assert (problem["field"], problem["part"]) == ("transaction", "data")
    # bytes that are no signed transaction
    problem = refused(
        lambda: client.post(
            f"/v1/projects/{world.project_id}/disputes", {**body, "transaction": "0xdeadbeef"}
        ),
        422,
    )
    assert problem["field"] == "transaction"
    assert no_disputes(world)
    assert milestone_state(world, case) == "submitted"
    # the prepared call itself still goes through
    assert client.post(f"/v1/projects/{world.project_id}/disputes", body)["status"] == "open"


def test_a_stolen_partner_key_without_the_partners_private_key_cannot_open(
    world: World, case: Case
) -> None:
    thief = world.client("partner_a")  # partner A's API key, in the wrong hands
    world.ledger.chain.send_value(MALLORY.address, ONE_ETHER)
    mallory_tx = signer(world.ledger, MALLORY).transaction(
        world.ledger.disputes.open_unsigned(
            world.pid, 0, case.milestone.number, bytes.fromhex(EVIDENCE), MALLORY.address
        )
    )
    b_tx = opening(world.engine, world.ledger, case, LOCAL_B)  # another partner's own
    for transaction, signer_address in ((mallory_tx, MALLORY.address), (b_tx, LOCAL_B.address)):
        problem = refused(
            lambda transaction=transaction: thief.post(
                f"/v1/projects/{world.project_id}/disputes",
                {
                    "subject": "milestone",
                    "subject_id": case.milestone.id,
                    "reason": REASON,
                    "evidence_hash": EVIDENCE,
                    "transaction": transaction,
                },
            ),
            403,
        )
        assert (problem["rule"], problem["acting_as"]) == ("acting_as", signer_address)
    # nor can it have a transaction prepared for another partner to sign
    problem = refused(
        lambda: thief.prepare_dispute(
            world.project_id, LOCAL_B.address, "milestone", case.milestone.id, EVIDENCE
        ),
        403,
    )
    assert problem["rule"] == "acting_as"
    assert no_disputes(world)


def test_opening_needs_its_fields_and_a_partner_role(world: World, case: Case) -> None:
    client = world.client("partner_b")
    body = signed_opening(client, world, LOCAL_B, case.milestone.id)  # type: ignore[arg-type]
    path = f"/v1/projects/{world.project_id}/disputes"
    for name in ("transaction", "reason", "evidence_hash"):
        without = {k: v for k, v in body.items() if k != name}
        problem = refused(lambda without=without: client.post(path, without), 422)
        assert [e["field"] for e in problem["errors"]] == [f"body.{name}"]
    for changed in ({"reason": ""}, {"subject": "contribution"}, {"subject_id": 0}):
        refused(lambda changed=changed: client.post(path, {**body, **changed}), 422)
    assert refused(lambda: client.post(path, {**body, "subject_id": 999}), 404)
    for who in ("funder", "arbiter", "admin"):
        problem = refused(lambda who=who: world.client(who).post(path, body), 403)
        assert (problem["rule"], problem["action"]) == ("role", "dispute.open")
    assert no_disputes(world)


def test_a_second_dispute_on_the_milestone_is_a_conflict(world: World, case: Case) -> None:
    open_as_b(world, case)
    problem = refused(
        lambda: world.client("partner_a").open_dispute(
            world.project_id,
            FOREIGN_A,
            "milestone",
            case.milestone.id,
            REASON,
            EVIDENCE,  # type: ignore[arg-type]
        ),
        409,
    )
    assert "under dispute" in problem["detail"]
    assert len(world.client("admin").disputes(world.project_id)["items"]) == 1


def test_opening_retried_with_the_same_idempotency_key_opens_once(world: World, case: Case) -> None:
    body = signed_opening(world.client("partner_b"), world, LOCAL_B, case.milestone.id)  # type: ignore[arg-type]
    path = f"/v1/projects/{world.project_id}/disputes"
    headers = {**world.headers("partner_b"), "Idempotency-Key": "open-1"}
    first = world.http.post(path, json=body, headers=headers)
    assert first.status_code == 201, first.text
    again = world.http.post(path, json=body, headers=headers)
    assert (again.status_code, again.json()) == (201, first.json())
    assert again.headers["idempotent-replayed"] == "true"
    other = world.http.post(path, json={**body, "reason": "another reason"}, headers=headers)
    assert other.status_code == 409
    assert other.json()["type"] == "/problems/idempotency-key-reused"
    assert [d["id"] for d in world.client("admin").disputes(world.project_id)["items"]] == [
        first.json()["id"]
    ]


# ---------------------------------------------------------------------- proposals and settling


def test_a_proposal_gives_the_settlement_every_partner_signs(world: World, case: Case) -> None:
    opened = open_as_b(world, case)
    client = world.client("partner_a")
    excluded = [case.contributions["c_core"].id]
    proposal = client.propose_outcome(world.project_id, opened["id"], "replace", excluded)
    with world.session() as session:
        expected = disputes.propose(
            session, world.ledger, dispute_id=opened["id"], outcome="replace", excluded=excluded
        )
    assert (proposal["dispute_id"], proposal["chain_dispute_id"]) == (
        opened["id"],
        opened["chain_dispute_id"],
    )
    assert (proposal["outcome"], proposal["excluded"]) == ("replace", excluded)
    assert proposal["new_root"] == expected.new_root != "0" * 64
    assert proposal["new_total"] == str(AMOUNT)
    assert proposal["payouts"] == {str(k): str(v) for k, v in expected.payouts.items()}  # type: ignore[union-attr]
    assert sum(int(v) for v in proposal["payouts"].values()) == AMOUNT
    settlement = proposal["settlement"]
    assert settlement["domain"] == world.ledger.disputes.domain.as_dict()
    assert settlement["primary_type"] == "Settlement"
    assert [f["name"] for f in settlement["types"]] == [
        "disputeId",
        "outcome",
        "newRoot",
        "newTotal",
    ]
    assert settlement["message"] == {
        "disputeId": opened["chain_dispute_id"],
        "outcome": 3,
        "newRoot": "0x" + expected.new_root,
        "newTotal": str(AMOUNT),
    }
    uphold = client.propose_outcome(world.project_id, opened["id"], "uphold")
    assert (uphold["new_root"], uphold["new_total"], uphold["payouts"]) == ("0" * 64, "0", None)
    problem = refused(
        lambda: client.propose_outcome(world.project_id, opened["id"], "uphold", excluded), 422
    )
    assert problem["field"] == "excluded"
    assert world.client("partner_a").dispute(world.project_id, opened["id"])["status"] == "open"


def test_every_partner_settles_a_replacement(world: World, case: Case) -> None:
    opened = open_as_b(world, case)
    excluded = [case.contributions["c_core"].id]
    settled = world.client("partner_b").settle_dispute(
        world.project_id, opened["id"], PARTNERS, "replace", excluded
    )
    assert (settled["status"], settled["outcome"]) == ("settled", "replace")
    assert settled["closed_at"] is not None
    resolution = settled["resolution"]
    assert resolution["excluded"] == excluded
    assert sorted(resolution["signers"]) == sorted(a.address for a in PARTNERS)
    assert resolution["tx"].startswith("0x") and resolution["fee"] is None
    assert resolution["new_root"] != "0" * 64
    assert milestone_state(world, case) == "submitted"
    assert world.client("arbiter").dispute(world.project_id, opened["id"]) == settled


def test_a_settlement_short_of_one_partner_or_signed_by_a_stranger_is_refused(
    world: World, case: Case
) -> None:
    opened = open_as_b(world, case)
    client = world.client("partner_a")

    def settle(accounts: tuple[LocalAccount, ...]) -> Any:
        signatures = settlement_signatures(
            world.engine, world.ledger, opened["id"], "uphold", accounts=accounts
        )
        return lambda: client.post_settlement(world.project_id, opened["id"], "uphold", signatures)

    problem = refused(settle((FOREIGN_A, LOCAL_B)), 403)
    assert "missing" in problem["detail"]
    problem = refused(settle((FOREIGN_A, LOCAL_B, MALLORY)), 403)
    assert "not a partner" in problem["detail"]
    # every partner signed a rejection; an uphold is what is being settled
    rejection = settlement_signatures(world.engine, world.ledger, opened["id"], "reject")
    refused(
        lambda: client.post_settlement(world.project_id, opened["id"], "uphold", rejection), 403
    )
    path = f"/v1/projects/{world.project_id}/disputes/{opened['id']}/settle"
    problem = refused(lambda: client.post(path, {"outcome": "uphold"}), 422)
    assert [e["field"] for e in problem["errors"]] == ["body.signatures"]
    refused(lambda: client.post(path, {"outcome": "uphold", "signatures": []}), 422)
    for who in ("arbiter", "funder", "admin"):
        problem = refused(lambda who=who: world.client(who).post(path, {}), 403)
        assert (problem["rule"], problem["action"]) == ("role", "dispute.settle")
    assert client.dispute(world.project_id, opened["id"])["status"] == "open"
    assert milestone_state(world, case) == "disputed"
    settled = client.settle_dispute(world.project_id, opened["id"], PARTNERS, "uphold")
    assert settled["status"] == "settled"
    problem = refused(
        lambda: client.settle_dispute(world.project_id, opened["id"], PARTNERS, "uphold"), 409
    )
    assert (problem["field"], problem["dispute_status"]) == ("dispute_id", "settled")


def test_another_projects_dispute_is_not_found_here_and_its_signatures_do_not_count(
    world: World, case: Case
) -> None:
    second: Project = world.second_project()
    there_case = submitted_case(world.engine, world.ledger, second)
    client = world.client("partner_a")
    # an opening signed for the other project's milestone 1, sent for this one's
    tx = opening(world.engine, world.ledger, there_case, FOREIGN_A)
    problem = refused(
        lambda: client.post(
            f"/v1/projects/{world.project_id}/disputes",
            {
                "subject": "milestone",
                "subject_id": case.milestone.id,
                "reason": REASON,
                "evidence_hash": EVIDENCE,
                "transaction": tx,
            },
        ),
        422,
    )
    assert (problem["field"], problem["part"]) == ("transaction", "data")
    assert no_disputes(world)

    here = open_as_b(world, case)
    there = open_by_service(world.engine, world.ledger, there_case, LOCAL_B)
    assert there.id is not None
    base = f"/v1/projects/{world.project_id}/disputes/{there.id}"
    signature = "0x" + "1b" * 65
    for call in (
        lambda: client.dispute(world.project_id, there.id),
        lambda: client.propose_outcome(world.project_id, there.id, "uphold"),
        lambda: client.post(f"{base}/settle", {"outcome": "uphold", "signatures": [signature]}),
        lambda: client.lapse_dispute(world.project_id, there.id),
        lambda: world.client("arbiter").prepare_ruling(
            world.project_id, there.id, ARBITER.address, "uphold"
        ),
    ):
        assert refused(call, 404)["type"] == "/problems/not-found"
    # every partner's settlement of the other project's dispute, replayed on this one
    replayed = settlement_signatures(world.engine, world.ledger, there.id, "uphold")
    problem = refused(
        lambda: client.post_settlement(world.project_id, here["id"], "uphold", replayed), 403
    )
    assert "not a partner" in problem["detail"]
    # the arbiter's ruling of the other project's dispute, replayed on this one
    with world.session() as session:
        _, other_call = disputes.prepare_ruling(
            session, world.ledger, dispute_id=there.id, outcome="uphold", arbiter=ARBITER.address
        )
    ruling = signer(world.ledger, ARBITER).transaction(other_call)
    problem = refused(
        lambda: world.client("arbiter").post(
            f"/v1/projects/{world.project_id}/disputes/{here['id']}/rule",
            {"outcome": "uphold", "transaction": ruling},
        ),
        422,
    )
    assert (problem["field"], problem["part"]) == ("transaction", "data")
    items = world.client("admin").disputes(world.project_id)["items"]
    assert [(d["id"], d["status"]) for d in items] == [(here["id"], "open")]


# ---------------------------------------------------------------------- ruling and lapsing


def test_the_arbiter_rules_with_its_own_signed_transaction(world: World, case: Case) -> None:
    opened = open_as_b(world, case)
    arbiter = world.client("arbiter")
    prepared = arbiter.prepare_ruling(world.project_id, opened["id"], ARBITER.address, "reject")
    assert prepared["signer"] == ARBITER.address
    assert prepared["call"] == {
        "contract": "DisputeResolution",
        "function": "rule",
        "args": {
            "disputeId": opened["chain_dispute_id"],
            "outcome": 2,
            "newRoot": "0x" + "0" * 64,
            "newTotal": "0",
            "fee": "0",
        },
    }
    assert prepared["transaction"]["to"] == world.ledger.disputes.address
    assert prepared["proposal"]["outcome"] == "reject"
    ruled = arbiter.rule_dispute(world.project_id, opened["id"], ARBITER, "reject")
    assert (ruled["status"], ruled["outcome"]) == ("ruled", "reject")
    assert ruled["resolution"]["fee"] == "0" and ruled["resolution"]["tx"].startswith("0x")
    assert milestone_state(world, case) == "rejected"
    assert world.client("partner_c").dispute(world.project_id, opened["id"]) == ruled


def test_a_partner_cannot_rule_nor_an_arbiter_with_a_transaction_another_account_signed(
    world: World, case: Case
) -> None:
    opened = open_as_b(world, case)
    base = f"/v1/projects/{world.project_id}/disputes/{opened['id']}"
    for who in ("partner_a", "partner_b", "funder", "admin"):
        client = world.client(who)
        problem = refused(
            lambda client=client: client.prepare_ruling(
                world.project_id, opened["id"], ARBITER.address, "uphold"
            ),
            403,
        )
        assert (problem["rule"], problem["action"]) == ("role", "dispute.rule")
        problem = refused(lambda client=client: client.post(f"{base}/rule", {}), 403)
        assert problem["rule"] == "role"
    arbiter = world.client("arbiter")
    prepared = arbiter.prepare_ruling(world.project_id, opened["id"], ARBITER.address, "uphold")
    # the arbiter's API key with a partner's signature of the prepared call
    forged = signer(world.ledger, FOREIGN_A).transaction(unsigned(prepared))
    problem = refused(
        lambda: arbiter.post(f"{base}/rule", {"outcome": "uphold", "transaction": forged}), 403
    )
    assert (problem["rule"], problem["acting_as"]) == ("acting_as", FOREIGN_A.address)
    problem = refused(
        lambda: arbiter.prepare_ruling(world.project_id, opened["id"], FOREIGN_A.address, "uphold"),
        403,
    )
    assert problem["rule"] == "acting_as"
    problem = refused(lambda: arbiter.post(f"{base}/rule", {"outcome": "uphold"}), 422)
    assert [e["field"] for e in problem["errors"]] == ["body.transaction"]
    # signed as an uphold, sent as a rejection
    good = signer(world.ledger, ARBITER).transaction(unsigned(prepared))
    problem = refused(
        lambda: arbiter.post(f"{base}/rule", {"outcome": "reject", "transaction": good}), 422
    )
    assert (problem["field"], problem["part"]) == ("transaction", "data")
    # a fee on a milestone not released: above the cap of nothing
    problem = refused(
        lambda: arbiter.rule_dispute(world.project_id, opened["id"], ARBITER, "uphold", fee=1),
        409,
    )
    assert problem["error"] == "DisputeResolutionFeeAboveCap"
    assert arbiter.dispute(world.project_id, opened["id"])["status"] == "open"
    assert milestone_state(world, case) == "disputed"


def test_a_dispute_lapses_only_after_the_deadline(world: World, case: Case) -> None:
    opened = open_as_b(world, case, "snapshot", snapshot_id(world, case))
    partner = world.client("partner_c")
    problem = refused(lambda: partner.lapse_dispute(world.project_id, opened["id"]), 409)
    assert problem["error"] == "DisputeResolutionArbitrationRunning"
    for who in ("funder", "licensee", "admin"):
        problem = refused(
            lambda who=who: world.client(who).lapse_dispute(world.project_id, opened["id"]), 403
        )
        assert (problem["rule"], problem["action"]) == ("role", "dispute.lapse")
    assert partner.dispute(world.project_id, opened["id"])["status"] == "open"
    world.ledger.chain.advance_time(14 * 86_400 + 1)
    lapsed = world.client("arbiter").lapse_dispute(world.project_id, opened["id"])
    assert (lapsed["status"], lapsed["outcome"]) == ("lapsed", "uphold")
    assert lapsed["resolution"]["tx"].startswith("0x")
    assert milestone_state(world, case) == "submitted"
    problem = refused(lambda: partner.lapse_dispute(world.project_id, opened["id"]), 409)
    assert (problem["field"], problem["dispute_status"]) == ("dispute_id", "lapsed")


# ---------------------------------------------------------------------- reading


def test_disputes_are_listed_in_pages_and_filtered(world: World, case: Case) -> None:
    partner = world.client("partner_a")
    first = open_as_b(world, case)
    partner.settle_dispute(world.project_id, first["id"], PARTNERS, "uphold")
    second = open_as_b(world, case, "snapshot", snapshot_id(world, case))
    partner.settle_dispute(world.project_id, second["id"], PARTNERS, "uphold")
    third = open_as_b(world, case)
    ids = [first["id"], second["id"], third["id"]]

    reader = world.client("licensee")  # project.read
    assert [d["id"] for d in reader.pages(f"/v1/projects/{world.project_id}/disputes")] == ids
    seen, cursor, pages = [], None, 0
    while True:
        got = reader.disputes(world.project_id, limit=1, cursor=cursor)
        seen += [d["id"] for d in got["items"]]
        pages += 1
        cursor = got["next_cursor"]
        if cursor is None:
            break
    assert (seen, pages) == (ids, 3)
    two = reader.disputes(world.project_id, limit=2)
    assert [d["id"] for d in two["items"]] == ids[:2] and two["next_cursor"] is not None

    def ids_of(**filters: Any) -> list[int]:
        return [d["id"] for d in reader.disputes(world.project_id, **filters)["items"]]

    assert ids_of(status="open") == [third["id"]]
    assert ids_of(status="settled") == ids[:2]
    assert ids_of(status="ruled") == []
    assert ids_of(subject="snapshot") == [second["id"]]
    assert ids_of(subject="milestone") == [first["id"], third["id"]]
    assert ids_of(subject="milestone", status="settled") == [first["id"]]
    assert ids_of(subject="milestone", status="open", limit=1) == [third["id"]]

    problem = refused(lambda: reader.disputes(world.project_id, cursor="bm90LWEtY3Vyc29y"), 422)
    assert problem["field"] == "cursor"
    problem = refused(lambda: reader.disputes(world.project_id, cursor="not a cursor!"), 422)
    assert problem["errors"][0]["field"] == "query.cursor"
    for bad in ({"status": "closed"}, {"subject": "contribution"}, {"limit": 0}):
        refused(lambda bad=bad: reader.disputes(world.project_id, **bad), 422)


def test_unknown_disputes_are_404_and_other_projects_403(world: World, case: Case) -> None:
    client = world.client("partner_a")
    for call in (
        lambda: client.dispute(world.project_id, 999),
        lambda: client.propose_outcome(world.project_id, 999, "uphold"),
        lambda: client.lapse_dispute(world.project_id, 999),
        lambda: client.post_settlement(world.project_id, 999, "uphold", ["0x" + "1b" * 65]),
        lambda: world.client("arbiter").prepare_ruling(
            world.project_id, 999, ARBITER.address, "uphold"
        ),
    ):
        problem = refused(call, 404)
        assert problem["type"] == "/problems/not-found"
    second = world.second_project()
    problem = refused(lambda: client.disputes(second.id), 403)  # type: ignore[arg-type]
    assert (problem["rule"], problem["project_id"]) == ("project", second.id)
    admin = world.client("admin")
    assert admin.disputes(second.id) == {"items": [], "next_cursor": None}  # type: ignore[arg-type]
    refused(lambda: admin.disputes(10_000), 404)


def test_a_resolution_reads_back_as_stored(world: World, case: Case) -> None:
    opened = open_as_b(world, case)
    settled = world.client("partner_b").settle_dispute(
        world.project_id, opened["id"], PARTNERS, "reject"
    )
    with world.session() as session:
        row = session.get(Dispute, opened["id"])
        assert row is not None and row.resolution is not None
        stored = json.loads(row.resolution)
    assert settled["resolution"] == {**stored, "fee": None}
    assert settled["deadline_at"].startswith(row.deadline_at.strftime("%Y-%m-%dT%H:%M:%S"))
    assert milestone_state(world, case) == "rejected"
