"""scripts/bench.py at tiny sizes: every suite's --json object holds the keys the docs name."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "bench.py"
DOCS = ROOT / "docs" / "BENCHMARKS.md"

pytestmark = pytest.mark.slow

#: The keys issue #8 requires of each suite (the PostgreSQL ones only with a server).
REQUIRED = {
    "gas": {
        "release_gas", "claim_gas_first", "claim_gas_mean", "escrow_milestone_gas",
        "escrow_total_per_partner_gas", "baseline_milestone_gas", "paymentsplitter_milestone_gas",
        "plain_transfer_gas", "plain_transfer_milestone_gas",
    },
    "api": {"contribution_rps", "baseline_rps", "contribution_p99_ms"},
    "engine": {
        "seconds", "numpy_floor_seconds", "incremental_seconds_10000_new",
        "microseconds_per_contribution", "growth_exponent",
    },
    "chain": {"cold_start_seconds", "warm_start_seconds", "tx_per_second"},
    "simulate": {"runs_per_second_1proc", "runs_per_second_2proc"},
}  # fmt: skip


def bench(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("IPLEDGER_")}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
        env=environment,
    )


def message(done: subprocess.CompletedProcess[str]) -> str:
    """The error as one line: the panel's borders and line breaks taken out."""
    return re.sub(r"[\s│╭╮╰╯─]+", " ", done.stderr)


def measured(*args: str) -> dict[str, Any]:
    done = bench(*args, "--json")
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    assert isinstance(result, dict)
    return result


def shape(key: str) -> str:
    """A key with its sizes left out: first_snapshot_seconds_3000 -> first_snapshot_seconds_N."""
    return re.sub(r"_[0-9]+", "_N", key)


def documented_keys() -> set[str]:
    """Every key written as `key` in the first column of a table row of BENCHMARKS.md."""
    keys: set[str] = set()
    for line in DOCS.read_text(encoding="utf-8").splitlines():
        if line.startswith("| `"):
            keys.update(shape(k) for k in re.findall(r"`([a-z0-9_]+)`", line.split("|")[1]))
    return keys


def assert_documented(suite: str, result: dict[str, Any]) -> None:
    environment = {"python", "machine", "cpus", "web3", "eth_tester"}
    missing = {shape(key) for key in result} - environment - documented_keys()
    assert not missing, f"{suite} keys missing from docs/BENCHMARKS.md: {sorted(missing)}"


def test_gas_small_projects() -> None:
    result = measured("gas", "--sizes", "2,3")
    assert REQUIRED["gas"] <= set(result)
    for size in ("2", "3"):
        partners = int(size)
        escrow = result["escrow_milestone_gas"][size]
        claims = escrow - result["release_gas"][size]
        assert 0 <= claims - result["claim_gas_mean"][size] * partners < partners  # mean floored
        assert result["escrow_total_per_partner_gas"][size] == escrow // partners
        assert result["plain_transfer_milestone_gas"][size] == 21_000 * partners
        assert escrow > result["plain_transfer_milestone_gas"][size]
    assert result["release_gas_growth_3_vs_2"] < 0.05
    assert_documented("gas", result)


def test_gas_refuses_sizes_not_starting_at_two() -> None:
    done = bench("gas", "--sizes", "3,20")
    assert done.returncode == 2
    assert "--sizes" in message(done) and "the first 2" in message(done)


def test_engine_small_sizes() -> None:
    result = measured("engine", "--sizes", "1000,3000")
    assert REQUIRED["engine"] <= set(result)
    assert set(result["seconds"]) == set(result["numpy_floor_seconds"]) == {"1000", "3000"}
    assert set(result["microseconds_per_contribution"]) == {"1000", "3000"}
    assert result["microseconds_per_contribution"]["1000"] == pytest.approx(
        result["seconds"]["1000"] / 1000 * 1e6
    )
    assert result["incremental_seconds_10000_new"] > 0
    assert_documented("engine", result)


def test_engine_refuses_bad_sizes() -> None:
    done = bench("engine", "--sizes", "5000,100")
    assert done.returncode == 2
    assert "--sizes" in message(done) and "ascending" in message(done)


def test_chain_small() -> None:
    result = measured("chain", "--starts", "1", "--runs", "1", "--transfers", "10")
    assert REQUIRED["chain"] <= set(result)
    assert result["contracts_deployed"] == 8
    assert result["cold_start_seconds"] > result["warm_start_seconds"] > 0
    assert result["lifecycle_transactions"] > 10  # funding, releases, commits, claims, revenue
    assert result["tx_vs_transfer_ratio"] == pytest.approx(
        result["tx_per_second"] / result["transfer_tx_per_second"]
    )
    assert_documented("chain", result)


def test_simulate_few_runs() -> None:
    result = measured("simulate", "--runs", "6")
    assert REQUIRED["simulate"] <= set(result)
    assert result["runs"] == 6 and result["rules"] == 4
    assert_documented("simulate", result)


def test_api_few_requests() -> None:
    result = measured("api", "--requests", "16", "--warmup", "4", "--concurrency", "4")
    assert REQUIRED["api"] <= set(result)
    assert result["contribution_errors"] == {}
    assert not any(key.endswith("_postgresql") for key in result)  # no server named
    assert result["contribution_p99_ms"] >= result["contribution_p50_ms"]
    assert_documented("api", result)


def test_api_refuses_a_database_url_that_is_not_postgresql() -> None:
    done = bench("api", "--requests", "1", env={"IPLEDGER_DATABASE_URL": "mysql://x/y"})
    assert done.returncode == 2
    assert "IPLEDGER_DATABASE_URL must be a postgresql:// URL" in message(done)


def test_the_issues_database_variable_wins_over_the_older_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spec = importlib.util.spec_from_file_location("bench_under_test", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.delenv("IPLEDGER_DATABASE_URL", raising=False)
    monkeypatch.delenv("IPLEDGER_BENCH_DATABASE_URL", raising=False)
    assert module._postgres_url() is None
    monkeypatch.setenv("IPLEDGER_BENCH_DATABASE_URL", "postgresql://old@127.0.0.1/a")
    assert module._postgres_url() == "postgresql://old@127.0.0.1/a"
    monkeypatch.setenv("IPLEDGER_DATABASE_URL", "postgresql://new@127.0.0.1/b")
    assert module._postgres_url() == "postgresql://new@127.0.0.1/b"
