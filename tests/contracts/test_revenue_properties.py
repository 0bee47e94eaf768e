"""Property tests: any valid column, any payment sequence, credits equal the model's."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.chain.compiler import Build
from ledger.chain.gateway import Chain
from ledger.chain.registry import ProjectRegistryGateway, Tier
from ledger.chain.rights import RightsColumn
from tests.contracts.revenue_model import RevenueBook
from tests.contracts.rights_fixtures import SMALL_BRACKETS, RightsEnv, make_env

payments = st.lists(st.one_of(st.integers(1, 1200), st.integers(1, 10**20)), min_size=1, max_size=6)


@st.composite
def columns(draw: st.DrawFn, tier: Tier) -> tuple[int, int, int, int, int, int]:
    """(a, b, c) rights bps for foreign_a, local_b, foreign_c, and (a, b, c) profit bps."""
    if tier == Tier.CORE:
        foreign = draw(st.integers(6000, 7000))
        a = draw(st.integers(0, foreign))
        rights = (a, 10_000 - foreign, foreign - a)
    elif tier == Tier.APPLICATION:
        rights = draw(st.permutations([3334, 3333, 3333]))
    else:
        local = draw(st.integers(5100, 10_000))
        a = draw(st.integers(0, 10_000 - local))
        rights = (a, local, 10_000 - local - a)
    x = draw(st.integers(0, 10_000))
    y = draw(st.integers(0, 10_000 - x))
    return (*rights, x, y, 10_000 - x - y)


def run(env: RightsEnv, tier: Tier, shares: tuple[int, ...], amounts: list[int]) -> None:
    chain = env.chain
    snapshot = chain.snapshot()
    try:
        p = env.project
        order = [p.foreign_a.address, p.local_b.address, p.foreign_c.address]
        rights = dict(zip(order, shares[:3], strict=True))
        profit = dict(zip(order, shares[3:], strict=True))
        column = RightsColumn.of(rights, profit if tier == Tier.APPLICATION else None)
        env.commit(tier, column)
        asset_id = env.asset(tier)
        bps = column.profit_bps if tier == Tier.APPLICATION else column.rights_bps
        members = env.members(column.partners, bps)
        book = RevenueBook(SMALL_BRACKETS)
        withdrawn = 0
        for i, amount in enumerate(amounts):
            env.revenue.deposit_revenue(asset_id, amount)
            if tier == Tier.CORE:
                book.pay_core(asset_id, members, amount)
            else:
                book.pay_by_bps(asset_id, members, amount)
            onchain = {a: env.revenue.credit(a) for a in order}
            assert onchain == {a: book.credits.get(a, 0) for a in order}
            assert sum(book.credits.values()) == sum(amounts[: i + 1]) - withdrawn
            if i == 1 and onchain[p.local_b.address]:
                withdrawn += onchain[p.local_b.address]
                env.revenue.withdraw(payee=p.local_b)
                book.credits[p.local_b.address] = 0
            assert chain.balance(env.revenue.address) == sum(amounts[: i + 1]) - withdrawn
    finally:
        chain.revert(snapshot)


@pytest.mark.parametrize("chain", ["eth-tester"], indirect=True)  # property runs: embedded only
@pytest.mark.parametrize("tier", list(Tier))
def test_credits_match_model_for_any_payments(
    chain: Chain, build: Build, registry: ProjectRegistryGateway, tier: Tier
) -> None:
    env = make_env(chain, build, registry)

    @settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(shares=columns(tier), amounts=payments)
    def check(shares: tuple[int, ...], amounts: list[int]) -> None:
        run(env, tier, shares, amounts)

    check()
