"""Deploy the project's contracts once per chain and remember where they are."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine
from sqlmodel import col, select

from ledger.chain.compiler import Build
from ledger.chain.gateway import Chain
from ledger.db import Deployment, session_scope

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Spec:
    """How to deploy one contract: the contracts it is built on, and its constructor arguments
    given the chain and the addresses of those contracts."""

    after: tuple[str, ...]
    arguments: Callable[[Chain, dict[str, str]], tuple[Any, ...]]


#: The contracts the ledger runs on, in deployment order.
CONTRACTS: dict[str, Spec] = {
    "ProjectRegistry": Spec((), lambda chain, deployed: (chain.operator.address,)),
    "RecordAnchor": Spec(("ProjectRegistry",), lambda chain, d: (d["ProjectRegistry"],)),
    "CredentialRegistry": Spec((), lambda chain, deployed: (chain.operator.address,)),
}


def ensure_deployed(*, engine: Engine, chain: Chain, build: Build) -> dict[str, Deployment]:
    """Deploy every contract of :data:`CONTRACTS` that this chain lacks.

    A contract counts as deployed when the newest deployment row for this chain (chain
    id and genesis hash) has the same code hash and the address holds code, and the
    contracts it was built on are the ones in use. Otherwise it is deployed again and a
    new row is written; old rows stay as history.

    Returns:
        The deployment in use for each contract name.
    """
    genesis = chain.block(0).hash
    in_use: dict[str, Deployment] = {}
    redeployed: set[str] = set()
    with session_scope(engine) as session:
        for name, spec in CONTRACTS.items():
            artifact = build[name]
            chain.register_errors(artifact)
            row = session.exec(
                select(Deployment)
                .where(Deployment.chain_id == chain.chain_id)
                .where(Deployment.genesis_hash == genesis)
                .where(Deployment.name == name)
                .order_by(col(Deployment.id).desc())
            ).first()
            current = row is not None and row.code_hash == artifact.code_hash
            follows = not redeployed.intersection(spec.after)  # built on what is in use
            if current and follows and row is not None and chain.code(row.address):
                in_use[name] = row
                continue
            redeployed.add(name)
            addresses = {n: d.address for n, d in in_use.items()}
            bound, receipt = chain.deploy(artifact, *spec.arguments(chain, addresses))
            row = Deployment(
                chain_id=chain.chain_id,
                genesis_hash=genesis,
                name=name,
                address=bound.address,
                code_hash=artifact.code_hash,
                tx_hash=receipt.tx_hash,
                block_number=receipt.block_number,
            )
            session.add(row)
            log.info("deployed %s at %s (block %d)", name, bound.address, receipt.block_number)
            in_use[name] = row
    return in_use


def deployed(*, engine: Engine, chain: Chain) -> dict[str, Deployment]:
    """The deployments in use on this chain, without deploying anything."""
    genesis = chain.block(0).hash
    with session_scope(engine) as session:
        rows = session.exec(
            select(Deployment)
            .where(Deployment.chain_id == chain.chain_id)
            .where(Deployment.genesis_hash == genesis)
            .order_by(col(Deployment.id))
        ).all()
    return {row.name: row for row in rows}
