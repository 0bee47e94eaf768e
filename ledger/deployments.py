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

Addresses = dict[str, str]


@dataclass(frozen=True)
class Spec:
    """How to deploy one contract.

    Attributes:
        after: the contracts it is built on (their addresses go into its constructor);
            when one of them is deployed again, so is this one.
        arguments: its constructor arguments, given the chain and the addresses so far.
        coupled: contracts bound to it for good (a set-once binding): deployed again
            together, in either direction.
        wire: a call to make once it is deployed (e.g. a set-once binding).
    """

    after: tuple[str, ...]
    arguments: Callable[[Chain, Addresses], tuple[Any, ...]]
    coupled: tuple[str, ...] = ()
    wire: Callable[[Chain, Build, Addresses], None] | None = None


def _bind_disputes(chain: Chain, build: Build, addresses: Addresses) -> None:
    escrow = chain.at(build["MilestoneEscrow"], addresses["MilestoneEscrow"])
    chain.transact(escrow, "bindDisputes", addresses["DisputeResolution"])


def _operator(chain: Chain, deployed: Addresses) -> tuple[Any, ...]:
    return (chain.operator.address,)


#: The contracts the ledger runs on, in deployment order.
CONTRACTS: dict[str, Spec] = {
    "ProjectRegistry": Spec((), _operator),
    "RecordAnchor": Spec(("ProjectRegistry",), lambda chain, d: (d["ProjectRegistry"],)),
    "CredentialRegistry": Spec((), _operator),
    "MilestoneEscrow": Spec(
        ("ProjectRegistry",),
        lambda chain, d: (d["ProjectRegistry"], chain.operator.address),
        coupled=("DisputeResolution",),
    ),
    "DisputeResolution": Spec(
        ("ProjectRegistry", "MilestoneEscrow"),
        lambda chain, d: (d["ProjectRegistry"], d["MilestoneEscrow"]),
        coupled=("MilestoneEscrow",),
        wire=_bind_disputes,
    ),
    "BackgroundEscrow": Spec(
        ("ProjectRegistry", "MilestoneEscrow"),
        lambda chain, d: (d["ProjectRegistry"], d["MilestoneEscrow"]),
    ),
    "TieredRights": Spec(("ProjectRegistry",), lambda chain, d: (d["ProjectRegistry"],)),
    # deploys its own RevenueSharing (read it with revenue()), so fees cannot be rerouted
    "ForegroundRegistry": Spec(
        ("ProjectRegistry", "TieredRights"),
        lambda chain, d: (d["ProjectRegistry"], d["TieredRights"]),
    ),
}


def ensure_deployed(*, engine: Engine, chain: Chain, build: Build) -> dict[str, Deployment]:
    """Deploy every contract of :data:`CONTRACTS` that this chain lacks.

    A contract counts as deployed when the newest deployment row for this chain (chain
    id and genesis hash) has the same code hash, the address holds code, and neither a
    contract it is built on nor one coupled to it must be deployed again. Otherwise it is
    deployed again and a new row is written; old rows stay as history.

    Returns:
        The deployment in use for each contract name.
    """
    genesis = chain.block(0).hash
    with session_scope(engine) as session:
        rows = {name: _newest(session, chain.chain_id, genesis, name) for name in CONTRACTS}
        stale = {
            name
            for name, row in rows.items()
            if row is None or row.code_hash != build[name].code_hash or not chain.code(row.address)
        }
        grew = True
        while grew:  # staleness spreads to dependents and coupled contracts
            before = len(stale)
            for name, spec in CONTRACTS.items():
                if stale.intersection(spec.after) or stale.intersection(spec.coupled):
                    stale.add(name)
            grew = len(stale) > before

        in_use: dict[str, Deployment] = {}
        for name, spec in CONTRACTS.items():
            artifact = build[name]
            chain.register_errors(artifact)
            row = rows[name]
            if name not in stale and row is not None:
                in_use[name] = row
                continue
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
            in_use[name] = row
            if spec.wire is not None:
                spec.wire(chain, build, {n: d.address for n, d in in_use.items()})
            log.info("deployed %s at %s (block %d)", name, bound.address, receipt.block_number)
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


def _newest(session: Any, chain_id: int, genesis: str, name: str) -> Deployment | None:
    return session.exec(  # type: ignore[no-any-return]
        select(Deployment)
        .where(Deployment.chain_id == chain_id)
        .where(Deployment.genesis_hash == genesis)
        .where(Deployment.name == name)
        .order_by(col(Deployment.id).desc())
    ).first()
