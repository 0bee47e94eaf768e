"""Merkle trees of milestone payouts, as :sol:`MilestoneEscrow` verifies them.

A leaf is ``keccak256(keccak256(abi.encode(uint256 index, address account, uint256 amount)))``
(double hashing, so a leaf can never pass for an inner node), inner nodes hash their two
children in sorted order. The shape is the one of OpenZeppelin's ``StandardMerkleTree``: leaves
sorted by hash and laid out as a complete binary tree in one array, the root at index 0, so
proofs from this module and from that library are interchangeable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from eth_abi import encode
from eth_utils import keccak, to_checksum_address


@dataclass(frozen=True)
class Payout:
    """One leaf: ``amount`` (wei) for ``account``; ``index`` is its claim number."""

    index: int
    account: str
    amount: int


def leaf_hash(index: int, account: str, amount: int) -> bytes:
    """The leaf the contract recomputes from a claim's arguments."""
    encoded = encode(
        ["uint256", "address", "uint256"], [index, to_checksum_address(account), amount]
    )
    return keccak(keccak(encoded))


def hash_pair(a: bytes, b: bytes) -> bytes:
    """Commutative inner-node hash: keccak of the two children, smaller first."""
    return keccak(a + b if a < b else b + a)


def verify(proof: Sequence[bytes], root: bytes, leaf: bytes) -> bool:
    """What ``MerkleProof.verify`` answers."""
    node = leaf
    for sibling in proof:
        node = hash_pair(node, sibling)
    return node == root


class PayoutTree:
    """The payout tree of one milestone; leaf ``i`` pays ``payouts[i]``.

    Raises:
        ValueError: for no payouts, a negative amount, or indices that are not 0..n-1 in order.
    """

    def __init__(self, payouts: Sequence[Payout]) -> None:
        if not payouts:
            raise ValueError("a payout tree needs at least one payout")
        for position, payout in enumerate(payouts):
            if payout.index != position:
                raise ValueError(f"payout {position} has index {payout.index}")
            if payout.amount < 0:
                raise ValueError(f"payout {position} has a negative amount")
        self.payouts = tuple(payouts)
        hashes = [leaf_hash(p.index, p.account, p.amount) for p in payouts]
        order = sorted(range(len(hashes)), key=lambda i: hashes[i])
        size = 2 * len(hashes) - 1
        self._tree: list[bytes] = [b""] * size
        self._position: dict[int, int] = {}
        for rank, i in enumerate(order):
            slot = size - 1 - rank
            self._tree[slot] = hashes[i]
            self._position[i] = slot
        for slot in range(size - 1 - len(hashes), -1, -1):
            self._tree[slot] = hash_pair(self._tree[2 * slot + 1], self._tree[2 * slot + 2])

    @classmethod
    def of(cls, entries: Sequence[tuple[str, int]]) -> PayoutTree:
        """A tree from ``(account, amount)`` pairs, numbered in the order given."""
        return cls([Payout(i, account, amount) for i, (account, amount) in enumerate(entries)])

    def __len__(self) -> int:
        return len(self.payouts)

    @property
    def root(self) -> bytes:
        return self._tree[0]

    @property
    def total(self) -> int:
        """Sum of every payout: the amount a release of this tree sets aside."""
        return sum(p.amount for p in self.payouts)

    def leaf(self, index: int) -> bytes:
        return self._tree[self._position[index]]

    def proof(self, index: int) -> list[bytes]:
        """Sibling hashes from leaf ``index`` up to the root."""
        slot = self._position[index]
        proof = []
        while slot > 0:
            proof.append(self._tree[slot + 1 if slot % 2 == 1 else slot - 1])
            slot = (slot - 1) // 2
        return proof
