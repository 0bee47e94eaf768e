"""Benchmarks. Each suite prints a rich table, or one JSON object with ``--json``.

    python scripts/bench.py compile [--runs N] [--json]
    python scripts/bench.py replay  [--blocks N] [--json]
    python scripts/bench.py gas     [--sizes 2,20,200] [--json]
    python scripts/bench.py engine  [--seed S] [--sizes N,N,...] [--json]
    python scripts/bench.py snapshots [--contributions N] [--new N] [--runs N] [--seed S] [--json]
    python scripts/bench.py api     [--requests N] [--concurrency C] [--json]
    python scripts/bench.py chain   [--starts N] [--runs N] [--transfers N] [--json]
    python scripts/bench.py simulate [--runs N] [--scenario PATH] [--json]

``snapshots`` and ``api`` also run on PostgreSQL when IPLEDGER_DATABASE_URL (or its older
name IPLEDGER_BENCH_DATABASE_URL) names a server where they may create (and drop) a
database; the ledger's own data stays untouched.

Results, with the machine and versions, are kept in docs/BENCHMARKS.md.
"""

from __future__ import annotations

import json
import logging
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from ledger.chain.compiler import compile_contracts, find_solc, project_root
from ledger.chain.embedded import EmbeddedNode
from ledger.chain.gateway import embedded_chain

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)
console = Console()
log = logging.getLogger("bench")

JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")]


def _environment() -> dict[str, Any]:
    import eth_tester
    import web3

    return {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "web3": web3.__version__,
        "eth_tester": getattr(eth_tester, "__version__", "?"),
    }


def _time_command(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


#: Where a PostgreSQL server for the benchmarks is named, the first set winning.
POSTGRES_VARIABLES = ("IPLEDGER_DATABASE_URL", "IPLEDGER_BENCH_DATABASE_URL")


def _postgres_url() -> str | None:
    """The PostgreSQL server to benchmark on as well, if one is named; else SQLite only."""
    for name in POSTGRES_VARIABLES:
        url = os.environ.get(name)
        if url:
            if not url.startswith(("postgresql://", "postgresql+psycopg://")):
                raise typer.BadParameter(f"{name} must be a postgresql:// URL, not {url[:30]!r}")
            return url
    return None


def _emit(result: dict[str, Any], as_json: bool, title: str) -> None:
    if as_json:
        print(json.dumps(result, sort_keys=True))  # noqa: T201 - the JSON is the output
        return
    table = Table(title=title)
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key, value in result.items():
        shown = f"{value:.4g}" if isinstance(value, float) else str(value)
        table.add_row(key, shown)
    console.print(table)


def _flatten(result: dict[str, Any], name: str) -> dict[str, Any]:
    """Nested results one level flat, a nested key named by formatting ``name`` with both keys."""
    flat: dict[str, Any] = {}
    for key, value in result.items():
        if isinstance(value, dict):
            flat.update({name.format(key, k): v for k, v in value.items()})
        else:
            flat[key] = value
    return flat


@app.command("compile")
def compile_suite(
    runs: Annotated[int, typer.Option(help="Cold and warm builds to time.")] = 3,
    as_json: JsonFlag = False,
) -> None:
    """Cold compile (empty cache) against warm compile (cache hit): in process and as a command."""
    root = project_root()
    solc = find_solc(solc_path=None, root=root)
    cold: list[float] = []
    warm: list[float] = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as cache:
            started = time.perf_counter()
            build = compile_contracts(solc=solc, root=root, cache_dir=Path(cache))
            cold.append(time.perf_counter() - started)
            assert not build.cached
            for _ in range(5):
                started = time.perf_counter()
                again = compile_contracts(solc=solc, root=root, cache_dir=Path(cache))
                warm.append(time.perf_counter() - started)
                assert again.cached
    command_cold: list[float] = []
    command_warm: list[float] = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as home:
            env = {**os.environ, "IPLEDGER_HOME": home}
            command_cold.append(_time_command([sys.executable, "-m", "api.cli", "compile"], env))
            command_warm.append(_time_command([sys.executable, "-m", "api.cli", "compile"], env))
    result = {
        "compiler": f"{solc.version} ({solc.origin})",
        "command_cold_seconds": statistics.median(command_cold),
        "command_warm_seconds": statistics.median(command_warm),
        "command_warm_speedup": statistics.median(command_cold) / statistics.median(command_warm),
        "contracts": len(build.artifacts),
        "cold_seconds": statistics.median(cold),
        "warm_seconds": statistics.median(warm),
        "warm_speedup": statistics.median(cold) / statistics.median(warm),
        **_environment(),
    }
    _emit(result, as_json, "compile: cold vs warm")


@app.command("replay")
def replay_suite(
    blocks: Annotated[int, typer.Option(help="Blocks to write, then replay.")] = 500,
    as_json: JsonFlag = False,
) -> None:
    """Embedded chain: write N one-transaction blocks, then time both kinds of restart."""
    root = project_root()
    build = compile_contracts(
        solc=find_solc(solc_path=None, root=root), root=root, cache_dir=root / ".ipledger" / "build"
    )
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder)
        chain = embedded_chain(EmbeddedNode(data))
        bound, _ = chain.deploy(build["GatewayProbe"])
        started = time.perf_counter()
        for size in range(1, blocks):
            chain.transact(bound, "set", size, size, gas=100_000)
        write = time.perf_counter() - started
        chain.close()  # a clean close writes a checkpoint
        started = time.perf_counter()
        EmbeddedNode(data).close()
        from_checkpoint = time.perf_counter() - started
        (data / "state.ckpt").unlink()  # as after a crash before the first checkpoint
        started = time.perf_counter()
        again = EmbeddedNode(data)
        replay = time.perf_counter() - started
        again.close()
        size = (data / "blocks.jsonl").stat().st_size
        checkpoint_size = (data / "state.ckpt").stat().st_size
    result = {
        "blocks": blocks,
        "write_tx_per_second": (blocks - 1) / write,
        "restart_from_checkpoint_seconds": from_checkpoint,
        "full_replay_seconds": replay,
        "full_replay_blocks_per_second": blocks / replay,
        "replay_vs_write_speedup": (blocks / replay) / ((blocks - 1) / write),
        "log_bytes_per_block": size // (blocks + 1),
        "checkpoint_bytes": checkpoint_size,
        **_environment(),
    }
    _emit(result, as_json, "embedded chain: write vs replay")


@app.command("gas")
def gas_suite(
    sizes: Annotated[
        str, typer.Option(help="Partner counts paid a milestone, comma-separated, from 2.")
    ] = "2,20,200",
    as_json: JsonFlag = False,
) -> None:
    """Gas of the lifecycle's calls against a minimal Merkle distributor and PaymentSplitter."""
    import gas_report

    try:
        counts = [int(part) for part in sizes.split(",")]
        if counts[0] != 2 or counts != sorted(set(counts)):
            raise ValueError
    except ValueError:
        raise typer.BadParameter(
            "give distinct partner counts, ascending, the first 2, e.g. 2,20,200",
            param_hint="--sizes",
        ) from None
    root = project_root()
    result = {**gas_report.run(root / ".ipledger" / "build", counts), **_environment()}
    if as_json:
        print(json.dumps(result, sort_keys=True))  # noqa: T201 - the JSON is the output
        return
    table = Table(title="gas (embedded chain, quorum 2)")
    table.add_column("measure")
    table.add_column("gas", justify="right")
    for key, value in result.items():
        if isinstance(value, dict):
            for size, gas in value.items():
                table.add_row(f"{key}[{size}]", f"{gas:,}" if isinstance(gas, int) else str(gas))
        elif isinstance(value, float):
            table.add_row(key, f"{value:.4f}")
        else:
            table.add_row(key, f"{value:,}" if isinstance(value, int) else str(value))
    console.print(table)


@app.command("engine")
def engine_suite(
    seed: Annotated[int, typer.Option(help="Seed of the generated contributions.")] = 20261128,
    sizes: Annotated[
        str, typer.Option(help="Contribution counts timed from scratch, comma-separated.")
    ] = "10000,100000,1000000",
    as_json: JsonFlag = False,
) -> None:
    """Equity recalculation, from scratch and incremental, against a numpy.bincount floor."""
    import engine_bench

    try:
        counts = [int(part) for part in sizes.split(",")]
        if len(counts) < 2 or min(counts) < 1 or counts != sorted(set(counts)):
            raise ValueError
    except ValueError:
        raise typer.BadParameter(
            "give at least two distinct positive counts, ascending, e.g. 1000,10000",
            param_hint="--sizes",
        ) from None
    result = {**engine_bench.run(seed, counts), **_environment()}
    if as_json:
        print(json.dumps(result, sort_keys=True))  # noqa: T201 - the JSON is the output
        return
    _emit(_flatten(result, "{}[{}]"), False, "equity engine: 1,000 partners")


@app.command("snapshots")
def snapshots_suite(
    contributions: Annotated[int, typer.Option(help="Contributions before the first snapshot.")] = (
        1_000_000
    ),
    new: Annotated[int, typer.Option(help="Contributions added before the next one.")] = 10_000,
    runs: Annotated[int, typer.Option(help="Timed runs of each snapshot.")] = 3,
    seed: Annotated[int, typer.Option(help="Seed of the generated contributions.")] = 20261128,
    as_json: JsonFlag = False,
) -> None:
    """Stored snapshots through the database, from scratch and incremental, against the engine."""
    import snapshot_bench

    result = {
        **snapshot_bench.run(
            seed=seed,
            contributions=contributions,
            new=new,
            runs=runs,
            postgres_url=_postgres_url(),
        ),
        **_environment(),
    }
    if as_json:
        print(json.dumps(result, sort_keys=True))  # noqa: T201 - the JSON is the output
        return
    _emit(_flatten(result, "{}.{}"), False, f"snapshot service: {result['partners']:,} partners")


@app.command("api")
def api_suite(
    requests: Annotated[int, typer.Option(help="Timed contribution registrations.")] = 2000,
    warmup: Annotated[int, typer.Option(help="Untimed registrations first.")] = 200,
    concurrency: Annotated[int, typer.Option(help="Concurrent connections.")] = 32,
    as_json: JsonFlag = False,
) -> None:
    """Signed contribution registration through `ipledger serve` against a bare FastAPI echo."""
    import api_bench

    result = {
        **api_bench.run(
            requests=requests,
            warmup=warmup,
            concurrency=concurrency,
            postgres_url=_postgres_url(),
        ),
        **_environment(),
    }
    if as_json:
        print(json.dumps(result, sort_keys=True))  # noqa: T201 - the JSON is the output
        return
    _emit(_flatten(result, "{}.{}"), False, f"API: {requests} registrations, {concurrency} conns")


@app.command("chain")
def chain_suite(
    starts: Annotated[int, typer.Option(min=1, help="Cold, warm and reopening start-ups.")] = 3,
    runs: Annotated[int, typer.Option(min=1, help="Simulated runs replayed on chain.")] = 20,
    transfers: Annotated[int, typer.Option(min=1, help="Plain transfers, the baseline.")] = 500,
    scenario: Annotated[Path, typer.Option(help="The scenario replayed.")] = Path(
        "scripts/scenarios/sino-german-vision.toml"
    ),
    as_json: JsonFlag = False,
) -> None:
    """Embedded chain: start-up cold and warm; lifecycle transactions/s against transfers."""
    import chain_bench

    result = {
        **chain_bench.run(starts=starts, runs=runs, transfers=transfers, scenario=scenario),
        **_environment(),
    }
    _emit(result, as_json, "embedded chain: start-up and throughput")


@app.command("simulate")
def simulate_suite(
    runs: Annotated[int, typer.Option(help="Seeded runs per measurement.")] = 2000,
    scenario: Annotated[Path, typer.Option(help="The scenario file.")] = Path(
        "scripts/scenarios/sino-german-vision.toml"
    ),
    seed: Annotated[int, typer.Option(help="The simulation's seed.")] = 1,
    as_json: JsonFlag = False,
) -> None:
    """Monte Carlo runs per second on one and two processes, every rule of the file compared."""
    from ledger.simulation.montecarlo import simulate
    from ledger.simulation.scenario import load_scenario

    loaded = load_scenario(scenario)
    rules = list(loaded.compare)
    timings = {}
    for processes in (1, 2):
        started = time.perf_counter()
        summaries = simulate(loaded, runs=runs, seed=seed, rule_names=rules, processes=processes)
        timings[processes] = time.perf_counter() - started
        assert len(summaries) == runs
    result = {
        "scenario": loaded.name,
        "rules": len(rules),
        "runs": runs,
        "runs_per_second_1proc": runs / timings[1],
        "runs_per_second_2proc": runs / timings[2],
        "speedup_2proc": timings[1] / timings[2],
        **_environment(),
    }
    if as_json:
        print(json.dumps(result, sort_keys=True))  # noqa: T201 - the JSON is the output
        return
    _emit(result, False, f"simulator: {runs:,} runs")


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    app()
