"""Chain outage: the RPC node (anvil) stopped mid-lifecycle, then started again.

A real ``ipledger serve`` runs on an anvil node of its own (``--state`` keeps the chain's
blocks, receipts and logs across a restart, as a node's data folder does). A project is
created and joined, contributions are registered, and then the node is stopped (SIGTERM).
While it is down:

- a chain action (creating a project: its agreement is registered on chain) is answered
  503 with a problem body, and creates nothing;
- reads (the project, its contributions, its record) are answered from the database;
- contribution registrations (a signature check and the database, no chain) are stored;
  the record's heads they reach are signed but cannot be anchored, and wait.

When the node is back, the server anchors the waiting heads by itself (its retry, every
``IPLEDGER_ANCHOR_RETRY_SECONDS``), the refused chain action succeeds when sent again with
its ``Idempotency-Key``, every registration is stored exactly once, and the arbiter's verify
(the record, its heads against the chain, the chain against the ledger) is clean.
"""

from __future__ import annotations

import hashlib
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import pytest
from eth_account.signers.local import LocalAccount

from api.client import Client
from ledger.chain.compiler import Build
from ledger.settings import DEV_MNEMONIC
from tests.conftest import ROOT, anvil_accounts, free_port, wait_for_http
from tests.e2e.served import _environment, bootstrap_admin, prepare_home, spawn_serve
from tests.reliability.parties import agreement, join_partners

pytestmark = [pytest.mark.reliability, pytest.mark.slow, pytest.mark.anvil]

ANVIL = ROOT / "node_modules" / ".bin" / "anvil"
RETRY_SECONDS = 1.0


@dataclass
class Node:
    """An anvil node on a fixed port whose chain outlives a restart."""

    port: int
    state: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [str(ANVIL), "--host", "127.0.0.1", "--port", str(self.port), "--hardfork", "prague"]
            + ["--silent", "--state", str(self.state)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        chain_id = {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}
        wait_for_http(self.url, chain_id, timeout=30)

    def stop(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)  # anvil writes its state on the way out
        self.process.wait(timeout=30)
        self.process = None


@contextmanager
def running(
    node: Node, env: dict[str, str], log: Path
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``ipledger serve`` on the node; its log (stderr) in ``log``, shown when a check fails."""
    server, url = spawn_serve(env, log)
    try:
        wait_for_http(f"{url}/health", timeout=180)
        yield url, server
    except AssertionError as failed:
        raise AssertionError(
            f"{failed}\n--- the server's log:\n{log.read_text()[-4000:]}"
        ) from None
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
        if node.process is not None:
            node.stop()


def register(partner: Client, account: LocalAccount, project: dict[str, Any], n: int) -> str:
    key = f"c-{n}"
    partner.register_contribution(
        project["id"],
        account,
        tier="core",
        kind="code",
        value=100 + n,
        evidence_hash=hashlib.sha256(key.encode()).hexdigest(),
        idempotency_key=key,
        chain_project_id=project["chain_project_id"],
    )
    return key


def newest_head(admin: Client, project_id: int) -> dict[str, Any]:
    """The newest head the ledger signed (read from the database: the node may be down)."""
    return admin.tree_heads(project_id, limit=200)["items"][-1]  # type: ignore[no-any-return]


def test_a_stopped_node_refuses_chain_actions_keeps_reads_and_loses_nothing(
    tmp_path: Path, build: Build, build_cache: Path, database_url: str
) -> None:
    if not ANVIL.exists():
        pytest.fail("anvil is not installed (run `npm ci`)")
    home = tmp_path / "home"
    prepare_home(home, build_cache / f"{build.key}.json")
    node = Node(free_port(), tmp_path / "anvil-state.json")
    node.start()
    env = {
        **_environment(home, database_url),
        "IPLEDGER_RPC_URL": node.url,
        "IPLEDGER_MNEMONIC": DEV_MNEMONIC,
        "IPLEDGER_ANCHOR_EVERY": "3",
        "IPLEDGER_ANCHOR_RETRY_SECONDS": str(RETRY_SECONDS),
    }
    admin_key = bootstrap_admin(env)
    accounts = anvil_accounts()[1:4]
    with running(node, env, tmp_path / "serve.log") as (url, server), ExitStack() as clients:
        admin = clients.enter_context(closing(Client.connect(url, admin_key)))
        project = admin.create_project(agreement(accounts, "Before the outage"))
        partners = [  # clients sharing admin's connection pool, closed with it
            (admin.as_key(key), account) for account, key in join_partners(admin, project, accounts)
        ]
        sent = [register(*partners[n % 2], project, n) for n in range(4)]
        for partner, _ in partners:
            partner.signer(accounts[0])  # the signing domains, fetched while the node is up

        anchored_before = newest_head(admin, project["id"])["tree_size"]
        node.stop()
        with httpx2.Client(base_url=url, timeout=60) as http:
            auth = {"Authorization": f"Bearer {admin_key}", "Idempotency-Key": "p-2"}
            second = {"agreement": agreement(accounts, "During the outage")}
            refused = http.post("/v1/projects", json=second, headers=auth)
            assert refused.status_code == 503, refused.text
            assert refused.headers["content-type"] == "application/problem+json"
            problem = refused.json()
            assert problem["status"] == 503 and problem["type"].startswith("/problems/")
            assert [p["id"] for p in admin.projects()] == [project["id"]]  # nothing created

            sent += [register(*partners[n % 2], project, n) for n in range(4, 11)]
            assert admin.get(f"/v1/projects/{project['id']}")["id"] == project["id"]
            assert len(admin.audit_entries(project["id"])["items"]) > 0
            waiting = newest_head(admin, project["id"])
            assert waiting["anchored_block"] is None  # signed while down: waits for the node
            assert waiting["tree_size"] > anchored_before
            assert server.poll() is None

            node.start()
            deadline = time.monotonic() + 60
            while (newest := newest_head(admin, project["id"]))["anchored_block"] is None:
                assert time.monotonic() < deadline, f"still not anchored: {newest}"
                time.sleep(RETRY_SECONDS / 2)
            assert newest["tree_size"] >= waiting["tree_size"]
            anchored = {a["tree_size"] for a in admin.anchors(project["id"], limit=200)["items"]}
            assert newest["tree_size"] in anchored  # on chain, not only marked so

            created = http.post("/v1/projects", json=second, headers=auth)
            assert created.status_code == 201, created.text
            replayed = http.post("/v1/projects", json=second, headers=auth)
            assert replayed.headers.get("idempotent-replayed") == "true"
        assert sorted(p["id"] for p in admin.projects()) == [project["id"], created.json()["id"]]
        stored = [c["idempotency_key"] for c in admin.all_contributions(project["id"])]
        assert sorted(stored) == sorted(sent)  # every registration, once
        report = admin.verify(project["id"])
        assert report["ok"], report["problems"] or report
