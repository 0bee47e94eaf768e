"""A scenario's consortium on a fresh embedded chain: contracts, project, partners, assets.

:func:`stage` deploys the contracts the replay needs with the ledger's own recipe
(:data:`ledger.deployments.CONTRACTS`): ProjectRegistry, MilestoneEscrow with its
DisputeResolution bound to it, TieredRights and ForegroundRegistry (which deploys its
RevenueSharing). It creates the scenario's project with the agreement of the rule being
replayed (a rule's changed core band or derivative lead is enforced on chain from the
project's creation), lets every partner join with its own signature, in the scenario's
order so that the registry's partner ids are the engine's, and registers one foreground
asset per scenario asset.

The parties are eth-tester's prefunded development accounts: account 0 is the operator,
accounts 1..n the partners in the scenario's order, then the funder, the revenue payer,
the arbiter and a relayer that submits what anyone may submit (releases, commits, claims),
so that a partner's balance moves only by what it is paid.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ledger.agreements import AgreementSpec
from ledger.chain.compiler import Build
from ledger.chain.disputes import DisputeResolutionGateway
from ledger.chain.eip712 import hash_text
from ledger.chain.embedded import EmbeddedNode
from ledger.chain.escrow import MilestoneEscrowGateway
from ledger.chain.gateway import Chain, embedded_chain
from ledger.chain.registry import ProjectRegistryGateway
from ledger.chain.registry import Tier as ChainTier
from ledger.chain.rights import (
    ForegroundRegistryGateway,
    RevenueSharingGateway,
    TieredRightsGateway,
)
from ledger.deployments import CONTRACTS
from ledger.equity import Tier
from ledger.errors import ChainStateError, RuleViolation
from ledger.projects import chain_setup, chain_side
from ledger.simulation.scenario import RuleSpec, Scenario

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount

#: The contracts a replay deploys, in the order of :data:`ledger.deployments.CONTRACTS`
#: (ForegroundRegistry deploys RevenueSharing itself).
NEEDED = frozenset(
    {
        "ProjectRegistry",
        "MilestoneEscrow",
        "DisputeResolution",
        "TieredRights",
        "ForegroundRegistry",
    }
)
#: Accounts besides the partners: operator, funder, revenue payer, arbiter, relayer.
EXTRA_ACCOUNTS = 5


def chain_tier(tier: Tier) -> ChainTier:
    """The contracts' tier number of an engine tier."""
    return ChainTier[tier.name]


@dataclass(frozen=True)
class Parties:
    """Who signs and who sends; ``partners[i]`` is partner id ``i + 1``."""

    operator: LocalAccount
    partners: tuple[LocalAccount, ...]
    funder: LocalAccount
    payer: LocalAccount
    arbiter: LocalAccount
    relayer: LocalAccount
    quorum: tuple[LocalAccount, ...]

    def address(self, partner_id: int) -> str:
        return str(self.partners[partner_id - 1].address)


@dataclass(frozen=True)
class Stage:
    """The deployed consortium, as every replayed run starts from it."""

    chain: Chain
    registry: ProjectRegistryGateway
    escrow: MilestoneEscrowGateway
    disputes: DisputeResolutionGateway
    rights: TieredRightsGateway
    foreground: ForegroundRegistryGateway
    revenue: RevenueSharingGateway
    project_id: int
    spec: AgreementSpec
    parties: Parties
    assets: tuple[int, ...]  # the chain's asset id of each scenario asset, in order


def require_tiered(scenario: Scenario, rule: str) -> RuleSpec:
    """The spec of ``rule``, if the contracts implement it.

    Raises:
        ScenarioError: for a rule the scenario does not know.
        RuleViolation: for an ``equal`` or ``contribution`` rule: the contracts implement
            the tiered model of Table 2 only.
    """
    spec = scenario.rule(rule)
    if spec.kind != "tiered":
        raise RuleViolation(
            "only tiered rules can be replayed on chain (the contracts implement the tiered "
            f"rights model of Table 2); rule {rule!r} is of kind {spec.kind!r}",
            field="rule",
            value=rule,
        )
    return spec


def stage(scenario: Scenario, rule: RuleSpec, build: Build) -> Stage:
    """Deploy the contracts on a new embedded chain and set the scenario's project up.

    Raises:
        RuleViolation: if the agreement's terms for the chain differ from the engine's.
        ChainStateError: if the registry numbers the partners otherwise than the scenario.
    """
    count = len(scenario.partners)
    chain = embedded_chain(EmbeddedNode(accounts=count + EXTRA_ACCOUNTS))
    try:
        return _stage(chain, scenario, rule, build)
    except BaseException:
        chain.close()
        raise


def _stage(chain: Chain, scenario: Scenario, rule: RuleSpec, build: Build) -> Stage:
    accounts = chain.accounts
    count = len(scenario.partners)
    partners = tuple(accounts[1 : count + 1])
    funder, payer, arbiter, relayer = accounts[count + 1 : count + 5]
    spec = scenario.agreement_spec(
        {p.key: partners[i].address for i, p in enumerate(scenario.partners)},
        arbiters={"Replay arbiter": arbiter.address},
        **scenario.rule_changes(rule),
    )
    if spec.equity_terms() != scenario.equity_terms(rule):
        raise RuleViolation("the replayed agreement's terms differ from the rule's", field="rule")
    parties = Parties(
        chain.operator,
        partners,
        funder,
        payer,
        arbiter,
        relayer,
        quorum=partners[: spec.quorum.partners],
    )
    addresses = _deploy(chain, build)
    registry = ProjectRegistryGateway(
        chain, chain.at(build["ProjectRegistry"], addresses["ProjectRegistry"])
    )
    foreground = ForegroundRegistryGateway(
        chain, chain.at(build["ForegroundRegistry"], addresses["ForegroundRegistry"])
    )
    project_id = registry.create_project(chain_setup(spec, ledger_signer=chain.operator.address))
    for number, (member, account) in enumerate(zip(scenario.partners, partners, strict=True), 1):
        side = chain_side(scenario.side_of(member))
        signature = registry.join_signature(project_id, account, side)
        registry.join(project_id, account.address, side, signature, sender=relayer)
        if registry.partner(project_id, account.address)[0] != number:
            raise ChainStateError(f"partner {member.key!r} joined with another id than {number}")
    assets = tuple(
        foreground.register_asset(
            project_id,
            chain_tier(asset.tier),
            hash_text(f"{scenario.name}/assets[{index}]/{asset.title}"),
            partner=partners[0],
        )
        for index, asset in enumerate(scenario.assets)
    )
    return Stage(
        chain=chain,
        registry=registry,
        escrow=MilestoneEscrowGateway(
            chain, chain.at(build["MilestoneEscrow"], addresses["MilestoneEscrow"])
        ),
        disputes=DisputeResolutionGateway(
            chain, chain.at(build["DisputeResolution"], addresses["DisputeResolution"])
        ),
        rights=TieredRightsGateway(
            chain, chain.at(build["TieredRights"], addresses["TieredRights"])
        ),
        foreground=foreground,
        revenue=RevenueSharingGateway(
            chain, chain.at(build["RevenueSharing"], foreground.revenue_address())
        ),
        project_id=project_id,
        spec=spec,
        parties=parties,
        assets=assets,
    )


def _deploy(chain: Chain, build: Build) -> dict[str, str]:
    """Deploy the contracts of :data:`NEEDED` in the ledger's order, with its arguments."""
    addresses: dict[str, str] = {}
    for name, spec in CONTRACTS.items():
        if name not in NEEDED:
            continue
        bound, _ = chain.deploy(build[name], *spec.arguments(chain, addresses))
        addresses[name] = bound.address
        if spec.wire is not None:
            spec.wire(chain, build, addresses)
    return addresses
