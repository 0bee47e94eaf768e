"""Milestones over HTTP: planned, read, submitted, released by a signed quorum, claimed once."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_account.signers.local import LocalAccount

from api.client import ApiError
from ledger import journal, milestones, snapshots
from ledger.agreements import Deadlines
from ledger.db import Project
from tests.api.world import World
from tests.contracts.conftest import key
from tests.ledger.services.conftest import ARBITER, FOREIGN_A, FOREIGN_C, LOCAL_B, T0, signer
from tests.ledger.services.contribution_support import contribute

AMOUNT = 10**18 + 7  # odd, so the payouts leave wei to place
DUE = T0 + timedelta(days=30)
EVIDENCE = "ab" * 32
CLAIMS_OPEN = Deadlines().dispute_window + 1  # seconds after a release
MALLORY = key("mallory")
PARTNERS = {1: FOREIGN_A, 2: LOCAL_B, 3: FOREIGN_C}


# ---------------------------------------------------------------------- the steps


def contributions(world: World, project: Project | None = None) -> None:
    """Contributions by all three partners, so that a snapshot has something to count."""
    project = project or world.project
    contribute(world.engine, world.ledger, project, FOREIGN_A, "core", "code", 500)
    contribute(world.engine, world.ledger, project, LOCAL_B, "core", "labor_hours", 400)
    contribute(world.engine, world.ledger, project, FOREIGN_C, "application", "data", 90)


def plan(world: World, who: str = "admin", **changes: Any) -> dict[str, Any]:
    """Plan the next milestone: "Prototype", AMOUNT wei, TRL 4, due at DUE."""
    fields: dict[str, Any] = {
        "title": "Prototype",
        "amount": AMOUNT,
        "trl_target": 4,
        "due_at": DUE,
    }
    return world.client(who).plan_milestone(world.project_id, **fields | changes)  # type: ignore[no-any-return]


def submitted(world: World) -> dict[str, Any]:
    """Milestone 1 with the contributions counted, submitted by partner A; escrow empty."""
    contributions(world)
    number = plan(world)["number"]
    return world.client("partner_a").submit_milestone(world.project_id, number, EVIDENCE)  # type: ignore[no-any-return]


def fund_escrow(world: World, amount: int) -> None:
    """Deposit into the project's escrow, the operator acting as funder."""
    world.ledger.escrow.deposit(world.pid, amount, sender=world.ledger.operator)


def released(world: World) -> dict[str, Any]:
    """Milestone 1 submitted, funded and released by partners A and B."""
    milestone = submitted(world)
    fund_escrow(world, 2 * AMOUNT)
    return world.client("partner_b").release_milestone(  # type: ignore[no-any-return]
        world.project_id, milestone["number"], [FOREIGN_A, LOCAL_B]
    )


def release_signature(
    world: World,
    account: LocalAccount,
    *,
    chain_project_id: int | None = None,
    number: int = 1,
    root: str | None = None,
    total: int = AMOUNT,
) -> str:
    """``account``'s ``Release`` signature; by default over milestone 1's terms."""
    if root is None:
        root = world.client("partner_a").release_terms(world.project_id, 1)["payout_root"]
    return signer(world.ledger, account).release(
        chain_project_id or world.pid, number, bytes.fromhex(root), total
    )


def post_release(world: World, signatures: Any, who: str = "partner_a") -> Any:
    return world.http.post(
        f"/v1/projects/{world.project_id}/milestones/1/release",
        json={"signatures": signatures} if signatures is not None else {},
        headers=world.headers(who),
    )


def kinds(world: World, project_id: int | None = None) -> list[str]:
    with world.session() as session:
        return [e.kind for e in journal.entries(session, project_id or world.project_id)]


def balances(world: World) -> dict[int, int]:
    return {n: world.ledger.chain.balance(a.address) for n, a in PARTNERS.items()}


# ---------------------------------------------------------------------- planning and reading


def test_a_planned_milestone_is_read_back_by_its_number(world: World) -> None:
    response = world.http.post(
        f"/v1/projects/{world.project_id}/milestones",
        json={
            "title": "Labelled dataset",
            "amount": str(AMOUNT),
            "trl_target": 4,
            "due_at": "2026-12-28T10:00:00+01:00",
        },
        headers=world.headers("admin"),
    )
    assert response.status_code == 201, response.text
    first = response.json()
    assert response.headers["location"] == f"/v1/projects/{world.project_id}/milestones/1"
    assert first["number"] == 1
    assert (first["title"], first["amount"], first["trl_target"]) == (
        "Labelled dataset",
        str(AMOUNT),
        4,
    )
    assert first["due_at"] == "2026-12-28T09:00:00Z"
    assert first["state"] == "planned"
    assert first["evidence_hash"] is None and first["snapshot_id"] is None
    assert first["payout_root"] is None and first["released_tx"] is None
    second = plan(world, "partner_b", title="Pilot line", amount=5, trl_target=6)
    assert (second["number"], second["amount"], second["trl_target"]) == (2, "5", 6)
    partner = world.client("partner_c")
    assert partner.milestone(world.project_id, 1) == first
    assert [m["number"] for m in partner.milestones(world.project_id)] == [1, 2]
    assert world.client("funder").milestone(world.project_id, 2)["title"] == "Pilot line"
    with world.session() as session:
        entries = journal.entries(session, world.project_id)
    planned = [e for e in entries if e.kind == "milestone.planned"]
    assert planned[0].actor == f"principal:{world.principals['admin'].id}"
    assert planned[1].actor == f"partner:{LOCAL_B.address}"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": ""}, "body.title"),
        ({"title": "x" * 201}, "body.title"),
        ({"amount": "-1"}, "body.amount"),
        ({"amount": 1.5}, "body.amount"),
        ({"amount": "1" + "0" * 78}, "body.amount"),
        ({"trl_target": 10}, "body.trl_target"),
        ({"due_at": "2026-12-28T09:00:00"}, "body.due_at"),
        ({"colour": "red"}, "body.colour"),
    ],
)
def test_a_plan_that_does_not_validate_is_422_and_plans_nothing(
    world: World, changes: dict[str, Any], field: str
) -> None:
    body = {"title": "Prototype", "amount": "5", "trl_target": 4, "due_at": DUE.isoformat()}
    response = world.http.post(
        f"/v1/projects/{world.project_id}/milestones",
        json=body | changes,
        headers=world.headers("admin"),
    )
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]]
    assert world.client("admin").milestones(world.project_id) == []


def test_a_plan_of_zero_wei_breaks_the_services_rule(world: World) -> None:
    with pytest.raises(ApiError) as caught:
        plan(world, amount=0)
    assert caught.value.status == 422
    assert caught.value.problem["type"] == "/problems/rule-violation"
    assert caught.value.problem["field"] == "amount"


def test_only_admins_and_partners_plan(world: World) -> None:
    for who in ("funder", "arbiter", "licensee"):
        with pytest.raises(ApiError) as caught:
            plan(world, who)
        assert caught.value.status == 403
        assert caught.value.problem["rule"] == "role"
    assert world.client("admin").milestones(world.project_id) == []


def test_a_plan_retried_with_its_idempotency_key_plans_once(world: World) -> None:
    body = {"title": "Prototype", "amount": "5", "trl_target": 4, "due_at": DUE.isoformat()}
    path = f"/v1/projects/{world.project_id}/milestones"
    headers = {**world.headers("partner_a"), "Idempotency-Key": "plan-1"}
    first = world.http.post(path, json=body, headers=headers)
    again = world.http.post(path, json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["location"] == first.headers["location"]
    other = world.http.post(path, json={**body, "title": "Other"}, headers=headers)
    assert other.status_code == 409
    assert other.json()["type"] == "/problems/idempotency-key-reused"
    assert [m["title"] for m in world.client("admin").milestones(world.project_id)] == ["Prototype"]


def test_milestones_are_listed_a_page_at_a_time_and_by_state(world: World) -> None:
    contributions(world)
    for title in ("one", "two", "three", "four", "five"):
        plan(world, title=title)
    world.client("partner_a").submit_milestone(world.project_id, 2, EVIDENCE)
    client = world.client("partner_b")
    path = f"/v1/projects/{world.project_id}/milestones"
    seen, cursor, pages = [], None, 0
    while True:
        got = client.get(path, limit=2, cursor=cursor)
        pages += 1
        assert len(got["items"]) <= 2
        seen += [m["title"] for m in got["items"]]
        cursor = got["next_cursor"]
        if cursor is None:
            break
    assert (pages, seen) == (3, ["one", "two", "three", "four", "five"])
    assert [m["number"] for m in client.milestones(world.project_id, state="submitted")] == [2]
    planned = client.get(path, state="planned", limit=3)
    assert [m["number"] for m in planned["items"]] == [1, 3, 4]
    rest = client.get(path, state="planned", limit=3, cursor=planned["next_cursor"])
    assert ([m["number"] for m in rest["items"]], rest["next_cursor"]) == ([5], None)
    assert client.milestones(world.project_id, state="released") == []
    for params, field in (
        ({"cursor": "bm90LWEtY3Vyc29y"}, "cursor"),  # base64 of "not-a-cursor"
        ({"cursor": "no/slash"}, "query.cursor"),
        ({"state": "approved"}, "query.state"),
        ({"limit": 0}, "query.limit"),
        ({"limit": 201}, "query.limit"),
    ):
        response = world.http.get(path, params=params, headers=world.headers("partner_b"))
        assert response.status_code == 422, (params, response.text)
        problem = response.json()
        fields = [problem.get("field")] + [e["field"] for e in problem.get("errors", [])]
        assert field in fields, (params, problem)


def test_unknown_milestones_and_other_projects_milestones_are_404(world: World) -> None:
    plan(world, title="ours")
    other = world.second_project()
    with world.session() as session:
        for title in ("theirs 1", "theirs 2"):
            milestones.plan(
                session,
                world.ledger,
                project_id=other.id,
                title=title,
                amount=AMOUNT,
                trl_target=4,
                due_at=DUE,
            )
    client = world.client("partner_a")
    assert client.milestone(world.project_id, 1)["title"] == "ours"
    for number in (2, 99):  # project 2 has a milestone 2; this project does not
        for suffix in ("", "/release", "/claims"):
            with pytest.raises(ApiError) as caught:
                client.get(f"/v1/projects/{world.project_id}/milestones/{number}{suffix}")
            assert caught.value.status == 404, suffix
            assert "theirs" not in json.dumps(caught.value.problem)
    with pytest.raises(ApiError) as caught:
        client.submit_milestone(world.project_id, 2, EVIDENCE)
    assert caught.value.status == 404
    # the admin is global: another project's milestones are read on that project's path only
    admin = world.client("admin")
    assert admin.milestone(other.id, 2)["title"] == "theirs 2"
    with pytest.raises(ApiError) as caught:
        admin.milestones(world.project_id + 1000)
    assert caught.value.status == 404
    # a partner of project 1 is refused project 2's path altogether
    with pytest.raises(ApiError) as caught:
        client.milestone(other.id, 1)
    assert (caught.value.status, caught.value.problem["rule"]) == (403, "project")


# ---------------------------------------------------------------------- submission


def test_a_submission_takes_the_snapshot_and_fixes_the_payout_root(world: World) -> None:
    milestone = submitted(world)
    assert milestone["state"] == "submitted"
    assert milestone["evidence_hash"] == EVIDENCE
    with world.session() as session:
        snapshot = snapshots.get(session, milestone["snapshot_id"])
        assert snapshot.milestone_id == milestone["id"]
        assert milestone["snapshot_number"] == snapshot.number
        assert milestone["payout_root"] == snapshot.payout_root
        assert snapshot.amount == AMOUNT
    assert world.client("arbiter").milestone(world.project_id, 1) == milestone
    assert kinds(world)[-2:] == ["snapshot.taken", "milestone.submitted"]
    # again: the milestone is no longer planned
    with pytest.raises(ApiError) as caught:
        world.client("partner_b").submit_milestone(world.project_id, 1, "cd" * 32)
    assert (caught.value.status, caught.value.problem["field"]) == (422, "state")
    assert world.client("partner_a").milestone(world.project_id, 1)["evidence_hash"] == EVIDENCE


def test_a_submission_is_refused_without_evidence_contributions_or_the_partner_role(
    world: World,
) -> None:
    plan(world)
    partner = world.client("partner_a")
    with pytest.raises(ApiError) as caught:  # nothing counted yet
        partner.submit_milestone(world.project_id, 1, EVIDENCE)
    assert caught.value.status == 422
    contributions(world)
    path = f"/v1/projects/{world.project_id}/milestones/1/submission"
    for body in ({}, {"evidence_hash": "zz" * 32}, {"evidence_hash": "ab" * 31}):
        response = world.http.post(path, json=body, headers=world.headers("partner_a"))
        assert response.status_code == 422, body
        assert response.json()["errors"][0]["field"].startswith("body")
    for who in ("admin", "arbiter", "funder"):
        with pytest.raises(ApiError) as caught:
            world.client(who).submit_milestone(world.project_id, 1, EVIDENCE)
        assert (caught.value.status, caught.value.problem["rule"]) == (403, "role")
    assert partner.milestone(world.project_id, 1)["state"] == "planned"
    assert "milestone.submitted" not in kinds(world)


# ---------------------------------------------------------------------- release


def test_the_release_terms_are_what_the_partners_sign(world: World) -> None:
    plan(world)
    with pytest.raises(ApiError) as caught:  # planned: no payout root yet
        world.client("partner_a").release_terms(world.project_id, 1)
    assert (caught.value.status, caught.value.problem["field"]) == (422, "state")
    contributions(world)
    milestone = world.client("partner_a").submit_milestone(world.project_id, 1, EVIDENCE)
    terms = world.client("funder").release_terms(world.project_id, 1)
    assert terms["chain_id"] == world.ledger.chain.chain_id
    assert terms["escrow"] == world.ledger.escrow.address
    assert (terms["chain_project_id"], terms["milestone"]) == (world.pid, 1)
    assert terms["payout_root"] == milestone["payout_root"]
    assert (terms["total"], terms["snapshot_id"]) == (str(AMOUNT), milestone["snapshot_id"])
    assert (terms["quorum"], terms["arbiter_required"]) == (2, False)
    assert terms["partners"] == [FOREIGN_A.address, LOCAL_B.address, FOREIGN_C.address]
    typed = terms["typed_data"]
    assert typed["primaryType"] == "Release"
    assert typed["domain"] == world.ledger.escrow.domain.as_dict()
    assert typed["message"] == {
        "projectId": world.pid,
        "milestoneId": 1,
        "root": "0x" + milestone["payout_root"],
        "total": str(AMOUNT),
    }
    # the typed data alone is enough to sign: a wallet's signature is the client's
    message = {**typed["message"], "total": int(typed["message"]["total"])}
    wallet = Account.sign_message(
        encode_typed_data(full_message={**typed, "message": message}), FOREIGN_A.key
    )
    assert "0x" + bytes(wallet.signature).hex() == release_signature(world, FOREIGN_A)


def test_a_quorum_releases_the_milestone_on_chain_and_anchors_the_record(world: World) -> None:
    milestone = released(world)
    assert milestone["state"] == "released"
    assert milestone["released_tx"].startswith("0x") and milestone["released_block"] > 0
    assert world.ledger.escrow.is_released(world.pid, 1)
    held = world.ledger.escrow.milestone(world.pid, 1)
    assert (held.root.hex(), held.total) == (milestone["payout_root"], AMOUNT)
    assert world.client("partner_c").milestone(world.project_id, 1) == milestone
    with world.session() as session:
        entry = journal.entries(session, world.project_id)[-1]
    assert entry.kind == "milestone.released"
    payload = json.loads(entry.payload)
    assert payload["signers"] == sorted([FOREIGN_A.address, LOCAL_B.address])
    assert payload["tx"] == milestone["released_tx"]
    anchored = world.ledger.anchor.latest(world.pid)
    assert anchored is not None and anchored.tree_size == entry.seq
    # released again, by the same quorum: a conflict with its state, nothing sent
    with pytest.raises(ApiError) as caught:
        world.client("arbiter").release_milestone(world.project_id, 1, [FOREIGN_A, LOCAL_B])
    assert caught.value.status == 409
    assert caught.value.problem["state"] == "released"
    assert kinds(world).count("milestone.released") == 1


def test_a_release_needs_the_funds_in_escrow(world: World) -> None:
    submitted(world)
    with pytest.raises(ApiError) as caught:
        world.client("partner_a").release_milestone(world.project_id, 1, [FOREIGN_A, LOCAL_B])
    assert (caught.value.status, caught.value.problem["field"]) == (422, "amount")
    assert caught.value.problem["available"] == "0"
    assert world.client("partner_a").milestone(world.project_id, 1)["state"] == "submitted"


def test_a_release_of_a_planned_milestone_is_refused(world: World) -> None:
    plan(world)
    fund_escrow(world, AMOUNT)
    root = "11" * 32
    signatures = [release_signature(world, a, root=root) for a in (FOREIGN_A, LOCAL_B)]
    response = post_release(world, signatures)
    assert response.status_code == 422
    assert (response.json()["field"], response.json()["state"]) == ("state", "planned")


def test_release_signatures_are_checked_and_a_refusal_releases_nothing(world: World) -> None:
    submitted(world)
    fund_escrow(world, 2 * AMOUNT)
    root = world.client("partner_a").release_terms(world.project_id, 1)["payout_root"]
    a, b = (release_signature(world, x, root=root) for x in (FOREIGN_A, LOCAL_B))
    other = world.second_project()
    cases: list[tuple[Any, int, str]] = [
        (None, 422, "missing"),
        ([], 422, "none"),
        (["0x1234"], 422, "malformed"),
        ([a], 403, "needs 2 partner signatures"),
        ([a, a], 403, "twice"),
        ([a, release_signature(world, MALLORY, root=root)], 403, "not a partner"),
        ([a, release_signature(world, ARBITER, root=root)], 403, "not a partner"),
        (  # made for another project, replayed here
            [
                release_signature(world, x, chain_project_id=other.chain_project_id, root=root)
                for x in (FOREIGN_A, LOCAL_B)
            ],
            403,
            "not a partner",
        ),
        (  # made for another milestone of this project
            [release_signature(world, x, number=2, root=root) for x in (FOREIGN_A, LOCAL_B)],
            403,
            "not a partner",
        ),
        (  # over another amount
            [
                release_signature(world, x, root=root, total=AMOUNT - 1)
                for x in (FOREIGN_A, LOCAL_B)
            ],
            403,
            "not a partner",
        ),
        (["0x" + "00" * 65, b], 403, "unreadable"),
    ]
    for signatures, status, words in cases:
        response = post_release(world, signatures)
        assert response.status_code == status, (words, response.text)
        problem = response.json()
        if status == 403:
            assert words in problem["detail"], (words, problem)
            assert problem["field"] in {"signatures", "signature"}
    # and no principal of another role gets as far as the signatures
    for who in ("funder", "admin", "licensee"):
        assert post_release(world, [a, b], who).status_code == 403
    assert world.client("partner_a").milestone(world.project_id, 1)["state"] == "submitted"
    assert not world.ledger.escrow.is_released(world.pid, 1)
    assert "milestone.released" not in kinds(world)
    # the right quorum still releases it, sent by the arbiter
    response = post_release(world, [b, a], "arbiter")
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "released"


# ---------------------------------------------------------------------- claims


def test_claims_pay_each_partner_its_payout_once(world: World) -> None:
    milestone = released(world)
    client = world.client("partner_c")
    before_window = client.claims(world.project_id, 1)
    with world.session() as session:
        snapshot = snapshots.get(session, milestone["snapshot_id"])
        payouts = {int(n): int(v) for n, v in json.loads(snapshot.payouts).items()}
    assert sum(payouts.values()) == AMOUNT
    held = world.ledger.escrow.milestone(world.pid, 1)
    assert before_window["milestone"] == 1 and before_window["state"] == "released"
    assert before_window["total"] == str(AMOUNT) and before_window["claimed_total"] == "0"
    opens = before_window["claims_open_at"]
    assert opens is not None and opens.endswith("Z")
    assert int(_epoch(opens)) == held.claims_open_at
    assert [
        (p["partner_number"], p["account"], p["amount"], p["claimed"], p["tx_hash"])
        for p in before_window["items"]
    ] == [(n, PARTNERS[n].address, str(payouts[n]), False, None) for n in (1, 2, 3)]
    # within the dispute window: refused, nothing paid
    with pytest.raises(ApiError) as caught:
        client.claim(world.project_id, 1, 1)
    assert caught.value.status == 422 and "dispute window" in caught.value.problem["detail"]
    world.ledger.chain.advance_time(CLAIMS_OPEN)
    before = balances(world)
    paid = {}
    for number, who in ((1, "partner_a"), (2, "arbiter"), (3, "partner_c")):
        response = world.http.post(
            f"/v1/projects/{world.project_id}/milestones/1/claims",
            json={"partner_number": number},
            headers=world.headers(who),
        )
        assert response.status_code == 201, response.text
        assert (
            response.headers["location"] == f"/v1/projects/{world.project_id}/milestones/1/claims"
        )
        body = response.json()
        assert body == {
            "milestone": 1,
            "partner_number": number,
            "account": PARTNERS[number].address,
            "amount": str(payouts[number]),
            "tx_hash": body["tx_hash"],
        }
        paid[number] = body["tx_hash"]
    assert {n: world.ledger.chain.balance(a.address) - before[n] for n, a in PARTNERS.items()} == (
        payouts
    )
    after = client.claims(world.project_id, 1)
    assert after["claimed_total"] == str(AMOUNT)
    assert [(p["claimed"], p["tx_hash"]) for p in after["items"]] == [
        (True, paid[n]) for n in (1, 2, 3)
    ]
    assert all(p["claimed_at"] is not None for p in after["items"])
    # a second claim is a conflict and pays nothing
    settled = balances(world)
    with pytest.raises(ApiError) as caught:
        world.client("partner_a").claim(world.project_id, 1, 1)
    assert caught.value.status == 409
    assert (caught.value.problem["field"], caught.value.problem["tx_hash"]) == (
        "partner_number",
        paid[1],
    )
    assert balances(world) == settled
    assert kinds(world).count("payout.claimed") == 3


def test_a_payout_claimed_on_chain_outside_the_ledger_is_not_claimed_again(world: World) -> None:
    released(world)
    world.ledger.chain.advance_time(CLAIMS_OPEN)
    with world.session() as session:
        row = milestones.get(session, world.client("admin").milestone(world.project_id, 1)["id"])
        tree = snapshots.payout_tree(session, snapshots.get(session, row.snapshot_id))
    world.ledger.escrow.claim_leaf(world.pid, 1, tree, 1)  # anyone may send a claim
    claims = world.client("partner_b").claims(world.project_id, 1)
    assert [(p["claimed"], p["tx_hash"]) for p in claims["items"]] == [
        (False, None),
        (True, None),
        (False, None),
    ]
    settled = balances(world)
    with pytest.raises(ApiError) as caught:
        world.client("partner_b").claim(world.project_id, 1, 2)
    assert caught.value.status == 409
    assert balances(world) == settled
    assert "payout.claimed" not in kinds(world)


def test_claims_are_refused_before_the_release_for_unknown_partners_and_other_roles(
    world: World,
) -> None:
    plan(world)
    client = world.client("partner_a")
    planned = client.claims(world.project_id, 1)
    assert (planned["state"], planned["items"], planned["payout_root"]) == ("planned", [], None)
    assert planned["claims_open_at"] is None
    contributions(world)
    client.submit_milestone(world.project_id, 1, EVIDENCE)
    waiting = client.claims(world.project_id, 1)
    assert [p["claimed"] for p in waiting["items"]] == [False, False, False]
    assert waiting["claims_open_at"] is None and waiting["claimed_total"] == "0"
    with pytest.raises(ApiError) as caught:  # submitted, not released
        client.claim(world.project_id, 1, 1)
    assert (caught.value.status, caught.value.problem["field"]) == (422, "state")
    fund_escrow(world, AMOUNT)
    client.release_milestone(world.project_id, 1, [FOREIGN_A, FOREIGN_C])
    world.ledger.chain.advance_time(CLAIMS_OPEN)
    with pytest.raises(ApiError) as caught:
        client.claim(world.project_id, 1, 4)
    assert (caught.value.status, caught.value.problem["field"]) == (422, "partner")
    path = f"/v1/projects/{world.project_id}/milestones/1/claims"
    for body in ({}, {"partner_number": 0}, {"partner_number": "one"}, {"partner": 1}):
        response = world.http.post(path, json=body, headers=world.headers("partner_a"))
        assert response.status_code == 422, body
    for who in ("admin", "funder", "licensee"):
        with pytest.raises(ApiError) as caught:
            world.client(who).claim(world.project_id, 1, 1)
        assert (caught.value.status, caught.value.problem["rule"]) == (403, "role")
    assert "payout.claimed" not in kinds(world)
    assert world.ledger.escrow.milestone(world.pid, 1).claimed == 0


# ---------------------------------------------------------------------- helpers of the tests


def _epoch(text: str) -> float:
    return datetime.fromisoformat(text).astimezone(UTC).timestamp()
