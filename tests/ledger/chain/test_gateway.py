"""The chain gateway behaves the same on eth-tester and on an RPC node (anvil)."""

from __future__ import annotations

import logging

import pytest

from ledger.chain.compiler import Build
from ledger.chain.gateway import Chain, rpc_chain
from ledger.errors import ChainUnavailable, ContractReverted
from tests.conftest import anvil_accounts, free_port


def test_deploy_and_call_contract(chain: Chain, build: Build) -> None:
    start = chain.block_number
    bound, receipt = chain.deploy(build["RecordAnchor"], chain.operator.address)

    assert receipt.block_number == start + 1
    assert receipt.contract_address == bound.address
    assert len(chain.code(bound.address)) == build["RecordAnchor"].deployed_size
    assert chain.call(bound, "owner") == chain.operator.address
    assert chain.call(bound, "headCount") == 0


def test_transact_changes_state_and_storage(chain: Chain, build: Build) -> None:
    bound, _ = chain.deploy(build["RecordAnchor"], chain.operator.address)
    receipt = chain.transact(bound, "anchor", 7, b"\x01" * 32)

    assert receipt.gas_used > 21_000
    assert chain.call(bound, "headCount") == 1
    # slot 1 holds the length of the heads array (slot 0 is Ownable's owner)
    assert int.from_bytes(chain.storage(bound.address, 1), "big") == 1


def test_events_filtered_by_indexed_argument(chain: Chain, build: Build) -> None:
    bound, _ = chain.deploy(build["RecordAnchor"], chain.operator.address)
    for size in (1, 2, 3):
        chain.transact(bound, "anchor", size, bytes([size]) * 32)

    matching = chain.events(bound, "HeadAnchored", filters={"treeSize": 2})
    assert [e["args"]["rootHash"] for e in matching] == [b"\x02" * 32]
    assert len(chain.events(bound, "HeadAnchored")) == 3


def test_snapshot_and_revert_restore_state(chain: Chain, build: Build) -> None:
    bound, _ = chain.deploy(build["RecordAnchor"], chain.operator.address)
    snapshot = chain.snapshot()
    number = chain.block_number
    chain.transact(bound, "anchor", 1, b"\x01" * 32)
    assert chain.call(bound, "headCount") == 1

    chain.revert(snapshot)

    assert chain.block_number == number
    assert chain.call(bound, "headCount") == 0


def test_advance_time_moves_block_timestamp(chain: Chain) -> None:
    before = chain.block()
    after = chain.advance_time(86_400)

    assert after.number == before.number + 1
    assert after.timestamp - before.timestamp >= 86_400
    assert after.timestamp - before.timestamp < 86_400 + 60


def test_value_transfer_changes_balances(chain: Chain, build: Build) -> None:
    bound, _ = chain.deploy(build["RecordAnchor"], chain.operator.address)
    # RecordAnchor has no receive(): sending value reverts and moves nothing
    before = chain.balance(bound.address)
    with pytest.raises(ContractReverted):
        chain.transact(bound, "anchor", 1, b"\x01" * 32, value=1)
    assert chain.balance(bound.address) == before == 0


def test_revert_with_explicit_gas_is_decoded(chain: Chain, build: Build) -> None:
    bound, _ = chain.deploy(build["RecordAnchor"], chain.operator.address)
    with pytest.raises(ContractReverted) as exc:
        chain.transact(bound, "anchor", 0, b"\x01" * 32, gas=100_000)
    assert exc.value.error == "RecordAnchorEmptyTree"


def test_private_keys_never_logged(
    chain: Chain, build: Build, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    bound, _ = chain.deploy(build["RecordAnchor"], chain.operator.address)
    chain.transact(bound, "anchor", 1, b"\x01" * 32)

    key = chain.operator.key.hex().removeprefix("0x")
    assert caplog.records, "the transaction path logs at debug level"
    assert key not in caplog.text
    assert key not in repr(chain)


def test_rpc_chain_unreachable_is_a_clear_error() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(ChainUnavailable, match=f"cannot reach the chain node at {url}"):
        rpc_chain(url, anvil_accounts(), timeout=2)


@pytest.mark.anvil
def test_rpc_chain_reports_anvil_chain_id(anvil_url: str) -> None:
    chain = rpc_chain(anvil_url, anvil_accounts())
    assert chain.backend == "rpc"
    assert chain.chain_id == 31337
