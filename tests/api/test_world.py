"""The API tests' world: every principal authenticates as its role, over both databases."""

from __future__ import annotations

from tests.api.world import CAST, World


def test_every_principal_of_the_world_is_who_its_key_says(world: World) -> None:
    for name, (role, account) in {"admin": ("admin", None), **CAST}.items():
        me = world.client(name).me()
        assert me["role"] == role
        assert me["address"] == (None if account is None else account.address)
        expected_project = None if role in {"admin", "issuer"} else world.project_id
        assert me["project_id"] == expected_project


def test_the_chain_route_gives_the_domains_a_client_signs_with(world: World) -> None:
    domains = world.client("partner_a").domains()
    assert domains.chain_id == world.ledger.chain.chain_id
    assert domains.escrow == world.ledger.escrow.address
    assert domains.registry == world.ledger.registry.address
