"""DisputeResolution: partners open, all partners settle, arbiters rule in time, else it lapses."""

from __future__ import annotations

import pytest

from ledger.chain.disputes import DisputeStatus, Subject
from ledger.chain.escrow import MilestoneStatus
from ledger.chain.registry import Outcome
from ledger.errors import ContractReverted
from tests.contracts.escrow_support import DEPOSIT, Env, fund, reverted

pytest_plugins = ["tests.contracts.escrow_fixtures"]

EVIDENCE = b"\x0e" * 32
DAY = 86_400


@pytest.fixture
def ready(funded: Env) -> Env:
    """Funded escrow; partner foreign_a and the arbiter hold ether to send transactions."""
    fund(funded.chain, funded.project.foreign_a.address)
    fund(funded.chain, funded.project.arbiter.address)
    return funded


def open_on(env: Env, milestone_id: int, subject: Subject = Subject.MILESTONE) -> int:
    return env.disputes.open_dispute(
        env.pid, subject, milestone_id, EVIDENCE, sender=env.project.foreign_a
    )


def test_open_dispute_freezes_release_and_lapse_unfreezes(ready: Env) -> None:
    env = ready
    dispute_id = open_on(env, 1)
    d = env.disputes.dispute(dispute_id)
    assert (d.project_id, d.subject, d.subject_id, d.status) == (
        env.pid,
        Subject.MILESTONE,
        1,
        DisputeStatus.OPEN,
    )
    assert d.opened_by == env.project.foreign_a.address
    assert env.disputes.is_frozen(env.pid, 1)
    with pytest.raises(ContractReverted) as exc:
        env.release(1, env.tree(5))
    reverted(exc, "MilestoneEscrowFrozen", projectId=env.pid, milestoneId=1)
    deadline = d.opened_at + 14 * DAY
    with pytest.raises(ContractReverted) as exc:
        env.disputes.lapse(dispute_id)
    reverted(exc, "DisputeResolutionArbitrationRunning", disputeId=dispute_id, deadline=deadline)
    env.chain.advance_time(15 * DAY)
    receipt = env.disputes.lapse(dispute_id)
    (event,) = env.chain.decode_events(env.disputes.bound, "DisputeLapsed", receipt)
    assert event["args"]["outcome"] == Outcome.UPHOLD
    assert not env.disputes.is_frozen(env.pid, 1)
    env.release(1, env.tree(5))
    with pytest.raises(ContractReverted) as exc:
        env.disputes.lapse(dispute_id)
    reverted(exc, "DisputeResolutionAlreadyResolved", disputeId=dispute_id, status=4)


def test_dispute_on_released_milestone_freezes_claims_and_reject_ruling(ready: Env) -> None:
    env, chain = ready, ready.chain
    tree = env.tree(100, 200)
    env.release(1, tree)
    dispute_id = open_on(env, 1)
    env.open_claims(1)
    with pytest.raises(ContractReverted) as exc:
        env.escrow.claim_leaf(env.pid, 1, tree, 0)
    reverted(exc, "MilestoneEscrowFrozen", projectId=env.pid, milestoneId=1)
    with pytest.raises(ContractReverted) as exc:
        env.disputes.rule(dispute_id, Outcome.REJECT, sender=env.project.foreign_a)
    reverted(
        exc,
        "DisputeResolutionNotArbiter",
        projectId=env.pid,
        account=env.project.foreign_a.address.lower(),
    )
    with pytest.raises(ContractReverted) as exc:
        env.disputes.rule(dispute_id, Outcome.REJECT, fee=16, sender=env.project.arbiter)
    reverted(exc, "DisputeResolutionFeeAboveCap", fee=16, cap=15)  # 500 bps of 300
    receipt = env.disputes.rule(dispute_id, Outcome.REJECT, fee=15, sender=env.project.arbiter)
    (event,) = chain.decode_events(env.disputes.bound, "DisputeRuled", receipt)
    assert event["args"]["arbiter"] == env.project.arbiter.address
    assert env.escrow.milestone(env.pid, 1).status == MilestoneStatus.REJECTED
    assert env.escrow.available(env.pid) == DEPOSIT - 15
    before = chain.balance(env.project.arbiter.address)
    receipt = env.escrow.withdraw_fee(env.pid, sender=env.project.arbiter)
    price = chain.w3.eth.get_transaction_receipt(receipt.tx_hash)["effectiveGasPrice"]
    assert chain.balance(env.project.arbiter.address) == before + 15 - receipt.gas_used * price
    assert chain.balance(env.escrow.address) == DEPOSIT - 15


def test_window_closes_when_claims_open(ready: Env) -> None:
    env = ready
    tree = env.tree(100)
    env.release(1, tree)
    opens = env.escrow.milestone(env.pid, 1).claims_open_at
    env.open_claims(1)
    with pytest.raises(ContractReverted) as exc:
        open_on(env, 1)
    reverted(exc, "DisputeResolutionWindowClosed", projectId=env.pid, milestoneId=1, deadline=opens)
    env.close_claims(1)
    env.escrow.sweep(env.pid, 1)
    with pytest.raises(ContractReverted) as exc:
        open_on(env, 1)
    reverted(exc, "DisputeResolutionWindowClosed", projectId=env.pid, milestoneId=1, deadline=0)


def test_settlement_by_every_partner_replaces_payout(ready: Env) -> None:
    env, chain = ready, ready.chain
    env.release(1, env.tree(100, 200))
    dispute_id = open_on(env, 1)
    better = env.tree(120, 180, 30)
    two = [env.project.foreign_a, env.project.local_b]
    with pytest.raises(ContractReverted) as exc:
        env.disputes.settle(
            dispute_id, Outcome.REPLACE, two, new_root=better.root, new_total=better.total
        )
    reverted(exc, "PartnerQuorumNotMet", signers=2, required=3)
    with pytest.raises(ContractReverted) as exc:
        env.disputes.settle(dispute_id, Outcome.NONE, env.project.partners)
    reverted(exc, "DisputeResolutionInvalidOutcome", outcome=0)
    receipt = env.disputes.settle(
        dispute_id,
        Outcome.REPLACE,
        env.project.partners,
        new_root=better.root,
        new_total=better.total,
    )
    (event,) = chain.decode_events(env.disputes.bound, "DisputeSettled", receipt)
    assert event["args"]["newTotal"] == 330
    m = env.escrow.milestone(env.pid, 1)
    assert (m.root, m.total, m.claims_open_at) == (better.root, 330, chain.block().timestamp)
    env.escrow.claim_leaf(env.pid, 1, better, 2)
    assert chain.balance(better.payouts[2].account) == 30
    assert env.escrow.is_claimed(env.pid, 1, 2)
    assert env.escrow.available(env.pid) == DEPOSIT - 330


def test_rule_after_period_and_unknown_dispute(ready: Env) -> None:
    env = ready
    with pytest.raises(ContractReverted) as exc:
        env.disputes.rule(9, Outcome.UPHOLD, sender=env.project.arbiter)
    reverted(exc, "DisputeResolutionUnknownDispute", disputeId=9)
    dispute_id = open_on(env, 2)
    deadline = env.disputes.dispute(dispute_id).opened_at + 14 * DAY
    env.chain.advance_time(14 * DAY + 1)
    with pytest.raises(ContractReverted) as exc:
        env.disputes.rule(dispute_id, Outcome.UPHOLD, sender=env.project.arbiter)
    reverted(exc, "DisputeResolutionArbitrationOver", disputeId=dispute_id, deadline=deadline)


def test_only_partners_open_and_other_subjects_freeze_nothing(ready: Env) -> None:
    env = ready
    with pytest.raises(ContractReverted) as exc:
        env.disputes.open_dispute(
            env.pid, Subject.SNAPSHOT, 1, EVIDENCE, sender=env.chain.accounts[3]
        )
    reverted(
        exc,
        "DisputeResolutionNotPartner",
        projectId=env.pid,
        account=env.chain.accounts[3].address.lower(),
    )
    dispute_id = open_on(env, 1, Subject.CONTRIBUTION)
    assert not env.disputes.is_frozen(env.pid, 1)
    with pytest.raises(ContractReverted) as exc:
        env.disputes.rule(dispute_id, Outcome.REJECT, fee=1, sender=env.project.arbiter)
    reverted(exc, "DisputeResolutionFeeAboveCap", fee=1, cap=0)
    env.disputes.rule(dispute_id, Outcome.REJECT, sender=env.project.arbiter)
    assert env.disputes.dispute(dispute_id).outcome == Outcome.REJECT
    assert env.escrow.milestone(env.pid, 1).status == MilestoneStatus.PLANNED


def test_milestone_stays_frozen_until_its_last_dispute_resolves(ready: Env) -> None:
    env, chain = ready, ready.chain
    tree = env.tree(100, 200)
    env.release(1, tree)
    first, second = open_on(env, 1), open_on(env, 1)
    assert env.escrow.milestone(env.pid, 1).frozen
    env.disputes.rule(first, Outcome.UPHOLD, sender=env.project.arbiter)
    assert env.disputes.is_frozen(env.pid, 1)
    assert env.escrow.milestone(env.pid, 1).frozen
    with pytest.raises(ContractReverted) as exc:
        env.escrow.claim_leaf(env.pid, 1, tree, 0)
    reverted(exc, "MilestoneEscrowFrozen", projectId=env.pid, milestoneId=1)
    receipt = env.disputes.rule(second, Outcome.UPHOLD, sender=env.project.arbiter)
    (event,) = chain.decode_events(env.escrow.bound, "FreezeChanged", receipt)
    assert (event["args"]["milestoneId"], event["args"]["frozen"]) == (1, False)
    assert not env.disputes.is_frozen(env.pid, 1)
    assert not env.escrow.milestone(env.pid, 1).frozen
    env.escrow.claim_leaf(env.pid, 1, tree, 1)  # local_b: holds no ether of its own
    assert chain.balance(tree.payouts[1].account) == 200
