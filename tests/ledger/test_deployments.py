"""Contracts are deployed once per chain and found again afterwards."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from ledger.chain.compiler import Build
from ledger.chain.gateway import Chain
from ledger.db import Deployment, create_db_engine, migrate, session_scope
from ledger.deployments import deployed, ensure_deployed


@pytest.fixture
def engine(database_url: str):  # type: ignore[no-untyped-def]
    engine = create_db_engine(database_url)
    migrate(engine)
    yield engine
    engine.dispose()


def rows(engine) -> list[Deployment]:  # type: ignore[no-untyped-def]
    with session_scope(engine) as session:
        return list(session.exec(select(Deployment).order_by(col(Deployment.id))).all())


def test_deploys_once_then_reuses(engine, chain: Chain, build: Build) -> None:  # type: ignore[no-untyped-def]
    first = ensure_deployed(engine=engine, chain=chain, build=build)
    number = chain.block_number
    second = ensure_deployed(engine=engine, chain=chain, build=build)

    assert second["RecordAnchor"].address == first["RecordAnchor"].address
    assert chain.block_number == number  # nothing was sent the second time
    assert len(rows(engine)) == 1
    assert (
        deployed(engine=engine, chain=chain)["RecordAnchor"].address
        == first["RecordAnchor"].address
    )
    assert chain.code(first["RecordAnchor"].address)


def test_redeploys_when_code_changed(engine, chain: Chain, build: Build) -> None:  # type: ignore[no-untyped-def]
    first = ensure_deployed(engine=engine, chain=chain, build=build)["RecordAnchor"]
    with session_scope(engine) as session:
        row = session.get(Deployment, first.id)
        assert row is not None
        row.code_hash = "00" * 32  # as if an older build had been deployed

    again = ensure_deployed(engine=engine, chain=chain, build=build)["RecordAnchor"]
    assert again.address != first.address
    assert [r.address for r in rows(engine)] == [first.address, again.address]


def test_redeploys_when_address_has_no_code(engine, chain: Chain, build: Build) -> None:  # type: ignore[no-untyped-def]
    with session_scope(engine) as session:
        session.add(
            Deployment(
                chain_id=chain.chain_id,
                genesis_hash=chain.block(0).hash,
                name="RecordAnchor",
                address="0x" + "00" * 19 + "01",
                code_hash=build["RecordAnchor"].code_hash,
                tx_hash="0x" + "00" * 32,
                block_number=0,
            )
        )
    used = ensure_deployed(engine=engine, chain=chain, build=build)["RecordAnchor"]
    assert used.address != "0x" + "00" * 19 + "01"
    assert chain.code(used.address)


def test_other_chain_rows_are_ignored(engine, chain: Chain, build: Build) -> None:  # type: ignore[no-untyped-def]
    with session_scope(engine) as session:
        session.add(
            Deployment(
                chain_id=chain.chain_id,
                genesis_hash="0x" + "ee" * 32,  # same id, another genesis: a reset node
                name="RecordAnchor",
                address="0x" + "22" * 20,
                code_hash=build["RecordAnchor"].code_hash,
                tx_hash="0x" + "00" * 32,
                block_number=0,
            )
        )
    assert deployed(engine=engine, chain=chain) == {}
    used = ensure_deployed(engine=engine, chain=chain, build=build)["RecordAnchor"]
    assert used.address != "0x" + "22" * 20
