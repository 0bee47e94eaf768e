"""Fixtures and helpers for the rights, foreground IP and revenue contracts.

A project here has the three partners of ``tests/contracts/conftest.py`` (foreign_a id 1,
local_b id 2, foreign_c id 3, quorum 2) but small core brackets (1000 and 5000 wei), so
payments straddle them. Partners get a little ether: registering an asset and withdrawing
are their own transactions.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_account.signers.local import LocalAccount
from eth_utils import keccak

from ledger.chain.compiler import Build
from ledger.chain.eip712 import Domain, StructType
from ledger.chain.gateway import Bound, Chain, Receipt
from ledger.chain.registry import UNBOUNDED, Bracket, ProjectRegistryGateway, Side, Tier
from ledger.chain.rights import (
    ForegroundRegistryGateway,
    RevenueSharingGateway,
    RightsColumn,
    TieredRightsGateway,
    deploy_rights,
)
from ledger.errors import ContractReverted
from tests.contracts.conftest import Project, make_project, setup_for
from tests.contracts.revenue_model import Member

SMALL_BRACKETS = [Bracket(1000, 7000), Bracket(5000, 6500), Bracket(UNBOUNDED, 6000)]
ROOT = keccak(b"snapshot root")
INPUTS = keccak(b"snapshot inputs")
ETHER = 10**18


def reverted(exc: pytest.ExceptionInfo[ContractReverted], error: str, **values: object) -> None:
    assert exc.value.error == error, exc.value
    assert exc.value.values == values


def fund(chain: Chain, address: str, value: int) -> Receipt:
    """Send ether from the operator."""
    return chain.send_value(address, value)


@dataclass(frozen=True)
class RightsEnv:
    chain: Chain
    registry: ProjectRegistryGateway
    rights: TieredRightsGateway
    foreground: ForegroundRegistryGateway
    revenue: RevenueSharingGateway
    project: Project
    token: str | None = None

    @property
    def quorum(self) -> list[LocalAccount]:
        return [self.project.foreign_a, self.project.local_b]

    def column(self, tier: Tier) -> RightsColumn:
        p = self.project
        a, b, c = p.foreign_a.address, p.local_b.address, p.foreign_c.address
        if tier == Tier.CORE:
            return RightsColumn.of({a: 4000, b: 3500, c: 2500})
        if tier == Tier.APPLICATION:
            return RightsColumn.of({a: 3334, b: 3333, c: 3333}, {a: 5000, b: 3000, c: 2000})
        return RightsColumn.of({a: 2400, b: 5100, c: 2500})

    def commit(
        self, tier: Tier, column: RightsColumn | None = None, snapshot_id: int = 1
    ) -> Receipt:
        column = column or self.column(tier)
        sigs = self.rights.sign_snapshot(
            self.quorum, self.project.id, snapshot_id, tier, column, ROOT, INPUTS
        )
        return self.rights.commit_snapshot(
            self.project.id, snapshot_id, tier, column, ROOT, INPUTS, sigs
        )

    def asset(self, tier: Tier, label: str = "asset") -> int:
        return self.foreground.register_asset(
            self.project.id,
            tier,
            keccak(f"{label}-{int(tier)}".encode()),
            partner=self.project.local_b,
        )

    def members(self, partners: tuple[str, ...], bps: tuple[int, ...]) -> list[Member]:
        out = []
        for address, share in zip(partners, bps, strict=True):
            partner_id, side = self.registry.partner(self.project.id, address)
            out.append(Member(address, partner_id, Side(side), share))
        return out


def make_env(
    chain: Chain, build: Build, registry: ProjectRegistryGateway, *, token: str | None = None
) -> RightsEnv:
    setup = setup_for(chain, quorum=2, **({"token": token} if token else {}))
    members = make_project(registry, dataclasses.replace(setup, brackets=SMALL_BRACKETS))
    for partner in members.partners:
        if chain.balance(partner.address) < ETHER // 10:
            fund(chain, partner.address, ETHER)
    deployed = deploy_rights(chain, build, registry.address)
    return RightsEnv(
        chain,
        registry,
        deployed.rights,
        deployed.foreground,
        deployed.revenue,
        members,
        token,
    )


@pytest.fixture
def env(chain: Chain, build: Build, registry: ProjectRegistryGateway) -> RightsEnv:
    return make_env(chain, build, registry)


def recovered(
    domain: Domain, primary: str, fields: StructType, message: dict[str, object], signature: bytes
) -> str:
    """The address a signature recovers to over ``message`` (as a contract sees it, lower-case)."""
    signable = encode_typed_data(
        domain_data=domain.as_dict(), message_types={primary: fields}, message_data=message
    )
    return Account.recover_message(signable, signature=signature).lower()


def deploy_token(chain: Chain, build: Build) -> Bound:
    bound, _ = chain.deploy(build["TestToken"], "Test Token", "TT")
    return bound
