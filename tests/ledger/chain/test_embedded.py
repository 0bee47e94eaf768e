"""The embedded chain survives restarts, crashes and torn writes, and notices tampering."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ledger.chain.compiler import Build
from ledger.chain.embedded import EmbeddedNode
from ledger.chain.gateway import Chain, embedded_chain
from ledger.errors import ChainStateError


def fingerprint(chain: Chain, addresses: list[str]) -> dict[str, object]:
    """Everything a restart must keep: ids, blocks, balances, code and storage."""
    return {
        "chain_id": chain.chain_id,
        "block_number": chain.block_number,
        "hashes": [chain.block(n).hash for n in range(chain.block_number + 1)],
        "timestamps": [chain.block(n).timestamp for n in range(chain.block_number + 1)],
        "balances": [chain.balance(a.address) for a in chain.accounts[:3]],
        "code": [chain.code(a) for a in addresses],
        "storage": [chain.storage(a, slot) for a in addresses for slot in range(4)],
    }


def populate(chain: Chain, build: Build) -> list[str]:
    bound, _ = chain.deploy(build["GatewayProbe"])
    for key in (1, 2, 5):
        chain.transact(bound, "set", key, key * 100)
    chain.advance_time(3600)
    return [bound.address]


def test_restart_keeps_chain_state(tmp_path: Path, build: Build) -> None:
    chain = embedded_chain(EmbeddedNode(tmp_path))
    addresses = populate(chain, build)
    before = fingerprint(chain, addresses)
    chain.close()

    again = embedded_chain(EmbeddedNode(tmp_path))
    assert fingerprint(again, addresses) == before
    # and it goes on from there
    bound = again.at(build["GatewayProbe"], addresses[0])
    again.transact(bound, "set", 9, 900)
    assert again.call(bound, "count") == 4
    again.close()


def test_restart_keeps_clock_offset(tmp_path: Path) -> None:
    chain = embedded_chain(EmbeddedNode(tmp_path))
    chain.advance_time(10 * 86_400)
    chain.close()

    again = embedded_chain(EmbeddedNode(tmp_path))
    later = again.advance_time(1)
    assert later.timestamp >= time.time() + 10 * 86_400 - 5
    again.close()


def test_torn_tail_is_dropped(tmp_path: Path, build: Build) -> None:
    chain = embedded_chain(EmbeddedNode(tmp_path))
    addresses = populate(chain, build)
    before = fingerprint(chain, addresses)
    chain.close()
    with (tmp_path / "blocks.jsonl").open("ab") as f:
        f.write(b'{"t":"block","n":99,"ts":')  # a crash in the middle of a write

    again = embedded_chain(EmbeddedNode(tmp_path))
    assert fingerprint(again, addresses) == before
    again.close()
    assert (tmp_path / "blocks.jsonl").read_bytes().endswith(b"}\n")


def test_tampered_log_stops_with_block_number(tmp_path: Path, build: Build) -> None:
    chain = embedded_chain(EmbeddedNode(tmp_path))
    populate(chain, build)
    chain.close()
    (tmp_path / "state.ckpt").unlink()  # make start-up re-mine every block
    path = tmp_path / "blocks.jsonl"
    lines = path.read_text().splitlines()
    index = next(i for i, line in enumerate(lines) if '"n":3,' in line)
    record = json.loads(lines[index])
    record["ts"] += 1
    lines[index] = json.dumps(record)
    path.write_text("\n".join(lines) + "\n")

    with pytest.raises(ChainStateError, match="replaying block 3 gave hash"):
        EmbeddedNode(tmp_path)


def test_revert_is_persisted(tmp_path: Path, build: Build) -> None:
    chain = embedded_chain(EmbeddedNode(tmp_path))
    addresses = populate(chain, build)
    snapshot = chain.snapshot()
    before = fingerprint(chain, addresses)
    bound = chain.at(build["GatewayProbe"], addresses[0])
    chain.transact(bound, "set", 10, 1000)
    chain.revert(snapshot)
    chain.close()

    again = embedded_chain(EmbeddedNode(tmp_path))
    assert fingerprint(again, addresses) == before
    again.close()


def test_second_process_cannot_open_same_folder(tmp_path: Path) -> None:
    node = EmbeddedNode(tmp_path)
    try:
        with pytest.raises(ChainStateError, match="open in another process"):
            EmbeddedNode(tmp_path)
    finally:
        node.close()


def test_genesis_from_other_version_is_refused(tmp_path: Path) -> None:
    EmbeddedNode(tmp_path).close()
    path = tmp_path / "blocks.jsonl"
    genesis = json.loads(path.read_text())
    genesis["hash"] = "00" * 32
    path.write_text(json.dumps(genesis) + "\n")

    with pytest.raises(ChainStateError, match="genesis"):
        EmbeddedNode(tmp_path)


WRITER = """
import sys
from pathlib import Path
from ledger.chain.compiler import compile_contracts, find_solc, project_root
from ledger.chain.embedded import EmbeddedNode
from ledger.chain.gateway import embedded_chain

root = project_root()
build = compile_contracts(solc=find_solc(solc_path=None, root=root), root=root,
                          cache_dir=Path(sys.argv[2]))
chain = embedded_chain(EmbeddedNode(Path(sys.argv[1])))
bound, receipt = chain.deploy(build["GatewayProbe"])
print("deployed", bound.address, flush=True)
key = 0
while True:
    key += 1
    r = chain.transact(bound, "set", key, key, gas=100_000)
    print("ack", r.block_number, chain.block(r.block_number).hash, flush=True)
"""


@pytest.mark.slow
def test_sigkill_loses_no_acknowledged_transaction(
    tmp_path: Path, build: Build, build_cache: Path
) -> None:
    rng = random.Random(20261128)
    acknowledged: dict[int, str] = {}
    for _round in range(5):
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(tmp_path / "chain"), str(build_cache)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().startswith("deployed")
        deadline = time.monotonic() + rng.uniform(0.2, 1.5)
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            _, number, block_hash = line.split()
            acknowledged[int(number)] = block_hash
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        for line in proc.stdout:  # acknowledged before the kill landed
            if line.startswith("ack"):
                _, number, block_hash = line.split()
                acknowledged[int(number)] = block_hash
        proc.stdout.close()

    chain = embedded_chain(EmbeddedNode(tmp_path / "chain"))
    try:
        assert len(acknowledged) >= 10
        assert chain.block_number >= max(acknowledged)
        for number, block_hash in acknowledged.items():
            assert chain.block(number).hash == block_hash, f"block {number} lost or changed"
    finally:
        chain.close()


def test_clean_restart_starts_from_checkpoint(tmp_path: Path, build: Build) -> None:
    chain = embedded_chain(EmbeddedNode(tmp_path))
    addresses = populate(chain, build)
    before = fingerprint(chain, addresses)
    chain.close()
    assert (tmp_path / "state.ckpt").exists()

    node = EmbeddedNode(tmp_path)
    again = embedded_chain(node)
    assert node.replayed_blocks == 0
    assert fingerprint(again, addresses) == before
    again.close()


def test_crash_replays_only_blocks_after_checkpoint(
    tmp_path: Path, build: Build, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("ledger.chain.embedded.CHECKPOINT_EVERY", 4)
    chain = embedded_chain(EmbeddedNode(tmp_path / "live"))
    addresses = populate(chain, build)  # blocks 1..5: a checkpoint at block 4
    bound = chain.at(build["GatewayProbe"], addresses[0])
    chain.transact(bound, "set", 20, 2000)  # block 6
    before = fingerprint(chain, addresses)
    # what a crash leaves on disk: the files as they are, without a closing checkpoint
    crashed = tmp_path / "crashed"
    crashed.mkdir()
    for name in ("blocks.jsonl", "state.ckpt"):
        (crashed / name).write_bytes((tmp_path / "live" / name).read_bytes())
    chain.close()

    node = EmbeddedNode(crashed)
    again = embedded_chain(node)
    assert node.replayed_blocks == 2
    assert fingerprint(again, addresses) == before
    again.close()


def test_damaged_checkpoint_is_ignored(tmp_path: Path, build: Build) -> None:
    chain = embedded_chain(EmbeddedNode(tmp_path))
    addresses = populate(chain, build)
    before = fingerprint(chain, addresses)
    chain.close()
    path = tmp_path / "state.ckpt"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))

    node = EmbeddedNode(tmp_path)
    again = embedded_chain(node)
    assert node.replayed_blocks == before["block_number"]
    assert fingerprint(again, addresses) == before
    again.close()


def test_revert_below_checkpoint_drops_it(tmp_path: Path, build: Build) -> None:
    node = EmbeddedNode(tmp_path)
    chain = embedded_chain(node)
    bound, _ = chain.deploy(build["GatewayProbe"])
    snapshot = chain.snapshot()
    before = fingerprint(chain, [bound.address])
    chain.transact(bound, "set", 1, 1)
    chain.transact(bound, "set", 2, 2)
    node.checkpoint()
    chain.revert(snapshot)
    assert not (tmp_path / "state.ckpt").exists()
    chain.close()

    again = embedded_chain(EmbeddedNode(tmp_path))
    assert fingerprint(again, [bound.address]) == before
    again.close()
