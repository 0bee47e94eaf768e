"""The foreground book over HTTP: assets, licences and revenue, each a party's own transaction.

Registering an asset, paying a licence fee and paying royalties are the partner's or the
licensee's own transactions (the contracts take the sender as registrant or payer). The
served chain has no RPC endpoint, so each party asks the server for the unsigned call,
signs it with its own key inside the client, and the server relays it only if it is
exactly that call from the caller's own address, then records it.

Every payment's split is checked to the wei against the model: :func:`model_split` runs the
ledger's rule (``ledger.equity.split_revenue``) over the snapshot's columns as the API
serves them and the agreement's brackets; the hand-computed numbers are the ledger test's
(``tests/ledger/services/test_lifecycle.py``, derived in its comments).
"""

from __future__ import annotations

import hashlib
from typing import Any

from api.client._assets import licence_message, signable
from ledger.agreements import parse_agreement
from ledger.equity import Column, Share, Side, Tier, split_revenue
from tests.e2e.lifecycle_http import LICENSEE, TIERS, A, B, C, Story, agreement, refused
from tests.ledger.services.lifecycle_support import ETHER

CORE_FEE = 600_000_000_000_000_001  # the core licence's fee
CORE_ROYALTY = 700_000_000_000_000_003  # crosses the 1 ether bracket cap
APPLICATION_ROYALTY = ETHER + 1
DERIVATIVE_FEE = 300_000_000_000_000_007
SECOND_CORE_ROYALTY = 4 * ETHER  # crosses the 5 ether cap

#: Who registers which asset, in the ledger test's order.
REGISTRANTS = {
    "core": (A, "Defect detector model"),
    "application": (C, "Inspection app for press lines"),
    "derivative": (B, "Retrofit kit for older lines"),
}


def model_split(
    story: Story, milestone: int, tier: str, amount: int, before: int
) -> dict[int, int]:
    """The ledger's split of a payment over milestone ``milestone``'s snapshot (the columns
    committed on chain), by partner number, zeros included."""
    snapshot = story.snapshot_of(milestone)
    sides = {p["number"]: Side(p["side"]) for p in story.admin.partners(story.project_id)}
    (column,) = (t for t in snapshot["tiers"] if t["tier"] == tier)
    shares = tuple(
        Share(s["partner_number"], sides[s["partner_number"]], s["rights_bps"], s["profit_bps"])
        for s in column["shares"]
    )
    brackets = parse_agreement(agreement()).equity_terms().brackets
    split = split_revenue(Tier(tier), amount, before, Column(Tier(tier), shares), brackets)
    return {number: split.get(number, 0) for number in sides}


def split_of(payment: dict[str, Any]) -> dict[int, int]:
    """A payment's shares by partner number, as served."""
    return {share["number"]: int(share["wei"]) for share in payment["split"]}


def check_split(
    story: Story,
    payment: dict[str, Any],
    tier: str,
    milestone: int,
    expected: dict[int, int] | None = None,
) -> dict[int, int]:
    """The payment's split is the model's over the milestone's snapshot to the wei, sums to
    the amount, and is ``expected`` (hand-computed) when given."""
    amount, before = int(payment["amount"]), int(payment["cumulative_before"])
    split = split_of(payment)
    assert payment["tier"] == tier
    assert split == model_split(story, milestone, tier, amount, before)
    assert sum(split.values()) == amount
    if expected is not None:
        assert split == expected
    return split


# ---------------------------------------------------------------------- the chapters


def the_partners_register_one_foreground_asset_per_tier(story: Story) -> None:
    """Each registrant signs its own ``registerAsset``; the server relays and records it."""
    pid = story.project_id
    for tier, (owner, title) in REGISTRANTS.items():
        digest = hashlib.sha256(title.encode()).hexdigest()
        unsigned = story.partner[owner].prepare_asset(pid, tier, digest)
        assert unsigned["to"] == story.admin.chain()["contracts"]["ForegroundRegistry"]
        asset = story.partner[owner].register_asset(pid, owner, tier, title, digest)
        assert (asset["tier"], asset["title"], asset["content_hash"]) == (tier, title, digest)
        assert asset["registrant"] == owner.address and asset["tx_hash"]
        assert story.payload("foreground.registered")["registrant"] == owner.address
        story.assets[tier] = asset
    pooled = story.clients["licensee"].assets(pid)
    assert [a["tier"] for a in pooled] == list(TIERS)
    assert pooled == list(story.assets.values())
    owners = story.admin.asset(pid, story.assets["core"]["id"])["ownership"]
    assert {o["number"]: o["bps"] for o in owners} == {1: 6000, 2: 4000, 3: 0}

    # a transaction that registered nothing (the funder's deposit) is refused by its hash
    tu = story.clients["a"]
    (deposit,) = tu.funding_deposits(pid)
    digest = hashlib.sha256(b"Nothing registered").hexdigest()
    not_one = refused(
        lambda: tu.record_asset(
            pid, tier="core", title="Nothing", content_hash=digest, tx_hash=deposit["tx_hash"]
        )
    )
    assert (not_one.status, not_one.problem["field"]) == (422, "tx_hash")
    # a registration signed by Vision Works is not TU Example's to send
    vision = story.partner[B]
    signed = vision.signer(B).transaction(signable(vision.prepare_asset(pid, "core", digest)))
    body = {"tier": "core", "title": "Nothing", "content_hash": digest, "transaction": signed}
    other = refused(lambda: tu.post(f"/v1/projects/{pid}/assets", body))
    assert (other.status, other.problem["rule"]) == (403, "acting_as")
    assert len(tu.assets(pid)) == 3


def a_core_licence_is_granted_and_one_for_a_forbidden_territory_refused(story: Story) -> None:
    pid, core = story.project_id, story.assets["core"]
    terms = {"licensee": LICENSEE.address, "industry": "C26", "fee": CORE_FEE}
    licence = story.partner[B].grant_licence(
        pid, core["id"], territory="DE", accounts=[B, A], **terms
    )
    assert (licence["state"], licence["territory"], licence["fee"]) == (
        "granted",
        "DE",
        str(CORE_FEE),
    )
    assert sorted(licence["signers"]) == sorted([A.address, B.address])
    licensee = story.clients["licensee"]
    unsigned = licensee.prepare_licence_fee(pid, licence["id"])
    assert unsigned["value"] == str(CORE_FEE)
    payment = licensee.pay_licence_fee(pid, licence["id"], LICENSEE)
    assert (payment["licence_id"], payment["payer"]) == (licence["id"], LICENSEE.address)
    assert story.kinds()[-1] == "licence.fee_paid"
    assert licensee.licence(pid, licence["id"])["state"] == "paid"
    # all in the first bracket: the foreign side's 7000 bps go to A alone (C holds no core
    # rights): A 420000000000000000.7, B 180000000000000000.3 -> the wei left to A
    expected = {1: 420_000_000_000_000_001, 2: 180_000_000_000_000_000, 3: 0}
    check_split(story, payment, "core", 1, expected)
    again = refused(lambda: licensee.pay_licence_fee(pid, licence["id"], LICENSEE))
    assert (again.status, again.problem["field"]) == (409, "licence_id")

    # the United States are not among the core tier's territories: refused with the reason,
    # before anything reaches the chain, even with the quorum's signatures for a licence
    size, partner = len(story.kinds()), story.partner[A]
    offer = refused(lambda: partner.licence_offer(pid, core["id"], territory="US", **terms))
    problem = offer.problem
    assert (offer.status, problem["field"], problem["value"], problem["tier"]) == (
        422,
        "territory",
        "US",
        "core",
    )
    assert problem["allowed"] == ["CN", "DE"] and "US is not on it" in problem["detail"]
    cn = partner.licence_offer(pid, core["id"], territory="CN", **terms)
    signatures = [story.partner[a].signer(a).licence(**licence_message(cn)) for a in (A, B)]
    body = {**terms, "fee": str(CORE_FEE), "territory": "US", "signatures": signatures}
    sent = refused(lambda: partner.post(f"/v1/projects/{pid}/assets/{core['id']}/licences", body))
    assert (sent.status, sent.problem["field"]) == (422, "territory")
    assert (
        partner.licence_offer(pid, core["id"], territory="CN", **terms)["licence_id"]
        == (cn["licence_id"])
    )  # no licence id was taken on chain
    assert len(partner.licences(pid)) == 1 and len(story.kinds()) == size


def revenue_on_each_tier_is_split_by_the_committed_columns(story: Story) -> None:
    """Core by brackets, application by profit bps, derivative by rights (no split signed)."""
    pid, licensee = story.project_id, story.clients["licensee"]
    core, application, derivative = (story.assets[t] for t in TIERS)
    payment = licensee.deposit_revenue(pid, core["id"], LICENSEE, CORE_ROYALTY)
    # cumulative 0.6 ether + 1 before: 399999999999999999 wei at 7000 bps, 300000000000000004
    # at 6500 -> foreign 475000000000000001.9 (all A's), local 225000000000000001.1
    assert payment["cumulative_before"] == str(CORE_FEE)
    expected = {1: 475_000_000_000_000_002, 2: 225_000_000_000_000_001, 3: 0}
    check_split(story, payment, "core", 1, expected)
    assert story.kinds()[-1] == "revenue.received"

    payment = licensee.deposit_revenue(pid, application["id"], LICENSEE, APPLICATION_ROYALTY)
    # profit 2500 : 7500 -> …000.25 and …000.75: the wei left goes to C
    expected = {1: 0, 2: 250_000_000_000_000_000, 3: 750_000_000_000_000_001}
    check_split(story, payment, "application", 1, expected)

    licence = story.partner[C].grant_licence(
        pid,
        derivative["id"],
        LICENSEE.address,
        "US",  # derivative technologies: any territory and industry
        "J62",
        DERIVATIVE_FEE,
        [C, B],
    )
    payment = licensee.pay_licence_fee(pid, licence["id"], LICENSEE)
    # rights 5100 : 4900 -> …003.57 and …003.43: the wei left goes to B
    expected = {1: 0, 2: 153_000_000_000_000_004, 3: 147_000_000_000_000_003}
    check_split(story, payment, "derivative", 1, expected)

    by_tier = {t["tier"]: t for t in licensee.revenue_by_tier(pid)["tiers"]}
    amounts = {
        "core": CORE_FEE + CORE_ROYALTY,
        "application": APPLICATION_ROYALTY,
        "derivative": DERIVATIVE_FEE,
    }
    assert {t: int(by_tier[t]["amount"]) for t in TIERS} == amounts
    for tier in TIERS:
        paid = licensee.revenue(pid, tier=tier)
        summed = {n: sum(split_of(p)[n] for p in paid) for n in (1, 2, 3)}
        assert split_of(by_tier[tier]) == summed


def core_revenue_follows_the_new_columns_into_the_third_bracket(story: Story) -> None:
    """With C's core know-how counted, C now shares the core revenue it did not before."""
    pid, core = story.project_id, story.assets["core"]
    payment = story.clients["licensee"].deposit_revenue(
        pid, core["id"], LICENSEE, SECOND_CORE_ROYALTY
    )
    assert payment["cumulative_before"] == str(CORE_FEE + CORE_ROYALTY)
    # (1.3 ether + 4, 5.3 ether + 4]: 3.7 ether - 4 at 6500 bps, 0.3 ether + 4 at 6000 ->
    # local 1415000000000000000.2, all B's (A's and C's remainders outweigh its 0.2)
    split = check_split(story, payment, "core", 2)
    assert split[2] == 1_415_000_000_000_000_000 and split[3] > 0
    old = model_split(story, 1, "core", SECOND_CORE_ROYALTY, CORE_FEE + CORE_ROYALTY)
    assert old[3] == 0  # milestone 1's columns would have left C out
