"""GET /health on each chain and database backend; the OpenAPI UI."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from ledger.db.engine import head_revision
from ledger.deployments import CONTRACTS
from ledger.runtime import Runtime, open_runtime
from ledger.settings import Settings


def test_health_reports_embedded_chain_and_sqlite(client: TestClient, runtime: Runtime) -> None:
    response = client.get("/health")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["chain"]["backend"] == "eth-tester"
    assert body["chain"]["chain_id"] == runtime.chain.chain_id
    assert body["chain"]["block_number"] == runtime.chain.block_number >= 1
    assert body["chain"]["block_hash"] == runtime.chain.block().hash
    assert body["db"] == {"backend": "sqlite", "revision": head_revision()}
    assert body["contracts"] == {name: row.address for name, row in runtime.deployments.items()}
    assert set(body["contracts"]) == set(CONTRACTS)


@pytest.mark.anvil
def test_health_reports_rpc_chain(seeded_settings: Callable[..., Settings], anvil_url: str) -> None:
    runtime = open_runtime(seeded_settings(rpc_url=anvil_url))
    try:
        with TestClient(create_app(runtime.settings, runtime=runtime)) as client:
            body = client.get("/health").json()
    finally:
        runtime.close()
    assert body["chain"]["backend"] == "rpc"
    assert body["chain"]["chain_id"] == 31337
    assert set(body["contracts"]) == set(CONTRACTS)


@pytest.mark.postgresql
def test_health_reports_postgresql(
    seeded_settings: Callable[..., Settings], postgres_url: str
) -> None:
    runtime = open_runtime(seeded_settings(database_url=postgres_url))
    try:
        with TestClient(create_app(runtime.settings, runtime=runtime)) as client:
            body = client.get("/health").json()
    finally:
        runtime.close()
    assert body["db"] == {"backend": "postgresql", "revision": head_revision()}


def test_app_opens_and_closes_its_runtime(seeded_settings: Callable[..., Settings]) -> None:
    settings = seeded_settings()
    app = create_app(settings)
    assert not settings.home.joinpath("chain").exists()  # nothing is opened at build time

    with TestClient(app) as client:
        blocks = client.get("/health").json()["chain"]["block_number"]
    wiring = sum(1 for spec in CONTRACTS.values() if spec.wire)
    assert blocks == len(CONTRACTS) + wiring  # one transaction per block

    # closed at shutdown: the chain folder can be opened again by someone else
    again = open_runtime(settings)
    assert again.chain.block_number == blocks
    again.close()


def test_openapi_ui_is_served(client: TestClient) -> None:
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()
    spec = client.get("/openapi.json").json()
    assert "/health" in spec["paths"]


def test_runtime_hands_out_gateways_of_deployed_contracts(runtime: Runtime) -> None:
    from ledger.chain.escrow import MilestoneEscrowGateway
    from ledger.chain.rights import TieredRightsGateway

    escrow = runtime.gateway(MilestoneEscrowGateway)
    assert escrow.address == runtime.deployments["MilestoneEscrow"].address
    assert runtime.chain.call(escrow.bound, "disputes") == (
        runtime.deployments["DisputeResolution"].address
    )
    assert runtime.gateway(TieredRightsGateway).domain.name == "TieredRights"
    assert runtime.registry.address == runtime.deployments["ProjectRegistry"].address


def test_runtime_refuses_a_gateway_of_a_contract_not_deployed(runtime: Runtime) -> None:
    from ledger.chain.contract import ContractGateway
    from ledger.errors import NotFound

    class Nowhere(ContractGateway):
        NAME = "Nowhere"

    with pytest.raises(NotFound, match="Nowhere is not deployed"):
        runtime.gateway(Nowhere)
