"""Snapshots of the equity matrix: columns, tier weights, payout vector, inputs' hash.

A project's snapshots form a chain: each one's inputs' hash covers the hash of the
snapshot before it and the contributions counted or uncounted since
(:mod:`ledger.equity.canonical`). :func:`compute_history` computes every snapshot of a
chain from the raw contributions, :func:`compute_snapshot` a chain's first snapshot;
:class:`~ledger.equity.accumulator.Accumulator` gives the same :class:`Snapshot` s at a
cost in proportion to what changed since the previous one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from ledger.equity.canonical import Key, inputs_hash
from ledger.equity.model import (
    BPS,
    KINDS,
    TIERS,
    Agreement,
    Contribution,
    Kind,
    Partner,
    Tier,
    require_int,
)
from ledger.equity.rounding import largest_remainder
from ledger.equity.tiers import Column, application_column, core_column, derivative_column
from ledger.errors import RuleViolation

#: Running totals: (partner id, tier, kind) → Σ value of the counted contributions.
#: Values, not weights, so that an amended coefficient applies to them exactly.
Totals = Mapping[tuple[int, Tier, Kind], int]


@dataclass(frozen=True)
class Snapshot:
    """The equity matrix of a milestone at its cutoff, and what the next snapshot chains on.

    Attributes:
        cutoff: Contributions recorded at or before it count.
        partners: Every partner of the project, by ascending id.
        columns: One column per tier that has weight, in tier order.
        weights: Tier weights W in bps (sum 10000), for the tiers that have a column.
        payout_vector: s[p] in bps for every partner, by ascending id (sum 10000).
        inputs_hash: Hex sha256 of the canonical inputs (see :mod:`ledger.equity.canonical`).
        previous_hash: The inputs' hash of the snapshot this one follows, ``None`` for the
            first of a project.
        totals: Σ value of the counted contributions per (partner id, tier, kind), zero
            sums left out, by partner id, then tier order, then kind order. With
            ``inputs_hash`` and ``cutoff`` it is the state
            :meth:`~ledger.equity.accumulator.Accumulator.resume` continues from.
    """

    cutoff: int
    partners: tuple[Partner, ...]
    columns: Mapping[Tier, Column]
    weights: Mapping[Tier, int]
    payout_vector: Mapping[int, int]
    inputs_hash: str
    previous_hash: str | None
    totals: Totals

    def payouts(self, amount: int) -> dict[int, int]:
        """Wei per partner id for a milestone of ``amount`` wei; the sum is exactly ``amount``.

        Each partner gets ``amount × s[p] / 10000`` floored; the leftover wei go one each to
        the largest remainders, ties to the smaller id.

        Raises:
            RuleViolation: for an amount that is not an integer >= 0.
        """
        require_int(amount, "amount")
        ids = list(self.payout_vector)
        wei = largest_remainder(list(self.payout_vector.values()), amount)
        return dict(zip(ids, wei, strict=True))

    def payout_entries(self, amount: int) -> list[tuple[int, int]]:
        """``(partner id, wei)`` for every partner by ascending id: leaf i of the payout tree."""
        return list(self.payouts(amount).items())


@dataclass(frozen=True)
class Recalculation:
    """The inputs of one snapshot of a history, as the record stood at its cutoff.

    Attributes:
        cutoff: The snapshot's cutoff; never before the previous snapshot's.
        agreement: The equity terms in force (an amendment may change them).
        partners: Every partner of the project at the cutoff.
        contributions: Every contribution recorded so far, in any order, each flagged
            ``disputed`` if a dispute on it is open at this snapshot.
    """

    cutoff: int
    agreement: Agreement
    partners: tuple[Partner, ...]
    contributions: tuple[Contribution, ...]

    def __post_init__(self) -> None:
        require_int(self.cutoff, "cutoff", minimum=None)
        object.__setattr__(self, "partners", tuple(self.partners))
        object.__setattr__(self, "contributions", tuple(self.contributions))


def compute_snapshot(
    *,
    agreement: Agreement,
    partners: Iterable[Partner],
    contributions: Iterable[Contribution],
    cutoff: int,
) -> Snapshot:
    """A project's first snapshot from scratch: every contribution up to ``cutoff``, not disputed.

    Args:
        agreement: The agreement's equity terms.
        partners: Every partner of the project (ids unique).
        contributions: All contributions, in any order; later or disputed ones are skipped.
        cutoff: The milestone's cutoff (an integer timestamp).

    Raises:
        RuleViolation: for an unknown partner, no weight at all up to the cutoff, or a core
            tier with weight in a project lacking a foreign or a local partner.
    """
    step = Recalculation(cutoff, agreement, tuple(partners), tuple(contributions))
    return compute_history([step])[0]


def compute_history(recalculations: Iterable[Recalculation]) -> list[Snapshot]:
    """Every snapshot of a project's chain, each computed from the raw contributions.

    Snapshot k counts the contributions of ``recalculations[k]`` recorded at or before its
    cutoff and not flagged disputed; its inputs' hash chains on snapshot k−1's and lists
    the multiset differences between the two counted sets.

    Raises:
        RuleViolation: as :func:`compute_snapshot` for any of them, or for a cutoff before
            the previous one (``field="cutoff"``).
    """
    snapshots: list[Snapshot] = []
    before: Counter[Key] = Counter()
    for step in recalculations:
        partners = check_partners(step.partners)
        known = frozenset(p.id for p in partners)
        if snapshots:
            check_cutoff(step.cutoff, snapshots[-1].cutoff)
        keys: list[Key] = []
        for c in step.contributions:
            if c.partner_id not in known:
                raise unknown_partner(c.partner_id)
            if c.recorded_at <= step.cutoff and not c.disputed:
                keys.append(c.key)
        counted = Counter(keys)
        totals: dict[tuple[int, str, str], int] = {}
        for (pid, tier, kind, value, _), times in counted.items():
            slot = (pid, tier, kind)
            totals[slot] = totals.get(slot, 0) + value * times
        added, removed = (counted - before, before - counted) if before else (counted, before)
        snapshots.append(
            build_snapshot(
                agreement=step.agreement,
                partners=partners,
                totals=totals,
                cutoff=step.cutoff,
                previous_hash=snapshots[-1].inputs_hash if snapshots else None,
                added=added.elements(),
                removed=removed.elements(),
            )
        )
        before = counted
    return snapshots


def check_partners(partners: Iterable[Partner]) -> tuple[Partner, ...]:
    """The partners by ascending id; a RuleViolation if an id is registered twice."""
    ordered = tuple(sorted(partners, key=lambda p: p.id))
    for first, second in zip(ordered, ordered[1:], strict=False):
        if first.id == second.id:
            raise RuleViolation(
                f"partner id {first.id} is registered twice", field="partner_id", value=first.id
            )
    return ordered


def check_cutoff(cutoff: int, previous_cutoff: int) -> None:
    """Raise a RuleViolation if ``cutoff`` is before the previous snapshot's."""
    if cutoff < previous_cutoff:
        raise RuleViolation(
            f"cutoff {cutoff} is before the previous snapshot's cutoff {previous_cutoff}",
            field="cutoff",
            value=cutoff,
            previous_cutoff=previous_cutoff,
        )


def unknown_partner(partner_id: int) -> RuleViolation:
    """The error for a contribution (or total) of a partner not in the project."""
    return RuleViolation(
        f"contribution by unknown partner {partner_id}", field="partner_id", value=partner_id
    )


def build_snapshot(
    *,
    agreement: Agreement,
    partners: tuple[Partner, ...],
    totals: Mapping[tuple[int, str, str], int],
    cutoff: int,
    previous_hash: str | None,
    added: Iterable[Key],
    removed: Iterable[Key],
) -> Snapshot:
    """The snapshot of these running totals; O(partners × kinds) plus the hash of the change.

    Args:
        agreement: The terms in force; its coefficients turn the totals into weights.
        partners: Every partner of the project, by ascending id, ids unique.
        totals: Σ value per (partner id, tier, kind) of what is counted; tiers and kinds
            as members or as their string values (which hash and compare alike), every
            partner id among ``partners``.
        cutoff: The snapshot's cutoff.
        previous_hash: The previous snapshot's inputs' hash, ``None`` for the first.
        added: Keys counted now and not in the previous snapshot.
        removed: Keys counted in the previous snapshot and not now.

    Raises:
        RuleViolation: if nothing weighs anything, or if a tier rule cannot hold.
    """
    weight: dict[Tier, dict[int, int]] = {tier: {} for tier in TIERS}
    kept: dict[tuple[int, Tier, Kind], int] = {}
    coefficients = agreement.coefficients
    # in the order of Snapshot.totals; walking the slots is cheaper than sorting the sums
    for partner in partners:
        for tier in TIERS:
            column = weight[tier]
            for kind in KINDS:
                slot = (partner.id, tier, kind)
                value = totals.get(slot)
                if value:
                    kept[slot] = value
                    column[partner.id] = column.get(partner.id, 0) + value * coefficients[kind]
    columns, weights_bps, payout = _matrix(agreement, partners, weight, cutoff)
    return Snapshot(
        cutoff=cutoff,
        partners=partners,
        columns=MappingProxyType(columns),
        weights=MappingProxyType(weights_bps),
        payout_vector=MappingProxyType(payout),
        inputs_hash=inputs_hash(
            agreement=agreement,
            partners=partners,
            cutoff=cutoff,
            previous=previous_hash,
            added=added,
            removed=removed,
        ),
        previous_hash=previous_hash,
        totals=MappingProxyType(kept),
    )


def _matrix(
    agreement: Agreement,
    partners: tuple[Partner, ...],
    totals: Mapping[Tier, Mapping[int, int]],
    cutoff: int,
) -> tuple[dict[Tier, Column], dict[Tier, int], dict[int, int]]:
    """Columns, tier weights and payout vector of the weights per tier and partner."""
    tier_totals = {tier: sum(totals[tier].values()) for tier in TIERS}
    present = [tier for tier in TIERS if tier_totals[tier] > 0]
    if not present:
        raise RuleViolation(
            "no contribution with weight up to the cutoff: nothing to share",
            field="contributions",
            cutoff=cutoff,
        )
    columns: dict[Tier, Column] = {}
    for tier in present:
        weights = {pid: w for pid, w in totals[tier].items() if w > 0}
        if tier is Tier.CORE:
            columns[tier] = core_column(partners, weights, agreement)
        elif tier is Tier.APPLICATION:
            columns[tier] = application_column(partners, weights)
        else:
            columns[tier] = derivative_column(partners, weights, agreement)
    if agreement.tier_weights is None:
        basis = [tier_totals[tier] for tier in present]
    else:
        basis = [agreement.tier_weights[tier] for tier in present]
        if sum(basis) == 0:
            raise RuleViolation(
                "the fixed tier weights give no weight to any tier that has a column",
                field="tier_weights",
                tiers=[t.value for t in present],
            )
    weights_bps = dict(zip(present, largest_remainder(basis, BPS), strict=True))
    vector: dict[int, int] = {p.id: 0 for p in partners}
    for tier, column in columns.items():
        for share in column.shares:
            vector[share.partner_id] += weights_bps[tier] * share.rights
    ids = list(vector)
    payout = dict(zip(ids, largest_remainder(list(vector.values()), BPS), strict=True))
    return columns, weights_bps, payout
