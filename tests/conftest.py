"""Fixtures shared by every layer: settings, the compiled build, chains and databases.

External services:

- anvil: ``IPLEDGER_TEST_RPC_URL`` names a running node (``.ci/run`` starts one);
  otherwise the tests start ``node_modules/.bin/anvil`` themselves on a free port.
- PostgreSQL: ``IPLEDGER_TEST_DATABASE_URL`` names a server where the tests may create
  and drop databases. Without it the PostgreSQL cases are skipped, unless
  ``IPLEDGER_TEST_REQUIRE_ALL=1`` (set by ``.ci/run``), which turns the skip into a failure.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from hypothesis import settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from ledger.chain.compiler import Build, compile_contracts, find_solc, project_root
from ledger.chain.embedded import EmbeddedNode
from ledger.chain.gateway import Chain, accounts_from, embedded_chain, rpc_chain
from ledger.settings import DEV_MNEMONIC, Settings

ROOT = project_root()
REQUIRE_ALL = os.environ.get("IPLEDGER_TEST_REQUIRE_ALL") == "1"

# Property tests drive real contracts, a few transactions per step: the default profile keeps
# `make test` within minutes; IPLEDGER_HYPOTHESIS_PROFILE=thorough runs many more examples.
settings.register_profile("default", max_examples=10, deadline=None)
settings.register_profile("thorough", max_examples=200, deadline=None)
settings.load_profile(os.environ.get("IPLEDGER_HYPOTHESIS_PROFILE", "default"))


def unavailable(reason: str) -> None:
    """Skip a test whose service is missing, or fail it where every service is required."""
    if REQUIRE_ALL:
        pytest.fail(f"required service missing: {reason}")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_http(url: str, payload: Any = None, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if payload is None:
                requests.get(url, timeout=1)
            else:
                requests.post(url, json=payload, timeout=1)
            return
        except requests.RequestException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


# ---------------------------------------------------------------------- settings


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    """Settings for a test: a fresh data folder, nothing read from the environment."""

    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {"env": "test", "home": tmp_path / "home"}
        values.update(overrides)
        return Settings(_env_file=None, **values)  # type: ignore[call-arg]

    return make


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's own IPLEDGER_* settings."""
    for name in list(os.environ):
        if name.startswith("IPLEDGER_") and not name.startswith("IPLEDGER_TEST_"):
            monkeypatch.delenv(name)


# ---------------------------------------------------------------------- contracts


@pytest.fixture(scope="session")
def build_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("build")


@pytest.fixture(scope="session")
def build(build_cache: Path) -> Build:
    """The project's contracts, compiled once per test session."""
    return compile_contracts(
        solc=find_solc(solc_path=None, root=ROOT), root=ROOT, cache_dir=build_cache
    )


# ---------------------------------------------------------------------- chains


@pytest.fixture(scope="session")
def anvil_url() -> Iterator[str]:
    """URL of an anvil node: the one CI started, or one started here."""
    given = os.environ.get("IPLEDGER_TEST_RPC_URL")
    # Tests snapshot and revert the node: under pytest-xdist only the first worker may use the
    # node CI started; every other worker starts a node of its own.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    if given and worker == "gw0":
        yield given
        return
    binary = ROOT / "node_modules" / ".bin" / "anvil"
    if not binary.exists():
        unavailable("anvil is not installed (run `npm ci`)")
    port = free_port()
    proc = subprocess.Popen(
        [
            str(binary),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--hardfork",
            "prague",
            "--silent",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(url, {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []})
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def anvil_accounts() -> list[Any]:
    return accounts_from(operator_key=None, mnemonic=DEV_MNEMONIC)


@pytest.fixture(scope="session")
def _session_chains(request: pytest.FixtureRequest) -> Iterator[dict[str, Chain]]:
    chains: dict[str, Chain] = {}
    yield chains
    for chain in chains.values():
        chain.close()


@pytest.fixture(params=["eth-tester", pytest.param("anvil", marks=pytest.mark.anvil)])
def chain(request: pytest.FixtureRequest, _session_chains: dict[str, Chain]) -> Iterator[Chain]:
    """A chain of each backend, reverted to its previous state after the test."""
    kind = request.param
    if kind not in _session_chains:
        if kind == "eth-tester":
            _session_chains[kind] = embedded_chain(EmbeddedNode())
        else:
            url = request.getfixturevalue("anvil_url")
            _session_chains[kind] = rpc_chain(url, anvil_accounts())
    current = _session_chains[kind]
    snapshot = current.snapshot()
    yield current
    current.revert(snapshot)


# ---------------------------------------------------------------------- databases


@pytest.fixture(scope="session")
def postgres_admin_url() -> str | None:
    return os.environ.get("IPLEDGER_TEST_DATABASE_URL") or None


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_admin_url: str | None
) -> Iterator[str]:
    """A fresh, empty database of each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.sqlite3'}"
        return
    if not postgres_admin_url:
        unavailable("IPLEDGER_TEST_DATABASE_URL is not set")
    yield from _fresh_postgres(postgres_admin_url)


@pytest.fixture
def postgres_url(postgres_admin_url: str | None) -> Iterator[str]:
    """A fresh, empty PostgreSQL database."""
    if not postgres_admin_url:
        unavailable("IPLEDGER_TEST_DATABASE_URL is not set")
    assert postgres_admin_url is not None
    yield from _fresh_postgres(postgres_admin_url)


def _fresh_postgres(admin_url: str) -> Iterator[str]:
    admin = make_url(admin_url).set(drivername="postgresql+psycopg")
    name = f"ipledger_test_{uuid.uuid4().hex[:12]}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        _drop_database(engine, name)
        engine.dispose()


def _drop_database(engine: Any, name: str, attempts: int = 40) -> None:
    """Drop a test database, waiting out a background worker that holds it.

    ``WITH (FORCE)`` ends the test's own connections, but PostgreSQL refuses
    to end a process it does not let this role signal (an autovacuum worker
    can hold the database for a moment). Such a refusal is retried for a
    few seconds before it fails the test.
    """
    for attempt in range(attempts):
        try:
            with engine.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            return
        except DBAPIError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.25)
