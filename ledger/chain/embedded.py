"""The embedded chain: eth-tester over py-evm, in this process, optionally kept on disk.

py-evm keeps its state in memory. To survive a restart (or a SIGKILL) the node writes
every mined block to an append-only log (``blocks.jsonl`` in its folder) *before* the
request that mined it returns: the block's timestamp, coinbase, prevrandao and raw
signed transactions, and the block hash. On start-up it re-mines the log from the same
genesis and checks that every block hash comes out the same, so a replay that would
diverge stops with the block number instead of serving a different chain.

A checkpoint of py-evm's key-value store (``state.ckpt``, see
:mod:`ledger.chain.blocklog`) is written every :data:`CHECKPOINT_EVERY` blocks and at
a clean close, so start-up re-mines only the blocks after it. See ``docs/CHAIN.md``.
"""

from __future__ import annotations

import ast
import fcntl
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from eth.db.atomic import AtomicDB
from eth.db.backends.memory import MemoryDB
from eth.vm.forks import PragueVM
from eth_tester import EthereumTester, PyEVMBackend
from eth_tester.backends.pyevm.main import get_default_account_keys, get_total_blob_gas
from eth_tester.exceptions import TransactionFailed
from eth_typing import Address
from web3 import EthereumTesterProvider
from web3.types import RPCEndpoint, RPCResponse

from ledger.chain.blocklog import BlockLog, Checkpoint, fsync_dir, read_checkpoint, write_checkpoint
from ledger.errors import ChainStateError

log = logging.getLogger(__name__)

LOG_FORMAT = 1
#: Write a state checkpoint after this many new blocks (and at a clean close).
CHECKPOINT_EVERY = 1000
ZERO_ADDRESS = Address(b"\x00" * 20)
#: JSON-RPC methods after which new blocks may exist (or blocks may be gone).
_MINING_METHODS = {
    "eth_sendRawTransaction",
    "eth_sendTransaction",
    "evm_mine",
    "evm_revert",
    "testing_timeTravel",
}
_SENDING_METHODS = {"eth_sendRawTransaction", "eth_sendTransaction"}


class _Backend(PyEVMBackend):
    """PyEVMBackend whose blocks can be mined again bit for bit.

    py-evm draws each block's prevrandao at random; during replay it is taken from the
    log instead.
    """

    forced_mix_hash: bytes | None = None

    def mine_blocks(
        self, num_blocks: int = 1, coinbase: Address = ZERO_ADDRESS
    ) -> tuple[bytes, ...]:
        hashes = []
        for _ in range(num_blocks):
            pending = self.chain.get_block().transactions
            block = self.chain.mine_block(
                coinbase=coinbase,
                mix_hash=self.forced_mix_hash or os.urandom(32),
                blob_gas_used=sum(get_total_blob_gas(tx) for tx in pending),
            )
            hashes.append(block.hash)
        return tuple(hashes)


class EmbeddedNode:
    """An in-process chain; with ``data_dir`` it persists and replays its blocks.

    All access goes through :attr:`provider` (a web3 provider) or the methods below,
    under one lock: py-evm is not thread-safe.
    """

    def __init__(self, data_dir: Path | None = None, *, accounts: int = 10) -> None:
        self._log: BlockLog | None = None
        self._lock_file: Any = None
        try:
            self._open(data_dir, accounts)
        except BaseException:
            self.close()
            raise

    def _open(self, data_dir: Path | None, accounts: int) -> None:
        self.lock = threading.RLock()
        self.clock_offset = 0
        self.account_keys = list(get_default_account_keys(accounts))
        self._snapshots: dict[int, tuple[int, int]] = {}
        self._logged: list[bytes] = []  # block hashes by number, as in the log
        self._checkpoint_path: Path | None = None
        self._checkpointed = 0  # block number of the newest checkpoint
        self.replayed_blocks = 0  # blocks re-mined at start-up
        records: list[dict[str, Any]] = []
        genesis_time = int(time.time())
        if data_dir is not None:
            data_dir.mkdir(parents=True, exist_ok=True)
            self._lock_file = _lock(data_dir / "LOCK")
            self._log = BlockLog(data_dir / "blocks.jsonl")
            self._checkpoint_path = data_dir / "state.ckpt"
            records = self._log.read()
            if records:
                genesis = records[0]
                if genesis.get("t") != "genesis" or genesis.get("format") != LOG_FORMAT:
                    raise ChainStateError(f"{self._log.path} does not start with a genesis record")
                genesis_time = genesis["timestamp"]
                accounts = genesis["accounts"]
                self.account_keys = list(get_default_account_keys(accounts))
        self.backend = _Backend(
            genesis_parameters=PyEVMBackend.generate_genesis_params({"timestamp": genesis_time}),
            genesis_state=PyEVMBackend.generate_genesis_state(num_accounts=accounts),
            vm_configuration=((0, PragueVM),),
        )
        self.tester = EthereumTester(backend=self.backend)
        genesis_hash = self.backend.chain.get_canonical_block_header_by_number(0).hash
        self._logged = [genesis_hash]
        if self._log is not None:
            if records:
                self._restore(records, genesis_hash)
            else:
                first = {
                    "t": "genesis",
                    "format": LOG_FORMAT,
                    "timestamp": genesis_time,
                    "accounts": accounts,
                    "hash": genesis_hash.hex(),
                }
                self._log.append([first])
                fsync_dir(self._log.path.parent)
        self.provider = _NodeProvider(self)

    # ------------------------------------------------------------------ control

    def snapshot(self) -> int:
        with self.lock:
            tester_id = self.tester.take_snapshot()
            self._snapshots[tester_id] = (tester_id, self.clock_offset)
            return tester_id

    def revert(self, snapshot_id: int) -> None:
        with self.lock:
            tester_id, offset = self._snapshots[snapshot_id]
            self.tester.revert_to_snapshot(tester_id)
            if offset != self.clock_offset:
                self._set_offset(offset)
            self.sync()

    def advance_time(self, seconds: int) -> None:
        """Move the clock forward and mine an empty block at least ``seconds`` later."""
        if seconds < 0:
            raise ValueError("time only moves forward")
        with self.lock:
            self._set_offset(self.clock_offset + seconds)
            self.refresh_clock()
            chain = self.backend.chain
            at_least = chain.get_canonical_head().timestamp + seconds
            if chain.header.timestamp < at_least:
                chain.header = chain.header.copy(timestamp=at_least)
            self.backend.mine_blocks(1)
            self.sync()

    def refresh_clock(self) -> None:
        """Stamp the pending block with the wall clock plus the offset (monotone)."""
        chain = self.backend.chain
        if chain.get_block().transactions:
            return
        parent = chain.get_canonical_head()
        stamp = max(parent.timestamp + 1, int(time.time()) + self.clock_offset)
        chain.header = chain.header.copy(timestamp=stamp)

    def sync(self) -> None:
        """Write every block mined since the last sync to the log (and fsync it)."""
        if self._log is None:
            return
        chaindb = self.backend.chain.chaindb
        head = self.backend.chain.get_canonical_head().block_number
        common = min(head, len(self._logged) - 1)
        while common > 0 and chaindb.get_canonical_block_hash(common) != self._logged[common]:
            common -= 1
        if common < len(self._logged) - 1:
            self._truncate(common)
        fresh = [self._block_record(n) for n in range(common + 1, head + 1)]
        self._log.append(fresh)
        self._logged.extend(bytes.fromhex(r["hash"]) for r in fresh)
        if head - self._checkpointed >= CHECKPOINT_EVERY:
            self.checkpoint()

    def checkpoint(self) -> None:
        """Write py-evm's whole state as of the head block, to shorten the next start."""
        if self._checkpoint_path is None:
            return
        with self.lock:
            head = self.backend.chain.get_canonical_head()
            if head.block_number == 0:
                return
            store = dict(self.backend.chain.chaindb.db.wrapped_db.kv_store)
            write_checkpoint(
                self._checkpoint_path, Checkpoint(head.block_number, head.hash.hex(), store)
            )
            self._checkpointed = head.block_number

    def close(self) -> None:
        """Checkpoint, then release the folder; the node must not be used afterwards."""
        if self._log is not None:
            if getattr(self, "backend", None) is not None:
                head = self.backend.chain.get_canonical_head().block_number
                if head > self._checkpointed and head == len(self._logged) - 1:
                    self.checkpoint()
            self._log.close()
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None

    # ------------------------------------------------------------------ internal

    def _set_offset(self, offset: int) -> None:
        self.clock_offset = offset
        if self._log is not None:
            self._log.append([{"t": "clock", "offset": offset}])

    def _block_record(self, number: int) -> dict[str, Any]:
        block = self.backend.chain.get_canonical_block_by_number(number)
        header = block.header
        return {
            "t": "block",
            "n": number,
            "ts": header.timestamp,
            "coinbase": header.coinbase.hex(),
            "mix": header.mix_hash.hex(),
            "txs": [tx.encode().hex() for tx in block.transactions],
            "hash": header.hash.hex(),
        }

    def _truncate(self, number: int) -> None:
        assert self._log is not None
        kept = [r for r in self._log.read() if r["t"] != "block" or r["n"] <= number]
        kept.append({"t": "clock", "offset": self.clock_offset})
        if self._checkpointed > number and self._checkpoint_path is not None:
            self._checkpoint_path.unlink(missing_ok=True)  # no longer on the chain
            self._checkpointed = 0
        self._log.rewrite(kept)
        del self._logged[number + 1 :]

    def _restore(self, records: list[dict[str, Any]], genesis_hash: bytes) -> None:
        """Rebuild the chain from the checkpoint (if usable) and the log after it."""
        if records[0]["hash"] != genesis_hash.hex():
            raise ChainStateError(
                f"genesis of {self._log.path if self._log else 'the log'} does not match this "
                "eth-tester/py-evm version; the log cannot be replayed"
            )
        blocks = [r for r in records if r["t"] == "block"]
        start = self._load_checkpoint(blocks)
        started = time.perf_counter()
        chain = self.backend.chain
        for record in records[1:]:
            if record["t"] == "clock":
                self.clock_offset = record["offset"]
                continue
            number = record["n"]
            if number <= start:
                continue
            chain = self.backend.chain
            chain.header = chain.header.copy(timestamp=record["ts"])
            for raw in record["txs"]:
                self.backend.send_raw_transaction(bytes.fromhex(raw))
            self.backend.forced_mix_hash = bytes.fromhex(record["mix"])
            try:
                (mined,) = self.backend.mine_blocks(1, Address(bytes.fromhex(record["coinbase"])))
            finally:
                self.backend.forced_mix_hash = None
            if mined.hex() != record["hash"] or number != len(self._logged):
                raise ChainStateError(
                    f"replaying block {number} gave hash 0x{mined.hex()}, "
                    f"the log says 0x{record['hash']}; the chain state cannot be trusted"
                )
            self._logged.append(mined)
            self.replayed_blocks += 1
        log.info(
            "embedded chain: %d blocks from the checkpoint, %d replayed in %.2f s",
            start,
            self.replayed_blocks,
            time.perf_counter() - started,
        )
        if self.replayed_blocks >= CHECKPOINT_EVERY // 10:
            self.checkpoint()

    def _load_checkpoint(self, blocks: list[dict[str, Any]]) -> int:
        """Restore the checkpoint if it lies on the log's chain; returns its block number."""
        if self._checkpoint_path is None:
            return 0
        checkpoint = read_checkpoint(self._checkpoint_path)
        if checkpoint is None:
            return 0
        n = checkpoint.block
        if not (0 < n <= len(blocks) and blocks[n - 1]["hash"] == checkpoint.block_hash):
            log.warning("ignoring checkpoint at block %d: not on the logged chain", n)
            return 0
        chain_class = type(self.backend.chain)
        restored = chain_class(AtomicDB(MemoryDB(checkpoint.store)))
        head = restored.get_canonical_head()
        if head.block_number != n or head.hash.hex() != checkpoint.block_hash:
            log.warning("ignoring checkpoint at block %d: its head does not match", n)
            return 0
        self.backend.chain = restored
        self._logged.extend(bytes.fromhex(b["hash"]) for b in blocks[:n])
        self._checkpointed = n
        return n


class _Reverted(Exception):
    def __init__(self, data: bytes | None, reason: str) -> None:
        super().__init__(reason)
        self.data = data


def _surface_reverts(delegator: Callable[..., Any]) -> Callable[..., Any]:
    """Keep a revert's raw return data, which web3's eth-tester provider drops."""

    def wrapped(tester: Any, params: Any) -> Any:
        try:
            return delegator(tester, params)
        except TransactionFailed as exc:
            raw = exc.args[0] if exc.args else b""
            if isinstance(raw, Exception):
                raw = raw.args[0] if raw.args else b""
            if isinstance(raw, str) and raw[:2] in ("b'", 'b"'):
                # eth-tester's eth_call hands the return data over as repr(bytes)
                raw = ast.literal_eval(raw)
            raise _Reverted(raw if isinstance(raw, bytes) else None, str(raw)) from None

    return wrapped


class _NodeProvider(EthereumTesterProvider):
    """web3 provider over the node: serialised, clock-stamped, logged after mining.

    Reverts are answered as a JSON-RPC node answers them (code 3 with the return data),
    so web3 raises the same typed errors as it does over HTTP.
    """

    def __init__(self, node: EmbeddedNode) -> None:
        super().__init__(ethereum_tester=node.tester)
        self._node = node
        assert self.api_endpoints is not None
        self.api_endpoints = {
            namespace: {name: _surface_reverts(fn) for name, fn in endpoints.items()}
            for namespace, endpoints in self.api_endpoints.items()
        }

    def make_request(self, method: RPCEndpoint, params: Any) -> RPCResponse:
        with self._node.lock:
            if method in _SENDING_METHODS:
                self._node.refresh_clock()
            try:
                response = super().make_request(method, params)
            except _Reverted as exc:
                error: dict[str, Any] = {"code": 3, "message": "execution reverted"}
                if exc.data is not None:
                    error["data"] = "0x" + exc.data.hex()
                else:
                    error["message"] = f"execution reverted: {exc}"
                return cast(RPCResponse, {"jsonrpc": "2.0", "id": 0, "error": error})
            finally:
                if method in _MINING_METHODS:
                    self._node.sync()
            return response


def _lock(path: Path) -> Any:
    handle = path.open("a+")
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        owner = handle.read().strip() or "unknown"
        handle.close()
        raise ChainStateError(
            f"the embedded chain in {path.parent} is open in another process (pid {owner})"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle
