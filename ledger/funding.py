"""Funding: funders' deposits into a project's milestone escrow, recorded from the chain.

A deposit is the funder's own act on chain (the escrow credits ``msg.sender``), so the
ledger never sends it with a key of its own. Two ways lead to the same record:

- :func:`prepare_deposit` returns the ETH ``deposit`` transaction for the funder to sign
  (``ledger.client.Signer.transaction``); :func:`deposit` relays it only if it is exactly
  that call and value, then records it;
- a funder who sent its deposit itself (on an RPC node, or an ERC-20 ``depositToken``
  after its ``approve``) gives the transaction hash to :func:`record_deposit`.

Either way the row and the ``funding.deposited`` journal entry are written from the
receipt's ``Deposited`` events for the project, never from the caller's word; recording
the same transaction again returns the rows already stored and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from ledger.chain.escrow import MilestoneStatus
from ledger.chain.gateway import Receipt
from ledger.context import Ledger
from ledger.db import FundingDeposit, Milestone, Project
from ledger.errors import RuleViolation
from ledger.projects import get_project
from ledger.recording import lock_project, record

ETH = "0x" + "00" * 20


def prepare_deposit(
    session: Session, ledger: Ledger, *, project_id: int, funder: str, amount: int
) -> dict[str, object]:
    """The ETH ``deposit`` of ``amount`` wei that ``funder`` signs.

    Raises:
        NotFound: for an unknown project.
        RuleViolation: for an amount that is not a positive integer, or a project whose
            escrow holds an ERC-20 token (send ``approve`` and ``depositToken`` yourself,
            then :func:`record_deposit`).
    """
    project = get_project(session, project_id)
    _require_eth(project)
    return ledger.escrow.deposit_unsigned(_chain_id(project), _amount(amount), funder)


def deposit(
    session: Session, ledger: Ledger, *, project_id: int, amount: int, transaction: str
) -> list[FundingDeposit]:
    """Relay a funder's signed ETH ``deposit`` and record it.

    Raises:
        RuleViolation: as :func:`prepare_deposit`, or for a transaction that is not exactly
            this deposit of this amount.
        ContractReverted: when the escrow refuses it (nothing is sent).
    """
    raw = _raw(transaction)
    project = lock_project(session, project_id)
    _require_eth(project)
    _, receipt = ledger.escrow.deposit_relayed(raw, _chain_id(project), _amount(amount))
    return _record(session, ledger, project, receipt.tx_hash, receipt)


def record_deposit(
    session: Session, ledger: Ledger, *, project_id: int, tx_hash: str
) -> list[FundingDeposit]:
    """Record the deposits a mined transaction made into the project's escrow.

    Raises:
        NotFound: for an unknown project or a transaction the chain has not mined.
        RuleViolation: for a transaction that failed or deposited nothing into the project.
    """
    project = lock_project(session, project_id)
    receipt = ledger.chain.receipt(tx_hash)
    if not receipt.succeeded:
        raise RuleViolation(f"transaction {receipt.tx_hash} failed on chain", field="tx_hash")
    return _record(session, ledger, project, receipt.tx_hash, receipt)


def deposits(session: Session, project_id: int) -> list[FundingDeposit]:
    """The project's recorded deposits, oldest first."""
    return list(
        session.exec(
            select(FundingDeposit)
            .where(FundingDeposit.project_id == project_id)
            .order_by(col(FundingDeposit.id))
        ).all()
    )


@dataclass(frozen=True)
class EscrowBalance:
    """A project's books in the milestone escrow, read from the chain, in the project's
    asset units (wei for ether; ``token`` is the ERC-20 token, or ``None`` for ether).

    ``held`` is what the escrow holds for the project: ``deposited`` less what left it
    (``claimed``, ``refunded``, ``fees_paid``). It is split into ``available`` (committed to
    no milestone), ``locked`` (released milestones' payouts not claimed yet) and the fees
    owed to arbiters and the refund pool.
    """

    token: str | None
    deposited: int
    available: int
    locked: int
    claimed: int
    refunded: int
    fees_paid: int
    fees_owed: int
    refund_pool: int
    held: int


def escrow_balance(session: Session, ledger: Ledger, *, project_id: int) -> EscrowBalance:
    """What the escrow holds for the project, and where it went, read from the chain.

    Raises:
        NotFound: for an unknown project.
        ChainUnavailable: when the chain node does not answer.
    """
    project = get_project(session, project_id)
    chain_id = _chain_id(project)
    numbers = session.exec(select(Milestone.number).where(Milestone.project_id == project_id)).all()
    funds = ledger.escrow.funds(chain_id)
    locked = claimed = 0
    for number in numbers:  # the escrow knows a milestone by its number in the project
        held = ledger.escrow.milestone(chain_id, number)
        claimed += held.claimed
        if held.status == MilestoneStatus.RELEASED:
            locked += held.total - held.claimed
    return EscrowBalance(
        token=None if project.token.lower() == ETH else project.token,
        deposited=funds.deposited,
        available=funds.available,
        locked=locked,
        claimed=claimed,
        refunded=funds.refunded,
        fees_paid=funds.fees_paid,
        fees_owed=funds.fees_owed,
        refund_pool=funds.refund_pool,
        held=funds.deposited - claimed - funds.refunded - funds.fees_paid,
    )


def _record(
    session: Session, ledger: Ledger, project: Project, tx_hash: str, receipt: Receipt
) -> list[FundingDeposit]:
    stored = list(
        session.exec(
            select(FundingDeposit)
            .where(FundingDeposit.tx_hash == tx_hash)
            .order_by(col(FundingDeposit.log_index))
        ).all()
    )
    if stored:
        if any(row.project_id != project.id for row in stored):
            raise RuleViolation(f"transaction {tx_hash} funded another project", field="tx_hash")
        return stored
    found = [d for d in ledger.escrow.deposits_in(receipt) if d[0] == project.chain_project_id]
    if not found:
        raise RuleViolation(
            f"transaction {tx_hash} deposited nothing into project {project.id}",
            field="tx_hash",
        )
    rows = []
    for _, funder, amount, log_index in found:
        row = FundingDeposit(
            project_id=project.id,  # type: ignore[arg-type]
            funder=funder,
            amount=amount,
            tx_hash=tx_hash,
            log_index=log_index,
            block_number=receipt.block_number,
        )
        session.add(row)
        session.flush()
        record(
            session,
            ledger,
            project,
            "funding.deposited",
            {
                "amount": str(amount),
                "block": row.block_number,
                "deposit_id": row.id,
                "funder": funder,
                "log_index": log_index,
                "tx": tx_hash,
            },
            actor=f"funder:{funder}",
        )
        rows.append(row)
    return rows


def _require_eth(project: Project) -> None:
    if project.token.lower() != ETH:
        raise RuleViolation(
            f"project {project.id}'s escrow holds the token {project.token}: approve it and "
            "send depositToken yourself, then record the transaction",
            field="project_id",
            token=project.token,
        )


def _chain_id(project: Project) -> int:
    assert project.chain_project_id is not None
    return project.chain_project_id


def _amount(value: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 2**256:
        raise RuleViolation("amount must be an integer number of wei > 0", field="amount")
    return value


def _raw(value: str) -> bytes:
    try:
        raw = bytes.fromhex(value.removeprefix("0x")) if isinstance(value, str) else b""
    except ValueError:
        raw = b""
    if not raw:
        raise RuleViolation("transaction must be a signed transaction in hex", field="transaction")
    return raw
