"""Re-entering RevenueSharing.withdraw from a payout address gains nothing."""

from __future__ import annotations

from eth_utils import function_signature_to_4byte_selector

from ledger.chain.compiler import Build
from ledger.chain.registry import Tier
from tests.contracts.rights_fixtures import RightsEnv, env

__all__ = ["env"]

REENTRANT_CALL = function_signature_to_4byte_selector("ReentrancyGuardReentrantCall()")


def test_reentrant_withdraw_gains_nothing(env: RightsEnv, build: Build) -> None:
    chain = env.chain
    attacker, _ = chain.deploy(build["ReentrantWithdrawer"], env.revenue.address)
    env.commit(Tier.DERIVATIVE)
    asset_id = env.asset(Tier.DERIVATIVE)
    partner = env.project.local_b
    env.revenue.set_payout_address(partner, attacker.address, 1)
    env.revenue.deposit_revenue(asset_id, 1000)  # attacker credited 510, others 490
    credit = env.revenue.credit(attacker.address)
    assert credit == 510

    chain.transact(attacker, "attack", 3, gas=300_000)

    assert chain.balance(attacker.address) == credit
    assert chain.call(attacker, "reentered") == 0
    assert chain.call(attacker, "refused") == 1
    assert bytes(chain.call(attacker, "lastError")) == REENTRANT_CALL
    assert env.revenue.credit(attacker.address) == 0
    assert chain.balance(env.revenue.address) == 1000 - credit
    others = [p.address for p in env.project.partners if p.address != partner.address]
    assert sum(env.revenue.credit(a) for a in others) == 1000 - credit
