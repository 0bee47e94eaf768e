"""A project as the API's tests find it: its parties, and a principal with a key for each role.

:func:`open_world` serves the app through FastAPI's ``TestClient`` over the test's own
ledger (the session's deployed eth-tester chain, reverted after each test, and a fresh
database of each backend) and prepares, through the services:

- an admin (bootstrapped), and the Sino-German project of the service tests with its three
  partners joined (``FOREIGN_A``, ``LOCAL_B``, ``FOREIGN_C``) and one arbiter;
- a principal for each role of that project: ``partner_a``, ``partner_b``, ``partner_c``,
  ``arbiter``, ``funder`` and ``licensee`` (acting with the ``FUNDER`` and ``LICENSEE``
  keys of the lifecycle test), and a global ``issuer`` (no issuer URN);
- a :class:`~api.client.Client` for each, and the ``accounts`` they sign with.

Tests that need a second project create it with :meth:`World.second_project`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from api.app import create_app
from api.client import Client
from ledger import principals
from ledger.chain.compiler import Build
from ledger.context import Ledger
from ledger.db import Principal, Project, session_scope
from ledger.runtime import Runtime
from ledger.settings import Settings
from tests.ledger.services.conftest import ARBITER, FOREIGN_A, FOREIGN_C, LOCAL_B, Clock
from tests.ledger.services.lifecycle_support import FUNDER, LICENSEE

#: Every principal of the world, by name: (role, account it acts with or None).
CAST: dict[str, tuple[str, LocalAccount | None]] = {
    "partner_a": ("partner", FOREIGN_A),
    "partner_b": ("partner", LOCAL_B),
    "partner_c": ("partner", FOREIGN_C),
    "arbiter": ("arbiter", ARBITER),
    "funder": ("funder", FUNDER),
    "licensee": ("licensee", LICENSEE),
    "issuer": ("issuer", None),
}
#: One principal of each role, for the authorization matrix.
ONE_OF_EACH_ROLE = {
    "admin": "admin",
    "partner": "partner_a",
    "funder": "funder",
    "issuer": "issuer",
    "arbiter": "arbiter",
    "licensee": "licensee",
}


@dataclass
class World:
    """The served app, the project and everyone's keys and clients."""

    http: TestClient
    engine: Engine
    ledger: Ledger
    clock: Clock
    project: Project
    keys: dict[str, str] = field(default_factory=dict)
    principals: dict[str, Principal] = field(default_factory=dict)
    accounts: dict[str, LocalAccount] = field(default_factory=dict)
    make_project: Callable[..., Project] | None = None

    @property
    def project_id(self) -> int:
        """The project's id in the ledger (and in every ``/v1/projects/{project_id}`` path)."""
        assert self.project.id is not None
        return self.project.id

    @property
    def pid(self) -> int:
        """The project's id on chain (what EIP-712 messages name)."""
        assert self.project.chain_project_id is not None
        return self.project.chain_project_id

    def client(self, name: str) -> Client:
        """A client as the principal ``name`` (``admin``, ``partner_a``, …)."""
        return Client(self.http, self.keys[name])

    def anonymous(self) -> Client:
        return Client(self.http, None)

    def headers(self, name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[name]}"}

    @contextmanager
    def session(self) -> Iterator[Session]:
        with session_scope(self.engine) as session:
            yield session

    def add_principal(
        self,
        name: str,
        role: str,
        *,
        project_id: int | None = None,
        account: LocalAccount | None = None,
        issuer_urn: str | None = None,
    ) -> str:
        """Create a principal through the service; its key is kept under ``name``."""
        with self.session() as session:
            admin = session.get(Principal, self.principals["admin"].id)
            assert admin is not None
            created = principals.create_principal(
                session,
                self.ledger,
                name=name,
                role=role,
                project_id=project_id,
                address=None if account is None else account.address,
                issuer_urn=issuer_urn,
                created_by=admin,
            )
            session.expunge(created.principal)
        self.keys[name] = created.api_key
        self.principals[name] = created.principal
        if account is not None:
            self.accounts[name] = account
        return created.api_key

    def second_project(self, **document: Any) -> Project:
        """Another project with the same parties (their keys are still project 1's)."""
        assert self.make_project is not None
        return self.make_project(**document)


def open_world(
    *,
    settings: Settings,
    engine: Engine,
    ledger: Ledger,
    build: Build,
    clock: Clock,
    make_project: Callable[..., Project],
) -> Iterator[World]:
    runtime = Runtime(settings=settings, engine=engine, chain=ledger.chain, build=build)
    app = create_app(settings, runtime=runtime)
    app.state.ledger = ledger
    project = make_project()
    with session_scope(engine) as session:
        admin = principals.bootstrap_admin(session, ledger, "Consortium office")
        session.expunge(admin.principal)
    with TestClient(app, raise_server_exceptions=False) as http:
        world = World(
            http=http,
            engine=engine,
            ledger=ledger,
            clock=clock,
            project=project,
            make_project=make_project,
        )
        world.keys["admin"] = admin.api_key
        world.principals["admin"] = admin.principal
        for name, (role, account) in CAST.items():
            scoped = None if role == "issuer" else project.id
            world.add_principal(name, role, project_id=scoped, account=account)
        yield world
