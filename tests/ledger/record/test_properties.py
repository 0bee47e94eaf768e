"""Properties on random leaves: the incremental tree equals the RFC definition, proofs verify."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.record import (
    MerkleTree,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root,
    verify_consistency,
    verify_inclusion,
)
from tests.ledger.record import reference

PROPERTY = settings(max_examples=60, deadline=None)
entries = st.lists(st.binary(max_size=24), max_size=70)


@PROPERTY
@given(data=entries)
def test_incremental_roots_equal_the_definition(data: list[bytes]) -> None:
    tree = MerkleTree()
    for i, entry in enumerate(data):
        assert tree.append(leaf_hash(entry)) == i
        assert tree.root() == reference.mth(data[: i + 1])
    leaves = [leaf_hash(d) for d in data]
    for size in range(len(data) + 1):
        assert tree.root(size) == reference.mth(data[:size]) == root(leaves[:size])


@PROPERTY
@given(data=entries.filter(bool), choice=st.data())
def test_proofs_of_random_trees_verify(data: list[bytes], choice: st.DataObject) -> None:
    leaves = [leaf_hash(d) for d in data]
    tree = MerkleTree(leaves)
    n = choice.draw(st.integers(1, len(data)), label="size")
    index = choice.draw(st.integers(0, n - 1), label="index")
    m = choice.draw(st.integers(1, n), label="old size")

    proof = tree.inclusion_proof(index, n)
    assert proof == inclusion_proof(index, leaves[:n]) == reference.path(index, data[:n])
    assert verify_inclusion(
        index=index, tree_size=n, leaf_hash=leaves[index], proof=proof, root_hash=tree.root(n)
    )

    proof = tree.consistency_proof(m, n)
    assert proof == consistency_proof(m, leaves[:n]) == reference.proof(m, data[:n])
    assert verify_consistency(
        old_size=m, new_size=n, old_root=tree.root(m), new_root=tree.root(n), proof=proof
    )


@PROPERTY
@given(data=entries.filter(bool), extra=entries)
def test_appending_keeps_earlier_roots_and_proves_consistency(
    data: list[bytes], extra: list[bytes]
) -> None:
    tree = MerkleTree(leaf_hash(d) for d in data)
    before = [tree.root(size) for size in range(len(data) + 1)]
    for entry in extra:
        tree.append(leaf_hash(entry))
    assert [tree.root(size) for size in range(len(data) + 1)] == before
    assert verify_consistency(
        old_size=len(data),
        new_size=tree.size,
        old_root=before[-1],
        new_root=tree.root(),
        proof=tree.consistency_proof(len(data)),
    )


def test_large_tree_agrees_with_the_batch_root_and_verifies() -> None:
    # Correctness at scale; how fast it is belongs to the benchmarks, not to a test.
    leaves = [leaf_hash(i.to_bytes(4, "big")) for i in range(100_000)]
    tree = MerkleTree(leaves)
    assert tree.root() == root(leaves)
    for size in (1, 99_999, 65_536, 77_777):
        assert tree.root(size) == root(leaves[:size])
        assert verify_inclusion(
            index=size - 1,
            tree_size=size,
            leaf_hash=leaves[size - 1],
            proof=tree.inclusion_proof(size - 1, size),
            root_hash=tree.root(size),
        )
