"""The lifecycle of ``tests/ledger/services/test_lifecycle.py``, over HTTP only.

A real ``ipledger serve`` (on SQLite and on PostgreSQL, the embedded chain) and the Python
client: the admin founds the Sino-German project and hands out keys, the parties join with
their own signatures, the talent's degree is recognised in China, the funder pays in with
its own transaction, Vision Works deposits its background IP, the partners contribute in
all three tiers and live through three milestones, commit the tier columns, and an arbiter
audits the record. Every answer is checked by its values; the hand-computed numbers are
the ledger test's (derived in its comments).

The served chain's clock runs in real time and the API cannot move it, while a dispute
window lasts at least an hour. So every milestone's claims are opened by a dispute
decided on the released milestone (the escrow opens the claims at once when a dispute
on a released milestone ends without rejecting it): the first is settled by mediation
with a replacement, as in the ledger test; the second is ruled by the arbiter after the
release rather than before it; the third is settled by mediation upholding the payouts.

After milestone 1's columns are committed, each partner registers a foreground asset, a
core licence is granted (and one for the United States refused with the reason), and
revenue is paid on each tier, again into the third core bracket once milestone 2's columns
are committed; TU Example's next core code is built on the registered asset. Registering
and paying are the parties' own transactions: the served chain has no RPC endpoint, so
each party signs the call the server prepared and the server relays it. Every share is
checked to the wei against the model (``lifecycle_http_foreground.py``).
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime

import pytest

from api.client import Client
from tests.e2e.lifecycle_http import (
    ARB,
    A,
    B,
    C,
    Story,
    check_sums,
    matrix_of,
    payouts_of,
    profit_of,
    refused,
    seconds_ahead,
    vector_of,
    weights_of,
)
from tests.e2e.lifecycle_http_chapters import (
    the_admin_founds_the_project_and_the_partners_join,
    the_background_key_follows_milestone_1,
    the_funder_deposits_the_budget_itself,
    the_quorum_commits_the_columns_of,
    the_record_verifies_and_an_entry_proves_its_inclusion,
    the_talents_degree_is_recognised_in_the_host_country,
    two_milestones_are_planned,
    vision_works_deposits_its_background_ip,
)
from tests.e2e.lifecycle_http_foreground import (
    a_core_licence_is_granted_and_one_for_a_forbidden_territory_refused,
    core_revenue_follows_the_new_columns_into_the_third_bracket,
    revenue_on_each_tier_is_split_by_the_committed_columns,
    the_partners_register_one_foreground_asset_per_tier,
)
from tests.e2e.served import Served
from tests.ledger.services.lifecycle_support import AMOUNTS, evidence

OVERDUE_IN = 5  # seconds from planning milestone 3 to its due date


@pytest.mark.slow
def test_a_project_lives_through_its_whole_lifecycle_over_http(served: Served) -> None:
    admin = Client.connect(served.url, served.admin_key)
    try:
        story = Story(served, admin)
        the_admin_founds_the_project_and_the_partners_join(story)
        the_talents_degree_is_recognised_in_the_host_country(story)
        the_funder_deposits_the_budget_itself(story)
        two_milestones_are_planned(story)
        vision_works_deposits_its_background_ip(story)

        the_partners_contribute_in_all_three_tiers(story)
        milestone_1_is_submitted_and_released(story)
        the_background_key_follows_milestone_1(story)
        a_dispute_over_milestone_1_is_settled_by_mediation_then_claimed(story)
        the_quorum_commits_the_columns_of(story, 1, A, B)

        the_partners_register_one_foreground_asset_per_tier(story)
        a_core_licence_is_granted_and_one_for_a_forbidden_territory_refused(story)
        revenue_on_each_tier_is_split_by_the_committed_columns(story)

        the_partners_contribute_again_and_milestone_2_is_submitted_and_released(story)
        a_dispute_over_milestone_2_is_ruled_by_the_arbiter_then_claimed(story)
        the_quorum_commits_the_columns_of(story, 2, B, C)
        core_revenue_follows_the_new_columns_into_the_third_bracket(story)

        milestone_3_falls_overdue_then_is_released_and_claimed(story)
        the_record_holds_one_entry_per_change(story)
        the_record_verifies_and_an_entry_proves_its_inclusion(story)
    finally:
        admin.close()  # every principal's client shares its connection pool


# ---------------------------------------------------------------------- milestone 1


def the_partners_contribute_in_all_three_tiers(story: Story) -> None:
    story.contribute("a-code", A, "core", "code", 500)
    story.contribute("b-labour", B, "core", "labor_hours", 400)
    story.contribute("c-code", C, "core", "code", 100)  # disputed at milestone 1
    story.contribute("c-knowhow", C, "application", "tacit_knowhow_transfer", 90)
    story.contribute("b-data", B, "application", "data", 30)
    story.contribute("b-equipment", B, "derivative", "equipment", 50)
    story.contribute("c-training", C, "derivative", "tacit_training", 60)
    assert story.kinds()[-7:] == ["contribution.registered"] * 7
    numbers = [c["partner_number"] for c in story.contributions.values()]
    assert numbers == [1, 2, 3, 3, 2, 2, 3]

    # a retry of a signed registration returns the stored one and records nothing
    size, stored = len(story.kinds()), story.contributions["c-training"]
    again = story.clients["c"].register_contribution(
        story.project_id,
        C,
        tier="derivative",
        kind="tacit_training",
        value=60,
        evidence_hash=stored["evidence_hash"],
        idempotency_key="c-training",
    )
    assert (again["id"], again["journal_seq"]) == (stored["id"], stored["journal_seq"])
    assert len(story.kinds()) == size

    # Vision Works countersigns TU Example's code
    code = story.contributions["a-code"]
    attested = story.clients["b"].attest(story.project_id, code["id"], B)
    assert (attested["contribution_id"], attested["attester"], attested["role"]) == (
        code["id"],
        B.address,
        "partner",
    )
    shown = story.admin.contribution(story.project_id, code["id"])
    assert [a["attester"] for a in shown["attestations"]] == [B.address]
    assert story.kinds()[-1] == "contribution.attested"


def milestone_1_is_submitted_and_released(story: Story) -> None:
    snapshot = story.submit(1, "dataset v1, baseline recall 0.91")
    assert (snapshot["number"], snapshot["previous_hash"], snapshot["supersedes"]) == (
        1,
        None,
        None,
    )
    assert story.admin.equity(story.project_id)["id"] == snapshot["id"]
    # core: foreign raw 600/1000 = 6000 bps lies in the band and stays; application equal
    # between its two contributors, profit by raw shares 30 : 90; derivative: local raw
    # 50/110 is lifted to 5100
    assert matrix_of(snapshot) == {
        "core": {1: 5000, 2: 4000, 3: 1000},
        "application": {2: 5000, 3: 5000},
        "derivative": {1: 0, 2: 5100, 3: 4900},
    }
    assert profit_of(snapshot) == {2: 2500, 3: 7500}
    assert weights_of(snapshot) == {"core": 8130, "application": 976, "derivative": 894}
    assert vector_of(snapshot) == {1: 4065, 2: 4196, 3: 1739}
    check_sums(snapshot)
    assert story.kinds()[-2:] == ["snapshot.taken", "milestone.submitted"]

    story.release(1, A, B)
    anchors = story.admin.anchors(story.project_id)["items"]
    assert anchors[-1]["tree_size"] == len(story.kinds())  # the release anchored the head
    early = refused(lambda: story.clients["a"].claim(story.project_id, 1, 1))
    assert (early.status, early.problem["field"]) == (422, "milestone")
    assert "dispute window" in early.problem["detail"]


def a_dispute_over_milestone_1_is_settled_by_mediation_then_claimed(story: Story) -> None:
    """Vision Works shows that A. Talent's core code predates the project; all three settle."""
    pid, vision = story.project_id, story.clients["b"]
    superseded = story.snapshot_of(1)
    reason = "c-code was written before the project began"
    opened = vision.open_dispute(
        pid, B, "milestone", story.milestones[1]["id"], reason, evidence(reason)
    )
    assert (opened["status"], opened["opened_by"], opened["reason"]) == ("open", B.address, reason)
    assert story.admin.milestone(pid, 1)["state"] == "disputed"
    frozen = refused(lambda: story.clients["a"].claim(pid, 1, 1))
    assert frozen.status == 422 and "is disputed" in frozen.problem["detail"]

    excluded = [story.contributions["c-code"]["id"]]
    proposal = vision.propose_outcome(pid, opened["id"], "replace", excluded)
    # (3e18 + 7) × (4779, 4213, 1008) / 10000: the floors leave 2 wei, for B and C
    expected = {
        1: 1_433_700_000_000_000_003,
        2: 1_263_900_000_000_000_003,
        3: 302_400_000_000_000_001,
    }
    assert {int(n): int(w) for n, w in proposal["payouts"].items()} == expected
    settled = vision.settle_dispute(pid, opened["id"], [C, B, A], "replace", excluded)
    assert (settled["status"], settled["outcome"]) == ("settled", "replace")
    assert settled["resolution"]["excluded"] == excluded
    assert sorted(settled["resolution"]["signers"]) == sorted(a.address for a in (A, B, C))
    assert story.kinds()[-3:] == ["dispute.opened", "snapshot.taken", "dispute.settled"]
    assert story.admin.contribution(pid, excluded[0])["status"] == "rejected"

    snapshot = story.snapshot_of(1)
    assert (snapshot["number"], snapshot["supersedes"]) == (2, superseded["id"])
    assert story.admin.snapshot(pid, superseded["id"])["superseded_by"] == snapshot["id"]
    assert snapshot["left_out"] == excluded
    milestone = story.admin.milestone(pid, 1)
    assert milestone["state"] == "released"
    assert milestone["payout_root"] == snapshot["payout_root"] != superseded["payout_root"]
    assert snapshot["payout_root"] == proposal["new_root"]
    # core without c-code: foreign raw 500/900 is lifted to the band's 6000, all A's
    assert matrix_of(snapshot)["core"] == {1: 6000, 2: 4000, 3: 0}
    assert weights_of(snapshot) == {"core": 7965, "application": 1062, "derivative": 973}
    assert vector_of(snapshot) == {1: 4779, 2: 4213, 3: 1008}
    assert payouts_of(snapshot) == expected != payouts_of(superseded)
    check_sums(snapshot)

    paid = story.claim_all(1)  # the replacement opened the claims at once
    assert paid == expected and sum(paid.values()) == AMOUNTS[1]
    assert story.kinds()[-3:] == ["payout.claimed"] * 3
    again = refused(lambda: story.clients["c"].claim(pid, 1, 3))
    assert (again.status, again.problem["field"]) == (409, "partner_number")


# ---------------------------------------------------------------------- milestone 2


def the_partners_contribute_again_and_milestone_2_is_submitted_and_released(story: Story) -> None:
    core_asset = story.assets["core"]["id"]
    story.contribute("a-detector", A, "core", "code", 300, asset_id=core_asset)
    story.contribute("b-funding", B, "core", "funding", 200)
    story.contribute("c-core-knowhow", C, "core", "tacit_knowhow_transfer", 250)
    story.contribute("c-consulting", C, "application", "tacit_consulting", 1500)
    story.contribute("a-app-code", A, "application", "code", 60)
    story.contribute("b-more-data", B, "derivative", "data", 40)
    built = story.admin.contribution(story.project_id, story.contributions["a-detector"]["id"])
    assert built["asset_id"] == core_asset
    assert story.payload("contribution.registered", -6)["asset_id"] == core_asset

    previous = story.snapshot_of(1)
    snapshot = story.submit(2, "pilot line: 40 000 parts inspected")
    assert (snapshot["number"], snapshot["previous_hash"]) == (3, previous["inputs_hash"])
    assert snapshot["inputs_hash"] != previous["inputs_hash"]
    # core 800 : 600 : 250 -> foreign 6364 / local 3636, A and C split 6364 by 800 : 250
    assert matrix_of(snapshot)["core"] == {1: 4849, 2: 3636, 3: 1515}
    assert vector_of(snapshot) != vector_of(previous)
    check_sums(snapshot)
    story.release(2, B, C)


def a_dispute_over_milestone_2_is_ruled_by_the_arbiter_then_claimed(story: Story) -> None:
    """TU Example disputes 1500 hours of consulting; the arbiter rules them out."""
    pid, tu = story.project_id, story.clients["a"]
    superseded = story.snapshot_of(2)

    # milestone 3 is planned now, due seconds ahead: no alert is due yet
    due = seconds_ahead(OVERDUE_IN)
    planned = story.admin.plan_milestone(
        pid, title="Inline system certified", amount=AMOUNTS[3], trl_target=7, due_at=due
    )
    assert (planned["number"], planned["state"], planned["overdue_at"]) == (3, "planned", None)
    story.milestones[3] = planned
    assert story.clients["arbiter"].alerts(pid) == []

    reason = "1500 consulting hours were never given"
    opened = tu.open_dispute(
        pid, A, "milestone", story.milestones[2]["id"], reason, evidence(reason)
    )
    assert (opened["status"], opened["opened_by"]) == ("open", A.address)
    held_off = refused(lambda: tu.submit_milestone(pid, 3, evidence("too early")))
    assert (held_off.status, held_off.problem["dispute_id"]) == (409, opened["id"])
    partner_rules = refused(lambda: tu.rule_dispute(pid, opened["id"], A, "replace", []))
    assert (partner_rules.status, partner_rules.problem["rule"]) == (403, "role")

    excluded = [story.contributions["c-consulting"]["id"]]
    proposal = tu.propose_outcome(pid, opened["id"], "replace", excluded)
    ruled = story.clients["arbiter"].rule_dispute(pid, opened["id"], ARB, "replace", excluded)
    assert (ruled["status"], ruled["outcome"]) == ("ruled", "replace")
    assert ruled["resolution"]["excluded"] == excluded and ruled["resolution"]["tx"]
    assert story.kinds()[-3:] == ["dispute.opened", "snapshot.taken", "dispute.ruled"]
    ruling = story.payload("dispute.ruled")
    assert (ruling["excluded"], ruling["fee"], ruling["snapshot"]) == (excluded, "0", 4)

    snapshot = story.snapshot_of(2)
    assert (snapshot["number"], snapshot["supersedes"]) == (4, superseded["id"])
    milestone = story.admin.milestone(pid, 2)
    assert (milestone["state"], milestone["payout_root"]) == ("released", snapshot["payout_root"])
    # application without c-consulting: A 60, B 30, C 90 -> rights 3333.3 each, the wei
    # to A; profit 3333, 1667, 5000; weights 1650 : 180 : 150 -> 8333, 909, 758
    assert matrix_of(snapshot)["application"] == {1: 3334, 2: 3333, 3: 3333}
    assert profit_of(snapshot) == {1: 3333, 2: 1667, 3: 5000}
    assert matrix_of(snapshot)["derivative"] == {1: 0, 2: 6000, 3: 4000}
    assert weights_of(snapshot) == {"core": 8333, "application": 909, "derivative": 758}
    assert vector_of(snapshot) == {1: 4344, 2: 3788, 3: 1868}
    assert payouts_of(snapshot) == {int(n): int(w) for n, w in proposal["payouts"].items()}
    assert snapshot["payout_root"] == proposal["new_root"] != superseded["payout_root"]
    check_sums(snapshot)

    paid = story.claim_all(2)  # the ruling on the released milestone opened the claims
    assert paid == payouts_of(snapshot) and sum(paid.values()) == AMOUNTS[2]


# ---------------------------------------------------------------------- milestone 3


def milestone_3_falls_overdue_then_is_released_and_claimed(story: Story) -> None:
    pid = story.project_id
    story.contribute("b-background", B, "core", "background_ip_license", 100)
    story.contribute("c-consulting-2", C, "application", "tacit_consulting", 40)
    story.contribute("a-training", A, "derivative", "tacit_training", 30)

    due = datetime.fromisoformat(story.milestones[3]["due_at"])
    time.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()) + 1)
    (alert,) = story.clients["b"].alerts(pid)
    assert (alert["kind"], alert["milestone"], alert["state"]) == ("overdue", 3, "planned")
    assert datetime.fromisoformat(alert["due_at"]) == due
    assert alert["notified"] == [A.address, B.address, C.address, ARB.address]
    assert story.clients["arbiter"].alerts(pid) == [alert]  # raised once
    assert story.admin.milestone(pid, 3)["overdue_at"] is not None
    assert story.payload("alert.overdue")["milestone"] == 3
    licensee = refused(lambda: story.clients["licensee"].alerts(pid))
    assert (licensee.status, licensee.problem["rule"]) == (403, "role")

    previous = story.snapshot_of(2)
    snapshot = story.submit(3, "certificate of conformity, line 4")
    assert (snapshot["number"], snapshot["previous_hash"]) == (5, previous["inputs_hash"])
    assert vector_of(snapshot) != vector_of(previous)
    check_sums(snapshot)
    assert [a["milestone_state"] for a in story.clients["b"].alerts(pid)] == ["submitted"]
    story.release(3, A, C)

    # A. Talent questions the certificate; all three agree the payouts stand
    reason = "the certificate names line 4 only"
    opened = story.clients["c"].open_dispute(
        pid, C, "milestone", story.milestones[3]["id"], reason, evidence(reason)
    )
    settled = story.clients["c"].settle_dispute(pid, opened["id"], [A, B, C], "uphold")
    assert (settled["status"], settled["outcome"]) == ("settled", "uphold")
    assert story.snapshot_of(3)["id"] == snapshot["id"]  # upheld: no new snapshot
    paid = story.claim_all(3)
    assert paid == payouts_of(snapshot) and sum(paid.values()) == AMOUNTS[3]
    for number, amount in AMOUNTS.items():
        assert story.admin.claims(pid, number)["claimed_total"] == str(amount)


# ---------------------------------------------------------------------- the audit


def the_record_holds_one_entry_per_change(story: Story) -> None:
    assert Counter(story.kinds()) == {
        "project.created": 1,
        "principal.created": 6,
        "partner.joined": 3,
        "funding.deposited": 1,
        "milestone.planned": 3,
        "contribution.registered": 16,
        "contribution.attested": 1,
        "background.deposited": 1,
        "background.released": 1,
        "rights.committed": 6,
        "snapshot.taken": 5,
        "milestone.submitted": 3,
        "milestone.released": 3,
        "dispute.opened": 3,
        "dispute.settled": 2,
        "dispute.ruled": 1,
        "payout.claimed": 9,
        "foreground.registered": 3,
        "licence.granted": 2,
        "licence.fee_paid": 2,
        "revenue.received": 3,
        "alert.overdue": 1,
    }
    disputes = story.admin.disputes(story.project_id)["items"]
    assert [(d["status"], d["outcome"]) for d in disputes] == [
        ("settled", "replace"),
        ("ruled", "replace"),
        ("settled", "uphold"),
    ]
