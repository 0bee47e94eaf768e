"""Sharing a drawn history's money under one rule: milestone payouts and revenue, to the wei.

Three kinds of rule (``docs/simulation.md``):

- ``tiered``: the agreement's tiered rights model (Table 2), with the rule's changed terms;
  the equity engine computes each milestone's snapshot incrementally
  (:class:`~ledger.equity.Accumulator`), exactly as the ledger does, and revenue is split
  by :func:`~ledger.equity.split_revenue` over the tier's column at the latest release.
- ``equal``: every partner the same share of every payout and payment.
- ``contribution``: by weighted contribution alone (value × coefficient, summed over the
  tiers for a milestone, within the asset's tier for revenue), no tier rule.

Every amount is split by largest remainder, so each release pays exactly its amount and
each payment is shared exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ledger.equity import (
    BPS,
    TIERS,
    Accumulator,
    Agreement,
    Column,
    Snapshot,
    Tier,
    largest_remainder,
    split_revenue,
)
from ledger.errors import RuleViolation
from ledger.simulation.scenario import RuleSpec, Scenario
from ledger.simulation.world import DAY, World


@dataclass(frozen=True)
class Release:
    """A released milestone under a rule.

    Attributes:
        milestone: Its index (0-based).
        day: The day it was released.
        amount: Its amount in wei.
        vector: The payout vector, bps per partner id (sum 10000).
        payouts: Wei per partner id (sum ``amount``).
        snapshot: The snapshot it was released with (tiered rules only).
        columns: Rights bps per partner id of each tier that has a column (tiered only).
    """

    milestone: int
    day: int
    amount: int
    vector: Mapping[int, int]
    payouts: Mapping[int, int]
    snapshot: Snapshot | None = None
    columns: Mapping[Tier, Mapping[int, int]] = field(default_factory=dict)


@dataclass(frozen=True)
class Payment:
    """A revenue payment of an asset, shared under a rule.

    Attributes:
        asset: The asset's index in the scenario.
        tier: Its tier.
        day: The day it was paid.
        amount: Wei paid.
        cumulative_before: The asset's revenue before this payment, in wei.
        shares: Wei per partner id (sum ``amount``).
        release: Index in :attr:`Outcome.releases` of the release whose column shared it.
    """

    asset: int
    tier: Tier
    day: int
    amount: int
    cumulative_before: int
    shares: Mapping[int, int]
    release: int


@dataclass(frozen=True)
class Outcome:
    """What each partner receives in one run under one rule."""

    rule: str
    partner_ids: tuple[int, ...]
    releases: tuple[Release, ...]
    payments: tuple[Payment, ...]

    def milestone_wei(self) -> dict[int, int]:
        """Wei each partner was paid by milestones."""
        return _sum(self.partner_ids, (r.payouts for r in self.releases))

    def revenue_wei(self) -> dict[int, int]:
        """Wei each partner received from revenue."""
        return _sum(self.partner_ids, (p.shares for p in self.payments))


def _sum(ids: tuple[int, ...], parts: object) -> dict[int, int]:
    total = dict.fromkeys(ids, 0)
    for part in parts:  # type: ignore[attr-defined]
        for pid, wei in part.items():
            total[pid] += wei
    return total


@dataclass(frozen=True)
class Rule:
    """A named rule, ready to apply: its spec and the engine terms it computes with."""

    name: str
    spec: RuleSpec
    terms: Agreement


def prepare_rules(scenario: Scenario, names: list[str]) -> tuple[Rule, ...]:
    """The named rules of ``scenario``, with their terms computed once.

    Raises:
        ScenarioError: for a name that is neither built in nor defined in the scenario.
    """
    rules = []
    for name in names:
        spec = scenario.rule(name)
        rules.append(
            Rule(name, spec, scenario.equity_terms(spec if spec.kind == "tiered" else None))
        )
    return tuple(rules)


def apply_rules(scenario: Scenario, world: World, rules: tuple[Rule, ...]) -> dict[str, Outcome]:
    """Share ``world`` under each rule; rules with the same terms share their snapshots.

    Raises:
        RuleViolation: if a release cannot be computed (e.g. nothing weighs anything at a
            milestone's cutoff: the scenario's streams start too late).
    """
    partners = scenario.engine_partners()
    computed: list[tuple[Agreement, dict[int, Snapshot]]] = []
    out = {}
    for rule in rules:
        found = next((snaps for terms, snaps in computed if terms == rule.terms), None)
        if found is None:
            found = _snapshots(world, Accumulator(rule.terms, partners))
            computed.append((rule.terms, found))
        out[rule.name] = _apply(scenario, world, rule, found)
    return out


def _apply(scenario: Scenario, world: World, rule: Rule, snapshots: dict[int, Snapshot]) -> Outcome:
    ids = tuple(p.id for p in scenario.engine_partners())
    kind, terms = rule.spec.kind, rule.terms
    releases: list[Release] = []
    for index, draw in enumerate(world.milestones):
        if draw.state != "released":
            continue
        snapshot = snapshots[index]
        amount = scenario.milestones[index].amount
        day = draw.decided_day or 0
        if kind == "tiered":
            vector = dict(snapshot.payout_vector)
            columns = {t: c.rights() for t, c in snapshot.columns.items()}
            payouts = snapshot.payouts(amount)
            releases.append(Release(index, day, amount, vector, payouts, snapshot, columns))
            continue
        if kind == "contribution":
            weights = _weights(snapshot, terms, ids)
            basis = [sum(w[p] for w in weights.values()) for p in ids]
        else:
            basis = [1] * len(ids)
        # the amount is shared by the basis itself; the bps vector is only reported
        vector = dict(zip(ids, largest_remainder(basis, BPS), strict=True))
        payouts = dict(zip(ids, largest_remainder(basis, amount), strict=True))
        releases.append(Release(index, day, amount, vector, payouts, snapshot))
    payments = _revenue(scenario, world, rule.spec, terms, releases, ids)
    return Outcome(rule.name, ids, tuple(releases), payments)


def _snapshots(world: World, accumulator: Accumulator) -> dict[int, Snapshot]:
    """The snapshot each submitted milestone is decided on, by milestone index.

    Contributions are counted up to each cutoff; a ``correct`` ruling uncounts the
    excluded contribution (for good) and a corrected snapshot at the same cutoff
    supersedes the submitted one. A milestone whose cutoff has nothing to share is left
    out (it cannot be released) only if it was not going to be released anyway.
    """
    out: dict[int, Snapshot] = {}
    contributions = world.contributions
    position = 0
    for index, draw in enumerate(world.milestones):
        if draw.submitted_day is None:
            continue
        cutoff = world.cutoff(draw.submitted_day)
        while position < len(contributions) and contributions[position].recorded_at <= cutoff:
            accumulator.add(contributions[position])
            position += 1
        try:
            snapshot = accumulator.snapshot(cutoff)
            if draw.excluded is not None:
                accumulator.remove(contributions[draw.excluded])
                snapshot = accumulator.snapshot(cutoff)
        except RuleViolation as exc:
            if draw.state == "released":
                raise RuleViolation(
                    f"milestone {index + 1} of run {world.seed} cannot be released: {exc.message}",
                    field="streams",
                    milestone=index + 1,
                    seed=world.seed,
                ) from None
            continue
        out[index] = snapshot
    return out


def _weights(
    snapshot: Snapshot, terms: Agreement, ids: tuple[int, ...]
) -> dict[Tier, dict[int, int]]:
    """Weight (value × coefficient) per tier and partner of what the snapshot counts."""
    weights = {tier: dict.fromkeys(ids, 0) for tier in TIERS}
    for (pid, tier, kind), value in snapshot.totals.items():
        weights[Tier(tier)][pid] += value * terms.coefficients[kind]
    return weights


def _revenue(
    scenario: Scenario,
    world: World,
    rule: RuleSpec,
    terms: Agreement,
    releases: list[Release],
    ids: tuple[int, ...],
) -> tuple[Payment, ...]:
    """Every revenue payment, shared by the latest release (by day) that covers its tier.

    An asset earns only once its ``after_milestone`` is released; a payment made while its
    tier has no column yet (tiered rules) or no weight (``contribution``) is not shared
    and not counted: no contract would accept it.
    """
    released_on = {r.milestone: r.day for r in releases}
    negotiated = scenario.negotiated_split()
    payments: list[Payment] = []
    cumulative = [0] * len(scenario.assets)
    events = []
    for draw in world.revenue:
        asset = scenario.assets[draw.asset]
        begun = released_on.get(asset.after_milestone - 1)
        if begun is None:
            continue
        events.append((begun + (draw.period + 1) * asset.revenue.period_days, draw))
    events.sort(key=lambda e: (e[0], e[1].asset, e[1].period))
    for day, draw in events:
        asset = scenario.assets[draw.asset]
        found = _covering(releases, day, asset.tier, rule)
        if found is None:
            continue
        index, release = found
        shares = _share(
            rule, release, asset.tier, draw.amount, cumulative[draw.asset], terms, negotiated, ids
        )
        payments.append(
            Payment(draw.asset, asset.tier, day, draw.amount, cumulative[draw.asset], shares, index)
        )
        cumulative[draw.asset] += draw.amount
    return tuple(payments)


def _covering(
    releases: list[Release], day: int, tier: Tier, rule: RuleSpec
) -> tuple[int, Release] | None:
    for index in range(len(releases) - 1, -1, -1):
        release = releases[index]
        if release.day > day:
            continue
        snapshot = release.snapshot
        if rule.kind == "equal":
            return index, release
        if snapshot is not None and tier in snapshot.columns:
            return index, release
    return None


def _share(
    rule: RuleSpec,
    release: Release,
    tier: Tier,
    amount: int,
    cumulative: int,
    terms: Agreement,
    negotiated: Mapping[int, int] | None,
    ids: tuple[int, ...],
) -> dict[int, int]:
    if rule.kind == "equal":
        return dict(zip(ids, largest_remainder([1] * len(ids), amount), strict=True))
    snapshot = release.snapshot
    assert snapshot is not None  # _covering found a column
    if rule.kind == "contribution":
        weights = _weights(snapshot, terms, ids)[tier]
        return dict(zip(ids, largest_remainder([weights[p] for p in ids], amount), strict=True))
    column: Column = snapshot.columns[tier]
    split = split_revenue(
        tier,
        amount,
        cumulative,
        column,
        terms.brackets,
        negotiated if tier is Tier.DERIVATIVE else None,
    )
    return {pid: split.get(pid, 0) for pid in ids}


__all__ = ["DAY", "Outcome", "Payment", "Release", "Rule", "apply_rules", "prepare_rules"]
