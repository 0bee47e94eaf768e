"""MilestoneEscrow: deposits, quorum releases, Merkle claims, sweeps, refunds, rulings, fees."""

from __future__ import annotations

import pytest

from ledger.chain.compiler import Build
from ledger.chain.escrow import MilestoneStatus
from ledger.chain.gateway import Chain
from ledger.chain.payout_tree import PayoutTree
from ledger.chain.registry import Outcome, ProjectRegistryGateway
from ledger.errors import ContractReverted
from tests.contracts.conftest import key, setup_for
from tests.contracts.escrow_support import (
    DEPOSIT,
    ETHER,
    Env,
    TokenProject,
    apply_ruling,
    deploy_escrow,
    mint_and_approve,
    reverted,
)

pytest_plugins = ["tests.contracts.escrow_fixtures"]

ZERO = "0x" + "00" * 20


def conserved(env: Env, paid_out: int) -> None:
    """Contract balance == deposits - paid out, and the books add up."""
    funds = env.escrow.funds(env.pid)
    assert env.paid_out() == paid_out
    assert env.chain.balance(env.escrow.address) == funds.deposited - paid_out


# ---------------------------------------------------------------------- lifecycle


def test_lifecycle_deposit_release_claim_sweep(funded: Env) -> None:
    env, chain = funded, funded.chain
    tree = env.tree(ETHER, 2 * ETHER, 3 * ETHER)
    receipt = env.escrow.release(
        env.pid,
        1,
        tree.root,
        tree.total,
        [env.project.foreign_a, env.project.local_b],
        sender=env.sender,
    )
    (event,) = chain.decode_events(env.escrow.bound, "MilestoneReleased", receipt)
    m = env.escrow.milestone(env.pid, 1)
    assert event["args"]["total"] == 6 * ETHER
    assert m.status == MilestoneStatus.RELEASED
    assert m.claims_open_at == m.released_at + 7 * 86_400
    assert m.claim_deadline == m.claims_open_at + 90 * 86_400
    assert (m.token, m.frozen) == (ZERO, False)
    assert env.escrow.available(env.pid) == DEPOSIT - 6 * ETHER
    assert env.escrow.is_released(env.pid, 1)

    env.open_claims(1)
    for index, payout in enumerate(tree.payouts):
        receipt = env.escrow.claim_leaf(env.pid, 1, tree, index, sender=env.sender)
        (claimed,) = chain.decode_events(env.escrow.bound, "Claimed", receipt)
        assert claimed["args"]["account"] == payout.account
        assert chain.balance(payout.account) == payout.amount
        assert env.escrow.is_claimed(env.pid, 1, index)
    conserved(env, 6 * ETHER)

    env.close_claims(1)
    receipt = env.escrow.sweep(env.pid, 1)
    (swept,) = chain.decode_events(env.escrow.bound, "MilestoneSwept", receipt)
    assert swept["args"]["returned"] == 0
    assert env.escrow.milestone(env.pid, 1).status == MilestoneStatus.SWEPT
    assert env.escrow.available(env.pid) == DEPOSIT - 6 * ETHER
    conserved(env, 6 * ETHER)


def test_lifecycle_with_test_token(env: Env, token_project: TokenProject) -> None:
    chain, tp = env.chain, token_project
    mint_and_approve(chain, tp.token, env.funder, env.escrow.address, 1000)
    env.escrow.deposit_token(tp.id, 1000, sender=env.funder)
    assert env.escrow.deposit_of(tp.id, env.funder.address) == 1000
    tree = env.tree(100, 250)
    quorum = [env.project.local_b, env.project.foreign_c]
    env.escrow.release(tp.id, 1, tree.root, tree.total, quorum, sender=env.sender)
    assert env.escrow.milestone(tp.id, 1).token == tp.token.address
    deadline = env.escrow.milestone(tp.id, 1).claims_open_at
    chain.advance_time(deadline - chain.block().timestamp)
    env.escrow.claim_leaf(tp.id, 1, tree, 1, sender=env.sender)
    assert chain.call(tp.token, "balanceOf", env.project.local_b.address) == 250
    assert chain.call(tp.token, "balanceOf", env.escrow.address) == 750
    env.chain.advance_time(91 * 86_400)
    env.escrow.sweep(tp.id, 1)
    assert env.escrow.available(tp.id) == 750


def test_deposits_tracked_per_funder(funded: Env) -> None:
    env = funded
    env.escrow.deposit(env.pid, 5, sender=env.chain.accounts[3])
    env.escrow.deposit(env.pid, 7, sender=env.chain.accounts[3])
    funds = env.escrow.funds(env.pid)
    assert funds.deposited == DEPOSIT + 12
    assert funds.funders == 2
    assert env.escrow.deposit_of(env.pid, env.chain.accounts[3].address) == 12
    conserved(env, 0)


# ---------------------------------------------------------------------- errors


def test_deposit_rejects_wrong_asset(env: Env, token_project: TokenProject) -> None:
    with pytest.raises(ContractReverted) as exc:
        env.escrow.deposit(token_project.id, 1, sender=env.funder)
    reverted(
        exc,
        "MilestoneEscrowWrongAsset",
        projectId=token_project.id,
        token=token_project.token.address.lower(),
    )
    with pytest.raises(ContractReverted) as exc:
        env.escrow.deposit_token(env.pid, 1, sender=env.funder)
    reverted(exc, "MilestoneEscrowWrongAsset", projectId=env.pid, token=ZERO)


def test_deposit_rejects_zero(env: Env) -> None:
    with pytest.raises(ContractReverted) as exc:
        env.escrow.deposit(env.pid, 0, sender=env.funder)
    reverted(exc, "MilestoneEscrowZeroAmount", projectId=env.pid)


def test_deposit_and_release_refused_after_termination(funded: Env) -> None:
    env = funded
    env.terminate()
    with pytest.raises(ContractReverted) as exc:
        env.escrow.deposit(env.pid, 1, sender=env.funder)
    reverted(exc, "MilestoneEscrowProjectTerminated", projectId=env.pid)
    with pytest.raises(ContractReverted) as exc:
        env.release(1, env.tree(1))
    reverted(exc, "MilestoneEscrowProjectTerminated", projectId=env.pid)


def test_bind_disputes_once_by_operator(
    chain: Chain, build: Build, registry: ProjectRegistryGateway, env: Env
) -> None:
    with pytest.raises(ContractReverted) as exc:
        env.escrow.bind_disputes(chain.accounts[3].address)
    reverted(exc, "MilestoneEscrowDisputesAlreadyBound", disputes=env.disputes.address.lower())
    fresh = env.escrow.__class__(chain, deploy_escrow(chain, build, registry))
    with pytest.raises(ContractReverted) as exc:
        fresh.bind_disputes(chain.accounts[3].address, sender=chain.accounts[1])
    reverted(exc, "OwnableUnauthorizedAccount", account=chain.accounts[1].address.lower())
    with pytest.raises(ContractReverted) as exc:
        fresh.bind_disputes(ZERO)
    reverted(exc, "MilestoneEscrowInvalidDisputes", disputes=ZERO)
    receipt = fresh.bind_disputes(chain.accounts[3].address)
    (event,) = chain.decode_events(fresh.bound, "DisputesBound", receipt)
    assert event["args"]["disputes"] == chain.accounts[3].address


def test_release_needs_quorum(funded: Env) -> None:
    env = funded
    tree = env.tree(1)
    with pytest.raises(ContractReverted) as exc:
        env.escrow.release(env.pid, 1, tree.root, 1, [env.project.foreign_a], sender=env.sender)
    reverted(exc, "PartnerQuorumNotMet", signers=1, required=2)
    outsider = key("outsider")
    signers = sorted([env.project.foreign_a, outsider], key=lambda a: int(a.address, 16))
    with pytest.raises(ContractReverted) as exc:
        env.escrow.release(env.pid, 1, tree.root, 1, signers, sender=env.sender)
    reverted(
        exc,
        "PartnerQuorumNotPartner",
        index=signers.index(outsider),
        signer=outsider.address.lower(),
    )


def test_release_needs_arbiter_when_agreed(
    chain: Chain, build: Build, registry: ProjectRegistryGateway, env: Env
) -> None:
    pid = registry.create_project(setup_for(chain, quorum=1, arbiter_approval=True))
    partner = env.project.foreign_a
    from ledger.chain.registry import Side

    registry.join(
        pid, partner.address, Side.FOREIGN, registry.join_signature(pid, partner, Side.FOREIGN)
    )
    env.escrow.deposit(pid, 100, sender=env.funder)
    tree = env.tree(100)
    wrong = key("not-an-arbiter")
    with pytest.raises(ContractReverted) as exc:
        env.escrow.release(pid, 1, tree.root, 100, [partner], arbiter=wrong, sender=env.sender)
    reverted(exc, "PartnerQuorumNotArbiter", signer=wrong.address.lower())
    env.escrow.release(
        pid, 1, tree.root, 100, [partner], arbiter=env.project.arbiter, sender=env.sender
    )
    assert env.escrow.is_released(pid, 1)


def test_release_rejects_bad_payout_and_overdraft(funded: Env) -> None:
    env = funded
    with pytest.raises(ContractReverted) as exc:
        env.escrow.release(env.pid, 1, bytes(32), 5, [env.project.foreign_a, env.project.local_b])
    reverted(exc, "MilestoneEscrowInvalidPayout", root=bytes(32), total=5)
    tree = env.tree(1)
    with pytest.raises(ContractReverted) as exc:
        env.release(1, tree, total=0)
    reverted(exc, "MilestoneEscrowInvalidPayout", root=tree.root, total=0)
    with pytest.raises(ContractReverted) as exc:
        env.release(1, tree, total=2**128)  # the milestone holds amounts in 128 bits
    reverted(exc, "MilestoneEscrowInvalidPayout", root=tree.root, total=2**128)
    with pytest.raises(ContractReverted) as exc:
        env.release(1, tree, total=DEPOSIT + 1)
    reverted(
        exc,
        "MilestoneEscrowInsufficientFunds",
        projectId=env.pid,
        available=DEPOSIT,
        needed=DEPOSIT + 1,
    )


def test_release_once(funded: Env) -> None:
    env = funded
    env.release(1, env.tree(5))
    with pytest.raises(ContractReverted) as exc:
        env.release(1, env.tree(6))
    reverted(exc, "MilestoneEscrowAlreadyDecided", projectId=env.pid, milestoneId=1, status=1)


def test_claim_windows(funded: Env) -> None:
    env = funded
    tree = env.tree(10, 20)
    with pytest.raises(ContractReverted) as exc:
        env.escrow.claim_leaf(env.pid, 1, tree, 0)
    reverted(exc, "MilestoneEscrowNotReleased", projectId=env.pid, milestoneId=1, status=0)
    env.release(1, tree)
    m = env.escrow.milestone(env.pid, 1)
    with pytest.raises(ContractReverted) as exc:
        env.escrow.claim_leaf(env.pid, 1, tree, 0)
    reverted(
        exc,
        "MilestoneEscrowClaimsNotOpen",
        projectId=env.pid,
        milestoneId=1,
        opensAt=m.claims_open_at,
    )
    env.close_claims(1)
    with pytest.raises(ContractReverted) as exc:
        env.escrow.claim_leaf(env.pid, 1, tree, 0)
    reverted(
        exc,
        "MilestoneEscrowClaimsClosed",
        projectId=env.pid,
        milestoneId=1,
        deadline=m.claim_deadline,
    )


def test_claim_checks_bitmap_proof_and_total(funded: Env) -> None:
    env = funded
    tree = env.tree(10, 20, 30)
    env.release(1, tree, total=50)  # leaves sum to 60: a bad tree can't take more than 50
    env.open_claims(1)
    p = tree.payouts[0]
    with pytest.raises(ContractReverted) as exc:
        env.escrow.claim(env.pid, 1, 0, p.account, p.amount + 1, tree.proof(0))
    reverted(exc, "MilestoneEscrowInvalidProof", projectId=env.pid, milestoneId=1, index=0)
    with pytest.raises(ContractReverted) as exc:
        env.escrow.claim(env.pid, 1, 0, env.sender.address, p.amount, tree.proof(0))
    reverted(exc, "MilestoneEscrowInvalidProof", projectId=env.pid, milestoneId=1, index=0)
    env.escrow.claim_leaf(env.pid, 1, tree, 0)
    with pytest.raises(ContractReverted) as exc:
        env.escrow.claim_leaf(env.pid, 1, tree, 0)
    reverted(exc, "MilestoneEscrowAlreadyClaimed", projectId=env.pid, milestoneId=1, index=0)
    env.escrow.claim_leaf(env.pid, 1, tree, 2)
    with pytest.raises(ContractReverted) as exc:
        env.escrow.claim_leaf(env.pid, 1, tree, 1)
    reverted(
        exc,
        "MilestoneEscrowExceedsTotal",
        projectId=env.pid,
        milestoneId=1,
        claimed=40,
        amount=20,
        total=50,
    )
    conserved(env, 40)


def test_sweep_after_deadline_returns_rest(funded: Env) -> None:
    env = funded
    tree = env.tree(10, 20)
    with pytest.raises(ContractReverted) as exc:
        env.escrow.sweep(env.pid, 1)
    reverted(exc, "MilestoneEscrowNotReleased", projectId=env.pid, milestoneId=1, status=0)
    env.release(1, tree)
    env.open_claims(1)
    env.escrow.claim_leaf(env.pid, 1, tree, 1)
    deadline = env.escrow.milestone(env.pid, 1).claim_deadline
    with pytest.raises(ContractReverted) as exc:
        env.escrow.sweep(env.pid, 1)
    reverted(
        exc, "MilestoneEscrowClaimWindowOpen", projectId=env.pid, milestoneId=1, deadline=deadline
    )
    env.close_claims(1)
    env.escrow.sweep(env.pid, 1)
    assert env.escrow.available(env.pid) == DEPOSIT - 20
    with pytest.raises(ContractReverted) as exc:
        env.escrow.sweep(env.pid, 1)
    reverted(exc, "MilestoneEscrowNotReleased", projectId=env.pid, milestoneId=1, status=2)
    conserved(env, 20)


# ---------------------------------------------------------------------- refunds


def test_refunds_pro_rata_with_dust(funded: Env) -> None:
    env, chain = funded, funded.chain
    a, b = chain.accounts[3], chain.accounts[4]
    env.escrow.deposit(env.pid, 1, sender=a)
    env.escrow.deposit(env.pid, 2, sender=b)
    with pytest.raises(ContractReverted) as exc:
        env.escrow.refund(env.pid, sender=a)
    reverted(exc, "MilestoneEscrowNotTerminated", projectId=env.pid)
    tree = env.tree(DEPOSIT // 3)
    env.release(1, tree)
    env.terminate()
    with pytest.raises(ContractReverted) as exc:
        env.escrow.refund(env.pid, sender=a)
    reverted(exc, "MilestoneEscrowMilestonesOutstanding", projectId=env.pid, openMilestones=1)
    env.close_claims(1)
    env.escrow.sweep(env.pid, 1)
    with pytest.raises(ContractReverted) as exc:
        env.escrow.refund(env.pid, sender=chain.accounts[6])
    reverted(
        exc, "MilestoneEscrowNotFunder", projectId=env.pid, funder=chain.accounts[6].address.lower()
    )

    pool, total = DEPOSIT + 3, DEPOSIT + 3
    before = chain.balance(a.address)
    receipt = env.escrow.refund(env.pid, sender=a)
    fee = (
        receipt.gas_used
        * chain.w3.eth.get_transaction_receipt(receipt.tx_hash)["effectiveGasPrice"]
    )
    assert chain.balance(a.address) == before - fee + pool * 1 // total
    (opened,) = chain.decode_events(env.escrow.bound, "RefundsOpened", receipt)
    assert opened["args"]["pool"] == pool
    with pytest.raises(ContractReverted) as exc:
        env.escrow.refund(env.pid, sender=a)
    reverted(exc, "MilestoneEscrowAlreadyRefunded", projectId=env.pid, funder=a.address.lower())
    assert env.escrow.dust(env.pid) == 0
    env.escrow.refund(env.pid, sender=b)
    env.escrow.refund(env.pid, sender=env.funder)
    shares = [pool * d // total for d in (1, 2, DEPOSIT)]
    assert env.escrow.dust(env.pid) == pool - sum(shares)
    assert env.escrow.dust(env.pid) <= 2
    funds = env.escrow.funds(env.pid)
    assert funds.refunded == sum(shares)
    assert chain.balance(env.escrow.address) == env.escrow.dust(env.pid)
    conserved(env, sum(shares))


# ---------------------------------------------------------------------- rulings (seam)


def test_apply_ruling_only_by_disputes(seam: Env) -> None:
    env = seam
    with pytest.raises(ContractReverted) as exc:
        env.chain.transact(
            env.escrow.bound,
            "applyRuling",
            env.pid,
            1,
            1,
            bytes(32),
            0,
            ZERO,
            0,
            sender=env.chain.accounts[1],
            gas=200_000,
        )
    reverted(exc, "MilestoneEscrowNotDisputes", caller=env.chain.accounts[1].address.lower())
    with pytest.raises(ContractReverted) as exc:
        env.chain.transact(
            env.escrow.bound,
            "setFrozen",
            env.pid,
            1,
            True,
            sender=env.chain.accounts[1],
            gas=200_000,
        )
    reverted(exc, "MilestoneEscrowNotDisputes", caller=env.chain.accounts[1].address.lower())
    with pytest.raises(ContractReverted) as exc:
        apply_ruling(env, 1, Outcome.NONE)
    reverted(exc, "MilestoneEscrowInvalidOutcome", outcome=0)


def test_ruling_reject_returns_allocation_and_credits_fee(seam: Env) -> None:
    env = seam
    tree = env.tree(100, 200)
    env.release(1, tree)
    receipt = apply_ruling(env, 1, Outcome.REJECT, fee=15)
    (event,) = env.chain.decode_events(env.escrow.bound, "RulingApplied", receipt)
    assert event["args"]["fee"] == 15
    assert env.escrow.milestone(env.pid, 1).status == MilestoneStatus.REJECTED
    assert not env.escrow.is_released(env.pid, 1)
    assert env.escrow.available(env.pid) == DEPOSIT - 15
    arbiter = env.project.arbiter.address
    assert env.escrow.fee_of(env.pid, arbiter) == 15
    with pytest.raises(ContractReverted) as exc:
        env.escrow.withdraw_fee(env.pid, sender=env.chain.accounts[3])
    reverted(
        exc,
        "MilestoneEscrowNoFee",
        projectId=env.pid,
        arbiter=env.chain.accounts[3].address.lower(),
    )
    # A planned milestone rejected can never be released.
    apply_ruling(env, 2, Outcome.REJECT)
    with pytest.raises(ContractReverted) as exc:
        env.release(2, tree)
    reverted(exc, "MilestoneEscrowAlreadyDecided", projectId=env.pid, milestoneId=2, status=3)


def test_freeze_set_by_disputes_blocks_release_claim_and_sweep(seam: Env) -> None:
    env, chain = seam, seam.chain
    tree = env.tree(100, 200)
    env.release(1, tree)
    env.open_claims(1)

    def set_frozen(milestone_id: int, frozen: bool) -> None:
        receipt = chain.transact(
            env.relay, "setFrozen", env.escrow.address, env.pid, milestone_id, frozen, gas=200_000
        )
        (event,) = chain.decode_events(env.escrow.bound, "FreezeChanged", receipt)
        assert event["args"]["milestoneId"] == milestone_id
        assert event["args"]["frozen"] is frozen
        assert env.escrow.milestone(env.pid, milestone_id).frozen is frozen

    set_frozen(1, True)
    set_frozen(2, True)
    with pytest.raises(ContractReverted) as exc:
        env.escrow.claim_leaf(env.pid, 1, tree, 0)
    reverted(exc, "MilestoneEscrowFrozen", projectId=env.pid, milestoneId=1)
    with pytest.raises(ContractReverted) as exc:
        env.release(2, tree)
    reverted(exc, "MilestoneEscrowFrozen", projectId=env.pid, milestoneId=2)
    env.close_claims(1)
    with pytest.raises(ContractReverted) as exc:
        env.escrow.sweep(env.pid, 1)
    reverted(exc, "MilestoneEscrowFrozen", projectId=env.pid, milestoneId=1)
    set_frozen(1, False)
    env.escrow.sweep(env.pid, 1)
    assert env.escrow.available(env.pid) == DEPOSIT
    conserved(env, 0)


def test_ruling_uphold_and_replace_open_claims_now(seam: Env) -> None:
    env, chain = seam, seam.chain
    tree = env.tree(100, 200)
    env.release(1, tree)
    apply_ruling(env, 1, Outcome.UPHOLD)
    now = chain.block().timestamp
    assert env.escrow.milestone(env.pid, 1).claims_open_at == now
    env.release(2, tree)
    better = env.tree(150, 250)
    with pytest.raises(ContractReverted) as exc:
        apply_ruling(env, 2, Outcome.REPLACE, root=bytes(32), total=400)
    reverted(exc, "MilestoneEscrowInvalidPayout", root=bytes(32), total=400)
    with pytest.raises(ContractReverted) as exc:
        apply_ruling(env, 2, Outcome.REPLACE, root=better.root, total=2**128)
    reverted(exc, "MilestoneEscrowInvalidPayout", root=better.root, total=2**128)
    pool = DEPOSIT - 600 + 300  # available plus the replaced allocation
    with pytest.raises(ContractReverted) as exc:
        apply_ruling(env, 2, Outcome.REPLACE, root=better.root, total=pool + 1)
    reverted(
        exc, "MilestoneEscrowInsufficientFunds", projectId=env.pid, available=pool, needed=pool + 1
    )
    apply_ruling(env, 2, Outcome.REPLACE, root=better.root, total=better.total)
    m = env.escrow.milestone(env.pid, 2)
    assert (m.root, m.total) == (better.root, 400)
    assert env.escrow.available(env.pid) == DEPOSIT - 300 - 400
    env.escrow.claim_leaf(env.pid, 2, better, 1)
    assert chain.balance(better.payouts[1].account) == 250
    with pytest.raises(ContractReverted) as exc:
        apply_ruling(env, 3, Outcome.UPHOLD, fee=DEPOSIT)
    reverted(
        exc,
        "MilestoneEscrowInsufficientFunds",
        projectId=env.pid,
        available=DEPOSIT - 700,
        needed=DEPOSIT,
    )


# ---------------------------------------------------------------------- gas


def _execution_gas(chain: Chain, receipt: object) -> int:
    """Gas used minus the calldata's byte cost (which depends on the root's zero bytes)."""
    tx = chain.w3.eth.get_transaction(receipt.tx_hash)  # type: ignore[attr-defined]
    data = bytes(tx["input"])
    calldata = sum(4 if byte == 0 else 16 for byte in data)
    return receipt.gas_used - calldata  # type: ignore[attr-defined]


def test_release_gas_independent_of_payees(funded: Env) -> None:
    env = funded
    small = env.tree(1, 2)
    large = PayoutTree.of([(key(f"payee-{i}").address, i + 1) for i in range(200)])
    first = env.release(1, small) or None
    r_small = env.escrow.release(
        env.pid, 2, small.root, small.total, [env.project.foreign_a, env.project.local_b]
    )
    r_large = env.escrow.release(
        env.pid, 3, large.root, large.total, [env.project.foreign_a, env.project.local_b]
    )
    assert first is None
    assert _execution_gas(env.chain, r_small) == _execution_gas(env.chain, r_large)
    env.open_claims(3)
    receipt = env.escrow.claim_leaf(env.pid, 3, large, 137)
    assert env.chain.balance(large.payouts[137].account) == 138
    assert receipt.gas_used < 200_000


@pytest.mark.parametrize("chain", ["eth-tester"], indirect=True)  # anvil keeps its clock offset
def test_release_beyond_the_storable_time_refused(funded: Env) -> None:
    chain = funded.chain
    limit = 2**40 - 1  # timestamps are stored as uint40
    chain.advance_time(limit - chain.block().timestamp - 60)
    tree = funded.tree(10**18)
    with pytest.raises(ContractReverted) as exc:
        funded.release(1, tree)
    assert exc.value.error == "MilestoneEscrowTimeOutOfRange"
    assert exc.value.values["timestamp"] > limit
