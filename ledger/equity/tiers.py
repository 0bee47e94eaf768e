"""The tier rules: from a tier's weights per partner to its bps column(s).

Each rule works on integer weights (value × per mille coefficient) summed per partner,
so raw shares ``w_p / W`` never need to be formed except where the rule compares a side's
share with a bound; everything stays exact.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from ledger.equity.model import BPS, Agreement, Partner, Side, Tier
from ledger.equity.rounding import largest_remainder, largest_remainder_exact
from ledger.errors import RuleViolation


@dataclass(frozen=True)
class Share:
    """One partner's entry in a tier's column.

    Attributes:
        partner_id: The partner.
        side: Its side.
        rights: Rights share in bps.
        profit: Profit share in bps (application tier only, else ``None``).
    """

    partner_id: int
    side: Side
    rights: int
    profit: int | None = None


@dataclass(frozen=True)
class Column:
    """A tier's column: one :class:`Share` per covered partner, by ascending id.

    Core and derivative columns cover every partner of the project (members of both
    sides, some possibly at 0 bps); an application column covers the partners with
    weight in the tier.
    """

    tier: Tier
    shares: tuple[Share, ...]

    def rights(self) -> dict[int, int]:
        """Rights bps by partner id."""
        return {s.partner_id: s.rights for s in self.shares}

    def profit(self) -> dict[int, int]:
        """Profit bps by partner id (application tier).

        Raises:
            RuleViolation: for a tier whose column has no profit shares.
        """
        if self.tier is not Tier.APPLICATION:
            raise RuleViolation(f"the {self.tier} tier has no profit column", field="tier")
        return {s.partner_id: s.profit or 0 for s in self.shares}

    def side_total(self, side: Side) -> int:
        """Sum of the rights bps of the partners on ``side``."""
        return sum(s.rights for s in self.shares if s.side is side)


def _sides(partners: Sequence[Partner]) -> tuple[list[Partner], list[Partner]]:
    foreign = [p for p in partners if p.side is Side.FOREIGN]
    local = [p for p in partners if p.side is Side.LOCAL]
    return foreign, local


def _two_stage(
    tier: Tier,
    partners: Sequence[Partner],
    weights: Mapping[int, int],
    foreign_share: Fraction,
) -> Column:
    """Round the side totals, then each side's members to its integer total.

    Within a side, members share in proportion to their weight; a side whose members
    have no weight at all shares equally among all its members.
    """
    foreign, local = _sides(partners)
    totals = largest_remainder_exact([foreign_share, 1 - foreign_share], BPS)
    rights: dict[int, int] = {}
    for members, total in ((foreign, totals[0]), (local, totals[1])):
        member_weights = [weights.get(p.id, 0) for p in members]
        if sum(member_weights) == 0:
            member_weights = [1] * len(members)
        shares = largest_remainder(member_weights, total)
        rights.update(zip((p.id for p in members), shares, strict=True))
    return Column(tier, tuple(Share(p.id, p.side, rights[p.id]) for p in partners))


def core_column(
    partners: Sequence[Partner], weights: Mapping[int, int], agreement: Agreement
) -> Column:
    """Core: the foreign side's total clamped to [lo, hi], each side scaled proportionally.

    Raises:
        RuleViolation: if the project lacks a foreign or a local partner.
    """
    foreign, local = _sides(partners)
    if not foreign or not local:
        raise RuleViolation(
            "a core tier needs at least one foreign and one local partner in the project",
            field="partners",
            foreign=len(foreign),
            local=len(local),
        )
    whole = sum(weights.values())
    share = Fraction(sum(weights.get(p.id, 0) for p in foreign), whole)
    clamped = min(max(share, Fraction(agreement.core_lo, BPS)), Fraction(agreement.core_hi, BPS))
    return _two_stage(Tier.CORE, partners, weights, clamped)


def derivative_column(
    partners: Sequence[Partner], weights: Mapping[int, int], agreement: Agreement
) -> Column:
    """Derivative: the local side's total lifted to at least the lead, the foreign side scaled.

    Raises:
        RuleViolation: if the local side must be lifted but the project has no local partner.
    """
    _, local = _sides(partners)
    whole = sum(weights.values())
    local_share = Fraction(sum(weights.get(p.id, 0) for p in local), whole)
    lead = Fraction(agreement.derivative_lead, BPS)
    if local_share < lead and not local:
        raise RuleViolation(
            "a derivative tier needs a local partner to lead it",
            field="partners",
            derivative_lead=agreement.derivative_lead,
        )
    return _two_stage(Tier.DERIVATIVE, partners, weights, 1 - max(local_share, lead))


def application_column(partners: Sequence[Partner], weights: Mapping[int, int]) -> Column:
    """Application: rights equal among contributors; profit by contribution."""
    holders = [p for p in partners if weights.get(p.id, 0) > 0]
    rights = largest_remainder([1] * len(holders), BPS)
    profit = largest_remainder([weights[p.id] for p in holders], BPS)
    return Column(
        Tier.APPLICATION,
        tuple(Share(p.id, p.side, r, f) for p, r, f in zip(holders, rights, profit, strict=True)),
    )
