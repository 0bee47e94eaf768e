"""The chain gateway behaves the same on eth-tester and on an RPC node (anvil)."""

from __future__ import annotations

import logging
import time

import pytest

from ledger.chain.compiler import Build
from ledger.chain.gateway import Bound, Chain, rpc_chain, transaction_sender
from ledger.errors import Conflict, ContractReverted, RuleViolation
from tests.conftest import anvil_accounts, free_port


@pytest.fixture
def probe(chain: Chain, build: Build) -> Bound:
    bound, _ = chain.deploy(build["GatewayProbe"])
    return bound


def test_deploy_and_call_contract(chain: Chain, build: Build) -> None:
    start = chain.block_number
    bound, receipt = chain.deploy(build["GatewayProbe"])

    assert receipt.block_number == start + 1
    assert receipt.contract_address == bound.address
    assert len(chain.code(bound.address)) == build["GatewayProbe"].deployed_size
    assert chain.call(bound, "count") == 0


def test_transact_changes_state_and_storage(chain: Chain, probe: Bound) -> None:
    receipt = chain.transact(probe, "set", 7, 42)

    assert receipt.gas_used > 21_000
    assert chain.call(probe, "valueOf", 7) == 42
    assert int.from_bytes(chain.storage(probe.address, 1), "big") == 1  # slot 1: count


def test_events_filtered_by_indexed_argument(chain: Chain, probe: Bound) -> None:
    for key in (1, 2, 3):
        chain.transact(probe, "set", key, key * 10)

    matching = chain.events(probe, "ValueSet", filters={"key": 2})
    assert [e["args"]["value"] for e in matching] == [20]
    assert [e["args"]["by"] for e in matching] == [chain.operator.address]
    assert len(chain.events(probe, "ValueSet")) == 3


def test_decode_events_of_a_receipt(chain: Chain, probe: Bound) -> None:
    receipt = chain.transact(probe, "set", 5, 50)
    (event,) = chain.decode_events(probe, "ValueSet", receipt)
    assert (event["args"]["key"], event["args"]["value"]) == (5, 50)


def test_snapshot_and_revert_restore_state(chain: Chain, probe: Bound) -> None:
    snapshot = chain.snapshot()
    number = chain.block_number
    chain.transact(probe, "set", 1, 1)
    assert chain.call(probe, "count") == 1

    chain.revert(snapshot)

    assert chain.block_number == number
    assert chain.call(probe, "count") == 0


def test_advance_time_moves_block_timestamp(chain: Chain) -> None:
    before = chain.block()
    after = chain.advance_time(86_400)

    assert after.number == before.number + 1
    assert after.timestamp - before.timestamp >= 86_400
    # the clock is "wall time + offset": an idle chain's next block also carries the idle time
    assert after.timestamp <= max(before.timestamp, int(time.time())) + 86_400 + 5


def test_custom_error_is_decoded(chain: Chain, probe: Bound) -> None:
    with pytest.raises(ContractReverted) as exc:
        chain.transact(probe, "set", 0, 1)
    assert (exc.value.contract, exc.value.error, exc.value.values) == (
        "GatewayProbe",
        "GatewayProbeZeroKey",
        {},
    )


def test_revert_with_explicit_gas_is_decoded(chain: Chain, probe: Bound) -> None:
    with pytest.raises(ContractReverted) as exc:
        chain.transact(probe, "set", 0, 1, gas=100_000)
    assert exc.value.error == "GatewayProbeZeroKey"


def test_value_to_non_payable_function_reverts(chain: Chain, probe: Bound) -> None:
    with pytest.raises(ContractReverted):
        chain.transact(probe, "set", 1, 1, value=1)
    assert chain.balance(probe.address) == 0


def test_private_keys_never_logged(
    chain: Chain, probe: Bound, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    chain.transact(probe, "set", 1, 1)

    key = chain.operator.key.hex().removeprefix("0x")
    assert caplog.records, "the transaction path logs at debug level"
    assert key not in caplog.text
    assert key not in repr(chain)


def test_rpc_chain_unreachable_is_a_clear_error() -> None:
    from ledger.errors import ChainUnavailable

    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(ChainUnavailable, match=f"cannot reach the chain node at {url}"):
        rpc_chain(url, anvil_accounts(), timeout=2)


@pytest.mark.anvil
def test_rpc_chain_reports_anvil_chain_id(anvil_url: str) -> None:
    chain = rpc_chain(anvil_url, anvil_accounts())
    assert chain.backend == "rpc"
    assert chain.chain_id == 31337


def test_out_of_gas_is_a_chain_error_not_a_crash(chain: Chain, probe: Bound) -> None:
    from ledger.errors import ChainError

    with pytest.raises(ChainError) as exc:
        chain.transact(probe, "set", 1, 1, gas=22_000)  # far too little for an SSTORE
    assert "GatewayProbe" in str(exc.value)


def test_send_value_moves_ether(chain: Chain) -> None:
    from tests.contracts.conftest import key

    fresh = key("fresh account").address
    before = chain.balance(chain.operator.address)
    receipt = chain.send_value(fresh, 12_345)
    assert chain.balance(fresh) == 12_345
    assert before - chain.balance(chain.operator.address) >= 12_345 + receipt.gas_used


def test_receipt_of_another_senders_transaction_is_read_back(chain: Chain, probe: Bound) -> None:
    from ledger.errors import NotFound

    sent = chain.transact(probe, "set", 4, 40)
    read = chain.receipt(sent.tx_hash)
    assert (read.tx_hash, read.block_number, read.succeeded) == (
        sent.tx_hash,
        sent.block_number,
        True,
    )
    (event,) = chain.decode_events(probe, "ValueSet", read)
    assert event["args"]["value"] == 40
    assert chain.call(probe, "valueOf", 4, block=read.block_number - 1) == 0  # state before it

    with pytest.raises(ContractReverted):
        chain.transact(probe, "set", 0, 1, gas=100_000)  # mined, and reverted
    failed = chain.block()
    tx = chain.w3.eth.get_block(failed.number)["transactions"][0]
    assert chain.receipt("0x" + bytes(tx).hex()).succeeded is False
    for unknown in ("0x" + "ab" * 32, "0x1234", "not hex"):
        with pytest.raises(NotFound):
            chain.receipt(unknown)


# ---------------------------------------------------------------------- relayed transactions


def signed_by(chain: Chain, account: object, unsigned: dict, **changes: object) -> bytes:  # type: ignore[type-arg]
    return bytes(account.sign_transaction({**unsigned, **changes}).raw_transaction)  # type: ignore[attr-defined]


def test_a_transaction_its_sender_signed_is_relayed_when_it_is_the_expected_call(
    chain: Chain, probe: Bound
) -> None:
    sender = chain.accounts[1]
    unsigned = chain.unsigned(probe, "set", 9, 90, sender=sender.address, gas=100_000)
    raw = signed_by(chain, sender, unsigned)
    assert transaction_sender(raw) == sender.address
    relayed_by, receipt = chain.send_signed(probe, raw, "set", 9, 90)
    assert relayed_by == sender.address
    (event,) = chain.decode_events(probe, "ValueSet", receipt)
    assert event["args"]["by"] == sender.address  # the contract saw the sender, not the relay


@pytest.mark.parametrize(
    ("changes", "part"),
    [
        ({"chainId": 1}, "chainId"),
        ({"to": "0x" + "11" * 20}, "to"),
        ({"value": 1}, "value"),
        ({"data": "0x1234"}, "data"),
    ],
)
def test_a_signed_transaction_for_anything_else_is_refused_before_it_is_sent(
    chain: Chain,
    probe: Bound,
    changes: dict,
    part: str,  # type: ignore[type-arg]
) -> None:
    sender = chain.accounts[1]
    unsigned = chain.unsigned(probe, "set", 9, 90, sender=sender.address, gas=100_000)
    nonce = unsigned["nonce"]
    with pytest.raises(RuleViolation) as caught:
        chain.send_signed(probe, signed_by(chain, sender, unsigned, **changes), "set", 9, 90)
    assert (caught.value.fields["field"], caught.value.fields["part"]) == ("transaction", part)
    assert chain.call(probe, "count") == 0
    assert chain.unsigned(probe, "set", 9, 90, sender=sender.address, gas=1)["nonce"] == nonce


def test_a_relayed_transaction_sent_again_is_a_conflict_and_sent_once(
    chain: Chain, probe: Bound
) -> None:
    sender = chain.accounts[1]
    unsigned = chain.unsigned(probe, "set", 9, 90, sender=sender.address, gas=100_000)
    raw = signed_by(chain, sender, unsigned)
    chain.send_signed(probe, raw, "set", 9, 90)
    with pytest.raises(Conflict) as caught:
        chain.send_signed(probe, raw, "set", 9, 90)
    assert (caught.value.fields["field"], caught.value.fields["part"]) == ("transaction", "nonce")
    assert chain.call(probe, "count") == 1


def test_a_relayed_call_that_would_revert_is_not_sent(chain: Chain, probe: Bound) -> None:
    sender = chain.accounts[1]
    unsigned = chain.unsigned(probe, "set", 0, 1, sender=sender.address, gas=100_000)
    with pytest.raises(ContractReverted) as caught:
        chain.send_signed(probe, signed_by(chain, sender, unsigned), "set", 0, 1)
    assert caught.value.error == "GatewayProbeZeroKey"
    assert (
        chain.unsigned(probe, "set", 0, 1, sender=sender.address, gas=1)["nonce"]
        == unsigned["nonce"]
    )


@pytest.mark.parametrize("raw", [b"", b"\x02garbage", b"\xf8\x00"])
def test_bytes_that_are_no_signed_typed_transaction_are_refused(raw: bytes) -> None:
    with pytest.raises(RuleViolation) as caught:
        transaction_sender(raw)
    assert caught.value.fields["field"] == "transaction"
