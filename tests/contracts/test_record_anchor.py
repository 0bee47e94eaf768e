"""RecordAnchor: tree heads append-only, sizes strictly increasing, one event per anchor."""

from __future__ import annotations

import pytest

from ledger.chain.gateway import Chain
from ledger.chain.record_anchor import RecordAnchorGateway
from ledger.errors import ContractReverted

ROOT_A = b"\xaa" * 32
ROOT_B = b"\xbb" * 32
ROOT_C = b"\xcc" * 32


def reverted(exc: pytest.ExceptionInfo[ContractReverted], error: str, **values: object) -> None:
    assert exc.value.contract == "RecordAnchor"
    assert exc.value.error == error
    assert exc.value.values == values


def test_anchor_records_head_and_emits_event(anchor: RecordAnchorGateway, chain: Chain) -> None:
    receipt = anchor.anchor(3, ROOT_A)

    (event,) = chain.decode_events(anchor._bound, "HeadAnchored", receipt)
    assert event["args"]["treeSize"] == 3
    assert event["args"]["rootHash"] == ROOT_A
    assert event["args"]["index"] == 0
    assert event["args"]["anchoredBy"] == chain.operator.address
    head = anchor.latest()
    assert head is not None
    assert (head.index, head.tree_size, head.root_hash) == (0, 3, ROOT_A)
    assert head.block_number == receipt.block_number
    assert head.anchored_at == chain.block(receipt.block_number).timestamp
    assert anchor.root_at(3) == ROOT_A


def test_anchor_keeps_history_in_order(anchor: RecordAnchorGateway, chain: Chain) -> None:
    for size, root in [(1, ROOT_A), (4, ROOT_B), (9, ROOT_C)]:
        anchor.anchor(size, root)

    assert anchor.count() == 3
    assert [(h.tree_size, h.root_hash) for h in anchor.heads()] == [
        (1, ROOT_A),
        (4, ROOT_B),
        (9, ROOT_C),
    ]
    events = chain.events(anchor._bound, "HeadAnchored")
    assert [e["args"]["treeSize"] for e in events] == [1, 4, 9]
    assert anchor.root_at(5) is None


def test_latest_is_none_before_first_anchor(anchor: RecordAnchorGateway) -> None:
    assert anchor.count() == 0
    assert anchor.latest() is None


def test_anchor_reverts_on_conflicting_head(anchor: RecordAnchorGateway) -> None:
    anchor.anchor(5, ROOT_A)
    with pytest.raises(ContractReverted) as exc:
        anchor.anchor(5, ROOT_B)
    reverted(exc, "RecordAnchorConflictingHead", treeSize=5, anchoredRoot=ROOT_A, givenRoot=ROOT_B)


def test_anchor_reverts_on_same_head_twice(anchor: RecordAnchorGateway) -> None:
    anchor.anchor(5, ROOT_A)
    with pytest.raises(ContractReverted) as exc:
        anchor.anchor(5, ROOT_A)
    reverted(exc, "RecordAnchorAlreadyAnchored", treeSize=5)


def test_anchor_reverts_when_size_does_not_increase(anchor: RecordAnchorGateway) -> None:
    anchor.anchor(5, ROOT_A)
    with pytest.raises(ContractReverted) as exc:
        anchor.anchor(4, ROOT_B)
    reverted(exc, "RecordAnchorSizeNotIncreasing", treeSize=4, latestSize=5)
    assert anchor.count() == 1


def test_anchor_reverts_on_empty_tree(anchor: RecordAnchorGateway) -> None:
    with pytest.raises(ContractReverted) as exc:
        anchor.anchor(0, ROOT_A)
    reverted(exc, "RecordAnchorEmptyTree")


def test_anchor_reverts_on_zero_root(anchor: RecordAnchorGateway) -> None:
    with pytest.raises(ContractReverted) as exc:
        anchor.anchor(2, bytes(32))
    reverted(exc, "RecordAnchorZeroRoot", treeSize=2)


def test_anchor_reverts_for_non_owner(anchor: RecordAnchorGateway, chain: Chain) -> None:
    stranger = chain.accounts[1]
    with pytest.raises(ContractReverted) as exc:
        chain.transact(anchor._bound, "anchor", 1, ROOT_A, sender=stranger)
    reverted(exc, "OwnableUnauthorizedAccount", account=stranger.address.lower())
    assert anchor.count() == 0


def test_head_at_reverts_past_the_end(anchor: RecordAnchorGateway) -> None:
    anchor.anchor(1, ROOT_A)
    with pytest.raises(ContractReverted) as exc:
        anchor.head_at(1)
    reverted(exc, "RecordAnchorIndexOutOfRange", index=1, count=1)
