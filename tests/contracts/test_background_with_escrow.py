"""Background IP is released by a real milestone release of the escrow (not a stub)."""

from __future__ import annotations

import pytest
from eth_utils import keccak

from ledger.chain.background import BackgroundEscrowGateway, DepositState, DepositTerms
from ledger.chain.compiler import Build
from ledger.errors import ContractReverted
from tests.contracts.escrow_support import Env

pytest_plugins = ["tests.contracts.escrow_fixtures"]


def test_release_follows_the_escrows_milestone(funded: Env, build: Build) -> None:
    chain, project = funded.chain, funded.project
    bound, _ = chain.deploy(
        build["BackgroundEscrow"], funded.registry.address, funded.escrow.address
    )
    background = BackgroundEscrowGateway(chain, bound)
    terms = DepositTerms(
        project_id=funded.pid,
        owner=project.local_b.address,
        document_hash=keccak(b"process know-how.pdf"),
        key_commitment=keccak(b"key"),
        terms_hash=keccak(b"terms"),
        beneficiary=project.foreign_a.address,
        release_milestone=1,
    )
    deposit_id = background.deposit(terms, background.deposit_signature(project.local_b, terms))
    with pytest.raises(ContractReverted) as exc:
        background.release_on_milestone(deposit_id)
    assert exc.value.error == "BackgroundEscrowMilestoneNotReleased"

    funded.release(1, funded.tree(10**18, 2 * 10**18))
    background.release_on_milestone(deposit_id)
    item = background.get(deposit_id)
    assert item.state == DepositState.RELEASED
    assert (item.owner, item.released_to) == (project.local_b.address, project.foreign_a.address)
