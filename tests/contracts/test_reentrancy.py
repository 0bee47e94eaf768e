"""A payee that re-enters claim, refund or withdrawFee when paid gains nothing."""

from __future__ import annotations

import pytest
from eth_utils import function_signature_to_4byte_selector

from ledger.chain.compiler import Build
from ledger.chain.gateway import Bound
from ledger.chain.payout_tree import PayoutTree
from ledger.chain.registry import Outcome
from tests.contracts.escrow_support import DEPOSIT, Env, apply_ruling

pytest_plugins = ["tests.contracts.escrow_fixtures"]

REENTRANT = function_signature_to_4byte_selector("ReentrancyGuardReentrantCall()")
CLAIM, REFUND, WITHDRAW_FEE = 1, 2, 3


@pytest.fixture
def attacker(seam: Env, build: Build) -> Bound:
    bound, _ = seam.chain.deploy(build["ReentrantClaimer"], seam.escrow.address)
    return bound


def blocked(env: Env, attacker: Bound) -> None:
    chain = env.chain
    assert chain.call(attacker, "attempts") == 1
    assert chain.call(attacker, "successes") == 0
    assert bytes(chain.call(attacker, "lastError")) == REENTRANT


def test_reentrant_claim_gains_nothing(seam: Env, attacker: Bound) -> None:
    env, chain = seam, seam.chain
    tree = PayoutTree.of([(attacker.address, 1000), (env.project.local_b.address, 500)])
    env.release(1, tree)
    env.open_claims(1)
    chain.transact(attacker, "arm", CLAIM, env.pid, 1, 0, 1000, tree.proof(0), gas=300_000)
    env.escrow.claim(env.pid, 1, 0, attacker.address, 1000, tree.proof(0), gas=400_000)
    blocked(env, attacker)
    assert chain.balance(attacker.address) == 1000
    assert chain.balance(env.escrow.address) == DEPOSIT - 1000


def test_reentrant_refund_gains_nothing(seam: Env, attacker: Bound) -> None:
    env, chain = seam, seam.chain
    chain.transact(attacker, "deposit", env.pid, value=3 * 10**18, gas=200_000)
    chain.transact(attacker, "arm", REFUND, env.pid, 0, 0, 0, [], gas=300_000)
    env.terminate()
    chain.transact(attacker, "refund", env.pid, gas=300_000)
    blocked(env, attacker)
    total = DEPOSIT + 3 * 10**18
    assert chain.balance(attacker.address) == total * 3 * 10**18 // total


def test_reentrant_fee_withdrawal_gains_nothing(seam: Env, attacker: Bound) -> None:
    env, chain = seam, seam.chain
    apply_ruling(env, 1, Outcome.UPHOLD, arbiter=attacker.address, fee=77)
    chain.transact(attacker, "arm", WITHDRAW_FEE, env.pid, 0, 0, 0, [], gas=300_000)
    chain.transact(attacker, "withdrawFee", env.pid, gas=300_000)
    blocked(env, attacker)
    assert chain.balance(attacker.address) == 77
    assert env.escrow.fee_of(env.pid, attacker.address) == 0
