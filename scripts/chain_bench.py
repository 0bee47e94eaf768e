"""The embedded chain's start-up and throughput for ``python scripts/bench.py chain``.

Start-up, timed in process around :func:`ledger.runtime.open_runtime` (compile or read
the build cache, open and migrate the SQLite database, open the embedded chain in the
data folder, deploy every contract of :data:`ledger.deployments.CONTRACTS` it lacks):

- cold: a fresh data folder, so an empty build cache and a fresh chain: compile + deploy;
- warm: a fresh data folder holding a copy of a warm build cache (copied before the
  timer starts): the cache hit, then the same deployments on a fresh chain;
- reopen: the warm run's data folder opened again: the cache hit, the chain reopened from
  its checkpoint, the deployments found in the database and checked on chain.

Throughput: the first runs of a simulated scenario replayed through the contracts by
:class:`ledger.simulation.onchain.Replayer` (funding deposits, quorum-signed releases of
payout trees, tier column commits, claims of every leaf, revenue deposits), every
partner's wei compared with the model's. Transactions per second = the transactions sent
over the replay's wall time (which includes what the lifecycle needs around them: signing,
payout trees, the reads that check every amount). The baseline, on the same chain in the
same process right after: plain ether transfers, each a 21,000-gas transaction.
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from ledger.chain.compiler import compile_contracts, project_root
from ledger.deployments import CONTRACTS
from ledger.runtime import open_runtime
from ledger.settings import Settings
from ledger.simulation.montecarlo import run_one
from ledger.simulation.onchain import Replayer
from ledger.simulation.scenario import load_scenario

RULE = "table2"


def _settings(home: Path) -> Settings:
    """The ledger's settings for a data folder: SQLite in it, the embedded chain."""
    return Settings(home=home, database_url=None, rpc_url=None, solc=None)


def _open_and_close(home: Path) -> tuple[float, int]:
    """Seconds ``open_runtime`` takes on ``home``, and how many contracts it had in use."""
    started = time.perf_counter()
    runtime = open_runtime(_settings(home))
    elapsed = time.perf_counter() - started
    deployed = len(runtime.deployments)
    runtime.close()
    return elapsed, deployed


def _start_ups(starts: int, scratch: Path) -> dict[str, Any]:
    cold: list[float] = []
    warm: list[float] = []
    reopen: list[float] = []
    for index in range(starts):
        home = scratch / f"cold-{index}"
        elapsed, deployed = _open_and_close(home)
        cold.append(elapsed)
        if deployed != len(CONTRACTS):
            raise RuntimeError(f"a cold start deployed {deployed} of {len(CONTRACTS)} contracts")
    build = scratch / "cold-0" / "build"
    for index in range(starts):
        home = scratch / f"warm-{index}"
        shutil.copytree(build, home / "build")
        elapsed, _ = _open_and_close(home)
        warm.append(elapsed)
        elapsed, _ = _open_and_close(home)
        reopen.append(elapsed)
    return {
        "contracts_deployed": len(CONTRACTS),
        "starts": starts,
        "cold_start_seconds": statistics.median(cold),
        "warm_start_seconds": statistics.median(warm),
        "reopen_start_seconds": statistics.median(reopen),
        "cold_vs_warm_ratio": statistics.median(cold) / statistics.median(warm),
    }


def _throughput(scenario_path: Path, runs: int, transfers: int, build_dir: Path) -> dict[str, Any]:
    scenario = load_scenario(scenario_path)
    build = compile_contracts(root=project_root(), cache_dir=build_dir)
    seed = 1
    transactions = gas = 0
    with Replayer(scenario, rule=RULE, build=build) as replayer:
        started = time.perf_counter()
        for index in range(runs):
            world, outcomes = run_one(scenario, [RULE], seed, index)
            result = replayer.replay(index, world.seed, outcomes[RULE])
            transactions += result.transactions
            gas += result.gas_used
        lifecycle = time.perf_counter() - started
        chain = replayer.stage.chain
        sender = replayer.stage.parties.funder
        recipients = replayer.stage.parties.partners
        started = time.perf_counter()
        transfer_gas = 0
        for index in range(transfers):
            receipt = chain.send_value(
                recipients[index % len(recipients)].address, 1, sender=sender
            )
            transfer_gas += receipt.gas_used
        plain = time.perf_counter() - started
    if transfer_gas != 21_000 * transfers:
        raise RuntimeError("a plain transfer did not cost 21,000 gas")
    lifecycle_rate = transactions / lifecycle
    transfer_rate = transfers / plain
    return {
        "scenario": scenario.name,
        "replayed_runs": runs,
        "lifecycle_transactions": transactions,
        "lifecycle_seconds": lifecycle,
        "tx_per_second": lifecycle_rate,
        "gas_per_transaction": gas // transactions,
        "gas_per_second": gas / lifecycle,
        "transfers": transfers,
        "transfer_tx_per_second": transfer_rate,
        "transfer_gas_per_second": transfer_gas / plain,
        "tx_vs_transfer_ratio": lifecycle_rate / transfer_rate,
    }


def run(*, starts: int, runs: int, transfers: int, scenario: Path) -> dict[str, Any]:
    """Time the start-ups, then the lifecycle's and plain transfers' throughput."""
    with tempfile.TemporaryDirectory(prefix="ipledger-chain-bench-") as folder:
        scratch = Path(folder)
        result = _start_ups(starts, scratch)
        result.update(_throughput(scenario, runs, transfers, scratch / "cold-0" / "build"))
    return result
