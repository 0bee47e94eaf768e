"""One project's whole life through the ledger's services, then the arbiter's audit.

A Sino-German consortium (TU Example and the talent A. Talent from Germany, Vision Works
from China, the host) founds a project, has the talent's degree recognised in China,
contributes in all three tiers, and lives through three milestones: each submission is a
recalculation; a dispute over the first is settled by mediation, one over the second is
decided by the arbiter. The recalculated columns go on chain, the foreground assets are
licensed (one territory refused) and earn revenue on each tier, the background IP's key
goes to its beneficiary, an overdue milestone raises its alert. Finally ``verify`` passes,
and fails once one byte of the database changes.

The chapters run in order on one project; each checks what could go wrong at that point.
Hand-computed numbers are derived in the comments (DESIGN.md's rules; bps and wei).
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from string import hexdigits
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount
from sqlalchemy import Engine, text

from ledger import (
    audit,
    contributions,
    disputes,
    funding,
    journal,
    licensing,
    milestones,
    projects,
    snapshots,
)
from ledger import background_service as background
from ledger import credential_service as credentials
from ledger.chain.background import DepositState
from ledger.chain.disputes import DisputeStatus
from ledger.chain.registry import Tier as ChainTier
from ledger.context import Ledger
from ledger.credentials import CredentialType, Status, Subject
from ledger.db import Dispute, ForegroundAsset, Licence, Project, RevenuePayment, SnapshotRecord
from ledger.errors import Conflict, RuleViolation, Unauthorized
from ledger.registry_record import REGISTRY_RECORD
from tests.ledger.credentials.support import ISSUER, KEY
from tests.ledger.services.conftest import ARBITER, FOREIGN_A, FOREIGN_C, LOCAL_B, T0, Clock
from tests.ledger.services.conftest import signer as signer_of
from tests.ledger.services.credential_support import TUM_CHAIN
from tests.ledger.services.ip_support import count, register_on_chain
from tests.ledger.services.lifecycle_support import (
    AMOUNTS,
    BY_NUMBER,
    ETHER,
    FUNDER,
    LICENSEE,
    TIERS,
    Story,
    evidence,
    lifecycle_agreement,
    matrix_of,
    payouts_of,
    profit_of,
    vector_of,
    within_a_wei,
)

A, B, C = FOREIGN_A.address, LOCAL_B.address, FOREIGN_C.address
DOCUMENT = b"Vision Works calibration process for line cameras, rev. 7 (trade secret)" * 20
CORE_FEE = 600_000_000_000_000_001  # the core licence's fee
CORE_ROYALTY = 700_000_000_000_000_003  # crosses the 1 ether bracket cap
APPLICATION_ROYALTY = ETHER + 1
DERIVATIVE_FEE = 300_000_000_000_000_007
SECOND_CORE_ROYALTY = 4 * ETHER  # crosses the 5 ether cap


def test_a_project_lives_through_its_whole_lifecycle_and_its_audit_catches_one_changed_byte(
    engine: Engine, ledger: Ledger, clock: Clock, make_project: Callable[..., Project]
) -> None:
    story = Story(engine, ledger, clock, make_project(lifecycle_agreement()))
    the_partners_have_joined(story)
    the_talents_degree_is_recognised_in_the_host_country(story)
    the_parties_fund_their_keys_and_the_escrow(story)
    three_milestones_are_planned(story)
    vision_works_deposits_its_background_ip(story)

    the_partners_contribute_in_all_three_tiers(story)
    milestone_1_is_submitted_and_its_equity_computed(story)
    milestone_1_is_released_and_the_background_key_follows(story)
    a_dispute_over_milestone_1_is_settled_by_mediation_then_claimed(story)
    story.commit_columns(story.snapshot_of(1), FOREIGN_A, LOCAL_B)
    the_committed_columns_are_the_snapshots(story, story.snapshot_of(1))

    the_partners_register_one_foreground_asset_per_tier(story)
    a_core_licence_is_granted_and_one_for_a_forbidden_territory_refused(story)
    revenue_on_each_tier_is_split_by_the_committed_columns(story)

    the_partners_contribute_again_and_submit_milestone_2(story)
    a_dispute_over_milestone_2_is_decided_by_the_arbiter(story)
    milestone_2_is_released_and_claimed_after_the_dispute_window(story)
    story.commit_columns(story.snapshot_of(2), LOCAL_B, FOREIGN_C)
    the_committed_columns_are_the_snapshots(story, story.snapshot_of(2))
    core_revenue_follows_the_new_columns_into_the_third_bracket(story)

    milestone_3_falls_overdue_then_is_released_and_claimed(story)
    the_record_holds_one_entry_per_change(story)
    the_arbiter_verifies_the_project_then_catches_one_changed_byte(story)


# ---------------------------------------------------------------------- founding


def the_partners_have_joined(story: Story) -> None:
    with story.session() as session:
        members = projects.partners_of(session, story.project_id)
    assert [(p.number, p.address, p.side) for p in members] == [
        (1, A, "foreign"),
        (2, B, "local"),
        (3, C, "foreign"),
    ]
    assert story.kinds() == ["project.created"] + ["partner.joined"] * 3


def the_talents_degree_is_recognised_in_the_host_country(story: Story) -> None:
    """TU Munich (DE) vouches for A. Talent's doctorate; China comes to recognise it."""
    ledger = story.ledger
    holder = f"did:pkh:eip155:{ledger.chain.chain_id}:{C}"
    with story.session() as session:
        credentials.register_issuer(
            session,
            ledger,
            urn=ISSUER.id,
            name=ISSUER.name,
            jurisdiction=ISSUER.jurisdiction,
            public_key=ISSUER.public_key.hex(),
            address=TUM_CHAIN.address,
        )
    with story.session() as session:
        degree = credentials.issue_and_store(
            session,
            ledger,
            urn=ISSUER.id,
            issuer_key=KEY,
            anchor_account=TUM_CHAIN,
            subject=Subject(holder, {"degree": "Dr.-Ing.", "field": "Machine vision"}),
            credential_type=CredentialType.DEGREE,
            valid_from=T0 - timedelta(days=400),
            credential_id="urn:uuid:5d0c1e8a-7f3b-4c2d-9e1a-talent-doctorate",
        )
    assert degree.subject == holder and degree.anchored_tx is not None

    def verified(jurisdiction: str) -> credentials.StoredVerification:
        with story.session() as session:
            return credentials.verify_stored(
                session, ledger, credential=degree.document, jurisdiction=jurisdiction
            )

    assert verified("DE").status is Status.VALID
    abroad = verified("CN")
    assert (abroad.status, abroad.jurisdiction) == (Status.NOT_RECOGNISED, "CN")
    with story.session() as session:
        credentials.recognise(
            session, ledger, first="CN", second="DE", credential_type=CredentialType.DEGREE
        )
    recognised = verified("CN")
    assert recognised.status is Status.VALID
    assert (recognised.anchored_by, recognised.discrepancies) == (TUM_CHAIN.address, ())
    with story.session() as session:
        registry = [e.kind for e in journal.entries(session, REGISTRY_RECORD)]
    assert registry == ["issuer.registered", "credential.stored", "recognition.registered"]
    assert len(story.kinds()) == 4  # the registry's acts are not the project's


def the_parties_fund_their_keys_and_the_escrow(story: Story) -> None:
    """Partners, the arbiter and the licensee send transactions of their own; the fund pays in."""
    chain = story.ledger.chain
    for account in (FOREIGN_A, LOCAL_B, FOREIGN_C, ARBITER):
        chain.send_value(account.address, ETHER)
    chain.send_value(LICENSEE.address, 10 * ETHER)
    chain.send_value(FUNDER.address, 11 * ETHER)
    budget = sum(AMOUNTS.values())
    with story.session() as session:
        unsigned = funding.prepare_deposit(
            session, story.ledger, project_id=story.project_id, funder=FUNDER.address, amount=budget
        )
    transaction = signer_of(story.ledger, FUNDER).transaction(unsigned)
    with story.session() as session:
        (recorded,) = funding.deposit(
            session,
            story.ledger,
            project_id=story.project_id,
            amount=budget,
            transaction=transaction,
        )
    assert (recorded.funder, recorded.amount) == (FUNDER.address, budget)
    assert story.ledger.escrow.available(story.pid) == budget
    assert story.ledger.escrow.deposit_of(story.pid, FUNDER.address) == budget


def three_milestones_are_planned(story: Story) -> None:
    plans = {
        1: ("Labelled defect dataset and baseline detector", 4, 30),
        2: ("Prototype on the pilot line", 6, 60),
        3: ("Inline system certified", 7, 90),
    }
    for number, (title, trl, days) in plans.items():
        with story.session() as session:
            story.milestones[number] = milestones.plan(
                session,
                story.ledger,
                project_id=story.project_id,
                title=title,
                amount=AMOUNTS[number],
                trl_target=trl,
                due_at=T0 + timedelta(days=days),
            )
    assert [(n, m.number, m.state) for n, m in story.milestones.items()] == [
        (1, 1, "planned"),
        (2, 2, "planned"),
        (3, 3, "planned"),
    ]
    assert story.payload("milestone.planned", 0)["amount"] == str(AMOUNTS[1])


def vision_works_deposits_its_background_ip(story: Story) -> None:
    """The calibration process stays Vision Works'; TU Example gets its key at milestone 1."""
    values: dict[str, Any] = {
        "project_id": story.project_id,
        "owner": B,
        "document": DOCUMENT,
        "terms": {"use": "project research only", "sublicence": False, "royalty_bps": 0},
        "beneficiary": A,
        "release_milestone": 1,
    }
    with story.session() as session:
        prepared = background.prepare_deposit(session, story.ledger, **values)
    signature = signer_of(story.ledger, LOCAL_B).background_deposit(prepared.terms)
    with story.session() as session:
        story.deposit = background.deposit(
            session,
            story.ledger,
            title="Line camera calibration",
            handle=prepared.handle,
            signature=signature,
            **values,
        )
    assert story.deposit.chain_deposit_id is not None
    held = story.ledger.background.get(story.deposit.chain_deposit_id)
    assert (held.state, held.owner, held.beneficiary) == (DepositState.DEPOSITED, B, A)
    assert read_document(story, B) == DOCUMENT
    with pytest.raises(Unauthorized) as refused:
        read_document(story, A)
    assert refused.value.fields["field"] == "reader"


# ---------------------------------------------------------------------- milestone 1


def the_partners_contribute_in_all_three_tiers(story: Story) -> None:
    story.contribute("a-code", FOREIGN_A, "core", "code", 500)
    story.contribute("b-labour", LOCAL_B, "core", "labor_hours", 400)
    story.contribute("c-code", FOREIGN_C, "core", "code", 100)  # disputed at milestone 1
    story.contribute("c-knowhow", FOREIGN_C, "application", "tacit_knowhow_transfer", 90)
    story.contribute("b-data", LOCAL_B, "application", "data", 30)
    story.contribute("b-equipment", LOCAL_B, "derivative", "equipment", 50)
    story.contribute("c-training", FOREIGN_C, "derivative", "tacit_training", 60)
    assert story.kinds()[-7:] == ["contribution.registered"] * 7
    # a retry of a signed registration returns the stored one and records nothing
    size = len(story.kinds())
    stored = story.contributions["c-training"]
    fields: dict[str, Any] = {
        "tier": "derivative",
        "kind": "tacit_training",
        "value": 60,
        "evidence_hash": stored.evidence_hash,
        "idempotency_key": "c-training",
    }
    signature = signer_of(story.ledger, FOREIGN_C).contribution(story.pid, **fields)
    with story.session() as session:
        again = contributions.register(
            session,
            story.ledger,
            project_id=story.project_id,
            partner=C,
            signature=signature,
            **fields,
        )
    assert (again.created, again.contribution.id) == (False, stored.id)
    assert len(story.kinds()) == size


def milestone_1_is_submitted_and_its_equity_computed(story: Story) -> None:
    submit(story, 1, "dataset v1, baseline recall 0.91")
    snapshot = story.snapshot_of(1)
    assert (snapshot.number, snapshot.previous_hash, snapshot.supersedes_id) == (1, None, None)
    # core: foreign raw 600/1000 = 6000 bps lies in the band [6000, 7000] and stays;
    # application: equal between its two contributors, profit by raw shares 30 : 90;
    # derivative: local raw 50/110 < 5100 is lifted to 5100, the foreign side scaled to 4900
    assert matrix_of(snapshot) == {
        "core": {1: 5000, 2: 4000, 3: 1000},
        "application": {2: 5000, 3: 5000},
        "derivative": {1: 0, 2: 5100, 3: 4900},
    }
    assert profit_of(snapshot) == {2: 2500, 3: 7500}
    # tier weights 1000 : 120 : 110 of 1230 -> 8130.08, 975.61, 894.31 -> 8130, 976, 894
    assert json.loads(snapshot.weights) == {"core": 8130, "application": 976, "derivative": 894}
    # s = 4065, 4195.94, 1739.06 -> 4065, 4196, 1739
    assert vector_of(snapshot) == {1: 4065, 2: 4196, 3: 1739}
    assert sum(payouts_of(snapshot).values()) == AMOUNTS[1]
    assert story.kinds()[-2:] == ["snapshot.taken", "milestone.submitted"]


def milestone_1_is_released_and_the_background_key_follows(story: Story) -> None:
    released = story.release(1, FOREIGN_A, LOCAL_B)
    assert released.state == "released"
    held = story.ledger.escrow.milestone(story.pid, 1)
    assert (held.root.hex(), held.total) == (story.snapshot_of(1).payout_root, AMOUNTS[1])
    anchored = story.ledger.anchor.latest(story.pid)
    assert anchored is not None and anchored.tree_size == len(story.kinds())
    with pytest.raises(RuleViolation, match="dispute window"):
        claim(story, 1, 1)

    assert story.deposit is not None and story.deposit.id is not None
    with story.session() as session:
        opened = background.release(session, story.ledger, deposit_id=story.deposit.id)
    assert (opened.state, opened.released_to) == ("released", A)
    assert story.payload("background.released")["by"] == "milestone"
    assert read_document(story, A) == DOCUMENT
    assert read_document(story, B) == DOCUMENT  # ownership never moves
    with pytest.raises(Unauthorized):
        read_document(story, C)


def a_dispute_over_milestone_1_is_settled_by_mediation_then_claimed(story: Story) -> None:
    """Vision Works shows that A. Talent's core code predates the project; all three settle."""
    ledger = story.ledger
    superseded = story.snapshot_of(1)
    opened = open_dispute(story, LOCAL_B, 1, "c-code was written before the project began")
    assert story.milestone(1).state == "disputed"
    assert ledger.escrow.milestone(story.pid, 1).frozen
    with pytest.raises(RuleViolation, match="is disputed"):
        claim(story, 1, 1)

    excluded = [story.contributions["c-code"].id]
    with story.session() as session:
        proposal = disputes.propose(
            session,
            ledger,
            dispute_id=opened.id,
            outcome="replace",
            excluded=excluded,
        )
    message = proposal.settlement_message()
    signatures = [
        signer_of(ledger, account).settlement(
            message["disputeId"], message["outcome"], message["newRoot"], message["newTotal"]
        )
        for account in (FOREIGN_C, LOCAL_B, FOREIGN_A)  # every partner, the excluded one too
    ]
    with story.session() as session:
        settled = disputes.settle(
            session,
            ledger,
            dispute_id=opened.id,
            outcome="replace",
            excluded=excluded,
            signatures=signatures,
        )
    assert (settled.status, settled.outcome) == ("settled", "replace")
    assert ledger.disputes.dispute(opened.chain_dispute_id).status == DisputeStatus.SETTLED
    assert story.kinds()[-3:] == ["dispute.opened", "snapshot.taken", "dispute.settled"]
    with story.session() as session:
        assert contributions.get(session, excluded[0]).status == "rejected"

    snapshot = story.snapshot_of(1)
    assert (snapshot.number, snapshot.supersedes_id) == (2, superseded.id)
    assert story.milestone(1).state == "released"
    # core without c-code: foreign raw 500/900 is lifted to the band's 6000, all of it A's
    # (C has no core weight left); weights 900 : 120 : 110 of 1130 -> 7965, 1062, 973;
    # s = 4779, 4213.23, 1007.77 -> 4779, 4213, 1008
    assert matrix_of(snapshot)["core"] == {1: 6000, 2: 4000, 3: 0}
    assert json.loads(snapshot.weights) == {"core": 7965, "application": 1062, "derivative": 973}
    assert vector_of(snapshot) == {1: 4779, 2: 4213, 3: 1008}
    # (3e18 + 7) × (4779, 4213, 1008) / 10000 = …003.3453, …002.9491, …000.7056:
    # the floors leave 2 wei, for B and C (the largest remainders)
    expected = {
        1: 1_433_700_000_000_000_003,
        2: 1_263_900_000_000_000_003,
        3: 302_400_000_000_000_001,
    }
    assert payouts_of(snapshot) == proposal.payouts == expected
    assert payouts_of(superseded) != expected
    held = ledger.escrow.milestone(story.pid, 1)
    assert held.root.hex() == snapshot.payout_root != superseded.payout_root
    assert not held.frozen

    paid = story.claim_all(1)  # the replacement opened the claims at once
    assert paid == expected and sum(paid.values()) == AMOUNTS[1]
    assert within_a_wei(paid, AMOUNTS[1], vector_of(snapshot))
    assert story.kinds()[-3:] == ["payout.claimed"] * 3
    assert ledger.escrow.milestone(story.pid, 1).claimed == AMOUNTS[1]


def the_committed_columns_are_the_snapshots(story: Story, snapshot: SnapshotRecord) -> None:
    matrix = matrix_of(snapshot)
    for tier in TIERS:
        held = story.ledger.rights.column(story.pid, ChainTier[tier.upper()])
        assert (held.snapshot_id, held.inputs_hash.hex()) == (snapshot.number, snapshot.inputs_hash)
        by_address = {BY_NUMBER[n].address: bps for n, bps in matrix[tier].items()}
        assert dict(zip(held.column.partners, held.column.rights_bps, strict=True)) == by_address
        assert sum(held.column.rights_bps) == 10_000
    profit = story.ledger.rights.column(story.pid, ChainTier.APPLICATION).column.profit_bps
    assert sum(profit) == 10_000
    committed = [story.payload("rights.committed", i) for i in (-3, -2, -1)]
    assert [(p["snapshot"], p["tier"]) for p in committed] == [(snapshot.number, t) for t in TIERS]


# ---------------------------------------------------------------------- foreground IP


def the_partners_register_one_foreground_asset_per_tier(story: Story) -> None:
    """Each registrant sends its own registration; the ledger records it from the receipt."""
    made = {
        "core": (FOREIGN_A, "Defect detector model"),
        "application": (FOREIGN_C, "Inspection app for press lines"),
        "derivative": (LOCAL_B, "Retrofit kit for older lines"),
    }
    for tier, (owner, title) in made.items():
        digest, tx_hash = register_on_chain(
            story.ledger, story.project, owner, ChainTier[tier.upper()], title.encode()
        )
        with story.session() as session:
            story.assets[tier] = licensing.register_asset(
                session,
                story.ledger,
                project_id=story.project_id,
                tier=tier,
                title=title,
                content_hash=digest,
                tx_hash=tx_hash,
            )
        assert story.payload("foreground.registered")["registrant"] == owner.address
    with story.session() as session:
        pooled = licensing.assets(session, story.project_id)
        owners = licensing.ownership(session, story.ledger, asset_id=story.assets["core"].id)
    assert [a.tier for a in pooled] == list(TIERS)
    assert owners == {A: 6000, B: 4000, C: 0}  # the committed core column of snapshot 2


def a_core_licence_is_granted_and_one_for_a_forbidden_territory_refused(story: Story) -> None:
    core = story.assets["core"]
    terms = {"licensee": LICENSEE.address, "industry": "C26", "fee": CORE_FEE}
    licence = grant(story, core, territory="DE", quorum=(LOCAL_B, FOREIGN_A), **terms)
    assert (licence.state, licence.territory, licence.fee) == ("granted", "DE", CORE_FEE)
    before = story.credits()
    payment = pay_fee(story, licence)
    # all in the first bracket: the foreign side's 7000 bps go to A alone (C holds no core
    # rights): A 420000000000000000.7, B 180000000000000000.3 -> the wei left to A
    expected = {A: 420_000_000_000_000_001, B: 180_000_000_000_000_000}
    check_split(story, payment, "core", 1, before, expected)

    # the United States are not among the core tier's territories: refused with the reason,
    # before anything reaches the chain, even with the quorum's signatures for a licence
    next_licence, size = story.ledger.foreground.next_licence_id(), len(story.kinds())
    with pytest.raises(RuleViolation) as refused, story.session() as session:
        licensing.prepare_licence(session, story.ledger, asset_id=core.id, territory="US", **terms)
    fields = refused.value.fields
    assert (fields["field"], fields["value"], fields["tier"]) == ("territory", "US", "core")
    assert fields["allowed"] == ["CN", "DE"] and "US is not on it" in refused.value.message
    with story.session() as session:
        offer = licensing.prepare_licence(
            session,
            story.ledger,
            asset_id=core.id,
            territory="CN",
            **terms,
        )
    offered = dataclasses.asdict(offer)
    signatures = [signer_of(story.ledger, a).licence(**offered) for a in (FOREIGN_A, LOCAL_B)]
    with pytest.raises(RuleViolation) as sent, story.session() as session:
        licensing.grant_licence(
            session,
            story.ledger,
            asset_id=core.id,
            territory="US",
            signatures=signatures,
            **terms,
        )
    assert sent.value.fields["field"] == "territory"
    assert story.ledger.foreground.next_licence_id() == next_licence
    assert count(story.engine, Licence) == 1 and len(story.kinds()) == size


def revenue_on_each_tier_is_split_by_the_committed_columns(story: Story) -> None:
    """Core by brackets, application by profit bps, derivative by rights (no split signed)."""
    core, application, derivative = (story.assets[t] for t in TIERS)
    before = story.credits()
    payment = pay(story, core, CORE_ROYALTY)
    # cumulative 0.6 ether + 1 before: 399999999999999999 wei at 7000 bps, 300000000000000004
    # at 6500 -> foreign 475000000000000001.9 (all A's), local 225000000000000001.1
    assert payment.cumulative_before == CORE_FEE
    expected = {A: 475_000_000_000_000_002, B: 225_000_000_000_000_001}
    check_split(story, payment, "core", 1, before, expected)

    before = story.credits()
    payment = pay(story, application, APPLICATION_ROYALTY)
    # profit 2500 : 7500 -> …000.25 and …000.75: the wei left goes to C
    expected = {B: 250_000_000_000_000_000, C: 750_000_000_000_000_001}
    check_split(story, payment, "application", 1, before, expected)

    licence = grant(
        story,
        derivative,
        territory="US",  # derivative technologies: any territory and industry
        quorum=(FOREIGN_C, LOCAL_B),
        licensee=LICENSEE.address,
        industry="J62",
        fee=DERIVATIVE_FEE,
    )
    before = story.credits()
    payment = pay_fee(story, licence)
    # rights 5100 : 4900 -> …003.57 and …003.43: the wei left goes to B
    expected = {B: 153_000_000_000_000_004, C: 147_000_000_000_000_003}
    check_split(story, payment, "derivative", 1, before, expected)


# ---------------------------------------------------------------------- milestone 2


def the_partners_contribute_again_and_submit_milestone_2(story: Story) -> None:
    core_asset = story.assets["core"]
    story.contribute("a-detector", FOREIGN_A, "core", "code", 300, asset=core_asset)
    story.contribute("b-funding", LOCAL_B, "core", "funding", 200)
    story.contribute("c-core-knowhow", FOREIGN_C, "core", "tacit_knowhow_transfer", 250)
    story.contribute("c-consulting", FOREIGN_C, "application", "tacit_consulting", 1500)
    story.contribute("a-app-code", FOREIGN_A, "application", "code", 60)
    story.contribute("b-more-data", LOCAL_B, "derivative", "data", 40)
    assert story.contributions["a-detector"].asset_id == core_asset.id
    assert story.payload("contribution.registered", -6)["asset_id"] == core_asset.id

    previous = story.snapshot_of(1)
    submit(story, 2, "pilot line: 40 000 parts inspected")
    snapshot = story.snapshot_of(2)
    assert (snapshot.number, snapshot.previous_hash) == (3, previous.inputs_hash)
    assert snapshot.inputs_hash != previous.inputs_hash
    # core 800 : 600 : 250 -> foreign 1050/1650 = 6363.6 is in the band: sides 6364 / 3636,
    # then A and C split 6364 by 800 : 250 -> 4848.8, 1515.2 -> 4849, 1515
    assert matrix_of(snapshot)["core"] == {1: 4849, 2: 3636, 3: 1515}
    assert vector_of(snapshot) != vector_of(previous)


def a_dispute_over_milestone_2_is_decided_by_the_arbiter(story: Story) -> None:
    """TU Example disputes 1500 hours of consulting; the arbiter rules them out."""
    ledger = story.ledger
    superseded = story.snapshot_of(2)
    opened = open_dispute(story, FOREIGN_A, 2, "1500 consulting hours were never given")
    with pytest.raises(Conflict) as held_off:
        submit(story, 3, "too early: the equity is under dispute")
    assert held_off.value.fields["dispute_id"] == opened.id

    excluded = [story.contributions["c-consulting"].id]
    with story.session() as session:
        proposal, unsigned = disputes.prepare_ruling(
            session,
            ledger,
            dispute_id=opened.id,
            outcome="replace",
            excluded=excluded,
            arbiter=ARBITER.address,
        )
    transaction = signer_of(ledger, ARBITER).transaction(unsigned)
    with story.session() as session:
        ruled = disputes.rule(
            session,
            ledger,
            dispute_id=opened.id,
            outcome="replace",
            excluded=excluded,
            transaction=transaction,
        )
    assert (ruled.status, ruled.outcome) == ("ruled", "replace")
    assert ledger.disputes.dispute(opened.chain_dispute_id).status == DisputeStatus.RULED
    assert story.kinds()[-3:] == ["dispute.opened", "snapshot.taken", "dispute.ruled"]
    ruling = story.payload("dispute.ruled")
    assert (ruling["excluded"], ruling["fee"], ruling["snapshot"]) == (excluded, "0", 4)

    snapshot = story.snapshot_of(2)
    assert (snapshot.number, snapshot.supersedes_id) == (4, superseded.id)
    assert story.milestone(2).state == "submitted"
    # application without c-consulting: A 60, B 30, C 90 -> rights 3333.3 each, the wei to A
    # (ties go to the smaller id); profit 3333.3, 1666.7, 5000 -> 3333, 1667, 5000.
    # weights 1650 : 180 : 150 of 1980 -> 8333.3, 909.1, 757.6 -> 8333, 909, 758;
    # s = 4343.73, 3787.65, 1868.62 -> 4344, 3788, 1868
    assert matrix_of(snapshot)["application"] == {1: 3334, 2: 3333, 3: 3333}
    assert profit_of(snapshot) == {1: 3333, 2: 1667, 3: 5000}
    assert matrix_of(snapshot)["derivative"] == {1: 0, 2: 6000, 3: 4000}  # local 6000 leads
    assert json.loads(snapshot.weights) == {"core": 8333, "application": 909, "derivative": 758}
    assert vector_of(snapshot) == {1: 4344, 2: 3788, 3: 1868}
    assert payouts_of(snapshot) == proposal.payouts
    assert snapshot.payout_root == proposal.new_root != superseded.payout_root


def milestone_2_is_released_and_claimed_after_the_dispute_window(story: Story) -> None:
    story.release(2, LOCAL_B, FOREIGN_C)
    held = story.ledger.escrow.milestone(story.pid, 2)
    assert held.root.hex() == story.snapshot_of(2).payout_root  # the arbiter's snapshot
    with pytest.raises(RuleViolation, match="dispute window"):
        claim(story, 2, 3)
    with story.session() as session:
        window = projects.agreement_of(session, story.project_id).deadlines.dispute_window
    story.ledger.chain.advance_time(window + 1)
    paid = story.claim_all(2)
    snapshot = story.snapshot_of(2)
    assert paid == payouts_of(snapshot) and sum(paid.values()) == AMOUNTS[2]
    assert within_a_wei(paid, AMOUNTS[2], vector_of(snapshot))


def core_revenue_follows_the_new_columns_into_the_third_bracket(story: Story) -> None:
    """With C's core know-how counted, C now shares the core revenue it did not before."""
    before = story.credits()
    payment = pay(story, story.assets["core"], SECOND_CORE_ROYALTY)
    assert payment.cumulative_before == CORE_FEE + CORE_ROYALTY
    # (1.3 ether + 4, 5.3 ether + 4]: 3.7 ether - 4 at 6500 bps, 0.3 ether + 4 at 6000 ->
    # local 1415000000000000000.2, all B's (A's and C's remainders outweigh its 0.2)
    split = check_split(story, payment, "core", 2, before)
    assert split[B] == 1_415_000_000_000_000_000
    assert split[C] > 0
    old = story.model_split(
        older_snapshot(story, 2), "core", payment.amount, CORE_FEE + CORE_ROYALTY
    )
    assert old[C] == 0  # snapshot 2's columns would have left C out


# ---------------------------------------------------------------------- milestone 3


def milestone_3_falls_overdue_then_is_released_and_claimed(story: Story) -> None:
    story.contribute("b-background", LOCAL_B, "core", "background_ip_license", 100)
    story.contribute("c-consulting-2", FOREIGN_C, "application", "tacit_consulting", 40)
    story.contribute("a-training", FOREIGN_A, "derivative", "tacit_training", 30)
    assert overdue(story) == []
    story.clock.advance(days=91)  # milestone 3 was due on day 90
    assert overdue(story) == [3]
    alert = story.payload("alert.overdue")
    assert (alert["milestone"], alert["state"]) == (3, "planned")
    assert alert["notified"] == [A, B, C, ARBITER.address]
    assert overdue(story) == []  # raised once

    previous = story.snapshot_of(2)
    submit(story, 3, "certificate of conformity, line 4")
    snapshot = story.snapshot_of(3)
    assert (snapshot.number, snapshot.previous_hash) == (5, previous.inputs_hash)
    assert vector_of(snapshot) != vector_of(previous)
    assert sum(vector_of(snapshot).values()) == 10_000
    story.release(3, FOREIGN_A, FOREIGN_C)
    assert story.ledger.escrow.available(story.pid) == 0  # the budget is all released
    with story.session() as session:
        window = projects.agreement_of(session, story.project_id).deadlines.dispute_window
    story.ledger.chain.advance_time(window + 1)
    paid = story.claim_all(3)
    assert paid == payouts_of(snapshot) and sum(paid.values()) == AMOUNTS[3]
    assert within_a_wei(paid, AMOUNTS[3], vector_of(snapshot))
    for number, amount in AMOUNTS.items():
        assert story.ledger.escrow.milestone(story.pid, number).claimed == amount


# ---------------------------------------------------------------------- the audit


def the_record_holds_one_entry_per_change(story: Story) -> None:
    assert Counter(story.kinds()) == {
        "project.created": 1,
        "partner.joined": 3,
        "funding.deposited": 1,
        "milestone.planned": 3,
        "background.deposited": 1,
        "contribution.registered": 16,
        "snapshot.taken": 5,
        "milestone.submitted": 3,
        "milestone.released": 3,
        "background.released": 1,
        "dispute.opened": 2,
        "dispute.settled": 1,
        "dispute.ruled": 1,
        "payout.claimed": 9,
        "rights.committed": 6,
        "foreground.registered": 3,
        "licence.granted": 2,
        "licence.fee_paid": 2,
        "revenue.received": 3,
        "alert.overdue": 1,
    }
    with story.session() as session:
        assert snapshots.verify(session, story.project_id) == []
        assert len(disputes.list_disputes(session, story.project_id)) == 2
        assert count(story.engine, Dispute) == 2


def the_arbiter_verifies_the_project_then_catches_one_changed_byte(story: Story) -> None:
    report = verify(story)
    assert report.ok, report.problems()
    assert report.record.size == len(story.kinds()) >= max(report.anchored_sizes)
    assert len(report.anchored_sizes) >= 3  # every release anchored the head
    with story.session() as session:
        assert journal.verify(session, REGISTRY_RECORD).ok  # the registry's record, too

    # one hex digit of the core licence's transaction hash, in its journal entry
    with story.session() as session:
        entry = next(
            e for e in journal.entries(session, story.project_id) if e.kind == "licence.granted"
        )
    seq, original = entry.seq, entry.payload
    at = len(original) - 3  # …"tx":"0x…<digit>"}
    assert original[at] in hexdigits
    edited = original[:at] + ("0" if original[at] != "0" else "1") + original[at + 1 :]
    assert (
        len(edited) == len(original)
        and sum(x != y for x, y in zip(edited, original, strict=True)) == 1
    )
    set_payload(story, seq, edited)
    report = verify(story)
    assert not report.ok
    assert (report.record.problems[0].seq, report.record.problems[0].kind) == (seq, "edited")
    assert report.snapshots == []
    assert report.problems()[0].startswith(f"record entry {seq}: edited")

    set_payload(story, seq, original)
    assert verify(story).ok

    # one digit of a contribution's value: every snapshot from the first on no longer agrees
    with story.session() as session:
        session.execute(
            text("UPDATE contribution SET value = :v WHERE id = :id"),
            {"v": 600, "id": story.contributions["a-code"].id},
        )
    report = verify(story)
    assert not report.ok and report.record.ok
    assert report.snapshots[0].number == 1
    assert "inputs_hash" in {m.field for m in report.snapshots if m.number == 1}
    assert {m.number for m in report.snapshots} == {1, 2, 3, 4, 5}
    assert "snapshot 1: inputs_hash differs from its recomputation" in report.problems()


# ---------------------------------------------------------------------- acts


def submit(story: Story, number: int, what: str) -> None:
    with story.session() as session:
        submitted = milestones.submit(
            session,
            story.ledger,
            milestone_id=story.milestone_id(number),
            evidence_hash=evidence(what),
            actor=f"partner:{A}",
        )
    assert submitted.state == "submitted" and submitted.snapshot_id is not None


def claim(story: Story, number: int, partner_number: int) -> str:
    with story.session() as session:
        return milestones.claim(
            session,
            story.ledger,
            milestone_id=story.milestone_id(number),
            partner_number=partner_number,
        )


def open_dispute(story: Story, account: LocalAccount, number: int, reason: str) -> Dispute:
    """``account`` signs the ``open`` transaction the ledger prepared; the ledger relays it."""
    digest = evidence(reason)
    milestone_id = story.milestone_id(number)
    with story.session() as session:
        unsigned = disputes.prepare_opening(
            session,
            story.ledger,
            project_id=story.project_id,
            subject="milestone",
            subject_id=milestone_id,
            opener=account.address,
            evidence_hash=digest,
        )
    transaction = signer_of(story.ledger, account).transaction(unsigned)
    with story.session() as session:
        opened = disputes.open_dispute(
            session,
            story.ledger,
            project_id=story.project_id,
            subject="milestone",
            subject_id=milestone_id,
            reason=reason,
            evidence_hash=digest,
            transaction=transaction,
        )
    assert (opened.status, opened.opened_by) == ("open", account.address)
    return opened


def read_document(story: Story, reader: str) -> bytes:
    assert story.deposit is not None and story.deposit.id is not None
    with story.session() as session:
        return background.read_document(
            session, story.ledger, deposit_id=story.deposit.id, reader=reader
        )


def grant(
    story: Story, asset: ForegroundAsset, *, quorum: tuple[LocalAccount, ...], **terms: Any
) -> Licence:
    """The quorum signs the ledger's offer; the ledger grants the licence."""
    with story.session() as session:
        offer = licensing.prepare_licence(session, story.ledger, asset_id=asset.id, **terms)
    signatures = [signer_of(story.ledger, a).licence(**dataclasses.asdict(offer)) for a in quorum]
    with story.session() as session:
        licence = licensing.grant_licence(
            session,
            story.ledger,
            asset_id=asset.id,
            signatures=signatures,
            **terms,
        )
    assert story.kinds()[-1] == "licence.granted"
    return licence


def pay_fee(story: Story, licence: Licence) -> RevenuePayment:
    """The licensee pays the licence's fee with its own transaction; the ledger records it."""
    assert licence.chain_licence_id is not None and licence.id is not None
    receipt = story.ledger.foreground.pay_licence_fee(
        licence.chain_licence_id, value=licence.fee, sender=LICENSEE
    )
    with story.session() as session:
        payment = licensing.record_licence_fee(
            session, story.ledger, licence_id=licence.id, tx_hash=receipt.tx_hash
        )
        assert licensing.get_licence(session, licence.id).state == "paid"
    assert story.kinds()[-1] == "licence.fee_paid"
    assert (payment.payer, payment.amount) == (LICENSEE.address, licence.fee)
    return payment


def pay(story: Story, asset: ForegroundAsset, amount: int) -> RevenuePayment:
    """The licensee pays royalties with its own transaction; the ledger records them."""
    assert asset.chain_asset_id is not None
    receipt = story.ledger.revenue.deposit_revenue(asset.chain_asset_id, amount, sender=LICENSEE)
    with story.session() as session:
        payment = licensing.record_revenue(
            session,
            story.ledger,
            asset_id=asset.id,
            tx_hash=receipt.tx_hash,
            amount=amount,
        )
    assert story.kinds()[-1] == "revenue.received"
    return payment


def check_split(
    story: Story,
    payment: RevenuePayment,
    tier: str,
    milestone: int,
    credits_before: dict[str, int],
    expected: dict[str, int] | None = None,
) -> dict[str, int]:
    """The payment's split is the model's over the milestone's snapshot (its committed
    columns), to the wei, and what each partner was credited; ``expected`` (hand-computed)
    too when given."""
    snapshot = story.snapshot_of(milestone)
    model = story.model_split(snapshot, tier, payment.amount, payment.cumulative_before)
    split = {address: int(wei) for address, wei in json.loads(payment.split).items()}
    assert split == {address: wei for address, wei in model.items() if wei}
    assert sum(split.values()) == payment.amount
    if expected is not None:
        assert split == expected
    after = story.credits()
    assert {a: after[a] - credits_before[a] for a in after} == {a: split.get(a, 0) for a in after}
    return split


def older_snapshot(story: Story, number: int) -> SnapshotRecord:
    with story.session() as session:
        found = next(s for s in snapshots.history(session, story.project_id) if s.number == number)
    return found


def overdue(story: Story) -> list[int]:
    with story.session() as session:
        raised = milestones.raise_overdue_alerts(session, story.ledger, project_id=story.project_id)
        return [m.number for m in raised]


def verify(story: Story) -> audit.AuditReport:
    with story.session() as session:
        return audit.verify(session, story.ledger, project_id=story.project_id)


def set_payload(story: Story, seq: int, payload: str) -> None:
    with story.session() as session:
        session.execute(
            text("UPDATE journal_entry SET payload = :p WHERE project_id = :pid AND seq = :seq"),
            {"p": payload, "pid": story.project_id, "seq": seq},
        )
