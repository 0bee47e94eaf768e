"""Services run on each database backend over an eth-tester chain with every contract deployed.

The contracts are deployed once per session; each test reverts the chain to that state
and gets a fresh database. Partners are deterministic keys (they only sign); the chain's
operator submits every transaction, as the ledger does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from eth_account.signers.local import LocalAccount
from sqlalchemy import Engine

from ledger import projects
from ledger.chain.compiler import Build
from ledger.chain.embedded import EmbeddedNode
from ledger.chain.gateway import Chain, embedded_chain
from ledger.client import Domains, Signer
from ledger.context import Ledger
from ledger.db import Project, create_db_engine, migrate, session_scope
from ledger.deployments import ensure_deployed
from tests.contracts.conftest import key

RECORD_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


class Clock:
    """The ledger's clock in tests: starts at T0, moves only when told."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        self.now += timedelta(microseconds=1)  # every reading is a distinct instant
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture(scope="session")
def deployed(
    build: Build, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Chain, dict[str, str]]]:
    chain = embedded_chain(EmbeddedNode())
    engine = create_db_engine(f"sqlite:///{tmp_path_factory.mktemp('deploy') / 'd.sqlite3'}")
    migrate(engine)
    rows = ensure_deployed(engine=engine, chain=chain, build=build)
    engine.dispose()
    yield chain, {name: row.address for name, row in rows.items()}
    chain.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def ledger(
    deployed: tuple[Chain, dict[str, str]], build: Build, tmp_path: Path, clock: Clock
) -> Iterator[Ledger]:
    chain, addresses = deployed
    snapshot = chain.snapshot()
    context = Ledger.connect(
        chain,
        build,
        addresses,
        record_key=RECORD_KEY,
        home=tmp_path / "home",
        vault_key=bytes(32),
        anchor_every=1000,
    )
    context.clock = clock
    yield context
    chain.revert(snapshot)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_db_engine(database_url)
    migrate(engine)
    yield engine
    engine.dispose()


# ---------------------------------------------------------------------- a project

FOREIGN_A = key("foreign-a")  # DE university
LOCAL_B = key("local-b")  # CN enterprise
FOREIGN_C = key("foreign-c")  # DE individual
ARBITER = key("arbiter")
PARTIES = (FOREIGN_A, LOCAL_B, FOREIGN_C)


def agreement(**overrides: Any) -> dict[str, Any]:
    """A Sino-German agreement: host CN, two German parties and one Chinese, Table 2 defaults."""
    document: dict[str, Any] = {
        "title": "Industrial vision",
        "host_jurisdiction": "CN",
        "parties": [
            {
                "name": "TU Example",
                "kind": "university",
                "jurisdiction": "DE",
                "address": FOREIGN_A.address,
            },
            {
                "name": "Vision Works",
                "kind": "enterprise",
                "jurisdiction": "CN",
                "address": LOCAL_B.address,
            },
            {
                "name": "A. Talent",
                "kind": "individual",
                "jurisdiction": "DE",
                "address": FOREIGN_C.address,
            },
        ],
        "arbiters": [{"name": "Arbiter", "address": ARBITER.address}],
        "tiers": {
            "core": {"territories": ["CN", "DE"]},
            "application": {"industries": ["C26", "C28"]},
        },
        "quorum": {"partners": 2},
    }
    document.update(overrides)
    return document


def signer(ledger: Ledger, account: LocalAccount) -> Signer:
    return Signer(account, Domains.of(ledger))


def side_of(account: LocalAccount) -> int:
    from ledger.chain.registry import Side

    return Side.LOCAL if account is LOCAL_B else Side.FOREIGN


@pytest.fixture
def make_project(engine: Engine, ledger: Ledger) -> Callable[..., Project]:
    """Create the agreement's project and let its parties join (in the order given)."""

    def make(document: dict[str, Any] | None = None, joiners=PARTIES) -> Project:  # type: ignore[no-untyped-def]
        with session_scope(engine) as session:
            project = projects.create_project(session, ledger, agreement=document or agreement())
        for account in joiners:
            with session_scope(engine) as session:
                assert project.chain_project_id is not None
                signature = signer(ledger, account).join(
                    project.chain_project_id, project.agreement_hash, side_of(account)
                )
                projects.join(
                    session,
                    ledger,
                    project_id=project.id,
                    address=account.address,
                    signature=signature,
                )
        return project

    return make
