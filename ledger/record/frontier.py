"""The right edge of a Merkle tree: enough to extend it and to compute its root.

A tree of ``n`` leaves (RFC 9162 2.1.1) is a run of complete subtrees, one per set bit of
``n``, in decreasing size: its left subtree is complete (the largest power of two below
``n``), its right one the tree of the remaining leaves, and so on. The hashes of those
complete subtrees, the frontier, take at most ``log2(n) + 1`` hashes; a new leaf merges
with them as a carry through a binary counter, and the root folds them from the right.
So a record can publish the head of its next size from its last head's frontier and the
entries added since, without reading all its entries again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ledger.errors import RuleViolation
from ledger.record.merkle import EMPTY_ROOT, HASH_SIZE, node_hash


@dataclass(frozen=True)
class Frontier:
    """The complete-subtree hashes of a tree of ``size`` leaves, largest subtree first."""

    size: int
    hashes: tuple[bytes, ...] = ()

    def __post_init__(self) -> None:
        if self.size < 0 or len(self.hashes) != self.size.bit_count():
            raise RuleViolation(
                f"a frontier of {self.size} leaves holds {self.size.bit_count()} hashes, "
                f"not {len(self.hashes)}",
                field="frontier",
            )
        if any(len(h) != HASH_SIZE for h in self.hashes):
            raise RuleViolation("every frontier hash is 32 bytes", field="frontier")

    def extend(self, leaf_hashes: Iterable[bytes]) -> Frontier:
        """The frontier after appending ``leaf_hashes`` (each 32 bytes), in order."""
        bits = reversed(range(self.size.bit_length()))
        sizes = [1 << bit for bit in bits if self.size >> bit & 1]
        stack = list(zip(self.hashes, sizes, strict=True))
        size = self.size
        for leaf in leaf_hashes:
            if len(leaf) != HASH_SIZE:
                raise RuleViolation("a leaf hash is 32 bytes", field="leaf_hash")
            node, width = leaf, 1
            while stack and stack[-1][1] == width:
                left, _ = stack.pop()
                node, width = node_hash(left, node), width * 2
            stack.append((node, width))
            size += 1
        return Frontier(size, tuple(h for h, _ in stack))

    def root(self) -> bytes:
        """The tree's root hash (:data:`~ledger.record.merkle.EMPTY_ROOT` when empty)."""
        if not self.hashes:
            return EMPTY_ROOT
        result = self.hashes[-1]
        for left in reversed(self.hashes[:-1]):
            result = node_hash(left, result)
        return result

    def encode(self) -> str:
        """The hashes as one hex string (64 characters each), for storage."""
        return "".join(h.hex() for h in self.hashes)

    @classmethod
    def decode(cls, size: int, text: str) -> Frontier:
        """The frontier of ``size`` leaves stored by :meth:`encode`.

        Raises:
            RuleViolation: for text that is not the hashes of such a frontier.
        """
        try:
            raw = bytes.fromhex(text)
        except ValueError:
            raise RuleViolation("a stored frontier is hex", field="frontier") from None
        width = HASH_SIZE
        return cls(size, tuple(raw[i : i + width] for i in range(0, len(raw), width)))
