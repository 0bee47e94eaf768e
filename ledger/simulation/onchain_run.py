"""One replayed run: the walk through a run's releases and payments on the staged chain.

:class:`RunReplay` sends each act as its party would (see
:mod:`ledger.simulation.onchain`) and compares, as it goes, what the chain paid or
credited with the run's :class:`~ledger.simulation.rules.Outcome`; the first difference
is a :class:`~ledger.simulation.onchain_errors.ReplayMismatch`.
"""

from __future__ import annotations

from collections.abc import Mapping

from ledger.chain.gateway import Receipt
from ledger.chain.payout_tree import PayoutTree
from ledger.chain.rights import (
    GAS_PER_PARTNER_CREDITED,
    GAS_REVENUE,
    NegotiatedSplit,
    RightsColumn,
)
from ledger.equity import Column, Tier
from ledger.errors import RuleViolation
from ledger.simulation.onchain_errors import ReplayMismatch
from ledger.simulation.onchain_setup import Stage, chain_tier
from ledger.simulation.rules import Outcome, Payment, Release
from ledger.simulation.scenario import Scenario
from ledger.simulation.world import DAY

#: Gas limits of the calls whose gateways leave the limit to the node's estimate, which
#: py-evm computes by a binary search of about a dozen executions. Generous bounds (unused
#: gas is refunded): measured with 3 partners, a tier's first commit costs 317k (core) or
#: 368k (application), the negotiated split 238k (docs/contracts.md); each partner in a
#: column adds new storage and a registry lookup.
GAS_COMMIT = 200_000
GAS_COMMIT_PER_PARTNER = 100_000
GAS_PER_SIGNATURE = 15_000


def commit_gas(partners: int, signatures: int) -> int:
    """The gas limit of a column or split commit: partners' entries and signatures checked."""
    return GAS_COMMIT + GAS_COMMIT_PER_PARTNER * partners + GAS_PER_SIGNATURE * signatures


class RunReplay:
    """One replay in progress: the chain's clock, what is committed, what was sent."""

    def __init__(
        self, stage: Stage, scenario: Scenario, outcome: Outcome, index: int, seed: int
    ) -> None:
        self.stage = stage
        self.scenario = scenario
        self.outcome = outcome
        self.index = index
        self.seed = seed
        self.ids = outcome.partner_ids
        self.start = stage.chain.block().timestamp
        self.step = "funding"  # what is being done, for a refusal's message
        self.committed: dict[Tier, int] = {}  # the snapshot id of each tier's column
        self.split_set = False
        self.seen = [0] * len(scenario.assets)  # payments of each asset so far
        self.payments = self.transactions = self.gas_used = 0
        self.milestone_wei = self.revenue_wei = 0

    def _sent(self, receipt: Receipt) -> Receipt:
        self.transactions += 1
        self.gas_used += receipt.gas_used
        return receipt

    def _differs(
        self, what: str, expected: int, actual: int, partner_id: int | None, unit: str = "wei"
    ) -> ReplayMismatch:
        key = self.scenario.partners[partner_id - 1].key if partner_id is not None else None
        return ReplayMismatch(
            index=self.index,
            seed=self.seed,
            what=what,
            expected=expected,
            actual=actual,
            partner_id=partner_id,
            partner_key=key,
            unit=unit,
        )

    def _affordable(self, account: str, amount: int, role: str) -> None:
        held = self.stage.chain.balance(account)
        if held < amount + 10**18:  # an ether of headroom for gas
            raise RuleViolation(
                f"the replay's {role} holds {held} wei on the development chain, too little to "
                f"pay {amount} wei; the scenario's amounts are too large to replay",
                field="scenario",
            )

    def move_to(self, day: int) -> None:
        """Move the chain's clock to ``day`` of the run, if it is not past it already."""
        target = self.start + day * DAY
        now = self.stage.chain.block().timestamp
        if target > now:
            self.stage.chain.advance_time(target - now)

    def fund(self) -> None:
        stage, amount = self.stage, self.scenario.funding.amount
        funder = stage.parties.funder
        self._affordable(funder.address, amount, "funder")
        self._affordable(
            stage.parties.payer.address, sum(p.amount for p in self.outcome.payments), "payer"
        )
        self._sent(stage.escrow.deposit(stage.project_id, amount, sender=funder))

    # ------------------------------------------------------------------ milestones

    def release(self, release: Release) -> None:
        """Release a milestone by quorum, commit its columns, claim every leaf, compare."""
        stage, parties = self.stage, self.stage.parties
        snapshot = release.snapshot
        if snapshot is None:
            raise RuleViolation("a tiered release carries its snapshot", field="outcome")
        milestone_id = release.milestone + 1
        what = f"milestone {milestone_id} ({self.scenario.milestones[release.milestone].title})"
        self.step = f"{what} release"
        wei = snapshot.payouts(release.amount)
        tree = PayoutTree.of([(parties.address(n), wei[n]) for n in sorted(wei)])
        arbiter = parties.arbiter if stage.spec.quorum.arbiter else None
        self._sent(
            stage.escrow.release(
                stage.project_id,
                milestone_id,
                tree.root,
                tree.total,
                parties.quorum,
                arbiter=arbiter,
                sender=parties.relayer,
            )
        )
        for tier, column in snapshot.columns.items():
            self._commit(milestone_id, tier, column, tree.root, snapshot.inputs_hash, release, what)
        opens = stage.escrow.milestone(stage.project_id, milestone_id).claims_open_at
        now = stage.chain.block().timestamp
        if opens > now:
            stage.chain.advance_time(opens - now)
        self.step = f"{what} claims"
        for leaf, partner_id in enumerate(sorted(wei)):
            account = parties.address(partner_id)
            before = stage.chain.balance(account)
            self._sent(
                stage.escrow.claim_leaf(
                    stage.project_id, milestone_id, tree, leaf, sender=parties.relayer
                )
            )
            paid = stage.chain.balance(account) - before
            expected = release.payouts.get(partner_id, 0)
            if paid != expected:
                raise self._differs(f"{what} payout", expected, paid, partner_id)
            self.milestone_wei += paid
        claimed = stage.escrow.milestone(stage.project_id, milestone_id).claimed
        if claimed != release.amount:
            raise self._differs(f"{what} claims", release.amount, claimed, None)

    def _commit(
        self,
        milestone_id: int,
        tier: Tier,
        column: Column,
        root: bytes,
        inputs_hash: str,
        release: Release,
        what: str,
    ) -> None:
        """Commit a tier's column, unless the chain holds a later milestone's already.

        A milestone decided after a later one (a long dispute) keeps the later snapshot in
        force, on chain (``TieredRightsStaleSnapshot``) as in the model.
        """
        if self.committed.get(tier, 0) >= milestone_id:
            return
        self.step = f"{what} {tier} column"
        stage, parties = self.stage, self.stage.parties
        shares = column.shares
        rights = {parties.address(s.partner_id): s.rights for s in shares}
        profit = (
            {parties.address(s.partner_id): s.profit or 0 for s in shares}
            if tier is Tier.APPLICATION
            else None
        )
        committed = RightsColumn.of(rights, profit)
        digest = bytes.fromhex(inputs_hash)
        signatures = stage.rights.sign_snapshot(
            parties.quorum,
            stage.project_id,
            milestone_id,
            chain_tier(tier),
            committed,
            root,
            digest,
        )
        gas = commit_gas(len(committed.partners), len(signatures))
        self._sent(
            stage.rights.commit_snapshot(
                stage.project_id,
                milestone_id,
                chain_tier(tier),
                committed,
                root,
                digest,
                signatures,
                sender=parties.relayer,
                gas=gas,
            )
        )
        self.committed[tier] = milestone_id
        held = stage.rights.column(stage.project_id, chain_tier(tier)).column
        on_chain = dict(zip(held.partners, held.rights_bps, strict=True))
        reported = release.columns.get(tier, {})
        for partner_id in self.ids:
            expected = reported.get(partner_id, 0)
            actual = on_chain.get(parties.address(partner_id), 0)
            if expected != actual:
                raise self._differs(f"{what} {tier} column", expected, actual, partner_id, "bps")

    # ------------------------------------------------------------------ revenue

    def pay(self, payment: Payment) -> None:
        """Deposit a revenue payment and compare the contract's split with the model's."""
        stage = self.stage
        self.seen[payment.asset] += 1
        title = self.scenario.assets[payment.asset].title
        what = f"revenue of asset {payment.asset + 1} ({title}) payment {self.seen[payment.asset]}"
        if payment.amount == 0:
            return
        negotiated = self.scenario.negotiated_split()
        if payment.tier is Tier.DERIVATIVE and negotiated is not None:
            self._set_split(negotiated)
        else:
            source = self.outcome.releases[payment.release].milestone + 1
            held = stage.rights.column(stage.project_id, chain_tier(payment.tier)).snapshot_id
            if held != source:
                raise self._differs(
                    f"{what}: snapshot of the column sharing it", source, held, None, ""
                )
        self.step = what
        asset_id = stage.assets[payment.asset]
        gas = GAS_REVENUE + GAS_PER_PARTNER_CREDITED * len(self.ids)
        receipt = self._sent(
            stage.revenue.deposit_revenue(
                asset_id, payment.amount, sender=stage.parties.payer, gas=gas
            )
        )
        (received,) = stage.revenue.received(receipt)
        if received.cumulative - payment.amount != payment.cumulative_before:
            raise self._differs(
                f"{what}: the asset's revenue before it",
                payment.cumulative_before,
                received.cumulative - payment.amount,
                None,
            )
        credited = {partner: amount for partner, (_, amount) in received.credits.items()}
        self._compare(what, payment.shares, credited)
        self.payments += 1
        self.revenue_wei += sum(credited.values())

    def _compare(self, what: str, shares: Mapping[int, int], credited: Mapping[str, int]) -> None:
        parties = self.stage.parties
        for partner_id in self.ids:
            expected = shares.get(partner_id, 0)
            actual = credited.get(parties.address(partner_id), 0)
            if expected != actual:
                raise self._differs(what, expected, actual, partner_id)
        members = {parties.address(p) for p in self.ids}
        stray = sum(amount for partner, amount in credited.items() if partner not in members)
        if stray:
            raise self._differs(f"{what}: credited to non-partners", 0, stray, None)

    def _set_split(self, negotiated: Mapping[int, int]) -> None:
        """Set the negotiated derivative split, signed by every partner, once per run."""
        if self.split_set:
            return
        self.step = "the negotiated derivative split"
        stage, parties = self.stage, self.stage.parties
        by_address = {parties.address(p): bps for p, bps in negotiated.items()}
        for partner_id in self.ids:
            by_address.setdefault(parties.address(partner_id), 0)
        order = sorted(by_address, key=lambda a: int(a, 16))
        split = NegotiatedSplit(1, tuple(order), tuple(by_address[a] for a in order))
        signatures = stage.rights.sign_negotiated_split(parties.partners, stage.project_id, split)
        gas = commit_gas(len(split.partners), len(signatures))
        self._sent(
            stage.rights.set_negotiated_split(
                stage.project_id, split, signatures, sender=parties.relayer, gas=gas
            )
        )
        self.split_set = True
