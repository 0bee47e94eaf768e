"""The gas report of ``python scripts/bench.py gas``: every lifecycle call, against baselines.

Everything is measured in one run on a fresh embedded chain: the ledger's contracts, a
minimal Merkle-claim distributor (``scripts/bench_contracts/BaselineMerkleDistributor.sol``)
and OpenZeppelin 4.9's PaymentSplitter (npm alias ``oz-v4``, benchmarks only), paying the
same partners the same amounts. "Fresh" recipients hold no ether before they are paid
(paying a new account costs 25,000 gas more); each comparison pays fresh accounts on both
sides, reverting the chain in between.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import keccak

from ledger.chain.compiler import Build, compile_contracts, project_root
from ledger.chain.disputes import DisputeResolutionGateway
from ledger.chain.embedded import EmbeddedNode
from ledger.chain.escrow import MilestoneEscrowGateway
from ledger.chain.gateway import Chain, embedded_chain
from ledger.chain.payout_tree import PayoutTree
from ledger.chain.registry import (
    AgreementTerms,
    ProjectRegistryGateway,
    ProjectSetup,
    Side,
    Tier,
)
from ledger.chain.rights import (
    ForegroundRegistryGateway,
    RevenueSharingGateway,
    RightsColumn,
    TieredRightsGateway,
)

SIZES = (2, 20, 200)
QUORUM = 2
ETHER = 10**18


def member(label: str) -> LocalAccount:
    return Account.from_key(keccak(f"gas report {label}".encode()))


def run(cache_dir: Path, sizes: Sequence[int] = SIZES) -> dict[str, Any]:
    """Measure every call; returns the report (gas as integers, ratios as floats).

    ``sizes`` are the partner counts of the projects paid a milestone: ascending, the
    first 2 (the rights and revenue calls use that project), every one at least 2.
    """
    if sizes[0] != 2 or list(sizes) != sorted(set(sizes)):
        raise ValueError("sizes must start at 2 and ascend, e.g. 2, 20, 200")
    root = project_root()
    build = compile_contracts(root=root, cache_dir=cache_dir)
    baselines = compile_contracts(
        root=root, cache_dir=cache_dir, sources_dir=root / "scripts" / "bench_contracts"
    )
    chain = embedded_chain(EmbeddedNode())
    try:
        return _measure(chain, build, baselines, sizes)
    finally:
        chain.close()


def _measure(chain: Chain, build: Build, baselines: Build, sizes: Sequence[int]) -> dict[str, Any]:
    report: dict[str, Any] = {"deploy_gas": {}, "plain_transfer_gas": 21_000}
    deploy = report["deploy_gas"]

    registry_bound, receipt = chain.deploy(build["ProjectRegistry"], chain.operator.address)
    deploy["ProjectRegistry"] = receipt.gas_used
    registry = ProjectRegistryGateway(chain, registry_bound)
    escrow_bound, receipt = chain.deploy(
        build["MilestoneEscrow"], registry.address, chain.operator.address
    )
    deploy["MilestoneEscrow"] = receipt.gas_used
    escrow = MilestoneEscrowGateway(chain, escrow_bound)
    disputes_bound, receipt = chain.deploy(
        build["DisputeResolution"], registry.address, escrow.address
    )
    deploy["DisputeResolution"] = receipt.gas_used
    escrow.bind_disputes(DisputeResolutionGateway(chain, disputes_bound).address)
    for name, args in [
        ("RecordAnchor", (registry.address,)),
        ("CredentialRegistry", (chain.operator.address,)),
        ("BackgroundEscrow", (registry.address, escrow.address)),
    ]:
        deploy[name] = chain.deploy(build[name], *args)[1].gas_used
    rights_bound, receipt = chain.deploy(build["TieredRights"], registry.address)
    deploy["TieredRights"] = receipt.gas_used
    foreground_bound, receipt = chain.deploy(
        build["ForegroundRegistry"], registry.address, rights_bound.address
    )
    deploy["ForegroundRegistry+RevenueSharing"] = receipt.gas_used
    rights = TieredRightsGateway(chain, rights_bound)
    foreground = ForegroundRegistryGateway(chain, foreground_bound)
    revenue = RevenueSharingGateway(
        chain, chain.at(build["RevenueSharing"], foreground.revenue_address())
    )

    # -- projects of 2, 20 and 200 partners; the quorum is 2 in all of them
    projects: dict[int, tuple[int, list[LocalAccount]]] = {}
    join_gas: list[int] = []
    for size in sizes:
        project_id = registry.create_project(
            ProjectSetup(
                terms=AgreementTerms(
                    agreement_hash=keccak(f"agreement {size}".encode()),
                    ledger_signer=chain.operator.address,
                    quorum=QUORUM,
                    dispute_window=0,
                ),
                territories=["DE"],
                industries=["C26"],
            )
        )
        partners = [member(f"{size}-{i}") for i in range(size)]
        for i, partner in enumerate(partners):
            side = Side.FOREIGN if i % 2 == 0 else Side.LOCAL
            signature = registry.join_signature(project_id, partner, side)
            join_gas.append(registry.join(project_id, partner.address, side, signature).gas_used)
        projects[size] = (project_id, partners)
    report["join_gas_first"] = join_gas[0]
    report["join_gas_later"] = join_gas[-1]

    # -- milestone release and claims, per partner count
    report["release_gas"] = {}
    report["escrow_total_per_partner_gas"] = {}
    report["baseline_total_per_partner_gas"] = {}
    report["paymentsplitter_total_per_partner_gas"] = {}
    report["escrow_milestone_gas"] = {}
    report["claim_gas_mean"] = {}
    report["baseline_milestone_gas"] = {}
    report["paymentsplitter_milestone_gas"] = {}
    report["plain_transfer_milestone_gas"] = {}
    report["escrow_per_partner_vs_transfer_ratio"] = {}
    for size in sizes:
        project_id, partners = projects[size]
        tree = PayoutTree.of([(p.address, ETHER + i) for i, p in enumerate(partners)])
        escrow.deposit(project_id, tree.total, sender=chain.operator)
        signers = partners[:QUORUM]
        start = chain.snapshot()
        release = escrow.release(project_id, 1, tree.root, tree.total, signers)
        report["release_gas"][str(size)] = release.gas_used
        claims = [escrow.claim_leaf(project_id, 1, tree, i).gas_used for i in range(size)]
        report["escrow_total_per_partner_gas"][str(size)] = (release.gas_used + sum(claims)) // size
        report["escrow_milestone_gas"][str(size)] = release.gas_used + sum(claims)
        report["claim_gas_mean"][str(size)] = sum(claims) // size
        report["plain_transfer_milestone_gas"][str(size)] = 21_000 * size
        report["escrow_per_partner_vs_transfer_ratio"][str(size)] = (
            (release.gas_used + sum(claims)) / size / 21_000
        )
        if size == sizes[-1]:
            report["claim_gas_first"] = claims[0]
            report["claim_gas_later"] = claims[1]
        chain.revert(start)

        baseline, receipt = chain.deploy(
            baselines["BaselineMerkleDistributor"], tree.root, value=tree.total
        )
        baseline_claims = [
            chain.transact(
                baseline,
                "claim",
                i,
                tree.payouts[i].account,
                tree.payouts[i].amount,
                tree.proof(i),
                gas=200_000,
            ).gas_used
            for i in range(size)
        ]
        chain.revert(start)
        report["baseline_total_per_partner_gas"][str(size)] = (
            receipt.gas_used + sum(baseline_claims)
        ) // size
        report["baseline_milestone_gas"][str(size)] = receipt.gas_used + sum(baseline_claims)
        if size == sizes[-1]:
            report["baseline_merkle_claim_gas_first"] = baseline_claims[0]
            report["baseline_merkle_claim_gas_later"] = baseline_claims[1]

        splitter, receipt = chain.deploy(
            baselines["BenchPaymentSplitter"],
            [p.address for p in partners],
            [ETHER + i for i in range(size)],
        )
        chain.send_value(splitter.address, tree.total, gas=60_000)
        releases = [
            chain.transact(splitter, "release", p.address, gas=150_000).gas_used for p in partners
        ]
        chain.revert(start)
        report["paymentsplitter_total_per_partner_gas"][str(size)] = (
            receipt.gas_used + sum(releases)
        ) // size
        report["paymentsplitter_milestone_gas"][str(size)] = receipt.gas_used + sum(releases)
        if size == sizes[-1]:
            report["paymentsplitter_deploy_gas"] = receipt.gas_used
            report["paymentsplitter_release_gas_first"] = releases[0]
            report["paymentsplitter_release_gas_later"] = releases[1]

    # -- rights, licences and revenue on the 2-partner project plus a third partner
    project_id, partners = projects[2]
    third = member("2-third")
    registry.join(
        project_id,
        third.address,
        Side.FOREIGN,
        registry.join_signature(project_id, third, Side.FOREIGN),
    )
    trio = [*partners, third]  # foreign, local, foreign
    column = RightsColumn.of({trio[0].address: 3500, trio[1].address: 3500, trio[2].address: 3000})
    signatures = rights.sign_snapshot(
        trio[:QUORUM], project_id, 1, Tier.CORE, column, keccak(b"root"), keccak(b"inputs")
    )
    report["snapshot_commit_gas"] = rights.commit_snapshot(
        project_id, 1, Tier.CORE, column, keccak(b"root"), keccak(b"inputs"), signatures
    ).gas_used
    chain.send_value(trio[0].address, ETHER)
    asset_id = foreground.register_asset(project_id, Tier.CORE, keccak(b"asset"), partner=trio[0])
    licensee = member("licensee")
    signatures = foreground.sign_licence(
        trio[:QUORUM], project_id, asset_id, licensee.address, "DE", "C26", ETHER
    )
    grant = chain.transact(
        foreground.bound,
        "grantLicence",
        asset_id,
        licensee.address,
        b"DE",
        b"C26\0",
        ETHER,
        signatures,
    )
    report["licence_grant_gas"] = grant.gas_used
    report["revenue_deposit_gas_first"] = revenue.deposit_revenue(asset_id, ETHER).gas_used
    report["revenue_deposit_gas_later"] = revenue.deposit_revenue(asset_id, ETHER).gas_used
    chain.send_value(trio[1].address, ETHER)
    report["revenue_withdraw_gas"] = revenue.withdraw(payee=trio[1]).gas_used

    first, last = report["release_gas"][str(sizes[0])], report["release_gas"][str(sizes[-1])]
    report[f"release_gas_growth_{sizes[-1]}_vs_{sizes[0]}"] = last / first - 1
    report["claim_vs_baseline_ratio"] = (
        report["claim_gas_first"] / report["baseline_merkle_claim_gas_first"]
    )
    return report
