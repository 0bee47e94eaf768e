"""Every inclusion and consistency proof of trees up to 40 leaves: checked and attacked."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from ledger.record import (
    MerkleTree,
    ProofInvalid,
    check_consistency,
    check_inclusion,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)
from tests.ledger.record import reference

MAX = 40
DATA = [f"entry {i}".encode() for i in range(MAX)]
LEAVES = [leaf_hash(d) for d in DATA]
TREE = MerkleTree(LEAVES)
ROOTS = {n: TREE.root(n) for n in range(MAX + 1)}
SIZES = range(1, MAX + 1)


def flip(value: bytes) -> bytes:
    """The same hash with its lowest bit inverted."""
    return value[:-1] + bytes([value[-1] ^ 1])


def included(index: int, size: int, leaf: bytes, proof: list[bytes], root: bytes) -> bool:
    return verify_inclusion(
        index=index, tree_size=size, leaf_hash=leaf, proof=proof, root_hash=root
    )


def consistent(m: int, n: int, old: bytes, new: bytes, proof: list[bytes]) -> bool:
    return verify_consistency(old_size=m, new_size=n, old_root=old, new_root=new, proof=proof)


def test_roots_match_reference_for_every_size() -> None:
    for n in range(MAX + 1):
        assert ROOTS[n] == reference.mth(DATA[:n]), n


@pytest.mark.parametrize("size", SIZES)
def test_inclusion_proofs_verify_for_every_index(size: int) -> None:
    for index in range(size):
        proof = TREE.inclusion_proof(index, size)
        assert proof == reference.path(index, DATA[:size])
        assert proof == inclusion_proof(index, LEAVES[:size])
        assert included(index, size, LEAVES[index], proof, ROOTS[size])


@pytest.mark.parametrize("size", SIZES)
def test_inclusion_proofs_fail_when_tampered(size: int) -> None:
    root = ROOTS[size]
    for index in range(size):
        proof = TREE.inclusion_proof(index, size)
        leaf = LEAVES[index]
        # a changed leaf
        assert not included(index, size, flip(leaf), proof, root)
        assert not included(index, size, LEAVES[(index + 1) % MAX], proof, root)
        # a wrong index
        for other in (index - 1, index + 1):
            if 0 <= other < size:
                assert not included(other, size, leaf, proof, root)
        # a wrong size, against that size's honest root
        for other in (size - 1, size + 1):
            if 1 <= other <= MAX:
                assert not included(index, other, leaf, proof, ROOTS[other])
        # a changed root
        assert not included(index, size, leaf, proof, flip(root))
        # every proof node changed
        for i in range(len(proof)):
            assert not included(
                index, size, leaf, [*proof[:i], flip(proof[i]), *proof[i + 1 :]], root
            )
        # truncated and extended proofs
        if proof:
            assert not included(index, size, leaf, proof[:-1], root)
            assert not included(index, size, leaf, proof[1:], root)
        assert not included(index, size, leaf, [*proof, LEAVES[0]], root)
        assert not included(index, size, leaf, [LEAVES[0], *proof], root)


def test_inclusion_check_names_the_reason() -> None:
    proof = TREE.inclusion_proof(5, 13)

    def reason(**changes: object) -> str:
        arguments: dict[str, object] = {
            "index": 5,
            "tree_size": 13,
            "leaf_hash": LEAVES[5],
            "proof": proof,
            "root_hash": ROOTS[13],
        }
        arguments.update(changes)
        with pytest.raises(ProofInvalid) as caught:
            check_inclusion(**arguments)  # type: ignore[arg-type]
        assert caught.value.fields["reason"] == caught.value.reason
        return caught.value.reason

    assert reason(index=13) == "index_out_of_range"
    assert reason(index=-1) == "index_out_of_range"
    assert reason(tree_size=0, index=0) == "size_invalid"
    assert reason(proof=proof[:-1]) == "proof_too_short"
    assert reason(proof=[*proof, LEAVES[0]]) == "proof_too_long"
    assert reason(root_hash=flip(ROOTS[13])) == "root_mismatch"
    assert reason(proof=[b"\x00" * 31, *proof[1:]]) == "hash_malformed"
    assert reason(leaf_hash=b"") == "hash_malformed"


@pytest.mark.parametrize("n", SIZES)
def test_consistency_proofs_verify_for_every_old_size(n: int) -> None:
    for m in range(1, n + 1):
        proof = TREE.consistency_proof(m, n)
        assert proof == reference.proof(m, DATA[:n])
        assert proof == consistency_proof(m, LEAVES[:n])
        assert consistent(m, n, ROOTS[m], ROOTS[n], proof)


@pytest.mark.parametrize("n", SIZES)
def test_consistency_proofs_fail_when_tampered(n: int) -> None:
    new = ROOTS[n]
    for m in range(1, n + 1):
        old = ROOTS[m]
        proof = TREE.consistency_proof(m, n)
        assert not consistent(m, n, flip(old), new, proof)
        assert not consistent(m, n, old, flip(new), proof)
        for i in range(len(proof)):
            assert not consistent(m, n, old, new, [*proof[:i], flip(proof[i]), *proof[i + 1 :]])
        if proof:
            assert not consistent(m, n, old, new, proof[:-1])
            assert not consistent(m, n, old, new, proof[1:])
        assert not consistent(m, n, old, new, [*proof, LEAVES[0]])
        assert not consistent(m, n, old, new, [LEAVES[0], *proof])
        # the proof is for (m, n) only, even against other honest heads
        for other in (m - 1, m + 1):
            if 1 <= other <= n and other != m:
                assert not consistent(other, n, ROOTS[other], new, proof)
        if n < MAX:
            assert not consistent(m, n + 1, old, ROOTS[n + 1], proof)


def test_consistency_check_names_the_reason() -> None:
    proof = TREE.consistency_proof(6, 13)

    def reason(**changes: object) -> str:
        arguments: dict[str, object] = {
            "old_size": 6,
            "new_size": 13,
            "old_root": ROOTS[6],
            "new_root": ROOTS[13],
            "proof": proof,
        }
        arguments.update(changes)
        with pytest.raises(ProofInvalid) as caught:
            check_consistency(**arguments)  # type: ignore[arg-type]
        return caught.value.reason

    assert reason(old_size=0) == "old_size_invalid"
    assert reason(old_size=14) == "old_size_invalid"
    assert reason(proof=[]) == "proof_too_short"
    assert reason(proof=proof[:-1]) == "proof_too_short"
    assert reason(proof=[*proof, LEAVES[0]]) == "proof_too_long"
    assert reason(old_root=flip(ROOTS[6])) == "old_root_mismatch"
    assert reason(new_root=flip(ROOTS[13])) == "root_mismatch"
    assert reason(old_size=13, old_root=ROOTS[13]) == "proof_not_empty"
    assert reason(old_size=13, old_root=ROOTS[12], proof=[]) == "root_mismatch"


def test_consistency_of_equal_sizes_needs_equal_roots_and_empty_proof() -> None:
    assert consistent(7, 7, ROOTS[7], ROOTS[7], [])
    assert not consistent(7, 7, ROOTS[7], ROOTS[8], [])
    assert not consistent(7, 7, ROOTS[7], ROOTS[7], [LEAVES[0]])


def test_verifier_imports_nothing_from_the_builder() -> None:
    import ledger.record.verify as module

    tree = ast.parse(Path(module.__file__).read_text())
    imported = [
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    ]
    assert "ledger.record.merkle" not in imported


def test_record_imports_no_chain_database_or_web() -> None:
    import ledger.record

    banned = ("ledger.chain", "ledger.db", "web3", "eth_", "fastapi", "sqlmodel", "sqlalchemy")
    for source in Path(ledger.record.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.ImportFrom | ast.Import):
                names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
                names += [a.name for a in node.names] if isinstance(node, ast.Import) else []
                assert not any(n.startswith(banned) for n in names), (source.name, names)
