"""The operator's key alone can never move funds, change shares, approve a milestone or
resolve a dispute: each attempt below is made with the operator's key and fails."""

from __future__ import annotations

import pytest
from eth_utils import keccak

from ledger.chain.compiler import Build
from ledger.chain.disputes import Subject
from ledger.chain.gateway import Chain
from ledger.chain.registry import Outcome, ProjectRegistryGateway, Tier
from ledger.errors import ContractReverted
from tests.contracts.escrow_support import Env
from tests.contracts.rights_fixtures import RightsEnv, make_env

pytest_plugins = ["tests.contracts.escrow_fixtures"]


@pytest.fixture
def rights(chain: Chain, build: Build, registry: ProjectRegistryGateway) -> RightsEnv:
    return make_env(chain, build, registry)


def test_operator_cannot_release_a_milestone(funded: Env) -> None:
    chain, tree = funded.chain, funded.tree(10**18, 10**18)
    operator = chain.operator
    for signers in ([operator], [operator, funded.project.foreign_a]):
        with pytest.raises(ContractReverted) as exc:
            funded.escrow.release(funded.pid, 1, tree.root, tree.total, signers, sender=operator)
        assert exc.value.error in ("PartnerQuorumNotPartner", "PartnerQuorumNotMet")
    assert not funded.escrow.is_released(funded.pid, 1)


def test_operator_cannot_rule_or_settle_a_dispute(funded: Env) -> None:
    chain, project = funded.chain, funded.project
    chain.send_value(project.foreign_a.address, 10**17)
    dispute_id = funded.disputes.open_dispute(
        funded.pid, Subject.MILESTONE, 1, keccak(b"evidence"), sender=project.foreign_a
    )
    with pytest.raises(ContractReverted) as exc:
        funded.disputes.rule(dispute_id, Outcome.REJECT, sender=chain.operator)
    assert exc.value.error == "DisputeResolutionNotArbiter"
    with pytest.raises(ContractReverted) as exc:
        funded.disputes.settle(
            dispute_id, Outcome.REJECT, [chain.operator, project.foreign_a, project.local_b]
        )
    assert exc.value.error == "PartnerQuorumNotPartner"
    assert funded.disputes.is_frozen(funded.pid, 1)


def test_operator_cannot_take_escrowed_funds(funded: Env) -> None:
    chain = funded.chain
    before = funded.escrow.available(funded.pid)
    for call in (
        lambda: funded.escrow.refund(funded.pid, sender=chain.operator),
        lambda: funded.escrow.withdraw_fee(funded.pid, sender=chain.operator),
    ):
        with pytest.raises(ContractReverted) as exc:
            call()
        assert exc.value.error in (
            "MilestoneEscrowNotTerminated",
            "MilestoneEscrowNotFunder",
            "MilestoneEscrowNoFee",
        )
    with pytest.raises(ContractReverted) as exc:
        funded.escrow.bind_disputes(chain.accounts[3].address)  # re-pointing the rulings
    assert exc.value.error == "MilestoneEscrowDisputesAlreadyBound"
    assert funded.escrow.available(funded.pid) == before


def test_operator_cannot_commit_shares_or_grant_licences(rights: RightsEnv) -> None:
    env, operator = rights, rights.chain.operator
    column = env.column(Tier.CORE)
    root, inputs = keccak(b"root"), keccak(b"inputs")
    signatures = env.rights.sign_snapshot(
        [operator], env.project.id, 1, Tier.CORE, column, root, inputs
    )
    with pytest.raises(ContractReverted) as exc:
        env.rights.commit_snapshot(env.project.id, 1, Tier.CORE, column, root, inputs, signatures)
    assert exc.value.error == "PartnerQuorumNotPartner"

    env.commit(Tier.CORE)
    asset_id = env.asset(Tier.CORE)
    licence = env.foreground.sign_licence(
        [operator, env.project.foreign_a],
        env.project.id,
        asset_id,
        operator.address,
        "DE",
        "C26",
        0,
    )
    with pytest.raises(ContractReverted) as exc:
        env.foreground.grant_licence(asset_id, operator.address, "DE", "C26", 0, licence)
    assert exc.value.error == "PartnerQuorumNotPartner"
