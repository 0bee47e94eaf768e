"""Known answers for small trees, written out from the definitions in RFC 9162 2.1.

Leaf data d_i is the single byte i, so L_i = SHA-256(0x00 || i) and, for node
hashes, N(a, b) = SHA-256(0x01 || a || b). The hex values were computed with
hashlib by following the constructions in the comments, not with the ledger's code.
"""

from __future__ import annotations

import pytest

from ledger.errors import RuleViolation
from ledger.record import (
    EMPTY_ROOT,
    MerkleTree,
    TreeRangeError,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
)

H = bytes.fromhex

# SHA-256("")
EMPTY = H("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
# L_i = SHA-256(0x00 || i)
L = [
    H("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
    H("b413f47d13ee2fe6c845b2ee141af81de858df4ec549a58b7970bb96645bc8d2"),
    H("fcf0a6c700dd13e274b6fba8deea8dd9b26e4eedde3495717cac8408c9c5177f"),
    H("583c7dfb7b3055d99465544032a571e10a134b1b6f769422bbb71fd7fa167a5d"),
    H("4f35212d12f9ad2036492c95f1fe79baf4ec7bd9bef3dffa7579f2293ff546a4"),
    H("9f1afa4dc124cba73134e82ff50f17c8f7164257c79fed9a13f5943a6acb8e3d"),
    H("40d88127d4d31a3891f41598eeed41174e5bc89b1eb9bbd66a8cbfc09956a3fd"),
    H("2ecd8a6b7d2845546659ad4cf443533cf921b19dc81fa83934e83821b4dfdcb7"),
]
# N01 = N(L0, L1): the root of 2
N01 = H("a20bf9a7cc2dc8a08f5f415a71b19f6ac427bab54d24eec868b5d3103449953a")
# N23 = N(L2, L3)
N23 = H("52c56b473e5246933e7852989cd9feba3b38f078742b93afff1e65ed46797825")
# N45 = N(L4, L5)
N45 = H("4b8c129ed14cce2c08cfc6766db7f8cdb133b5f698b8de3d5890ea7ff7f0a8d1")
# N67 = N(L6, L7)
N67 = H("bbb0feb32f648c73fe170518bcec1f675af1b780dc23d6fbf30b745c1ca5fa11")
# N03 = N(N01, N23): the root of 4
N03 = H("9bcd51240af4005168f033121ba85be5a6ed4f0e6a5fac262066729b8fbfdecb")
# N47 = N(N45, N67)
N47 = H("c1fe42b33ebb8e8a7e4a90abc481c7434e2be02cff2f6a18d7ffab4f1e25891b")
# root of 3 = N(N01, L2)        (split at 2)
ROOT_3 = H("3b6cccd7e3e023ff393006f030315ee7ad9eb111b022b41fba7e5b7a3973f688")
# root of 7 = N(N03, N(N45, L6))   (split at 4, then the right 3 split at 2)
ROOT_7 = H("3560191803028444b232018ac047fdb561c09c23a7a6876c85e08b5e4d48e9f3")
# root of 8 = N(N03, N47)
ROOT_8 = H("ef7f49b620f6c7ea9b963a214da34b5021c6ded8ed57734380a311ab726aa907")

ROOTS = {0: EMPTY, 1: L[0], 2: N01, 3: ROOT_3, 7: ROOT_7, 8: ROOT_8}


def test_leaf_hash_matches_known_answers() -> None:
    assert [leaf_hash(bytes([i])) for i in range(8)] == L


def test_node_hash_matches_known_answers() -> None:
    assert node_hash(L[0], L[1]) == N01
    assert node_hash(N01, N23) == N03
    assert node_hash(N03, N47) == ROOT_8


@pytest.mark.parametrize("size", sorted(ROOTS))
def test_root_matches_known_answer(size: int) -> None:
    assert root(L[:size]) == ROOTS[size]
    assert MerkleTree(L[:size]).root() == ROOTS[size]
    assert MerkleTree(L).root(size) == ROOTS[size]


def test_root_of_empty_tree_is_hash_of_empty_string() -> None:
    assert EMPTY_ROOT == EMPTY
    assert MerkleTree().root() == EMPTY


def test_inclusion_proofs_match_known_answers() -> None:
    # PATH(0, D[1]) = {}
    assert inclusion_proof(0, L[:1]) == []
    # PATH(2, D[3]) = PATH(0, D[2:3]) : MTH(D[0:2]) = {N01}
    assert inclusion_proof(2, L[:3]) == [N01]
    # PATH(0, D[3]) = PATH(0, D[0:2]) : MTH(D[2:3]) = {L1, L2}
    assert inclusion_proof(0, L[:3]) == [L[1], L[2]]
    # PATH(6, D[7]): right half D[4:7], then its right part D[6:7]: {N45, N03}
    assert inclusion_proof(6, L[:7]) == [N45, N03]
    # PATH(3, D[8]) = {L2, N01, N47}
    assert inclusion_proof(3, L) == [L[2], N01, N47]
    # PATH(5, D[8]) = {L4, N67, N03}
    assert inclusion_proof(5, L) == [L[4], N67, N03]


def test_consistency_proofs_match_known_answers() -> None:
    # PROOF(m, D[m]) = {}
    assert consistency_proof(3, L[:3]) == []
    # PROOF(2, D[3]) = SUBPROOF(2, D[0:2], true) : MTH(D[2:3]) = {L2}
    assert consistency_proof(2, L[:3]) == [L[2]]
    # PROOF(3, D[7]) = SUBPROOF(3, D[0:4], true) : MTH(D[4:7])
    #   SUBPROOF(3, D[0:4], true) = SUBPROOF(1, D[2:4], false) : N01 = {L2, L3, N01}
    assert consistency_proof(3, L[:7]) == [L[2], L[3], N01, root(L[4:7])]
    # PROOF(4, D[8]) = SUBPROOF(4, D[0:4], true) : N47 = {N47}
    assert consistency_proof(4, L) == [N47]
    # PROOF(6, D[8]) = SUBPROOF(2, D[4:8], false) : N03
    #   SUBPROOF(2, D[4:8], false) = SUBPROOF(2, D[4:6], false) : N67 = {N45, N67}
    assert consistency_proof(6, L) == [N45, N67, N03]


@pytest.mark.parametrize(("index", "size"), [(0, 0), (3, 3), (-1, 3)])
def test_inclusion_proof_rejects_index_outside_tree(index: int, size: int) -> None:
    with pytest.raises(TreeRangeError) as caught:
        inclusion_proof(index, L[:size])
    assert caught.value.fields == {"index": index, "size": size}


@pytest.mark.parametrize(("m", "size"), [(0, 3), (4, 3), (0, 0)])
def test_consistency_proof_rejects_old_size_outside_tree(m: int, size: int) -> None:
    with pytest.raises(TreeRangeError):
        consistency_proof(m, L[:size])


def test_tree_rejects_size_beyond_its_leaves() -> None:
    tree = MerkleTree(L[:3])
    with pytest.raises(TreeRangeError):
        tree.root(4)
    with pytest.raises(TreeRangeError):
        tree.inclusion_proof(0, 4)
    with pytest.raises(TreeRangeError):
        tree.consistency_proof(1, 4)
    with pytest.raises(TreeRangeError):
        tree.leaf(3)


def test_tree_rejects_leaf_hash_of_wrong_length() -> None:
    with pytest.raises(RuleViolation):
        MerkleTree().append(b"\x00" * 31)
    with pytest.raises(RuleViolation):
        root([b"short"])
