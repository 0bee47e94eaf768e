"""The frontier: extended in any chunks, its root is the RFC definition's at every size."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.errors import RuleViolation
from ledger.record import EMPTY_ROOT, Frontier, leaf_hash
from tests.ledger.record import reference

PROPERTY = settings(max_examples=60, deadline=None)


@PROPERTY
@given(data=st.lists(st.binary(max_size=16), max_size=140), cuts=st.lists(st.integers(0, 140)))
def test_a_frontier_extended_in_chunks_has_the_definitions_root(
    data: list[bytes], cuts: list[int]
) -> None:
    bounds = sorted({0, len(data), *(c for c in cuts if c <= len(data))})
    frontier = Frontier(0)
    for start, end in zip(bounds, bounds[1:], strict=False):
        frontier = frontier.extend(leaf_hash(d) for d in data[start:end])
        assert frontier.size == end
        assert frontier.root() == reference.mth(data[:end])
        # what is stored and read back continues the same way
        frontier = Frontier.decode(frontier.size, frontier.encode())
    assert len(frontier.hashes) == len(data).bit_count()


def test_the_empty_frontier_and_a_known_size() -> None:
    assert Frontier(0).root() == EMPTY_ROOT
    leaves = [leaf_hash(bytes([i])) for i in range(7)]
    seven = Frontier(0).extend(leaves)
    # 7 = 4 + 2 + 1: three complete subtrees, largest first
    assert len(seven.hashes) == 3
    assert seven.root() == reference.mth([bytes([i]) for i in range(7)])


@pytest.mark.parametrize(
    ("size", "text", "message"),
    [
        (3, "ab" * 32, "holds 2 hashes"),
        (1, "zz" * 32, "hex"),
        (1, "ab" * 31, "32 bytes"),
        (-1, "", "holds"),
    ],
)
def test_a_stored_frontier_that_does_not_fit_its_size_is_refused(
    size: int, text: str, message: str
) -> None:
    with pytest.raises(RuleViolation, match=message):
        Frontier.decode(size, text)


def test_a_leaf_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(RuleViolation, match="32 bytes"):
        Frontier(0).extend([b"short"])
