"""Snapshots of the equity matrix: columns, tier weights, payout vector, inputs' hash.

:func:`compute_snapshot` works from all raw contributions; an :class:`Accumulator` keeps
running totals of weight per partner and tier so that new contributions, and disputes
opened or resolved, update it in constant time. Both give the same :class:`Snapshot`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from ledger.equity.canonical import inputs_hash
from ledger.equity.model import BPS, TIERS, Agreement, Contribution, Partner, Tier, require_int
from ledger.equity.rounding import largest_remainder
from ledger.equity.tiers import Column, application_column, core_column, derivative_column
from ledger.errors import RuleViolation


@dataclass(frozen=True)
class Snapshot:
    """The equity matrix of a milestone at its cutoff.

    Attributes:
        cutoff: Contributions recorded at or before it count.
        partners: Every partner of the project, by ascending id.
        columns: One column per tier that has weight, in tier order.
        weights: Tier weights W in bps (sum 10000), for the tiers that have a column.
        payout_vector: s[p] in bps for every partner, by ascending id (sum 10000).
        inputs_hash: Hex sha256 of the canonical inputs (see :mod:`ledger.equity.canonical`).
    """

    cutoff: int
    partners: tuple[Partner, ...]
    columns: Mapping[Tier, Column]
    weights: Mapping[Tier, int]
    payout_vector: Mapping[int, int]
    inputs_hash: str

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


class Accumulator:
    """Running totals of weight per partner and tier, for incremental recalculation.

    Adding or removing a contribution costs O(1); :meth:`snapshot` costs O(partners) for
    the matrix plus O(n log n) in the contributions counted, for the inputs' hash.

    Args:
        agreement: The agreement (its coefficients turn values into weights).
        partners: Every partner of the project.

    Raises:
        RuleViolation: for duplicate partner ids.
    """

    def __init__(self, agreement: Agreement, partners: Iterable[Partner]) -> None:
        self.agreement = agreement
        self.partners = tuple(sorted(partners, key=lambda p: p.id))
        ids = [p.id for p in self.partners]
        if len(set(ids)) != len(ids):
            duplicate = next(i for i in ids if ids.count(i) > 1)
            raise RuleViolation(
                f"partner id {duplicate} is registered twice", field="partner_id", value=duplicate
            )
        self._known = frozenset(ids)
        self._totals: dict[Tier, dict[int, int]] = {tier: {} for tier in TIERS}
        self._counted: Counter[tuple[int, str, str, int, int]] = Counter()

    def add(self, contribution: Contribution) -> bool:
        """Count a contribution (or count it again once its dispute is resolved).

        Returns:
            False, counting nothing, if the contribution is flagged as disputed.

        Raises:
            RuleViolation: if its partner is not a partner of the project.
        """
        self.check_partner(contribution)
        if contribution.disputed:
            return False
        weight = contribution.value * self.agreement.coefficient(contribution.kind)
        totals = self._totals[contribution.tier]
        totals[contribution.partner_id] = totals.get(contribution.partner_id, 0) + weight
        self._counted[contribution.key] += 1
        return True

    def check_partner(self, contribution: Contribution) -> None:
        """Raise a RuleViolation unless the contribution's partner belongs to the project."""
        if contribution.partner_id not in self._known:
            raise RuleViolation(
                f"contribution by unknown partner {contribution.partner_id}",
                field="partner_id",
                value=contribution.partner_id,
            )

    def remove(self, contribution: Contribution) -> None:
        """Stop counting a contribution (a dispute on it was opened).

        Raises:
            RuleViolation: if that contribution is not counted.
        """
        key = contribution.key
        if self._counted.get(key, 0) == 0:
            raise RuleViolation(
                "contribution is not counted", field="contribution", value=repr(key)
            )
        self._counted[key] -= 1
        if self._counted[key] == 0:
            del self._counted[key]
        weight = contribution.value * self.agreement.coefficient(contribution.kind)
        self._totals[contribution.tier][contribution.partner_id] -= weight

    def tier_weights_of(self) -> dict[Tier, int]:
        """Total weight counted per tier."""
        return {tier: sum(self._totals[tier].values()) for tier in TIERS}

    def snapshot(self, cutoff: int) -> Snapshot:
        """The snapshot of what is counted, at ``cutoff``.

        Raises:
            RuleViolation: if a counted contribution is recorded after the cutoff, if nothing
                weighs anything, or if a tier rule cannot hold (see :mod:`ledger.equity.tiers`).
        """
        require_int(cutoff, "cutoff", minimum=None)
        late = [key for key in self._counted if key[4] > cutoff]
        if late:
            raise RuleViolation(
                "a counted contribution is recorded after the cutoff",
                field="recorded_at",
                value=late[0][4],
                cutoff=cutoff,
            )
        return _snapshot(
            agreement=self.agreement,
            partners=self.partners,
            totals=self._totals,
            cutoff=cutoff,
            digest=inputs_hash(
                agreement=self.agreement,
                partners=self.partners,
                contributions=self._counted.elements(),
                cutoff=cutoff,
            ),
        )


def compute_snapshot(
    *,
    agreement: Agreement,
    partners: Iterable[Partner],
    contributions: Iterable[Contribution],
    cutoff: int,
) -> Snapshot:
    """The snapshot from scratch: every contribution recorded up to ``cutoff``, not disputed.

    Args:
        agreement: The agreement's equity terms.
        partners: Every partner of the project (ids unique).
        contributions: All contributions, in any order; later or disputed ones are skipped.
        cutoff: The milestone's cutoff (an integer timestamp).

    Raises:
        RuleViolation: for an unknown partner, no weight at all up to the cutoff, or a core
            tier with weight in a project lacking a foreign or a local partner.
    """
    require_int(cutoff, "cutoff", minimum=None)
    accumulator = Accumulator(agreement, partners)
    for contribution in contributions:
        if contribution.recorded_at <= cutoff:
            accumulator.add(contribution)
        else:
            accumulator.check_partner(contribution)
    return accumulator.snapshot(cutoff)


def _snapshot(
    *,
    agreement: Agreement,
    partners: tuple[Partner, ...],
    totals: Mapping[Tier, Mapping[int, int]],
    cutoff: int,
    digest: str,
) -> Snapshot:
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
    return Snapshot(
        cutoff=cutoff,
        partners=partners,
        columns=MappingProxyType(columns),
        weights=MappingProxyType(weights_bps),
        payout_vector=MappingProxyType(payout),
        inputs_hash=digest,
    )
