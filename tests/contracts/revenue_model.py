"""Reference model of revenue sharing, in exact rationals (DESIGN.md, "Revenue of an asset").

Independent of the contract's integer tricks: every partner's exact share is a
:class:`~fractions.Fraction`; it is floored to wei and the leftover handed out by largest
remainder, ties to the smaller partner id. The contract must agree with it to the wei.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from ledger.chain.registry import Bracket, Side

BPS = 10_000


@dataclass(frozen=True)
class Member:
    address: str
    partner_id: int
    side: Side
    bps: int


def foreign_part(brackets: Sequence[Bracket], cumulative: int, amount: int) -> Fraction:
    """The foreign side's exact part of the slice (cumulative, cumulative + amount]."""
    part = Fraction(0)
    start, end, floor = cumulative, cumulative + amount, 0
    for b in brackets:
        low, high = max(start, floor), min(end, b.cap)
        if high > low:
            part += Fraction((high - low) * b.foreign_bps, BPS)
        floor = b.cap
    return part


def allocate(exact: dict[str, Fraction], amount: int, ids: dict[str, int]) -> dict[str, int]:
    """Floor each exact amount; give the leftover wei one each by largest remainder."""
    assert sum(exact.values()) == amount
    out = {a: math.floor(x) for a, x in exact.items()}
    leftover = amount - sum(out.values())
    order = sorted(exact, key=lambda a: (-(exact[a] - out[a]), ids[a]))
    for a in order[:leftover]:
        out[a] += 1
    return out


def split_by_bps(members: Sequence[Member], amount: int) -> dict[str, int]:
    exact = {m.address: Fraction(amount * m.bps, BPS) for m in members}
    return allocate(exact, amount, {m.address: m.partner_id for m in members})


def split_core(
    members: Sequence[Member], brackets: Sequence[Bracket], cumulative: int, amount: int
) -> dict[str, int]:
    """Core: bracket-weighted side parts, then each side by its members' rights bps."""
    totals = {
        side: sum(m.bps for m in members if m.side == side) for side in (Side.FOREIGN, Side.LOCAL)
    }
    if 0 in totals.values():
        return split_by_bps(members, amount)
    foreign = foreign_part(brackets, cumulative, amount)
    parts = {Side.FOREIGN: foreign, Side.LOCAL: amount - foreign}
    exact = {m.address: parts[m.side] * m.bps / totals[m.side] for m in members}
    return allocate(exact, amount, {m.address: m.partner_id for m in members})


@dataclass
class RevenueBook:
    """Cumulative revenue per asset and credits per partner, as the contract should keep them."""

    brackets: Sequence[Bracket]
    cumulative: dict[int, int] = field(default_factory=dict)
    credits: dict[str, int] = field(default_factory=dict)

    def pay_core(self, asset_id: int, members: Sequence[Member], amount: int) -> dict[str, int]:
        c = self.cumulative.get(asset_id, 0)
        return self._credit(asset_id, split_core(members, self.brackets, c, amount), amount)

    def pay_by_bps(self, asset_id: int, members: Sequence[Member], amount: int) -> dict[str, int]:
        return self._credit(asset_id, split_by_bps(members, amount), amount)

    def _credit(self, asset_id: int, shares: dict[str, int], amount: int) -> dict[str, int]:
        assert sum(shares.values()) == amount
        self.cumulative[asset_id] = self.cumulative.get(asset_id, 0) + amount
        for a, x in shares.items():
            self.credits[a] = self.credits.get(a, 0) + x
        return shares
