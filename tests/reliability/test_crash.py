"""Crash safety: ``ipledger serve`` killed with SIGKILL under load, restarted, and checked.

A real server (the embedded chain, SQLite or PostgreSQL) takes signed contribution
registrations from several threads at once while the record is anchored on chain every few
entries. At seeded random moments the server is killed with SIGKILL (no shutdown of any
kind) and started again on the same data folder; requests whose answer was lost are sent
again with the same Idempotency-Key. After every restart:

- every registration that was answered 2xx is stored exactly once, with its content;
- nothing is stored that was never sent;
- the arbiter's verify is clean: the record (hashes, chain of hashes, tree heads signed and
  anchored on chain), the snapshots, and the chain compared with the ledger (reconcile).

A request cut by a kill leaves its ``Idempotency-Key`` claimed with no answer; its retry is
refused as in flight until the claim's lease ends (``IPLEDGER_IDEMPOTENCY_LEASE_SECONDS``,
set short here), and then runs: the registration, if the killed request stored it, is
found by its signed key and answered 200, never stored twice.

``IPLEDGER_CRASH_KILLS`` (5 by default) and ``IPLEDGER_CRASH_SEED`` set the kills and the
seed; a failure names both.
"""

from __future__ import annotations

import hashlib
import os
import queue
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
import pytest
from eth_account.signers.local import LocalAccount

from api.client import Client
from ledger.chain.compiler import Build
from tests.conftest import wait_for_http
from tests.e2e.served import (
    _environment,
    bootstrap_admin,
    funded_accounts,
    prepare_home,
    spawn_serve,
)
from tests.reliability.parties import agreement, join_partners

KILLS = int(os.environ.get("IPLEDGER_CRASH_KILLS", "5"))
SEED = int(os.environ.get("IPLEDGER_CRASH_SEED", "8"))
THREADS = 4
PER_ROUND = 40  # registrations prepared per round (a kill cuts most rounds short)
LEASE = 2.0  # seconds an unanswered claim holds its key

pytestmark = [pytest.mark.reliability, pytest.mark.slow]


@dataclass
class Load:
    """The registrations: prepared, answered 2xx, or sent with their answer lost."""

    project_id: int
    waiting: queue.SimpleQueue[dict[str, Any]] = field(default_factory=queue.SimpleQueue)
    answered: dict[str, dict[str, Any]] = field(default_factory=dict)  # key -> body
    lost: list[dict[str, Any]] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)
    attempted: set[str] = field(default_factory=set)
    # retries refused as in flight: their killed attempt's claim was still in its lease
    waited: int = 0
    # retries answered 200: the killed attempt had stored the registration
    found: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def start(home: Path, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    """``ipledger serve`` on the folder, answering; its log appended to ``serve.log`` beside it."""
    process, url = spawn_serve(env, home.parent / "serve.log")
    wait_for_http(f"{url}/health", timeout=120)
    return process, url


@contextmanager
def stopped_at_the_end(
    processes: list[subprocess.Popen[bytes]], clients: list[Client]
) -> Iterator[None]:
    """Every client closed and every server stopped, however the test ends."""
    try:
        yield
    finally:
        for client in clients:
            client.close()
        for process in processes:
            if process.poll() is None:
                process.kill()
            process.wait()


def worker(url: str, load: Load, stop: threading.Event) -> None:
    with httpx2.Client(base_url=url, timeout=30) as http:
        while not stop.is_set():
            try:
                request = load.waiting.get_nowait()
            except queue.Empty:
                return
            with load.lock:
                load.attempted.add(request["key"])
            try:
                response = http.post(
                    request["path"], headers=request["headers"], json=request["body"]
                )
            except httpx2.HTTPError:  # the server died: the answer is lost, the outcome unknown
                with load.lock:
                    load.lost.append({**request, "cut": True})
                return
            with load.lock:
                if 200 <= response.status_code < 300:
                    load.answered[request["key"]] = request["body"]
                    load.found += response.status_code == 200 and bool(request.get("cut"))
                elif (
                    response.status_code == 409
                    and response.json().get("type") == "/problems/idempotency-key-in-flight"
                    and request.get("cut")
                ):
                    load.waited += 1
                    load.lost.append(request)  # sent again once the lease has ended
                else:
                    load.refused.append((response.status_code, response.text))


def prepare(
    admin: Client,
    project: dict[str, Any],
    partners: list[tuple[LocalAccount, str]],
    label: str,
    count: int,
) -> list[dict[str, Any]]:
    """Signed registrations (their signing costs nothing while the server runs)."""
    prepared = []
    for i in range(count):
        account, key = partners[i % len(partners)]
        idempotency = f"{label}-{i}"
        fields = {
            "tier": "core",
            "kind": "code",
            "value": 1 + (i * 37) % 500,
            "evidence_hash": hashlib.sha256(idempotency.encode()).hexdigest(),
            "idempotency_key": idempotency,
            "asset_id": None,
        }
        signature = admin.signer(account).contribution(project["chain_project_id"], **fields)
        prepared.append(
            {
                "key": idempotency,
                "path": f"/v1/projects/{project['id']}/contributions",
                "headers": {"Authorization": f"Bearer {key}", "Idempotency-Key": idempotency},
                "body": {
                    **fields,
                    "value": str(fields["value"]),
                    "partner": account.address,
                    "signature": signature,
                },
            }
        )
    return prepared


def check(admin: Client, load: Load, context: str) -> int:
    """Every answered registration stored once, nothing unsent stored, verify clean."""
    stored = admin.all_contributions(load.project_id)
    keys = Counter(c["idempotency_key"] for c in stored)
    twice = [k for k, n in keys.items() if n > 1]
    assert not twice, f"{context}: stored more than once: {twice}"
    missing = sorted(set(load.answered) - set(keys))
    assert not missing, f"{context}: answered 2xx but not stored: {missing}"
    unsent = set(keys) - load.attempted
    assert not unsent, f"{context}: stored but never sent: {unsent}"
    by_key = {c["idempotency_key"]: c for c in stored}
    for key, body in load.answered.items():
        got = by_key[key]
        assert (str(got["value"]), got["evidence_hash"], got["partner"].lower()) == (
            body["value"],
            body["evidence_hash"],
            body["partner"].lower(),
        ), f"{context}: {key} stored as {got}"
    report = admin.verify(load.project_id)
    assert report["ok"], f"{context}: verify: {report['problems'] or report}"
    return len(stored)


def test_answered_registrations_survive_sigkill_once_each(
    tmp_path: Path, build: Build, build_cache: Path, database_url: str
) -> None:
    home = tmp_path / "home"
    prepare_home(home, build_cache / f"{build.key}.json")
    env = {
        **_environment(home, database_url),
        "IPLEDGER_ANCHOR_EVERY": "5",
        "IPLEDGER_IDEMPOTENCY_LEASE_SECONDS": str(LEASE),
    }
    admin_key = bootstrap_admin(env)
    rng = random.Random(SEED)
    processes: list[subprocess.Popen[bytes]] = []
    clients: list[Client] = []
    with stopped_at_the_end(processes, clients):
        process, url = start(home, env)
        processes.append(process)
        admin = Client.connect(url, admin_key)
        clients.append(admin)
        accounts = funded_accounts()[:3]
        project = admin.create_project(agreement(accounts, "Crash safety"))
        partners = join_partners(admin, project, accounts)
        load = Load(project["id"])
        counts = []
        for kill in range(KILLS):
            for request in load.lost:  # sent again, the same key and body
                load.waiting.put(request)
            load.lost.clear()
            for request in prepare(admin, project, partners, f"r{kill}", PER_ROUND):
                load.waiting.put(request)
            stop = threading.Event()
            threads = [
                threading.Thread(target=worker, args=(url, load, stop)) for _ in range(THREADS)
            ]
            for thread in threads:
                thread.start()
            time.sleep(rng.uniform(0.2, 1.5))
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
            stop.set()
            for thread in threads:
                thread.join(timeout=60)
            while not load.waiting.empty():  # not sent this round
                request = load.waiting.get_nowait()
                if request["key"] in load.attempted:  # a retry: still owed an answer
                    load.lost.append(request)
            process, url = start(home, env)
            processes.append(process)
            admin.close()
            admin = Client.connect(url, admin_key)
            clients.append(admin)
            context = f"after kill {kill + 1} (IPLEDGER_CRASH_SEED={SEED})"
            assert not load.refused, f"{context}: refused: {load.refused[:3]}"
            counts.append(check(admin, load, context))
        # every lost answer sent again until answered: once the leases of the killed
        # requests' claims end, each is answered 2xx and stored once
        for _ in range(10):
            if not load.lost:
                break
            time.sleep(LEASE)
            for request in load.lost:
                load.waiting.put(request)
            load.lost.clear()
            worker(url, load, threading.Event())
        context = f"at the end (IPLEDGER_CRASH_SEED={SEED})"
        assert not load.lost, f"{context}: never answered: {[r['key'] for r in load.lost]}"
        final = check(admin, load, context)
        assert not load.refused, f"{context}: refused: {load.refused[:3]}"
        admin.close()
    assert counts == sorted(counts) and final == len(load.answered) == len(load.attempted)
    sys.stderr.write(
        f"crash test: {final} stored once each; {load.found} retries found theirs stored by "
        f"the killed attempt; {load.waited} waited for a lease\n"
    )
    assert sum(1 for p in processes[:-1] if p.returncode == -signal.SIGKILL) == KILLS
