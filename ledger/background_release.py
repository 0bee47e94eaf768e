"""Releasing a background key, and withdrawing a deposit.

Part of :mod:`ledger.background_service` (which re-exports these functions). The escrow
contract decides; the ledger records the recipient the chain's ``BackgroundReleased``
event names.
"""

from __future__ import annotations

from sqlmodel import Session

from ledger.background_reads import get_deposit, owner_of
from ledger.chain.background import BACKGROUND_RELEASE, BACKGROUND_WITHDRAWAL, DepositState
from ledger.chain.gateway import Receipt
from ledger.context import Ledger
from ledger.db import BackgroundDeposit
from ledger.errors import Conflict, RuleViolation, Unauthorized
from ledger.inputs import address, hex_bytes
from ledger.projects import agreement_of
from ledger.recording import lock_project, record
from ledger.signatures import recover, require_signer


def release(
    session: Session,
    ledger: Ledger,
    *,
    deposit_id: int,
    recipient: str | None = None,
    arbiter_signature: str | None = None,
) -> BackgroundDeposit:
    """Release a deposit's key: on its milestone (no ruling given) or by an arbiter's ruling.

    On a milestone the escrow contract checks that the escrow released that milestone and
    names the deposit's beneficiary. If the key was released on chain already (anyone may
    trigger that there), the release is recorded as the chain holds it (``by: observed``).

    Args:
        session: The transaction.
        ledger: The collaborators.
        deposit_id: The deposit's ledger id.
        recipient: For a ruling: who gets the key.
        arbiter_signature: For a ruling: an arbiter's ``BackgroundRelease`` signature
            (:meth:`~ledger.client.Signer.background_release`).

    Raises:
        NotFound: for an unknown deposit.
        Conflict: unless the deposit is held.
        RuleViolation: for a ruling without its recipient or signature, or a bad recipient.
        Unauthorized: if the ruling is not signed by an arbiter of the project.
        ContractReverted: ``BackgroundEscrowMilestoneNotReleased`` and the like.
    """
    row = get_deposit(session, deposit_id)
    project = lock_project(session, row.project_id, live=False)
    _require_held(row)
    assert row.chain_deposit_id is not None
    if (recipient is None) != (arbiter_signature is None):
        missing = "recipient" if recipient is None else "arbiter_signature"
        raise RuleViolation(f"a ruling needs a recipient and a signature: {missing}", field=missing)
    arbiter: str | None = None
    receipt: Receipt | None = None
    if recipient is not None and arbiter_signature is not None:
        to = address(recipient, "recipient", nonzero=True)
        arbiter = _arbiter(session, ledger, row, to, arbiter_signature)
        raw = hex_bytes(arbiter_signature, "arbiter_signature")
        receipt, by = ledger.background.release_by_ruling(row.chain_deposit_id, to, raw), "ruling"
    elif ledger.background.get(row.chain_deposit_id).state is DepositState.RELEASED:
        by = "observed"
    else:
        receipt, by = ledger.background.release_on_milestone(row.chain_deposit_id), "milestone"
    if receipt is None:
        to, tx = ledger.background.get(row.chain_deposit_id).released_to, None
    else:
        (event,) = [
            e for e in ledger.background.releases(receipt) if e.deposit_id == row.chain_deposit_id
        ]
        to, tx = event.recipient, receipt.tx_hash
    row.state, row.released_to = "released", to
    session.add(row)
    record(
        session,
        ledger,
        project,
        "background.released",
        {
            "arbiter": arbiter,
            "by": by,
            "chain_deposit_id": row.chain_deposit_id,
            "deposit_id": row.id,
            "recipient": to,
            "tx": tx,
        },
        actor=f"arbiter:{arbiter}" if arbiter else "ledger",
        signature=arbiter_signature,
    )
    return row


def withdraw(
    session: Session, ledger: Ledger, *, deposit_id: int, signature: str
) -> BackgroundDeposit:
    """Withdraw an unreleased deposit with its owner's signature, once the project is terminated.

    The owner still reads its document afterwards; no key is released for it any more.

    Raises:
        NotFound: for an unknown deposit.
        Conflict: unless the deposit is held.
        Unauthorized: unless the owner signed the withdrawal
            (:meth:`~ledger.client.Signer.background_withdrawal`).
        RuleViolation: while the project is not terminated on chain (``project``).
    """
    row = get_deposit(session, deposit_id)
    project = lock_project(session, row.project_id, live=False)
    _require_held(row)
    owner = owner_of(session, row)
    message = {"depositId": row.chain_deposit_id}
    domain = ledger.background.domain
    require_signer(domain, "BackgroundWithdrawal", message, signature, owner, BACKGROUND_WITHDRAWAL)
    assert project.chain_project_id is not None and row.chain_deposit_id is not None
    if not ledger.registry.is_terminated(project.chain_project_id):
        raise RuleViolation(
            "background IP can be withdrawn only once the project is terminated", field="project"
        )
    receipt = ledger.background.withdraw(row.chain_deposit_id, hex_bytes(signature, "signature"))
    row.state = "withdrawn"
    session.add(row)
    record(
        session,
        ledger,
        project,
        "background.withdrawn",
        {"chain_deposit_id": row.chain_deposit_id, "deposit_id": row.id, "tx": receipt.tx_hash},
        actor=f"partner:{owner}",
        signature=signature,
    )
    return row


def _require_held(row: BackgroundDeposit) -> None:
    if row.state != "held":
        raise Conflict(
            f"background deposit {row.id} is {row.state}", field="deposit_id", state=row.state
        )


def _arbiter(
    session: Session, ledger: Ledger, row: BackgroundDeposit, recipient: str, signature: str
) -> str:
    """The project's arbiter who signed the ruling, else Unauthorized."""
    arbiter = recover(
        ledger.background.domain,
        "BackgroundRelease",
        {"depositId": row.chain_deposit_id, "recipient": recipient},
        signature,
        BACKGROUND_RELEASE,
    )
    if arbiter not in [a.address for a in agreement_of(session, row.project_id).arbiters]:
        raise Unauthorized(
            f"{arbiter} is not an arbiter of the project",
            field="arbiter_signature",
            recovered=arbiter,
        )
    return arbiter
