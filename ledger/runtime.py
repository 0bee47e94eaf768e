"""Open everything a process of the ledger needs, from its settings.

``open_runtime`` is what the API's lifespan and the CLI call: the database (migrated),
the chain (embedded or RPC), the compiled contracts (cached) and their deployments.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy import Engine

from ledger.chain.compiler import Build, compile_contracts, project_root
from ledger.chain.contract import ContractGateway
from ledger.chain.embedded import EmbeddedNode
from ledger.chain.gateway import Chain, accounts_from, embedded_chain, rpc_chain
from ledger.chain.record_anchor import RecordAnchorGateway
from ledger.chain.registry import ProjectRegistryGateway
from ledger.db import Deployment, create_db_engine, migrate
from ledger.deployments import ensure_deployed
from ledger.errors import NotFound
from ledger.settings import DEV_MNEMONIC, Settings

log = logging.getLogger(__name__)

G = TypeVar("G", bound=ContractGateway)


@dataclass
class Runtime:
    """The open resources of one process."""

    settings: Settings
    engine: Engine
    chain: Chain
    build: Build
    deployments: dict[str, Deployment] = field(default_factory=dict)

    def gateway(self, kind: type[G]) -> G:
        """The gateway of a deployed contract, e.g. ``runtime.gateway(MilestoneEscrowGateway)``.

        Raises:
            NotFound: when that contract is not deployed on this chain.
        """
        row = self.deployments.get(kind.NAME)
        if row is None:
            raise NotFound(f"{kind.NAME} is not deployed on this chain", contract=kind.NAME)
        return kind(self.chain, self.chain.at(self.build[row.name], row.address))

    @property
    def registry(self) -> ProjectRegistryGateway:
        return self.gateway(ProjectRegistryGateway)

    @property
    def record_anchor(self) -> RecordAnchorGateway:
        return self.gateway(RecordAnchorGateway)

    def close(self) -> None:
        self.chain.close()
        self.engine.dispose()


def build_contracts(settings: Settings) -> Build:
    """Compile the contracts (or read them from the build cache)."""
    return compile_contracts(
        root=project_root(), cache_dir=settings.build_dir, solc_path=settings.solc
    )


def open_chain(settings: Settings) -> Chain:
    """The chain the settings name: an RPC node, or the embedded one in the data folder."""
    if settings.rpc_url:
        key = settings.operator_key.get_secret_value() if settings.operator_key else None
        phrase = settings.mnemonic.get_secret_value() if settings.mnemonic else None
        if key is None and phrase is None:
            phrase = DEV_MNEMONIC  # development only: Settings rejects this in production
        return rpc_chain(settings.rpc_url, accounts_from(operator_key=key, mnemonic=phrase))
    return embedded_chain(EmbeddedNode(settings.chain_dir))


def open_runtime(settings: Settings, *, deploy: bool = True) -> Runtime:
    """Open the database, the chain and the contracts; deploy what is missing."""
    build = build_contracts(settings)
    engine = create_db_engine(settings.sqlalchemy_url)
    try:
        migrate(engine)
        chain = open_chain(settings)
    except BaseException:
        engine.dispose()
        raise
    runtime = Runtime(settings, engine, chain, build)
    try:
        if deploy:
            runtime.deployments = ensure_deployed(engine=engine, chain=chain, build=build)
    except BaseException:
        runtime.close()
        raise
    return runtime
