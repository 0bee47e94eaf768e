"""The foreground book over the API: assets, licences, the negotiated split, revenue.

After each milestone, the assets the scenario starts then are registered by a partner with
its own transaction (the server prepares it, the partner signs, the server relays). A core
asset gets a licence: first one for a territory outside the core tier's list, which the
API refuses with the reason, then one the agreement allows, whose fee the licensee pays.
Before the first derivative revenue, every partner signs the scenario's negotiated split.
Each asset then earns one payment of its revenue curve's peak. Every payment's split is
checked against :func:`ledger.equity.split_revenue` over the committed column, to the wei.
"""

from __future__ import annotations

from typing import Any

from api.client import ApiError
from api.demo import show
from api.demo.cast import evidence
from api.demo.errors import DemoError, problem_line, step
from api.demo.results import PaymentResult, RefusalResult
from api.demo.story import Story
from ledger.equity import Tier
from ledger.simulation.scenario import AssetSpec

#: Territories tried, in order, for the licence the core tier must refuse.
ELSEWHERE = ("US", "JP", "GB", "FR", "BR", "IN")
#: An industry for a core licence when the application tier lists none (ISIC C26).
DEFAULT_INDUSTRY = "C26"


def registrant(story: Story, tier: Tier) -> str:
    """The partner with the largest rights in the tier's committed column (the first such)."""
    column = story.committed[tier].columns[tier].rights()
    number = max(column, key=lambda n: (column[n], -n))
    return story.names[number]


def bring_to_market(story: Story, number: int) -> list[PaymentResult]:
    """Milestone ``number``'s assets: registered, licensed if core, paid for; the payments."""
    payments: list[PaymentResult] = []
    for index, asset in enumerate(story.scenario.assets):
        if asset.after_milestone != number:
            continue
        tier = Tier(asset.tier)
        if tier not in story.committed:
            show.say(story.console, f"'{asset.title}' waits: the {tier} tier has no column yet.")
            continue
        registered = register(story, index, asset, tier)
        if tier is Tier.CORE:
            payments += license_core(story, asset, registered)
        if tier is Tier.DERIVATIVE and story.negotiated is None:
            negotiate(story)
        payments.append(pay(story, asset, registered, "revenue", asset.revenue.peak))
    return payments


def register(story: Story, index: int, asset: AssetSpec, tier: Tier) -> dict[str, Any]:
    key = registrant(story, tier)
    with step(f"registering '{asset.title}'"):
        registered = story.partner(key).register_asset(
            story.project_id, story.account(key), tier.value, asset.title, evidence(asset.title)
        )
    story.assets[index] = registered
    show.ok(
        story.console,
        f"Asset #{registered['id']} '{asset.title}' ({tier}) put in the IP pool by {key}, "
        f"with its own transaction.",
    )
    return registered


def license_core(story: Story, asset: AssetSpec, registered: dict[str, Any]) -> list[PaymentResult]:
    """A licence for a forbidden territory refused, then one for an allowed territory paid."""
    tiers, pid = story.scenario.agreement.tiers, story.project_id
    allowed = list(tiers.core.territories)
    industries = tiers.application.industries
    industry = industries[0] if industries else DEFAULT_INDUSTRY
    fee = asset.revenue.peak // 4
    licensee = story.cast.licensee.address
    forbidden = next(t for t in ELSEWHERE if t not in allowed)
    client = story.partner(story.quorum[0])
    try:
        client.licence_offer(pid, registered["id"], licensee, forbidden, industry, fee)
    except ApiError as error:
        line = problem_line(error)
        if error.problem.get("field") != "territory":
            raise DemoError(
                f"a licence for {forbidden} was refused for another reason: {line}"
            ) from None
        field = error.problem["field"]
        story.result.refusal = RefusalResult(asset.title, forbidden, error.status, field, line)
        show.refused(
            story.console, f"A licence for {forbidden} is refused, before the chain: {line}"
        )
    else:
        raise DemoError(
            f"a core licence for {forbidden} was offered; the core tier allows {allowed}"
        )
    if not allowed:
        show.say(story.console, "The core tier lists no territory: no core licence can be granted.")
        return []
    territory = allowed[0]
    with step(f"granting a licence on '{asset.title}'"):
        licence = client.grant_licence(
            pid, registered["id"], licensee, territory, industry, fee, story.accounts(story.quorum)
        )
    story.result.licences.append(
        {
            "asset": asset.title,
            "territory": territory,
            "industry": industry,
            "state": licence["state"],
        }
    )
    show.ok(
        story.console,
        f"Licence #{licence['id']} granted for {territory}, industry {industry}, fee "
        f"{show.ether(fee)} ETH, signed by {', '.join(story.quorum)}; the licensee pays it.",
    )
    with step(f"paying the licence fee on '{asset.title}'"):
        payment = story.clients["licensee"].pay_licence_fee(pid, licence["id"], story.cast.licensee)
    return [record(story, asset, payment, "licence fee")]


def negotiate(story: Story) -> None:
    """Every partner signs the scenario's negotiated derivative split, if it has one."""
    split = story.scenario.negotiated_split()
    if split is None:
        return
    with step("signing the negotiated derivative split"):
        story.partner(story.keys[0]).negotiate_split(
            story.project_id, split, story.accounts(story.keys)
        )
    story.negotiated = split
    story.result.negotiated = split
    shares = ", ".join(f"{story.names[n]} {bps}" for n, bps in sorted(split.items()))
    show.ok(
        story.console,
        f"Negotiated derivative split signed by all {len(split)} partners (bps): {shares}.",
    )


def pay(
    story: Story, asset: AssetSpec, registered: dict[str, Any], what: str, amount: int
) -> PaymentResult:
    with step(f"paying revenue on '{asset.title}'"):
        payment = story.clients["licensee"].deposit_revenue(
            story.project_id, registered["id"], story.cast.licensee, amount
        )
    return record(story, asset, payment, what)


def record(story: Story, asset: AssetSpec, payment: dict[str, Any], what: str) -> PaymentResult:
    """Check a payment's split against the engine and keep it."""
    tier = Tier(payment["tier"])
    split = story.engine.check_split(
        payment, story.committed[tier], story.negotiated, f"'{asset.title}' {what}"
    )
    if sum(split.values()) != int(payment["amount"]):
        raise DemoError(f"'{asset.title}' {what}: the split does not sum to the amount")
    result = PaymentResult(
        asset.title,
        tier.value,
        what,
        int(payment["amount"]),
        int(payment["cumulative_before"]),
        split,
    )
    story.result.payments.append(result)
    shares = ", ".join(f"{story.names[n]} {show.ether(wei)}" for n, wei in split.items())
    show.ok(
        story.console,
        f"{tier.value.capitalize()} {what} of {show.ether(result.amount)} ETH paid by the "
        f"licensee, split on chain (ETH): {shares}. It equals ledger.equity.split_revenue's "
        f"split, to the wei.",
    )
    return result
