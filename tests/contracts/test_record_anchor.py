"""RecordAnchor: per project, only its ledger signer, sizes strictly increasing, one event each."""

from __future__ import annotations

import pytest

from ledger.chain.gateway import Chain
from ledger.chain.record_anchor import RecordAnchorGateway
from ledger.chain.registry import ProjectRegistryGateway
from ledger.errors import ContractReverted
from tests.contracts.conftest import Project, setup_for

ROOT_A = b"\xaa" * 32
ROOT_B = b"\xbb" * 32
ROOT_C = b"\xcc" * 32


def reverted(exc: pytest.ExceptionInfo[ContractReverted], error: str, **values: object) -> None:
    assert exc.value.contract == "RecordAnchor"
    assert exc.value.error == error
    assert exc.value.values == values


def test_anchor_records_head_and_emits_event(
    anchor: RecordAnchorGateway, chain: Chain, project: Project
) -> None:
    receipt = anchor.anchor(project.id, 3, ROOT_A)

    (event,) = chain.decode_events(anchor.bound, "HeadAnchored", receipt)
    assert event["args"]["projectId"] == project.id
    assert event["args"]["treeSize"] == 3
    assert event["args"]["rootHash"] == ROOT_A
    assert event["args"]["index"] == 0
    assert event["args"]["anchoredBy"] == chain.operator.address
    head = anchor.latest(project.id)
    assert head is not None
    assert (head.index, head.tree_size, head.root_hash) == (0, 3, ROOT_A)
    assert head.block_number == receipt.block_number
    assert head.anchored_at == chain.block(receipt.block_number).timestamp
    assert anchor.root_at(project.id, 3) == ROOT_A


def test_anchor_keeps_history_in_order(
    anchor: RecordAnchorGateway, chain: Chain, project: Project
) -> None:
    for size, root in [(1, ROOT_A), (4, ROOT_B), (9, ROOT_C)]:
        anchor.anchor(project.id, size, root)

    assert anchor.count(project.id) == 3
    assert [(h.tree_size, h.root_hash) for h in anchor.heads(project.id)] == [
        (1, ROOT_A),
        (4, ROOT_B),
        (9, ROOT_C),
    ]
    events = chain.events(anchor.bound, "HeadAnchored", filters={"projectId": project.id})
    assert [e["args"]["treeSize"] for e in events] == [1, 4, 9]
    assert anchor.root_at(project.id, 5) is None


def test_projects_have_separate_histories(
    anchor: RecordAnchorGateway, chain: Chain, registry: ProjectRegistryGateway, project: Project
) -> None:
    other = registry.create_project(setup_for(chain))
    anchor.anchor(project.id, 5, ROOT_A)
    anchor.anchor(other, 2, ROOT_B)  # a smaller size is fine in another project

    assert anchor.count(project.id) == 1
    assert anchor.root_at(other, 2) == ROOT_B
    assert anchor.root_at(project.id, 2) is None


def test_latest_is_none_before_first_anchor(anchor: RecordAnchorGateway, project: Project) -> None:
    assert anchor.count(project.id) == 0
    assert anchor.latest(project.id) is None


def test_anchor_reverts_on_conflicting_head(anchor: RecordAnchorGateway, project: Project) -> None:
    anchor.anchor(project.id, 5, ROOT_A)
    with pytest.raises(ContractReverted) as exc:
        anchor.anchor(project.id, 5, ROOT_B)
    reverted(exc, "RecordAnchorConflictingHead", treeSize=5, anchoredRoot=ROOT_A, givenRoot=ROOT_B)


def test_anchor_reverts_on_same_head_twice(anchor: RecordAnchorGateway, project: Project) -> None:
    anchor.anchor(project.id, 5, ROOT_A)
    with pytest.raises(ContractReverted) as exc:
        anchor.anchor(project.id, 5, ROOT_A)
    reverted(exc, "RecordAnchorAlreadyAnchored", treeSize=5)


def test_anchor_reverts_when_size_does_not_increase(
    anchor: RecordAnchorGateway, project: Project
) -> None:
    anchor.anchor(project.id, 5, ROOT_A)
    with pytest.raises(ContractReverted) as exc:
        anchor.anchor(project.id, 4, ROOT_B)
    reverted(exc, "RecordAnchorSizeNotIncreasing", treeSize=4, latestSize=5)
    assert anchor.count(project.id) == 1


def test_anchor_reverts_on_empty_tree(anchor: RecordAnchorGateway, project: Project) -> None:
    with pytest.raises(ContractReverted) as exc:
        anchor.anchor(project.id, 0, ROOT_A)
    reverted(exc, "RecordAnchorEmptyTree")


def test_anchor_reverts_on_zero_root(anchor: RecordAnchorGateway, project: Project) -> None:
    with pytest.raises(ContractReverted) as exc:
        anchor.anchor(project.id, 2, bytes(32))
    reverted(exc, "RecordAnchorZeroRoot", treeSize=2)


def test_only_the_ledger_signer_anchors(
    anchor: RecordAnchorGateway, chain: Chain, project: Project
) -> None:
    stranger = chain.accounts[1]
    with pytest.raises(ContractReverted) as exc:
        anchor.anchor(project.id, 1, ROOT_A, sender=stranger)
    reverted(
        exc, "RecordAnchorNotLedgerSigner", projectId=project.id, account=stranger.address.lower()
    )
    assert anchor.count(project.id) == 0


def test_anchor_for_unknown_project_reverts(anchor: RecordAnchorGateway) -> None:
    with pytest.raises(ContractReverted) as exc:
        anchor.anchor(99, 1, ROOT_A)
    assert (exc.value.error, exc.value.values) == (
        "ProjectRegistryUnknownProject",
        {"projectId": 99},
    )


def test_head_at_reverts_past_the_end(anchor: RecordAnchorGateway, project: Project) -> None:
    anchor.anchor(project.id, 1, ROOT_A)
    with pytest.raises(ContractReverted) as exc:
        anchor.head_at(project.id, 1)
    reverted(exc, "RecordAnchorIndexOutOfRange", index=1, count=1)
