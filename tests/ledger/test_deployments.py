"""Contracts are deployed once per chain, in dependency order, and found again afterwards."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from ledger.chain.compiler import Build
from ledger.chain.gateway import Chain
from ledger.chain.registry import ProjectRegistryGateway
from ledger.db import Deployment, create_db_engine, migrate, session_scope
from ledger.deployments import CONTRACTS, deployed, ensure_deployed


@pytest.fixture
def engine(database_url: str):  # type: ignore[no-untyped-def]
    engine = create_db_engine(database_url)
    migrate(engine)
    yield engine
    engine.dispose()


def rows(engine) -> list[Deployment]:  # type: ignore[no-untyped-def]
    with session_scope(engine) as session:
        return list(session.exec(select(Deployment).order_by(col(Deployment.id))).all())


def addresses(in_use: dict[str, Deployment]) -> dict[str, str]:
    return {name: row.address for name, row in in_use.items()}


def stale(engine, name: str) -> None:  # type: ignore[no-untyped-def]
    """Make the row in use for ``name`` look as if an older build had been deployed."""
    with session_scope(engine) as session:
        row = session.exec(
            select(Deployment).where(Deployment.name == name).order_by(col(Deployment.id).desc())
        ).first()
        assert row is not None
        row.code_hash = "00" * 32


def test_deploys_once_then_reuses(engine, chain: Chain, build: Build) -> None:  # type: ignore[no-untyped-def]
    first = ensure_deployed(engine=engine, chain=chain, build=build)
    number = chain.block_number
    second = ensure_deployed(engine=engine, chain=chain, build=build)

    assert list(first) == list(CONTRACTS)
    assert addresses(second) == addresses(first)
    assert chain.block_number == number  # nothing was sent the second time
    assert len(rows(engine)) == len(CONTRACTS)
    assert addresses(deployed(engine=engine, chain=chain)) == addresses(first)
    for row in first.values():
        assert chain.code(row.address)


def test_dependents_are_wired_to_their_dependencies(engine, chain: Chain, build: Build) -> None:  # type: ignore[no-untyped-def]
    in_use = ensure_deployed(engine=engine, chain=chain, build=build)
    anchor = chain.at(build["RecordAnchor"], in_use["RecordAnchor"].address)
    assert chain.call(anchor, "registry") == in_use["ProjectRegistry"].address
    registry = ProjectRegistryGateway(
        chain, chain.at(build["ProjectRegistry"], in_use["ProjectRegistry"].address)
    )
    assert chain.call(registry.bound, "owner") == chain.operator.address


def test_redeploys_when_code_changed(engine, chain: Chain, build: Build) -> None:  # type: ignore[no-untyped-def]
    first = addresses(ensure_deployed(engine=engine, chain=chain, build=build))
    stale(engine, "RecordAnchor")

    again = addresses(ensure_deployed(engine=engine, chain=chain, build=build))
    assert again["ProjectRegistry"] == first["ProjectRegistry"]
    assert again["RecordAnchor"] != first["RecordAnchor"]
    assert len(rows(engine)) == len(CONTRACTS) + 1


def test_dependency_redeployed_takes_dependents_along(engine, chain: Chain, build: Build) -> None:  # type: ignore[no-untyped-def]
    first = addresses(ensure_deployed(engine=engine, chain=chain, build=build))
    stale(engine, "ProjectRegistry")

    again = addresses(ensure_deployed(engine=engine, chain=chain, build=build))
    assert again["ProjectRegistry"] != first["ProjectRegistry"]
    assert again["RecordAnchor"] != first["RecordAnchor"]
    assert again["CredentialRegistry"] == first["CredentialRegistry"]  # not built on it
    anchor = chain.at(build["RecordAnchor"], again["RecordAnchor"])
    assert chain.call(anchor, "registry") == again["ProjectRegistry"]


def test_escrow_is_bound_to_the_disputes_contract(engine, chain: Chain, build: Build) -> None:  # type: ignore[no-untyped-def]
    in_use = addresses(ensure_deployed(engine=engine, chain=chain, build=build))
    escrow = chain.at(build["MilestoneEscrow"], in_use["MilestoneEscrow"])
    assert chain.call(escrow, "disputes") == in_use["DisputeResolution"]
    background = chain.at(build["BackgroundEscrow"], in_use["BackgroundEscrow"])
    assert chain.code(background.address)


def test_coupled_contracts_are_redeployed_together(engine, chain: Chain, build: Build) -> None:  # type: ignore[no-untyped-def]
    first = addresses(ensure_deployed(engine=engine, chain=chain, build=build))
    stale(engine, "DisputeResolution")  # the escrow's binding is set-once: it must follow

    again = addresses(ensure_deployed(engine=engine, chain=chain, build=build))
    assert again["DisputeResolution"] != first["DisputeResolution"]
    assert again["MilestoneEscrow"] != first["MilestoneEscrow"]
    assert again["BackgroundEscrow"] != first["BackgroundEscrow"]  # built on the escrow
    assert again["ProjectRegistry"] == first["ProjectRegistry"]
    escrow = chain.at(build["MilestoneEscrow"], again["MilestoneEscrow"])
    assert chain.call(escrow, "disputes") == again["DisputeResolution"]


def test_redeploys_when_address_has_no_code(engine, chain: Chain, build: Build) -> None:  # type: ignore[no-untyped-def]
    with session_scope(engine) as session:
        for name in CONTRACTS:
            session.add(
                Deployment(
                    chain_id=chain.chain_id,
                    genesis_hash=chain.block(0).hash,
                    name=name,
                    address="0x" + "00" * 19 + "01",
                    code_hash=build[name].code_hash,
                    tx_hash="0x" + "00" * 32,
                    block_number=0,
                )
            )
    used = ensure_deployed(engine=engine, chain=chain, build=build)
    for row in used.values():
        assert row.address != "0x" + "00" * 19 + "01"
        assert chain.code(row.address)


def test_other_chain_rows_are_ignored(engine, chain: Chain, build: Build) -> None:  # type: ignore[no-untyped-def]
    with session_scope(engine) as session:
        session.add(
            Deployment(
                chain_id=chain.chain_id,
                genesis_hash="0x" + "ee" * 32,  # same id, another genesis: a reset node
                name="ProjectRegistry",
                address="0x" + "22" * 20,
                code_hash=build["ProjectRegistry"].code_hash,
                tx_hash="0x" + "00" * 32,
                block_number=0,
            )
        )
    assert deployed(engine=engine, chain=chain) == {}
    used = ensure_deployed(engine=engine, chain=chain, build=build)["ProjectRegistry"]
    assert used.address != "0x" + "22" * 20
