"""Fixtures for the escrow and dispute contracts, loaded with ``pytest_plugins`` by their tests.

``env`` deploys a MilestoneEscrow and a DisputeResolution bound to it, over the registry's
project (three partners, quorum 2, one arbiter); ``funded`` adds a deposit of ETH;
``seam`` is an escrow whose disputes contract is a RulingRelay (test contract), to
drive ``applyRuling`` directly; ``token_project`` is a second project paid in a TestToken.
"""

from __future__ import annotations

import pytest

from ledger.chain.compiler import Build
from ledger.chain.disputes import DisputeResolutionGateway
from ledger.chain.escrow import MilestoneEscrowGateway
from ledger.chain.gateway import Chain
from ledger.chain.registry import ProjectRegistryGateway
from tests.contracts.conftest import Project, make_project, setup_for
from tests.contracts.escrow_support import DEPOSIT, Env, TokenProject, deploy_escrow


@pytest.fixture
def env(chain: Chain, build: Build, registry: ProjectRegistryGateway, project: Project) -> Env:
    escrow = MilestoneEscrowGateway(chain, deploy_escrow(chain, build, registry))
    bound, _ = chain.deploy(build["DisputeResolution"], registry.address, escrow.address)
    disputes = DisputeResolutionGateway(chain, bound)
    escrow.bind_disputes(disputes.address)
    return Env(chain, registry, escrow, disputes, project)


@pytest.fixture
def funded(env: Env) -> Env:
    env.escrow.deposit(env.pid, DEPOSIT, sender=env.funder)
    return env


@pytest.fixture
def seam(chain: Chain, build: Build, registry: ProjectRegistryGateway, project: Project) -> Env:
    """An escrow whose disputes contract is a RulingRelay, to apply rulings directly."""
    escrow = MilestoneEscrowGateway(chain, deploy_escrow(chain, build, registry))
    relay, _ = chain.deploy(build["RulingRelay"])
    escrow.bind_disputes(relay.address)
    bound, _ = chain.deploy(build["DisputeResolution"], registry.address, escrow.address)
    env = Env(chain, registry, escrow, DisputeResolutionGateway(chain, bound), project, relay)
    escrow.deposit(project.id, DEPOSIT, sender=env.funder)
    return env


@pytest.fixture
def token_project(env: Env, build: Build) -> TokenProject:
    """A second project of the same partners whose asset is a TestToken."""
    chain = env.chain
    token, _ = chain.deploy(build["TestToken"], "Test Token", "TT")
    pid = make_project(env.registry, setup_for(chain, quorum=2, token=token.address)).id
    return TokenProject(pid, token, env.escrow)
