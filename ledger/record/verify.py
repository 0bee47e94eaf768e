"""Verifiers for the record's proofs, written from RFC 9162 sections 2.1.3.2 and 2.1.4.2.

They share nothing with :mod:`ledger.record.merkle` but the two hash functions'
definitions (repeated here on purpose), so a verifier does not trust the code that
built the proof.

Two forms of each verifier:

- ``check_inclusion`` / ``check_consistency`` return ``None`` or raise
  :class:`~ledger.record.errors.ProofInvalid` whose ``reason`` says what failed
  (an arbiter's report wants the reason);
- ``verify_inclusion`` / ``verify_consistency`` return ``bool`` and never raise for a
  bad proof (they still raise ``TypeError`` for arguments of the wrong type).

Reasons: ``size_invalid``, ``index_out_of_range``, ``old_size_invalid``,
``hash_malformed``, ``proof_too_short``, ``proof_too_long``, ``proof_not_empty``,
``root_mismatch``, ``old_root_mismatch``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from ledger.record.errors import ProofInvalid

_HASH_SIZE = 32


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def check_inclusion(
    *, index: int, tree_size: int, leaf_hash: bytes, proof: Sequence[bytes], root_hash: bytes
) -> None:
    """Check that ``leaf_hash`` sits at ``index`` in the tree of ``tree_size`` leaves.

    RFC 9162 2.1.3.2, using only the values given.

    Args:
        index: The leaf's claimed 0-based position.
        tree_size: The size of the tree the root covers.
        leaf_hash: The leaf's hash (``SHA-256(0x00 || entry)``).
        proof: The inclusion path, leaf level first.
        root_hash: The root of the tree of ``tree_size`` leaves (from a trusted head).

    Raises:
        ProofInvalid: The proof does not prove the inclusion; ``reason`` says why.
    """
    if tree_size < 1:
        raise ProofInvalid("size_invalid", f"tree size {tree_size} < 1", tree_size=tree_size)
    if not 0 <= index < tree_size:
        raise ProofInvalid(
            "index_out_of_range",
            f"index {index} is not below tree size {tree_size}",
            index=index,
            tree_size=tree_size,
        )
    _check_hashes(leaf_hash, root_hash, *proof)
    fn, sn = index, tree_size - 1
    r = leaf_hash
    for p in proof:
        if sn == 0:
            raise ProofInvalid(
                "proof_too_long", f"{len(proof)} nodes is too many", proof_length=len(proof)
            )
        if fn & 1 or fn == sn:
            r = _node(p, r)
            if not fn & 1:
                while fn != 0 and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = _node(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofInvalid(
            "proof_too_short", f"{len(proof)} nodes is too few", proof_length=len(proof)
        )
    if r != root_hash:
        raise ProofInvalid(
            "root_mismatch",
            "the computed root differs from the given root",
            computed=r.hex(),
            expected=root_hash.hex(),
        )


def verify_inclusion(
    *, index: int, tree_size: int, leaf_hash: bytes, proof: Sequence[bytes], root_hash: bytes
) -> bool:
    """Return whether an inclusion proof verifies; see :func:`check_inclusion`."""
    try:
        check_inclusion(
            index=index,
            tree_size=tree_size,
            leaf_hash=leaf_hash,
            proof=proof,
            root_hash=root_hash,
        )
    except ProofInvalid:
        return False
    return True


def check_consistency(
    *,
    old_size: int,
    new_size: int,
    old_root: bytes,
    new_root: bytes,
    proof: Sequence[bytes],
) -> None:
    """Check that the tree of ``old_size`` leaves is a prefix of the tree of ``new_size``.

    RFC 9162 2.1.4.2 for ``0 < old_size < new_size``. For ``old_size == new_size`` the
    proof must be empty and the two roots equal (the same head twice).

    Args:
        old_size: The earlier tree size, at least 1.
        new_size: The later tree size, at least ``old_size``.
        old_root: The root of the earlier head.
        new_root: The root of the later head.
        proof: The consistency proof, ``PROOF(old_size, D[new_size])``.

    Raises:
        ProofInvalid: The proof does not prove the consistency; ``reason`` says why.
    """
    if not 1 <= old_size <= new_size:
        raise ProofInvalid(
            "old_size_invalid",
            f"old size {old_size} must be in 1 .. {new_size}",
            old_size=old_size,
            new_size=new_size,
        )
    _check_hashes(old_root, new_root, *proof)
    if old_size == new_size:
        if proof:
            raise ProofInvalid(
                "proof_not_empty", "equal sizes take an empty proof", proof_length=len(proof)
            )
        if old_root != new_root:
            raise ProofInvalid(
                "root_mismatch",
                "two heads of the same size have different roots",
                old_root=old_root.hex(),
                new_root=new_root.hex(),
            )
        return
    path = list(proof)
    if not path:
        raise ProofInvalid("proof_too_short", "the proof is empty", proof_length=0)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofInvalid(
                "proof_too_long", f"{len(proof)} nodes is too many", proof_length=len(proof)
            )
        if fn & 1 or fn == sn:
            fr = _node(c, fr)
            sr = _node(c, sr)
            if not fn & 1:
                while fn != 0 and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = _node(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofInvalid(
            "proof_too_short", f"{len(proof)} nodes is too few", proof_length=len(proof)
        )
    if fr != old_root:
        raise ProofInvalid(
            "old_root_mismatch",
            "the computed old root differs from the given one",
            computed=fr.hex(),
            expected=old_root.hex(),
        )
    if sr != new_root:
        raise ProofInvalid(
            "root_mismatch",
            "the computed new root differs from the given one",
            computed=sr.hex(),
            expected=new_root.hex(),
        )


def verify_consistency(
    *,
    old_size: int,
    new_size: int,
    old_root: bytes,
    new_root: bytes,
    proof: Sequence[bytes],
) -> bool:
    """Return whether a consistency proof verifies; see :func:`check_consistency`."""
    try:
        check_consistency(
            old_size=old_size,
            new_size=new_size,
            old_root=old_root,
            new_root=new_root,
            proof=proof,
        )
    except ProofInvalid:
        return False
    return True


def _check_hashes(*values: bytes) -> None:
    for value in values:
        if not isinstance(value, bytes):
            raise TypeError(f"a hash must be bytes, not {type(value).__name__}")
        if len(value) != _HASH_SIZE:
            raise ProofInvalid(
                "hash_malformed",
                f"a hash of {len(value)} bytes where {_HASH_SIZE} are required",
                length=len(value),
            )
