"""The chain gateway: one interface over web3.py for every EVM the ledger runs on.

:class:`Chain` deploys, calls, transacts (signing locally, so the same code path
serves the embedded eth-tester chain and any JSON-RPC node), reads events, takes
snapshots and moves time. Reverts come back as :class:`~ledger.errors.ContractReverted`
with the custom error decoded from the ABIs the chain knows; raw web3 exceptions do
not leave this module.

Contract-specific gateways (e.g. :mod:`ledger.chain.record_anchor`) sit on top and name
their methods in domain terms.
"""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

import requests
from eth_abi import decode as abi_decode
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_account.typed_transactions import TypedTransaction
from eth_utils import function_signature_to_4byte_selector
from eth_utils.exceptions import ValidationError as EthValidationError
from hexbytes import HexBytes
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import ContractLogicError, TransactionNotFound, Web3Exception

from ledger.chain.compiler import Artifact
from ledger.chain.embedded import EmbeddedNode
from ledger.errors import (
    ChainError,
    ChainUnavailable,
    Conflict,
    ContractReverted,
    NotFound,
    RuleViolation,
)

log = logging.getLogger(__name__)

#: Seconds to wait for a sent transaction's receipt.
RECEIPT_TIMEOUT = 60
#: Tip per gas (1 gwei); the fee cap is twice the base fee plus this.
PRIORITY_FEE = 10**9


@dataclass(frozen=True)
class Block:
    number: int
    hash: str
    timestamp: int


@dataclass(frozen=True)
class Receipt:
    """The outcome of a mined transaction (``succeeded`` False: it reverted)."""

    tx_hash: str
    block_number: int
    gas_used: int
    contract_address: str | None
    logs: list[Any]
    succeeded: bool = True


@dataclass(frozen=True)
class Bound:
    """A deployed contract: its artifact's name and the web3 handle."""

    name: str
    address: str
    contract: Contract


class _Control(ABC):
    """What differs between chains: snapshots and time."""

    name: str

    @abstractmethod
    def snapshot(self) -> Any: ...

    @abstractmethod
    def revert(self, snapshot_id: Any) -> None: ...

    @abstractmethod
    def advance_time(self, seconds: int) -> None: ...

    def close(self) -> None:  # noqa: B027 - optional hook
        pass


class _EmbeddedControl(_Control):
    name = "eth-tester"

    def __init__(self, node: EmbeddedNode) -> None:
        self.node = node

    def snapshot(self) -> Any:
        return self.node.snapshot()

    def revert(self, snapshot_id: Any) -> None:
        self.node.revert(snapshot_id)

    def advance_time(self, seconds: int) -> None:
        self.node.advance_time(seconds)

    def close(self) -> None:
        self.node.close()


class _RpcControl(_Control):
    name = "rpc"

    def __init__(self, w3: Web3) -> None:
        self.w3 = w3

    def _rpc(self, method: str, params: list[Any]) -> Any:
        response = self.w3.provider.make_request(method, params)  # type: ignore[arg-type]
        if "error" in response:
            raise ChainError(f"{method} failed: {response['error']}", method=method)
        return response["result"]

    def snapshot(self) -> Any:
        return self._rpc("evm_snapshot", [])

    def revert(self, snapshot_id: Any) -> None:
        if not self._rpc("evm_revert", [snapshot_id]):
            raise ChainError(f"the node refused to revert to snapshot {snapshot_id}")

    def advance_time(self, seconds: int) -> None:
        if seconds < 0:
            raise ValueError("time only moves forward")
        self._rpc("evm_increaseTime", [seconds])
        self._rpc("evm_mine", [])


class Chain:
    """One EVM chain with the accounts the ledger signs with."""

    def __init__(self, w3: Web3, control: _Control, accounts: list[LocalAccount]) -> None:
        self.w3 = w3
        self._control = control
        self.accounts = accounts
        self._send_lock = threading.Lock()
        self._errors: dict[bytes, tuple[str, str, list[str], list[str]]] = {}
        self._chain_id: int | None = None

    def __repr__(self) -> str:
        return f"<Chain {self.backend} id={self.chain_id}>"

    # ------------------------------------------------------------------ facts

    @property
    def backend(self) -> str:
        """``eth-tester`` or ``rpc``."""
        return self._control.name

    @property
    def operator(self) -> LocalAccount:
        """The account that deploys and anchors; it alone can never move funds."""
        return self.accounts[0]

    @property
    def chain_id(self) -> int:
        if self._chain_id is None:
            self._chain_id = self._guard(lambda: self.w3.eth.chain_id)
        return self._chain_id

    @property
    def block_number(self) -> int:
        return self._guard(lambda: self.w3.eth.block_number)

    def block(self, number: int | str = "latest") -> Block:
        b = self._guard(lambda: self.w3.eth.get_block(number))
        return Block(b["number"], "0x" + bytes(b["hash"]).hex(), b["timestamp"])

    def balance(self, address: str) -> int:
        return self._guard(lambda: self.w3.eth.get_balance(Web3.to_checksum_address(address)))

    def code(self, address: str) -> bytes:
        return bytes(self._guard(lambda: self.w3.eth.get_code(Web3.to_checksum_address(address))))

    def storage(self, address: str, slot: int) -> bytes:
        addr = Web3.to_checksum_address(address)
        return bytes(self._guard(lambda: self.w3.eth.get_storage_at(addr, slot)))

    # ------------------------------------------------------------------ contracts

    def register_errors(self, artifact: Artifact) -> None:
        """Teach the gateway the custom errors of a contract, to decode its reverts."""
        for item in artifact.abi:
            if item["type"] != "error":
                continue
            types = [_abi_type(i) for i in item["inputs"]]
            signature = f"{item['name']}({','.join(types)})"
            selector = function_signature_to_4byte_selector(signature)
            names = [i["name"] for i in item["inputs"]]
            self._errors[selector] = (artifact.name, item["name"], types, names)

    def at(self, artifact: Artifact, address: str) -> Bound:
        """A handle on a contract deployed at ``address``."""
        self.register_errors(artifact)
        checksum = Web3.to_checksum_address(address)
        return Bound(
            artifact.name, checksum, self.w3.eth.contract(address=checksum, abi=artifact.abi)
        )

    def deploy(
        self,
        artifact: Artifact,
        *args: Any,
        sender: LocalAccount | None = None,
        gas: int | None = None,
        value: int = 0,
    ) -> tuple[Bound, Receipt]:
        """Deploy a compiled contract (``value`` for a payable constructor)."""
        self.register_errors(artifact)
        factory = self.w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
        data = factory.constructor(*args).data_in_transaction
        receipt = self._send(artifact.name, {"data": data}, sender or self.operator, gas, value)
        if receipt.contract_address is None:
            raise ChainError(f"deploying {artifact.name} created no contract")
        return self.at(artifact, receipt.contract_address), receipt

    def send_value(
        self, to: str, value: int, *, sender: LocalAccount | None = None, gas: int = 21_000
    ) -> Receipt:
        """Send ether to an account (e.g. fund a partner's key in a simulation)."""
        tx = {"to": Web3.to_checksum_address(to)}
        return self._send("transfer", tx, sender or self.operator, gas, value)

    def call(self, bound: Bound, function: str, *args: Any, block: int | str = "latest") -> Any:
        """Run a view (or simulate any function) without a transaction."""
        fn = bound.contract.get_function_by_name(function)(*args)
        return self._guard(lambda: fn.call(block_identifier=block), contract=bound.name)

    def transact(
        self,
        bound: Bound,
        function: str,
        *args: Any,
        sender: LocalAccount | None = None,
        gas: int | None = None,
        value: int = 0,
    ) -> Receipt:
        """Sign and send a transaction calling ``function``; waits for its receipt."""
        data = bound.contract.encode_abi(function, args=list(args))
        tx = {"to": bound.address, "data": data}
        return self._send(bound.name, tx, sender or self.operator, gas, value)

    def unsigned(
        self, bound: Bound, function: str, *args: Any, sender: str, gas: int, value: int = 0
    ) -> dict[str, Any]:
        """A transaction calling ``function`` for ``sender`` to sign with its own key.

        The fields are those :meth:`send_signed` expects back: the contract, the call data,
        ``value``, this chain's id, the sender's next nonce, ``gas`` and the current fees.
        """
        base_fee = self._guard(lambda: self.w3.eth.get_block("latest")).get("baseFeePerGas", 0)
        nonce = self._guard(lambda: self.w3.eth.get_transaction_count(sender, "pending"))
        return {
            "type": 2,
            "chainId": self.chain_id,
            "to": bound.address,
            "data": bound.contract.encode_abi(function, args=list(args)),
            "value": value,
            "nonce": nonce,
            "gas": gas,
            "maxPriorityFeePerGas": PRIORITY_FEE,
            "maxFeePerGas": 2 * base_fee + PRIORITY_FEE,
        }

    def send_signed(
        self, bound: Bound, raw: bytes, function: str, *args: Any, value: int = 0
    ) -> tuple[str, Receipt]:
        """Relay a transaction its sender signed, once it is exactly the expected call.

        The ledger checks the transaction before it reaches the chain: a typed (EIP-2718)
        transaction for this chain, to ``bound``, carrying ``value`` wei (none unless said),
        whose data is ``function`` called with ``args``. It is then simulated from its
        sender, so that a revert comes back as :class:`~ledger.errors.ContractReverted`
        without spending the sender's gas.

        Returns:
            The sender's address and the receipt.

        Raises:
            RuleViolation: (field ``transaction``) for bytes that are no signed typed
                transaction, or a transaction for another chain, contract, call or value.
            ContractReverted: if the call would revert (nothing is sent).
            Conflict: (field ``transaction``, part ``nonce``) when its nonce is used already:
                the same transaction relayed again, or one the sender sent meanwhile.
        """
        fields, sender = _decode_signed(raw)
        expected = bytes(HexBytes(bound.contract.encode_abi(function, args=list(args))))
        checks = (
            ("chainId", fields["chainId"], self.chain_id),
            ("to", "0x" + bytes(fields["to"]).hex(), bound.address.lower()),
            ("value", fields["value"], value),
            ("data", bytes(fields["data"]), expected),
        )
        for name, got, want in checks:
            if got != want:
                raise RuleViolation(
                    f"the signed transaction's {name} is not the {bound.name}.{function} call "
                    "the ledger expects",
                    field="transaction",
                    part=name,
                )
        call = {
            "from": sender,
            "to": bound.address,
            "data": expected,
            "gas": fields["gas"],
            "value": value,
        }
        with self._send_lock:
            sent = self._guard(lambda: self.w3.eth.get_transaction_count(sender, "pending"))
            if fields["nonce"] < sent:
                raise Conflict(
                    f"the signed transaction's nonce {fields['nonce']} is used already (the "
                    f"sender's next is {sent}): it was sent before; prepare a new one",
                    field="transaction",
                    part="nonce",
                )
            self._guard(lambda: self.w3.eth.call(call), contract=bound.name)
            tx_hash = self._guard(
                lambda: self.w3.eth.send_raw_transaction(raw), contract=bound.name
            )
            r = self._guard(
                lambda: self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=RECEIPT_TIMEOUT)
            )
        receipt = Receipt(
            tx_hash="0x" + bytes(tx_hash).hex(),
            block_number=r["blockNumber"],
            gas_used=r["gasUsed"],
            contract_address=r.get("contractAddress"),
            logs=list(r["logs"]),
        )
        if r["status"] != 1:
            self._guard(lambda: self.w3.eth.call(call, r["blockNumber"] - 1), contract=bound.name)
            raise ChainError(
                f"{bound.name} transaction {receipt.tx_hash} failed", tx_hash=receipt.tx_hash
            )
        return sender, receipt

    def events(
        self,
        bound: Bound,
        event: str,
        *,
        from_block: int = 0,
        to_block: int | str = "latest",
        filters: dict[str, Any] | None = None,
    ) -> list[Any]:
        """Decoded logs of one event of a contract, oldest first."""
        ev = bound.contract.events[event]
        return list(
            self._guard(
                lambda: ev.get_logs(
                    from_block=from_block, to_block=to_block, argument_filters=filters
                )
            )
        )

    def receipt(self, tx_hash: str) -> Receipt:
        """The receipt of a transaction someone else sent (a partner, a licensee).

        Raises:
            NotFound: for a hash that is not hex or names no mined transaction.
        """
        try:
            raw = bytes.fromhex(tx_hash.removeprefix("0x"))
            if len(raw) != 32:
                raise ValueError("a transaction hash is 32 bytes")
            r = self.w3.eth.get_transaction_receipt(HexBytes(raw))
        except (ValueError, TransactionNotFound):
            raise NotFound(f"no mined transaction {tx_hash}", tx_hash=tx_hash) from None
        except requests.exceptions.RequestException as exc:
            raise ChainUnavailable(f"the chain node does not answer: {exc}") from None
        except Web3Exception as exc:
            raise ChainError(f"reading transaction {tx_hash} failed: {exc}") from None
        return Receipt(
            tx_hash="0x" + raw.hex(),
            block_number=r["blockNumber"],
            gas_used=r["gasUsed"],
            contract_address=r.get("contractAddress"),
            logs=list(r["logs"]),
            succeeded=r["status"] == 1,
        )

    def decode_events(self, bound: Bound, event: str, receipt: Receipt) -> list[Any]:
        """The logs of ``event`` among a receipt's logs."""
        ev = bound.contract.events[event]()
        return [
            ev.process_log(entry) for entry in receipt.logs if _matches(ev, entry, bound.address)
        ]

    # ------------------------------------------------------------------ control

    def snapshot(self) -> Any:
        """Remember the current state; :meth:`revert` goes back to it."""
        return self._control.snapshot()

    def revert(self, snapshot_id: Any) -> None:
        self._control.revert(snapshot_id)

    def advance_time(self, seconds: int) -> Block:
        """Move the chain's clock forward and mine a block at the new time."""
        self._control.advance_time(seconds)
        return self.block()

    def close(self) -> None:
        self._control.close()

    # ------------------------------------------------------------------ internal

    def _send(
        self, contract: str, tx: dict[str, Any], sender: LocalAccount, gas: int | None, value: int
    ) -> Receipt:
        tx = {**tx, "from": sender.address, "value": value, "chainId": self.chain_id}
        with self._send_lock:
            if gas is None:
                gas = self._guard(lambda: self.w3.eth.estimate_gas(tx), contract=contract)
                gas = gas + gas // 5
            base_fee = self._guard(lambda: self.w3.eth.get_block("latest")).get("baseFeePerGas", 0)
            tx.update(
                gas=gas,
                nonce=self._guard(
                    lambda: self.w3.eth.get_transaction_count(sender.address, "pending")
                ),
                maxPriorityFeePerGas=PRIORITY_FEE,
                maxFeePerGas=2 * base_fee + PRIORITY_FEE,
            )
            tx.pop("from")
            raw = sender.sign_transaction(tx).raw_transaction
            tx_hash = self._guard(lambda: self.w3.eth.send_raw_transaction(raw), contract=contract)
            r = self._guard(
                lambda: self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=RECEIPT_TIMEOUT)
            )
        receipt = Receipt(
            tx_hash="0x" + bytes(tx_hash).hex(),
            block_number=r["blockNumber"],
            gas_used=r["gasUsed"],
            contract_address=r.get("contractAddress"),
            logs=list(r["logs"]),
        )
        if r["status"] != 1:
            # Re-run it as a call on the state it saw, to learn why it failed.
            call = {k: v for k, v in tx.items() if k in ("to", "data", "value", "gas")}
            call["from"] = sender.address
            self._guard(lambda: self.w3.eth.call(call, r["blockNumber"] - 1), contract=contract)
            raise ChainError(
                f"{contract} transaction {receipt.tx_hash} failed", tx_hash=receipt.tx_hash
            )
        return receipt

    def _guard(self, thunk: Any, *, contract: str = "") -> Any:
        """Run a web3 call, translating its exceptions into ledger errors."""
        try:
            return thunk()
        except ContractLogicError as exc:
            raise self._reverted(contract, exc) from None
        except requests.exceptions.RequestException as exc:
            raise ChainUnavailable(f"the chain node does not answer: {exc}") from None
        except (Web3Exception, EthValidationError) as exc:
            # eth-tester raises eth-utils' ValidationError where a node answers with an RPC
            # error (e.g. a sender without the balance for a call's value and gas)
            raise ChainError(
                f"{contract or 'chain'} call failed: {exc}", contract=contract
            ) from None

    def _reverted(self, contract: str, exc: ContractLogicError) -> ContractReverted:
        data = exc.data if isinstance(exc.data, str) else ""
        try:
            raw = bytes.fromhex(data.removeprefix("0x"))
        except ValueError:  # e.g. eth-tester's "no data" for an out-of-gas failure
            raw = b""
        known = self._errors.get(raw[:4])
        if known is None:
            reason = str(exc.message or exc).removeprefix("execution reverted: ")
            return ContractReverted(contract or "contract", "Revert", {"reason": reason})
        owner, name, types, names = known
        values = abi_decode(types, raw[4:])
        return ContractReverted(contract or owner, name, dict(zip(names, values, strict=True)))


def transaction_sender(raw: bytes) -> str:
    """The address that signed a typed transaction (checked before the ledger relays it).

    Raises:
        RuleViolation: (field ``transaction``) for bytes that are no signed typed transaction.
    """
    return _decode_signed(raw)[1]


def _decode_signed(raw: bytes) -> tuple[dict[str, Any], str]:
    """The fields and the sender of a signed typed transaction."""
    try:
        fields = TypedTransaction.from_bytes(HexBytes(raw)).as_dict()
        sender = Account.recover_transaction(raw)
    except Exception as exc:  # rlp, eth-account and eth-keys each raise their own types
        raise RuleViolation(
            f"not a signed typed (EIP-2718) transaction: {exc}", field="transaction"
        ) from None
    return fields, str(sender)


def _abi_type(item: dict[str, Any]) -> str:
    if item["type"].startswith("tuple"):
        inner = ",".join(_abi_type(c) for c in item["components"])
        return f"({inner}){item['type'][5:]}"
    return item["type"]


def _matches(event: Any, entry: Any, address: str) -> bool:
    topic = bytes(entry["topics"][0]) if entry["topics"] else b""
    return entry["address"] == address and topic == bytes(HexBytes(event.topic))


def accounts_from(
    *, operator_key: str | None, mnemonic: str | None, count: int = 10
) -> list[LocalAccount]:
    """The ledger's signing accounts for an RPC node: the operator first."""
    accounts: list[LocalAccount] = []
    if operator_key:
        accounts.append(Account.from_key(operator_key))
    if mnemonic:
        Account.enable_unaudited_hdwallet_features()
        for i in range(count):
            acct = Account.from_mnemonic(mnemonic, account_path=f"m/44'/60'/0'/0/{i}")
            if all(a.address != acct.address for a in accounts):
                accounts.append(acct)
    return accounts


def embedded_chain(node: EmbeddedNode) -> Chain:
    """A :class:`Chain` over an in-process node."""
    accounts = [Account.from_key(k.to_bytes()) for k in node.account_keys]
    return Chain(Web3(node.provider), _EmbeddedControl(node), accounts)


def rpc_chain(url: str, accounts: list[LocalAccount], *, timeout: float = 30) -> Chain:
    """A :class:`Chain` over a JSON-RPC node; fails fast when the node does not answer."""
    if not accounts:
        raise ChainError("an RPC chain needs an operator key or a mnemonic")
    w3 = Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": timeout}))
    chain = Chain(w3, _RpcControl(w3), accounts)
    try:
        chain.chain_id  # noqa: B018 - a first call proves the node answers
    except ChainError as exc:
        raise ChainUnavailable(f"cannot reach the chain node at {url}: {exc}") from None
    return chain
