"""Gas targets of the escrow, measured against a minimal Merkle distributor in the same run.

The baseline (``scripts/bench_contracts/BaselineMerkleDistributor.sol``) uses the escrow's leaf
format, so one payout tree and one proof serve both. Gas is deterministic on eth-tester, so
these are exact regression checks, not benchmarks.
"""

from __future__ import annotations

import pytest

from ledger.chain.compiler import Artifact, Build, compile_contracts, find_solc, project_root
from ledger.chain.gateway import Bound, Chain, Receipt
from ledger.chain.payout_tree import PayoutTree
from tests.contracts.conftest import key
from tests.contracts.escrow_support import Env

pytest_plugins = ["tests.contracts.escrow_fixtures"]

ROOT = project_root()
LEAVES = 200
# The first claim may cost at most 115 % of the baseline's; release gas may vary by 5 %.
CLAIM_BUDGET_PERCENT = 115
RELEASE_SPREAD_PERCENT = 5
CLAIM_GAS_LIMIT = 250_000


@pytest.fixture(scope="module")
def bench_build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    return compile_contracts(
        solc=find_solc(solc_path=None, root=ROOT),
        root=ROOT,
        cache_dir=tmp_path_factory.mktemp("bench-build"),
        sources_dir=ROOT / "scripts" / "bench_contracts",
    )


def large_tree() -> PayoutTree:
    """200 leaves, each paying an account that never held ether."""
    return PayoutTree.of([(key(f"gas-payee-{i}").address, 10**15 + i) for i in range(LEAVES)])


def deepest_leaf(tree: PayoutTree) -> int:
    """An index with the longest proof (8 levels for 200 leaves)."""
    return max(range(len(tree)), key=lambda i: (len(tree.proof(i)), -i))


def deploy_funded(chain: Chain, artifact: Artifact, value: int, *args: object) -> Bound:
    """Deploy a contract whose constructor takes ether (the gateway's deploy sends none)."""
    w3, sender = chain.w3, chain.operator
    data = w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode).constructor(*args)
    tx = {
        "data": data.data_in_transaction,
        "value": value,
        "gas": 1_000_000,
        "nonce": w3.eth.get_transaction_count(sender.address, "pending"),
        "chainId": chain.chain_id,
        "maxFeePerGas": 2 * w3.eth.get_block("latest")["baseFeePerGas"] + 10**9,
        "maxPriorityFeePerGas": 10**9,
    }
    tx_hash = w3.eth.send_raw_transaction(sender.sign_transaction(tx).raw_transaction)
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash)
    assert receipt["status"] == 1
    return chain.at(artifact, receipt["contractAddress"])


def release(env: Env, milestone_id: int, tree: PayoutTree) -> Receipt:
    quorum = [env.project.foreign_a, env.project.local_b]
    return env.escrow.release(env.pid, milestone_id, tree.root, tree.total, quorum)


@pytest.mark.parametrize("chain", ["eth-tester"], indirect=True)
def test_first_claim_within_budget_of_baseline(chain: Chain, env: Env, bench_build: Build) -> None:
    tree = large_tree()
    index = deepest_leaf(tree)
    payout, proof = tree.payouts[index], tree.proof(index)
    assert len(proof) == 8
    env.escrow.deposit(env.pid, tree.total, sender=env.funder)
    release(env, 1, tree)
    env.open_claims(1)
    baseline = deploy_funded(chain, bench_build["BaselineMerkleDistributor"], tree.total, tree.root)
    assert chain.balance(payout.account) == 0

    before = chain.snapshot()
    base = chain.transact(
        baseline,
        "claim",
        index,
        payout.account,
        payout.amount,
        proof,
        gas=CLAIM_GAS_LIMIT,
    )
    assert chain.balance(payout.account) == payout.amount
    chain.revert(before)
    assert chain.balance(payout.account) == 0
    ours = env.escrow.claim_leaf(env.pid, 1, tree, index)
    assert chain.balance(payout.account) == payout.amount

    assert ours.gas_used * 100 <= CLAIM_BUDGET_PERCENT * base.gas_used, (
        ours.gas_used,
        base.gas_used,
    )


@pytest.mark.parametrize("chain", ["eth-tester"], indirect=True)
def test_release_gas_flat_in_leaves(chain: Chain, env: Env) -> None:
    small = env.tree(1, 2)
    large = large_tree()
    env.escrow.deposit(env.pid, large.total, sender=env.funder)
    before = chain.snapshot()
    r_small = release(env, 1, small)
    chain.revert(before)
    r_large = release(env, 1, large)
    spread = abs(r_large.gas_used - r_small.gas_used)
    assert spread * 100 <= RELEASE_SPREAD_PERCENT * r_small.gas_used, (
        r_small.gas_used,
        r_large.gas_used,
    )
