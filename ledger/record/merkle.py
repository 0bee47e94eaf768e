"""The record's Merkle tree, as defined in RFC 9162 section 2.1, over SHA-256.

Domain separation keeps leaves and interior nodes apart::

    leaf hash  = SHA-256(0x00 || leaf data)
    node hash  = SHA-256(0x01 || left || right)
    MTH({})    = SHA-256("")                      (the empty tree)
    MTH(D[n])  = node(MTH(D[0:k]), MTH(D[k:n]))   k = largest power of two < n

Everything here works on *leaf hashes* (32-byte values already passed through
:func:`leaf_hash`), so a caller can keep the hashes and drop the entries.

:class:`MerkleTree` is the incremental form: it appends leaf hashes and keeps the hash
of every complete, aligned power-of-two range, so the root of any earlier size and
any proof cost O(log n) hashes per sibling instead of O(n). The module-level
:func:`root`, :func:`inclusion_proof` and :func:`consistency_proof` are the one-shot
forms over a list of leaf hashes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from ledger.errors import RuleViolation
from ledger.record.errors import TreeRangeError

#: Size in bytes of every hash in the tree.
HASH_SIZE = 32
#: Prefix of a leaf hash's input (RFC 9162 2.1.1).
LEAF_PREFIX = b"\x00"
#: Prefix of an interior node hash's input (RFC 9162 2.1.1).
NODE_PREFIX = b"\x01"
#: Root hash of the tree with no leaves: SHA-256 of the empty string.
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    """Hash one leaf's data with the leaf prefix.

    Args:
        data: The leaf's bytes (for the record: an entry's canonical encoding).

    Returns:
        ``SHA-256(0x00 || data)``, 32 bytes.
    """
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Hash two child hashes into their parent with the node prefix.

    Args:
        left: The left child's hash.
        right: The right child's hash.

    Returns:
        ``SHA-256(0x01 || left || right)``, 32 bytes.
    """
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def split_point(n: int) -> int:
    """Return the largest power of two strictly smaller than ``n`` (``n >= 2``)."""
    return 1 << ((n - 1).bit_length() - 1)


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """Compute the Merkle Tree Hash of a list of leaf hashes (RFC 9162 2.1.1).

    Iterative: a stack holds the roots of complete subtrees of decreasing size; each
    leaf merges equal-sized neighbours, and the remaining stack folds from the right.
    O(n) hashes, no recursion.

    Args:
        leaf_hashes: Leaf hashes in order, each 32 bytes.

    Returns:
        The 32-byte root; :data:`EMPTY_ROOT` for no leaves.

    Raises:
        RuleViolation: A leaf hash is not 32 bytes (``field="leaf_hash"``).
    """
    stack: list[tuple[bytes, int]] = []
    for leaf in leaf_hashes:
        _check_hash(leaf)
        node, size = leaf, 1
        while stack and stack[-1][1] == size:
            left, _ = stack.pop()
            node, size = node_hash(left, node), size * 2
        stack.append((node, size))
    if not stack:
        return EMPTY_ROOT
    result = stack[-1][0]
    for left, _ in reversed(stack[:-1]):
        result = node_hash(left, result)
    return result


def inclusion_proof(index: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """Build the inclusion proof of one leaf (RFC 9162 2.1.3.1, ``PATH``).

    Args:
        index: The leaf's 0-based position.
        leaf_hashes: All leaf hashes of the tree; its length is the tree size.

    Returns:
        The sibling hashes from the leaf's level up to the root.

    Raises:
        TreeRangeError: ``index`` is not in ``0 .. len(leaf_hashes) - 1``.
    """
    return MerkleTree(leaf_hashes).inclusion_proof(index)


def consistency_proof(m: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """Build the consistency proof from the first ``m`` leaves to all of them (RFC 9162 2.1.4.1).

    Args:
        m: The old tree size, ``1 <= m <= len(leaf_hashes)``.
        leaf_hashes: All leaf hashes of the new tree.

    Returns:
        The ``PROOF(m, D[n])`` node list; empty when ``m == n``.

    Raises:
        TreeRangeError: ``m`` is 0 or exceeds the number of leaves.
    """
    return MerkleTree(leaf_hashes).consistency_proof(m)


class MerkleTree:
    """An append-only Merkle tree over leaf hashes that answers for every earlier size.

    ``_levels[k][i]`` is the hash of the complete range of leaves
    ``[i * 2**k, (i + 1) * 2**k)``; appending a leaf adds at most one hash per level
    (amortised O(1)). Every subtree the RFC 9162 recursion visits starts at a multiple
    of a power of two at least its size, so its hash is either one cached entry or one
    node over two smaller such subtrees: the root of any size costs O(log n) hashes.
    """

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        """Start a tree, optionally with leaf hashes already in order.

        Args:
            leaf_hashes: Leaf hashes to append, each 32 bytes.
        """
        self._levels: list[list[bytes]] = [[]]
        for leaf in leaf_hashes:
            self.append(leaf)

    def __len__(self) -> int:
        return len(self._levels[0])

    @property
    def size(self) -> int:
        """Number of leaves in the tree."""
        return len(self._levels[0])

    def append(self, leaf: bytes) -> int:
        """Append one leaf hash.

        Args:
            leaf: A 32-byte leaf hash (see :func:`leaf_hash`).

        Returns:
            The new leaf's 0-based index.

        Raises:
            RuleViolation: ``leaf`` is not 32 bytes (``field="leaf_hash"``).
        """
        _check_hash(leaf)
        levels = self._levels
        levels[0].append(leaf)
        level = 0
        while len(levels[level]) % 2 == 0:
            row = levels[level]
            parent = node_hash(row[-2], row[-1])
            if level + 1 == len(levels):
                levels.append([])
            levels[level + 1].append(parent)
            level += 1
        return len(levels[0]) - 1

    def leaf(self, index: int) -> bytes:
        """Return the leaf hash at ``index``.

        Raises:
            TreeRangeError: ``index`` is outside the tree.
        """
        if not 0 <= index < self.size:
            raise TreeRangeError(
                f"leaf {index} is outside a tree of {self.size} leaves",
                index=index,
                size=self.size,
            )
        return self._levels[0][index]

    def root(self, size: int | None = None) -> bytes:
        """Return the root hash of the tree's first ``size`` leaves.

        Args:
            size: A tree size in ``0 .. self.size``; the current size if omitted.

        Returns:
            The 32-byte root; :data:`EMPTY_ROOT` for size 0.

        Raises:
            TreeRangeError: ``size`` is negative or beyond the current size.
        """
        size = self.size if size is None else self._check_size(size)
        if size == 0:
            return EMPTY_ROOT
        return self._range_hash(0, size)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """Build the inclusion proof of leaf ``index`` in the tree of ``size`` leaves.

        Args:
            index: The leaf's 0-based position, ``index < size``.
            size: The tree size the proof is for; the current size if omitted.

        Returns:
            ``PATH(index, D[size])`` of RFC 9162 2.1.3.1, leaf level first.

        Raises:
            TreeRangeError: ``size`` is beyond the tree or ``index`` is not below ``size``.
        """
        size = self.size if size is None else self._check_size(size)
        if not 0 <= index < size:
            raise TreeRangeError(
                f"leaf {index} is outside a tree of {size} leaves", index=index, size=size
            )
        proof: list[bytes] = []
        lo, hi = 0, size
        # Walk down from the root, collecting siblings; reversed at the end so the
        # proof reads from the leaf upwards as the RFC orders it.
        while hi - lo > 1:
            k = split_point(hi - lo)
            if index < lo + k:
                proof.append(self._range_hash(lo + k, hi))
                hi = lo + k
            else:
                proof.append(self._range_hash(lo, lo + k))
                lo = lo + k
        proof.reverse()
        return proof

    def consistency_proof(self, old_size: int, size: int | None = None) -> list[bytes]:
        """Build the consistency proof from ``old_size`` leaves to ``size`` leaves.

        Args:
            old_size: The earlier tree size, ``1 <= old_size <= size``.
            size: The later tree size; the current size if omitted.

        Returns:
            ``PROOF(old_size, D[size])`` of RFC 9162 2.1.4.1; empty when the sizes are equal.

        Raises:
            TreeRangeError: ``size`` is beyond the tree, ``old_size`` is 0 or exceeds ``size``.
        """
        size = self.size if size is None else self._check_size(size)
        if not 1 <= old_size <= size:
            raise TreeRangeError(
                f"old size {old_size} must be in 1 .. {size}", old_size=old_size, size=size
            )
        proof: list[bytes] = []
        # SUBPROOF(m, D[lo:hi], b), unrolled: the recursion only ever descends into one
        # side, so a loop collects the right-hand siblings and appends them in reverse.
        m, lo, hi, complete = old_size, 0, size, True
        siblings: list[bytes] = []
        while True:
            n = hi - lo
            if m == n:
                if not complete:
                    proof.append(self._range_hash(lo, hi))
                break
            k = split_point(n)
            if m <= k:
                siblings.append(self._range_hash(lo + k, hi))
                hi = lo + k
            else:
                siblings.append(self._range_hash(lo, lo + k))
                lo, m, complete = lo + k, m - k, False
        proof.extend(reversed(siblings))
        return proof

    # ------------------------------------------------------------------ internal

    def _check_size(self, size: int) -> int:
        if not 0 <= size <= self.size:
            raise TreeRangeError(
                f"tree size {size} is outside 0 .. {self.size}", size=size, current=self.size
            )
        return size

    def _range_hash(self, lo: int, hi: int) -> bytes:
        """MTH of leaves ``[lo, hi)``; ``lo`` is a multiple of a power of two >= ``hi - lo``."""
        n = hi - lo
        if n & (n - 1) == 0:
            level = n.bit_length() - 1
            return self._levels[level][lo >> level]
        k = split_point(n)
        return node_hash(self._range_hash(lo, lo + k), self._range_hash(lo + k, hi))


def _check_hash(value: bytes) -> None:
    if not isinstance(value, bytes) or len(value) != HASH_SIZE:
        raise RuleViolation(
            f"a leaf hash must be {HASH_SIZE} bytes",
            field="leaf_hash",
            length=len(value) if isinstance(value, bytes) else None,
        )
