"""Revenue of a foreground IP asset, split to the wei as the RevenueSharing contract does.

Every partner's exact amount is a :class:`~fractions.Fraction`; it is floored to wei and the
leftover wei go one each to the largest remainders, ties to the smaller partner id.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction

from ledger.equity.model import BPS, Bracket, Side, Tier, check_brackets, require_int
from ledger.equity.rounding import largest_remainder_exact
from ledger.equity.tiers import Column
from ledger.errors import RuleViolation


def foreign_part(brackets: Sequence[Bracket], cumulative: int, amount: int) -> Fraction:
    """The foreign side's exact part of the slice ``(cumulative, cumulative + amount]``.

    Bracket i covers ``(cap_{i-1}, cap_i]`` (the first starts at 0); the portion of the slice
    in it yields ``portion × foreign_bps / 10000``.
    """
    weighted = 0
    start, end, floor = cumulative, cumulative + amount, 0
    for bracket in brackets:
        low, high = max(start, floor), min(end, bracket.cap)
        if high > low:
            weighted += (high - low) * bracket.foreign_bps
        if end <= bracket.cap:
            break
        floor = bracket.cap
    return Fraction(weighted, BPS)


def allocate(exact: Mapping[int, Fraction], amount: int) -> dict[int, int]:
    """Floor each partner's exact amount; the leftover wei by largest remainder, ties smaller id.

    ``exact`` must sum to ``amount``.
    """
    ids = sorted(exact)
    return dict(zip(ids, largest_remainder_exact([exact[i] for i in ids], amount), strict=True))


def _by_bps(bps: Mapping[int, int], amount: int) -> dict[int, int]:
    return allocate({pid: Fraction(amount * b, BPS) for pid, b in bps.items()}, amount)


def _check_bps(bps: Mapping[int, int], what: str) -> None:
    for value in bps.values():
        require_int(value, what)
    if sum(bps.values()) != BPS:
        raise RuleViolation(f"{what} bps must sum to {BPS}, got {sum(bps.values())}", field=what)


def split_revenue(
    tier: Tier,
    amount: int,
    cumulative_before: int,
    column: Column,
    brackets: Sequence[Bracket],
    negotiated: Mapping[int, int] | None = None,
) -> dict[int, int]:
    """Split a revenue payment of an asset of ``tier`` among the partners, to the wei.

    - core: the slice ``(cumulative_before, cumulative_before + amount]`` goes through the
      brackets; the foreign side gets ``Σ portion_i × f_i / 10000`` exactly, the local side
      the rest; within a side by the partners' rights bps. If the column gives a side 0 bps,
      the whole payment goes by the rights bps (as the contract does).
    - application: by the column's profit bps.
    - derivative: by ``negotiated`` bps (partner id -> bps, signed by all) if given, else by
      the rights bps.

    Args:
        tier: The asset's tier.
        amount: The payment, in wei (>= 0).
        cumulative_before: The asset's cumulative revenue before this payment, in wei.
        column: The tier's column at the latest released milestone.
        brackets: The agreement's core brackets (used for core only).
        negotiated: The negotiated derivative split, if signed.

    Returns:
        Wei per partner id (ascending), summing to exactly ``amount``.

    Raises:
        RuleViolation: for a column of another tier, a negotiated split outside the
            derivative tier or not summing to 10000, or invalid amounts or brackets.
    """
    require_int(amount, "amount")
    require_int(cumulative_before, "cumulative_before")
    if column.tier is not tier:
        raise RuleViolation(
            f"a {column.tier} column cannot split {tier} revenue", field="tier", tier=str(tier)
        )
    if negotiated is not None and tier is not Tier.DERIVATIVE:
        raise RuleViolation("only the derivative tier has a negotiated split", field="negotiated")
    if tier is Tier.APPLICATION:
        return _by_bps(column.profit(), amount)
    if tier is Tier.DERIVATIVE:
        bps = column.rights() if negotiated is None else dict(negotiated)
        _check_bps(bps, "negotiated" if negotiated is not None else "rights")
        return _by_bps(bps, amount)
    check_brackets(tuple(brackets))
    totals = {side: column.side_total(side) for side in (Side.FOREIGN, Side.LOCAL)}
    if 0 in totals.values():
        return _by_bps(column.rights(), amount)
    foreign = foreign_part(brackets, cumulative_before, amount)
    parts = {Side.FOREIGN: foreign, Side.LOCAL: amount - foreign}
    exact = {s.partner_id: parts[s.side] * s.rights / totals[s.side] for s in column.shares}
    return allocate(exact, amount)
