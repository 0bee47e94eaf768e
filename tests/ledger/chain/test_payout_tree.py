"""The payout Merkle tree: the StandardMerkleTree shape, proofs for every leaf."""

from __future__ import annotations

import pytest
from eth_abi import encode
from eth_utils import keccak

from ledger.chain.payout_tree import Payout, PayoutTree, hash_pair, leaf_hash, verify

ALICE = "0x" + "a1" * 20


def accounts(n: int) -> list[tuple[str, int]]:
    return [(f"0x{i + 1:040x}", (i + 1) * 10**15) for i in range(n)]


def test_leaf_is_double_hashed_abi_encoding() -> None:
    inner = keccak(encode(["uint256", "address", "uint256"], [3, ALICE, 5]))
    assert leaf_hash(3, ALICE, 5) == keccak(inner)


def test_single_leaf_is_the_root_with_empty_proof() -> None:
    tree = PayoutTree.of([(ALICE, 7)])
    assert tree.root == leaf_hash(0, ALICE, 7)
    assert tree.proof(0) == []
    assert tree.total == 7


def test_two_leaves_hash_sorted_pair() -> None:
    tree = PayoutTree.of(accounts(2))
    a, b = tree.leaf(0), tree.leaf(1)
    assert tree.root == keccak(min(a, b) + max(a, b)) == hash_pair(b, a)
    assert tree.proof(0) == [b]


@pytest.mark.parametrize("n", [1, 2, 3, 5, 200])
def test_every_proof_verifies(n: int) -> None:
    tree = PayoutTree.of(accounts(n))
    for i in range(n):
        assert verify(tree.proof(i), tree.root, tree.leaf(i))
        assert len(tree.proof(i)) <= n.bit_length()
    assert tree.total == sum(a for _, a in accounts(n))


def test_three_leaves_follow_standard_tree_layout() -> None:
    tree = PayoutTree.of(accounts(3))
    leaves = sorted(tree.leaf(i) for i in range(3))
    # array layout [root, n1, l2, l1, l0]: leaves laid from the end in ascending hash order
    n1 = hash_pair(leaves[1], leaves[0])
    assert tree.root == hash_pair(n1, leaves[2])


def test_tampered_leaf_fails() -> None:
    tree = PayoutTree.of(accounts(5))
    assert not verify(tree.proof(1), tree.root, leaf_hash(1, "0x" + "00" * 19 + "02", 1))


def test_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="at least one"):
        PayoutTree([])
    with pytest.raises(ValueError, match="index"):
        PayoutTree([Payout(1, ALICE, 1)])
    with pytest.raises(ValueError, match="negative"):
        PayoutTree([Payout(0, ALICE, -1)])
