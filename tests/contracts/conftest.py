"""Contract tests run on every chain backend (see the ``chain`` fixture).

Partners, arbiters and licensees are deterministic keys that hold no ether: they only
sign. Transactions are sent by the chain's funded accounts (the operator first).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import keccak

from ledger.chain.compiler import Build
from ledger.chain.gateway import Chain
from ledger.chain.record_anchor import RecordAnchorGateway
from ledger.chain.registry import AgreementTerms, ProjectRegistryGateway, ProjectSetup, Side


def key(label: str) -> LocalAccount:
    """A deterministic account for a role in the tests."""
    return Account.from_key(keccak(label.encode()))


@dataclass(frozen=True)
class Project:
    """A project with three partners (two foreign, one local), quorum 2, one arbiter."""

    id: int
    foreign_a: LocalAccount
    local_b: LocalAccount
    foreign_c: LocalAccount
    arbiter: LocalAccount

    @property
    def partners(self) -> list[LocalAccount]:
        return [self.foreign_a, self.local_b, self.foreign_c]


@pytest.fixture
def registry(chain: Chain, build: Build) -> ProjectRegistryGateway:
    bound, _ = chain.deploy(build["ProjectRegistry"], chain.operator.address)
    return ProjectRegistryGateway(chain, bound)


@pytest.fixture
def anchor(chain: Chain, build: Build, registry: ProjectRegistryGateway) -> RecordAnchorGateway:
    """A RecordAnchor over the test registry (whose projects name the operator as ledger signer)."""
    bound, _ = chain.deploy(build["RecordAnchor"], registry.address)
    return RecordAnchorGateway(chain, bound)


def setup_for(chain: Chain, **terms: object) -> ProjectSetup:
    return ProjectSetup(
        terms=AgreementTerms(
            agreement_hash=keccak(b"agreement v1"),
            ledger_signer=chain.operator.address,
            **terms,  # type: ignore[arg-type]
        ),
        arbiters=[key("arbiter").address],
        territories=["DE", "CN"],
        industries=["C26", "C28"],
    )


def make_project(registry: ProjectRegistryGateway, setup: ProjectSetup) -> Project:
    """Create a project from ``setup`` and let the three test partners join it."""
    project_id = registry.create_project(setup)
    members = Project(
        project_id, key("foreign-a"), key("local-b"), key("foreign-c"), key("arbiter")
    )
    for partner, side in [
        (members.foreign_a, Side.FOREIGN),
        (members.local_b, Side.LOCAL),
        (members.foreign_c, Side.FOREIGN),
    ]:
        registry.join(
            project_id, partner.address, side, registry.join_signature(project_id, partner, side)
        )
    return members


@pytest.fixture
def project(chain: Chain, registry: ProjectRegistryGateway) -> Project:
    return make_project(registry, setup_for(chain, quorum=2))
