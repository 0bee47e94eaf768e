"""API throughput: signed contribution registration against a bare FastAPI echo, same serving.

For each database (SQLite, and PostgreSQL when a server URL is given):

1. ``ipledger bootstrap-admin`` and ``ipledger serve`` in a fresh data folder (the embedded
   chain), on a free port of 127.0.0.1;
2. through the API (the Python client): a project with three partners, who join with their
   signatures and get their API keys;
3. ``requests`` contributions signed beforehand (EIP-712, each partner its own), and a
   warm-up of ``warmup`` more;
4. ``scripts/api_load.py`` in a separate process posts them at ``concurrency`` connections,
   each with its partner's key and an ``Idempotency-Key``, as a client would;
5. the server's contribution list must then hold exactly every one of them (nothing lost,
   nothing twice).

The baseline is ``scripts/bench_echo.py``: a FastAPI app whose one route answers a POST
with its JSON body, served by uvicorn the same way (one process, same host, same log
level), sent the very same requests (bodies and headers) by the same load generator.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests as http
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import keccak

from api.client import Client

SCRIPTS = Path(__file__).resolve().parent
ROOT = SCRIPTS.parent
PARTIES = (
    ("TU Example", "university", "DE"),
    ("Vision Works", "enterprise", "CN"),
    ("A. Talent", "individual", "DE"),
)


def party_key(label: str) -> LocalAccount:
    return Account.from_key(keccak(f"bench-{label}".encode()))


def agreement(accounts: list[LocalAccount]) -> dict[str, Any]:
    return {
        "title": "Industrial vision (API benchmark)",
        "host_jurisdiction": "CN",
        "parties": [
            {"name": name, "kind": kind, "jurisdiction": where, "address": account.address}
            for (name, kind, where), account in zip(PARTIES, accounts, strict=True)
        ],
        "arbiters": [{"name": "Arbiter", "address": party_key("arbiter").address}],
        "tiers": {
            "core": {"territories": ["CN", "DE"]},
            "application": {"industries": ["C26", "C28"]},
        },
        "quorum": {"partners": 2},
    }


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(url: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if http.get(url, timeout=2).status_code < 500:
                return
        except http.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


@contextmanager
def _process(argv: list[str], env: dict[str, str], health: str) -> Iterator[None]:
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait(health)
        yield
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()


def _environment(home: Path, database_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IPLEDGER_")}
    env.update({"IPLEDGER_HOME": str(home), "IPLEDGER_LOG_LEVEL": "warning"})
    if database_url:
        env["IPLEDGER_DATABASE_URL"] = database_url
    return env


def _seed_build_cache(home: Path) -> None:
    """Reuse the checkout's compiled contracts if there are any (compiling is not measured)."""
    cache = ROOT / ".ipledger" / "build"
    if cache.is_dir():
        shutil.copytree(cache, home / "build", dirs_exist_ok=True)


def _load(base_url: str, batch: list[dict[str, Any]], concurrency: int, folder: Path) -> dict:  # type: ignore[type-arg]
    path = folder / f"requests-{len(batch)}-{time.monotonic_ns()}.json"
    path.write_text(json.dumps(batch), encoding="utf-8")
    out = subprocess.run(
        [
            sys.executable,
            str(SCRIPTS / "api_load.py"),
            str(path),
            "--base-url",
            base_url,
            "--concurrency",
            str(concurrency),
        ],
        check=True,
        capture_output=True,
    )
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def _contribution_requests(
    client: Client,
    project: dict[str, Any],
    partners: list[tuple[LocalAccount, str]],
    count: int,
    label: str,
) -> list[dict[str, Any]]:
    batch = []
    for i in range(count):
        account, key = partners[i % len(partners)]
        fields = {
            "tier": "core",
            "kind": "code",
            "value": 1 + i % 500,
            "evidence_hash": hashlib.sha256(f"{label}-{i}".encode()).hexdigest(),
            "idempotency_key": f"{label}-{i}",
            "asset_id": None,
        }
        signature = client.signer(account).contribution(project["chain_project_id"], **fields)
        batch.append(
            {
                "method": "POST",
                "path": f"/v1/projects/{project['id']}/contributions",
                "headers": {"Authorization": f"Bearer {key}", "Idempotency-Key": f"{label}-{i}"},
                "body": {
                    **fields,
                    "value": str(fields["value"]),
                    "partner": account.address,
                    "signature": signature,
                },
            }
        )
    return batch


def _backend(
    database_url: str | None, requests: int, warmup: int, concurrency: int, folder: Path
) -> dict[str, Any]:
    home = folder / ("home-pg" if database_url else "home-sqlite")
    home.mkdir()
    _seed_build_cache(home)
    env = _environment(home, database_url)
    command = [sys.executable, "-m", "api.cli"]
    boot = subprocess.run(
        [*command, "bootstrap-admin", "Bench office"], env=env, capture_output=True, check=True
    )
    admin_key = next(w for w in boot.stdout.decode().split() if w.startswith("ipl_"))
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with _process([*command, "serve", "--port", str(port)], env, f"{base}/health"):
        admin = Client.connect(base, admin_key)
        accounts = [party_key(name) for name, _, _ in PARTIES]
        project = admin.create_project(agreement(accounts))
        partners = []
        for account, (name, _, _) in zip(accounts, PARTIES, strict=True):
            created = admin.post(
                "/v1/principals",
                {
                    "name": name,
                    "role": "partner",
                    "project_id": project["id"],
                    "address": account.address,
                },
            )
            partners.append((account, created["api_key"]))
        for (account, key), (_, _, where) in zip(partners, PARTIES, strict=True):
            side = "local" if where == "CN" else "foreign"
            admin.as_key(key).join(project["id"], account, side)
        warm = _contribution_requests(admin, project, partners, warmup, "warm")
        timed = _contribution_requests(admin, project, partners, requests, "timed")
        _load(base, warm, concurrency, folder)
        measured = _load(base, timed, concurrency, folder)
        stored = len(admin.all_contributions(project["id"]))
        admin.close()
    if stored != warmup + requests:
        raise RuntimeError(f"{stored} contributions stored, {warmup + requests} sent")
    echo_port = _free_port()
    echo_base = f"http://127.0.0.1:{echo_port}"
    echo_env = {**env, "PYTHONPATH": str(SCRIPTS)}
    echo = [
        sys.executable,
        "-m",
        "uvicorn",
        "bench_echo:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(echo_port),
        "--log-level",
        "warning",
    ]
    as_echo = [{**r, "path": "/echo"} for r in timed]
    with _process(echo, echo_env, f"{echo_base}/docs"):
        _load(echo_base, [{**r, "path": "/echo"} for r in warm], concurrency, folder)
        baseline = _load(echo_base, as_echo, concurrency, folder)
    return {"contribution": measured, "baseline": baseline, "stored": stored}


def run(
    *, requests: int, warmup: int, concurrency: int, postgres_url: str | None
) -> dict[str, Any]:
    """The measurements of every backend, flat, with the keys docs/BENCHMARKS.md names."""
    from snapshot_bench_support import postgres_database

    result: dict[str, Any] = {"requests": requests, "concurrency": concurrency}
    with tempfile.TemporaryDirectory(prefix="ipledger-api-bench-") as tmp:
        backends: list[tuple[str, Any]] = [("", None)]
        for suffix, url in backends + ([("_postgresql", postgres_url)] if postgres_url else []):
            folder = Path(tmp) / (suffix.strip("_") or "sqlite")
            folder.mkdir()
            if url is None:
                measured = _backend(None, requests, warmup, concurrency, folder)
            else:
                with postgres_database(url) as fresh:
                    measured = _backend(fresh, requests, warmup, concurrency, folder)
            c, b = measured["contribution"], measured["baseline"]
            result.update(
                {
                    f"contribution_rps{suffix}": c["rps"],
                    f"contribution_p50_ms{suffix}": c["p50_ms"],
                    f"contribution_p99_ms{suffix}": c["p99_ms"],
                    f"contribution_errors{suffix}": c["errors"],
                    f"baseline_rps{suffix}": b["rps"],
                    f"baseline_p50_ms{suffix}": b["p50_ms"],
                    f"baseline_p99_ms{suffix}": b["p99_ms"],
                    f"baseline_over_contribution{suffix}": b["rps"] / c["rps"],
                }
            )
    return result
