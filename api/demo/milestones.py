"""A milestone's life over the API: contributions, submission, release, a dispute, claims.

The partners sign their contributions; a partner submits the milestone, which takes its
snapshot (the equity matrix, recalculated from every contribution so far); the demo checks
it against the pure engine; a quorum signs the release; then the claims.

Claims open when the agreement's dispute window has passed since the release (7 days in
the Sino-German agreement). The served chain runs on the wall clock and the API cannot
move it, so the demo opens them the way the agreement allows at once: a dispute on the
released milestone that ends without rejecting it. At milestone 1 it is a real one (a
contribution registered twice; the mediation leaves the copy out, the snapshot is
recalculated and supersedes the first); at the others the partners settle a review by
upholding the payouts. Then the columns of the milestone's snapshot are committed on chain,
so that revenue is split by them.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from api.client import ApiError
from api.demo import show
from api.demo.cast import Planned, evidence
from api.demo.errors import DemoError, problem_line, step
from api.demo.results import DisputeResult, MilestoneResult
from api.demo.story import Story
from ledger.equity import Tier

#: The label of the copy of milestone 1's first contribution (the disputed one).
COPY = "{label}-again"


def live_through(story: Story, number: int, planned: list[Planned]) -> MilestoneResult:
    """Milestone ``number`` from its contributions to the commit of its columns."""
    spec = story.scenario.milestones[number - 1]
    console, pid = story.console, story.project_id
    amount = f"{show.ether(spec.amount)} ETH, TRL {spec.trl_target}"
    show.heading(console, 3 + number, f"Milestone {number}: {spec.title}, {amount}")
    original = planned[0] if number == 1 else None
    if original is not None:  # registered twice by mistake: the dispute below finds it
        planned = [*planned, replace(original, label=COPY.format(label=original.label))]
    result = MilestoneResult(number, spec.title, spec.amount, len(planned))
    story.result.milestones.append(result)
    stored = contribute(story, number, planned)

    signers = story.quorum_from(number - 1)
    with step(f"milestone {number}: submission"):
        what = f"milestone {number}: {spec.title}"
        story.partner(signers[0]).submit_milestone(pid, number, evidence(what))
        snapshot = story.admin.milestone_equity(pid, number)
    show_and_check(story, result, snapshot, f"submitted by {signers[0]}")
    result.submitted_payouts = payouts_of(snapshot)

    with step(f"milestone {number}: release"):
        released = story.partner(signers[0]).release_milestone(
            pid, number, story.accounts(signers), arbiter=story.arbiter_signs
        )
        result.released_by = signers
    root = released["payout_root"][:12]
    show.ok(console, f"Released: {', '.join(signers)} signed the payout root {root}….")

    if original is not None:
        refuse_early_claim(story, number)
        copy = stored[COPY.format(label=original.label)]
        result.dispute = settle_the_copy(story, number, original, copy)
        snapshot = story.admin.milestone_equity(pid, number)
        show_and_check(story, result, snapshot, f"replaces #{result.snapshot_numbers[0]}")
    else:
        result.dispute = review(story, number)
    result.payouts = payouts_of(snapshot)
    claim_all(story, number, result)
    commit_columns(story, number, snapshot, signers)
    return result


def payouts_of(snapshot: dict[str, Any]) -> dict[int, int]:
    """The snapshot's payouts in wei, by partner number."""
    return {p["partner_number"]: int(p["wei"]) for p in snapshot["payout_vector"]}


def contribute(story: Story, number: int, planned: list[Planned]) -> dict[str, dict[str, Any]]:
    """Each partner signs and registers its planned contributions; the stored ones by label."""
    stored = {}
    with step(f"milestone {number}: registering the contributions"):
        for item in planned:
            stored[item.label] = story.partner(item.partner).register_contribution(
                story.project_id,
                story.account(item.partner),
                tier=item.tier.value,
                kind=item.kind.value,
                value=item.value,
                evidence_hash=evidence(item.label),
                idempotency_key=item.label,
            )
            story.engine.add(item, number)
    counts = {t.value: sum(1 for p in planned if p.tier is t) for t in Tier}
    listed = ", ".join(f"{tier} {n}" for tier, n in counts.items() if n)
    show.say(story.console, f"{len(planned)} contributions, each signed by its partner ({listed}).")
    return stored


def show_and_check(
    story: Story, result: MilestoneResult, snapshot: dict[str, Any], how: str
) -> None:
    """Print the snapshot's matrix, and check it against the pure engine's."""
    number = snapshot["number"]
    title = f"Snapshot #{number} ({how}), shares in bps"
    story.console.print(show.matrix(snapshot, story.names, title))
    expected = story.engine.snapshot(result.number)
    story.engine.check_snapshot(
        snapshot, expected, f"milestone {result.number}, snapshot #{number}"
    )
    result.engine_checked += 1
    result.snapshot_numbers.append(number)
    show.ok(
        story.console,
        f"Snapshot #{number} equals the pure engine's (ledger.equity.compute_history): "
        f"every share, weight and payout, to the wei.",
    )


def refuse_early_claim(story: Story, number: int) -> None:
    """A claim inside the dispute window is refused; the demo shows the API's reason."""
    partner = story.keys[0]
    try:
        story.partner(partner).claim(story.project_id, number, story.number(partner))
    except ApiError as error:
        show.refused(story.console, f"A claim right away is refused: {problem_line(error)}")
    else:
        raise DemoError(f"milestone {number}: a claim was accepted inside the dispute window")


def _window(story: Story) -> str:
    return f"{story.scenario.agreement.deadlines.dispute_window / 86_400:g}-day"


def settle_the_copy(
    story: Story, number: int, original: Planned, copy: dict[str, Any]
) -> DisputeResult:
    """A partner of the other side disputes the copied contribution; all settle: it goes."""
    scenario, pid = story.scenario, story.project_id
    owner = next(p for p in scenario.partners if p.key == original.partner)
    opener = next(
        p.key for p in scenario.partners if scenario.side_of(p) != scenario.side_of(owner)
    )
    reason = f"{original.partner}'s {original.kind} in {original.tier} is registered twice"
    excluded = [int(copy["id"])]
    with step(f"milestone {number}: the dispute"):
        client = story.partner(opener)
        milestone_id = story.milestone_ids[number]
        opened = client.open_dispute(
            pid, story.account(opener), "milestone", milestone_id, reason, evidence(reason)
        )
        settled = client.settle_dispute(
            pid, opened["id"], story.accounts(story.keys), "replace", excluded
        )
        story.engine.exclude(COPY.format(label=original.label))
    show.say(
        story.console,
        f"[bold]Dispute[/] by {opener}: {reason} (contribution #{copy['id']}); "
        f"the escrow freezes the milestone.",
    )
    show.ok(
        story.console,
        f"Settled by mediation: all {len(story.keys)} partners signed '{settled['outcome']}' "
        f"without #{copy['id']}. The snapshot is recalculated, and the claims open now "
        f"instead of after the {_window(story)} dispute window.",
    )
    signers = len(settled["resolution"]["signers"])
    return DisputeResult(
        number, opener, reason, settled["outcome"], settled["status"], excluded, signers
    )


def review(story: Story, number: int) -> DisputeResult:
    """A partner asks for a review of the released milestone; all uphold it (claims open)."""
    keys, pid = story.keys, story.project_id
    opener = keys[(number + 1) % len(keys)]
    reason = f"review of milestone {number}'s evidence"
    with step(f"milestone {number}: the review"):
        client = story.partner(opener)
        milestone_id = story.milestone_ids[number]
        opened = client.open_dispute(
            pid, story.account(opener), "milestone", milestone_id, reason, evidence(reason)
        )
        settled = client.settle_dispute(pid, opened["id"], story.accounts(keys), "uphold")
    show.ok(
        story.console,
        f"Rather than wait out the {_window(story)} dispute window, {opener} asks for a "
        f"review and all partners settle it '{settled['outcome']}': the payouts stand, "
        f"the claims open now.",
    )
    signers = len(settled["resolution"]["signers"])
    return DisputeResult(number, opener, reason, settled["outcome"], settled["status"], [], signers)


def claim_all(story: Story, number: int, result: MilestoneResult) -> None:
    """Each partner's own client claims its payout; the totals must match to the wei."""
    pid = story.project_id
    with step(f"milestone {number}: claims"):
        for key in story.keys:
            claimed = story.partner(key).claim(pid, number, story.number(key))
            result.claimed[story.number(key)] = int(claimed["amount"])
        claims = story.admin.claims(pid, number)
    if result.claimed != result.payouts:
        raise DemoError(f"milestone {number}: claimed {result.claimed}, owed {result.payouts}")
    if int(claims["claimed_total"]) != result.amount or sum(result.claimed.values()) != (
        result.amount
    ):
        raise DemoError(f"milestone {number}: {claims['claimed_total']} wei claimed")
    show.ok(
        story.console,
        f"Each partner claimed its payout (the ETH column) to its own address: Σ "
        f"{sum(result.claimed.values()):,} wei, exactly the milestone's amount.",
    )


def commit_columns(story: Story, number: int, snapshot: dict[str, Any], signers: list[str]) -> None:
    """A quorum commits each tier column of the snapshot on chain (revenue follows them)."""
    tiers = [t["tier"] for t in snapshot["tiers"]]
    with step(f"milestone {number}: committing the tier columns"):
        for tier in tiers:
            story.partner(signers[0]).commit_tier_column(
                story.project_id, snapshot["id"], tier, story.accounts(signers)
            )
    for tier in tiers:
        story.committed[Tier(tier)] = story.engine.latest
    show.ok(
        story.console,
        f"The quorum committed the {', '.join(tiers)} columns on chain: revenue follows them.",
    )
