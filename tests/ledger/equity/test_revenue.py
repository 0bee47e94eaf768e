"""The engine's revenue split agrees to the wei with the contract's reference model."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.chain.registry import Bracket as ChainBracket
from ledger.chain.registry import Side as ChainSide
from ledger.equity import (
    BPS,
    UNBOUNDED,
    Bracket,
    Column,
    Share,
    Side,
    Tier,
    foreign_part,
    split_revenue,
)
from ledger.errors import RuleViolation
from tests.contracts import revenue_model
from tests.contracts.revenue_model import Member

PROPERTY = settings(max_examples=200, deadline=None)
CHAIN_SIDE = {Side.FOREIGN: ChainSide.FOREIGN, Side.LOCAL: ChainSide.LOCAL}


def address(pid: int) -> str:
    return "0x" + f"{pid:040x}"


@st.composite
def bps_columns(draw: st.DrawFn, tier: Tier) -> Column:
    """A column of random bps summing to 10000 over 1..8 partners with random ids and sides."""
    ids = sorted(draw(st.lists(st.integers(1, 200), min_size=1, max_size=8, unique=True)))
    cuts = sorted(draw(st.lists(st.integers(0, BPS), min_size=len(ids) - 1, max_size=len(ids) - 1)))
    bps = [b - a for a, b in zip([0, *cuts], [*cuts, BPS], strict=True)]
    sides = [draw(st.sampled_from(Side)) for _ in ids]
    profit = tier is Tier.APPLICATION
    return Column(
        tier,
        tuple(
            Share(i, s, b, b if profit else None) for i, s, b in zip(ids, sides, bps, strict=True)
        ),
    )


@st.composite
def bracket_lists(draw: st.DrawFn) -> list[Bracket]:
    caps = sorted(draw(st.lists(st.integers(1, 10**7), max_size=3, unique=True)))
    return [Bracket(c, draw(st.integers(0, BPS))) for c in [*caps, UNBOUNDED]]


def members(column: Column) -> list[Member]:
    return [
        Member(address(s.partner_id), s.partner_id, CHAIN_SIDE[s.side], s.rights)
        for s in column.shares
    ]


def by_address(split: dict[int, int]) -> dict[str, int]:
    return {address(pid): wei for pid, wei in split.items()}


amounts = st.one_of(st.integers(0, 10**7), st.integers(0, 10**30))


@PROPERTY
@given(bps_columns(Tier.CORE), bracket_lists(), amounts, amounts)
def test_split_core_revenue_matches_contract_model(
    column: Column, brackets: list[Bracket], amount: int, cumulative: int
) -> None:
    split = split_revenue(Tier.CORE, amount, cumulative, column, brackets)
    chain_brackets = [ChainBracket(b.cap, b.foreign_bps) for b in brackets]
    expected = revenue_model.split_core(members(column), chain_brackets, cumulative, amount)
    assert by_address(split) == expected
    assert sum(split.values()) == amount
    assert all(x >= 0 for x in split.values())
    assert foreign_part(brackets, cumulative, amount) == revenue_model.foreign_part(
        chain_brackets, cumulative, amount
    )


@PROPERTY
@given(st.sampled_from([Tier.APPLICATION, Tier.DERIVATIVE]), st.data(), amounts)
def test_split_revenue_by_bps_matches_contract_model(
    tier: Tier, data: st.DataObject, amount: int
) -> None:
    column = data.draw(bps_columns(tier))
    split = split_revenue(tier, amount, 0, column, [])
    assert by_address(split) == revenue_model.split_by_bps(members(column), amount)
    assert sum(split.values()) == amount


@PROPERTY
@given(bps_columns(Tier.DERIVATIVE), bps_columns(Tier.DERIVATIVE), amounts)
def test_split_derivative_revenue_by_negotiated_bps(
    column: Column, deal: Column, amount: int
) -> None:
    negotiated = deal.rights()
    split = split_revenue(Tier.DERIVATIVE, amount, 0, column, [], negotiated)
    assert by_address(split) == revenue_model.split_by_bps(members(deal), amount)


def test_split_core_revenue_one_side_without_bps_goes_by_rights() -> None:
    column = Column(Tier.CORE, (Share(1, Side.FOREIGN, 2500), Share(2, Side.FOREIGN, 7500)))
    brackets = [Bracket(10, 7000), Bracket(UNBOUNDED, 6000)]
    assert split_revenue(Tier.CORE, 101, 0, column, brackets) == {1: 25, 2: 76}


def test_split_revenue_rejects_bad_input() -> None:
    core = Column(Tier.CORE, (Share(1, Side.FOREIGN, 7000), Share(2, Side.LOCAL, 3000)))
    brackets = [Bracket(UNBOUNDED, 7000)]
    with pytest.raises(RuleViolation) as error:
        split_revenue(Tier.APPLICATION, 10, 0, core, brackets)
    assert error.value.fields["field"] == "tier"
    with pytest.raises(RuleViolation) as error:
        split_revenue(Tier.CORE, 10, 0, core, brackets, {1: 10_000})
    assert error.value.fields["field"] == "negotiated"
    derivative = Column(Tier.DERIVATIVE, core.shares)
    with pytest.raises(RuleViolation) as error:
        split_revenue(Tier.DERIVATIVE, 10, 0, derivative, [], {1: 5000, 2: 4999})
    assert error.value.fields["field"] == "negotiated"
    with pytest.raises(RuleViolation) as error:
        split_revenue(Tier.CORE, 10, 0, core, [Bracket(100, 7000)])
    assert error.value.fields["field"] == "brackets"
    with pytest.raises(RuleViolation) as error:
        split_revenue(Tier.CORE, -1, 0, core, brackets)
    assert error.value.fields["field"] == "amount"
