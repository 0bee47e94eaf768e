"""Helpers for the escrow and dispute tests: the deployed environment and its shortcuts."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from eth_account.signers.local import LocalAccount

from ledger.chain.compiler import Build
from ledger.chain.disputes import DisputeResolutionGateway
from ledger.chain.escrow import MilestoneEscrowGateway
from ledger.chain.gateway import Bound, Chain, Receipt
from ledger.chain.payout_tree import PayoutTree
from ledger.chain.registry import ProjectRegistryGateway
from ledger.errors import ContractReverted
from tests.contracts.conftest import Project

ETHER = 10**18
DEPOSIT = 10 * ETHER


def reverted(exc: pytest.ExceptionInfo[ContractReverted], error: str, **values: object) -> None:
    assert exc.value.error == error, exc.value
    assert exc.value.values == values


@dataclass
class Env:
    chain: Chain
    registry: ProjectRegistryGateway
    escrow: MilestoneEscrowGateway
    disputes: DisputeResolutionGateway
    project: Project
    relay: Bound | None = None

    @property
    def pid(self) -> int:
        return self.project.id

    @property
    def funder(self) -> LocalAccount:
        return self.chain.accounts[1]

    @property
    def sender(self) -> LocalAccount:
        return self.chain.accounts[2]

    def tree(self, *amounts: int) -> PayoutTree:
        """A payout tree paying the partners (cycled) the given amounts."""
        partners = self.project.partners
        return PayoutTree.of([(partners[i % 3].address, a) for i, a in enumerate(amounts)])

    def release(self, milestone_id: int, tree: PayoutTree, total: int | None = None) -> None:
        total = tree.total if total is None else total
        quorum = [self.project.foreign_a, self.project.local_b]
        self.escrow.release(self.pid, milestone_id, tree.root, total, quorum, sender=self.sender)

    def open_claims(self, milestone_id: int) -> None:
        """Move past the dispute window of a released milestone."""
        opens = self.escrow.milestone(self.pid, milestone_id).claims_open_at
        now = self.chain.block().timestamp
        if opens > now:
            self.chain.advance_time(opens - now)

    def close_claims(self, milestone_id: int) -> None:
        """Move past the claim window of a released milestone."""
        deadline = self.escrow.milestone(self.pid, milestone_id).claim_deadline
        self.chain.advance_time(deadline - self.chain.block().timestamp + 1)

    def released_ids(self, project_id: int | None = None) -> list[int]:
        """Every milestone id the escrow ever released for the project (from its events)."""
        pid = self.pid if project_id is None else project_id
        events = self.chain.events(
            self.escrow.bound, "MilestoneReleased", filters={"projectId": pid}
        )
        return sorted({int(e["args"]["milestoneId"]) for e in events})

    def paid_out(self, project_id: int | None = None) -> int:
        """Claims of every released milestone, refunds and withdrawn fees of the project."""
        pid = self.pid if project_id is None else project_id
        return self.escrow.paid_out(pid, self.released_ids(pid))

    def terminate(self) -> None:
        self.registry.terminate(
            self.pid, b"\x01" * 32, [self.project.foreign_a, self.project.local_b]
        )


def deploy_escrow(chain: Chain, build: Build, registry: ProjectRegistryGateway) -> Bound:
    bound, _ = chain.deploy(build["MilestoneEscrow"], registry.address, chain.operator.address)
    return bound


def apply_ruling(
    env: Env,
    milestone_id: int,
    outcome: int,
    *,
    root: bytes = bytes(32),
    total: int = 0,
    arbiter: str | None = None,
    fee: int = 0,
) -> Receipt:
    """Apply a ruling through the seam's RulingRelay (its stand-in disputes contract)."""
    assert env.relay is not None
    return env.chain.transact(
        env.relay,
        "relay",
        env.escrow.address,
        env.pid,
        milestone_id,
        int(outcome),
        root,
        total,
        arbiter or env.project.arbiter.address,
        fee,
        sender=env.chain.accounts[5],
        gas=300_000,
    )


@dataclass
class TokenProject:
    id: int
    token: Bound
    escrow: MilestoneEscrowGateway


def mint_and_approve(
    chain: Chain, token: Bound, owner: LocalAccount, spender: str, amount: int
) -> None:
    chain.transact(token, "mint", owner.address, amount, sender=owner, gas=100_000)
    chain.transact(token, "approve", spender, amount, sender=owner, gas=100_000)


def fund(chain: Chain, to: str, amount: int = 10**18) -> None:
    """Send ether to a signing-only account (partners, arbiters) so it can send transactions."""
    sender = chain.accounts[9]
    w3 = chain.w3
    tx = {
        "to": to,
        "value": amount,
        "gas": 21_000,
        "nonce": w3.eth.get_transaction_count(sender.address, "pending"),
        "chainId": chain.chain_id,
        "maxFeePerGas": 2 * w3.eth.get_block("latest")["baseFeePerGas"] + 10**9,
        "maxPriorityFeePerGas": 10**9,
    }
    tx_hash = w3.eth.send_raw_transaction(sender.sign_transaction(tx).raw_transaction)
    assert w3.eth.wait_for_transaction_receipt(tx_hash)["status"] == 1
