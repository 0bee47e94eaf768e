"""Revenue of foreground assets: recorded from the chain, reconciled with the ledger's model.

Anyone pays revenue to the RevenueSharing contract (a royalty, or a licence fee the
foreground registry forwards); the contract credits every partner at once. The ledger then
records the payment from the transaction's receipt and checks the credits against its own
exact model (:func:`ledger.equity.split_revenue`), fed with what the contract saw: the tier's
committed column (or the negotiated derivative split) as of the block before the payment,
the agreement's brackets, and the asset's cumulative revenue before the payment (the
event's cumulative minus its amount). A difference of even one wei raises
:class:`~ledger.errors.ChainStateError` naming the first partner that differs; nothing is
recorded and nothing is corrected. :mod:`ledger.licensing` re-exports :func:`record_revenue`.

A payer with no node of its own (the embedded chain has none) pays in two steps:
:func:`prepare_revenue` returns the ether ``depositRevenue`` transaction for it to sign, and
:func:`deposit_revenue` relays it only if it is exactly that call and value, then records it
with :func:`record_revenue`, in the same database transaction.
"""

from __future__ import annotations

from typing import Any

import rfc8785
from sqlmodel import Session, select

from ledger.chain.gateway import Receipt
from ledger.chain.rights import RevenueReceived
from ledger.context import Ledger
from ledger.db import ForegroundAsset, Partner, Project, RevenuePayment
from ledger.equity import Column, Share, Side, Tier, split_revenue
from ledger.errors import ChainStateError, Conflict, RuleViolation
from ledger.foreground_book import chain_tier, get_asset
from ledger.inputs import ZERO_ADDRESS
from ledger.inputs import address as check_address
from ledger.inputs import amount as check_amount
from ledger.projects import agreement_of, get_project, partners_of
from ledger.recording import lock_project, record


def prepare_revenue(
    session: Session, ledger: Ledger, *, asset_id: int, payer: str, amount: int
) -> dict[str, Any]:
    """The ether ``depositRevenue`` of ``amount`` wei for the asset that ``payer`` signs.

    Raises:
        NotFound: for an unknown asset.
        RuleViolation: for a bad ``payer``, an amount that is not a positive integer, or a
            project paid in an ERC-20 token (approve it and send ``depositRevenue`` yourself,
            then :func:`record_revenue`).
    """
    asset = get_asset(session, asset_id)
    project = get_project(session, asset.project_id)
    sender = check_address(payer, "payer", nonzero=True)
    require_ether(project)
    assert asset.chain_asset_id is not None and project.id is not None
    return ledger.revenue.deposit_revenue_unsigned(
        asset.chain_asset_id,
        positive(amount, "amount"),
        sender,
        partners=len(partners_of(session, project.id)),
    )


def deposit_revenue(
    session: Session, ledger: Ledger, *, asset_id: int, amount: int, transaction: str
) -> RevenuePayment:
    """Relay a payer's signed ether ``depositRevenue`` and record the payment.

    The payment is recorded by :func:`record_revenue` from the mined transaction, so it is
    stored exactly as one recorded by its hash.

    Raises:
        NotFound: for an unknown asset.
        RuleViolation: as :func:`prepare_revenue`, or for a transaction that is not exactly
            this payment of this amount (``transaction``).
        ContractReverted: when the contract refuses it (nothing is sent).
        ChainStateError: if the chain's credits differ from the model's split (the payment
            stands on chain, unrecorded).
    """
    raw = signed_transaction(transaction)
    paid = positive(amount, "amount")
    asset = get_asset(session, asset_id)
    project = lock_project(session, asset.project_id, live=False)
    require_ether(project)
    assert asset.chain_asset_id is not None
    _, receipt = ledger.revenue.deposit_revenue_relayed(raw, asset.chain_asset_id, paid)
    return record_revenue(session, ledger, asset_id=asset_id, tx_hash=receipt.tx_hash, amount=paid)


def record_revenue(
    session: Session,
    ledger: Ledger,
    *,
    asset_id: int,
    tx_hash: str,
    amount: int | None = None,
) -> RevenuePayment:
    """Record a revenue payment someone made on chain for a foreground asset.

    Args:
        session: The transaction.
        ledger: The collaborators.
        asset_id: The asset's ledger id.
        tx_hash: The payer's ``depositRevenue`` transaction.
        amount: What the caller expects was paid; checked against the chain if given.

    Raises:
        NotFound: for an unknown asset or transaction.
        RuleViolation: for a transaction that failed, paid nothing for this asset, paid a
            licence fee (record it with ``record_licence_fee``), or paid another ``amount``.
        Conflict: if the payment is recorded already.
        ChainStateError: if the chain's credits differ from the model's split.
    """
    asset = get_asset(session, asset_id)
    project = lock_project(session, asset.project_id, live=False)
    receipt = mined(ledger, tx_hash)
    fees = [f for f in ledger.foreground.fees_paid(receipt) if f.asset_id == asset.chain_asset_id]
    if fees:
        raise RuleViolation(
            f"transaction {receipt.tx_hash} paid licence fee {fees[0].licence_id}: "
            "record it as that licence's fee",
            field="tx_hash",
        )
    event = payment_event(ledger, receipt, asset)
    if amount is not None and check_amount(amount, "amount") != event.amount:
        raise RuleViolation(
            f"transaction {receipt.tx_hash} paid {event.amount}, not {amount}",
            field="amount",
            chain=str(event.amount),
        )
    row, payload = book_payment(session, ledger, project, asset, receipt, event, event.payer)
    record(session, ledger, project, "revenue.received", payload, actor=f"payer:{row.payer}")
    return row


def signed_transaction(value: str) -> bytes:
    """The bytes of a signed transaction given in hex.

    Raises:
        RuleViolation: (field ``transaction``) for anything else.
    """
    try:
        raw = bytes.fromhex(value.removeprefix("0x")) if isinstance(value, str) else b""
    except ValueError:
        raw = b""
    if not raw:
        raise RuleViolation("transaction must be a signed transaction in hex", field="transaction")
    return raw


def require_ether(project: Project) -> None:
    """Refuse to relay a payment in a project paid in an ERC-20 token.

    Its payer must ``approve`` the token first, with a transaction the ledger does not
    prepare; it sends the payment itself and has it recorded by its hash.

    Raises:
        RuleViolation: (field ``project_id``) naming the token.
    """
    if project.token.lower() != ZERO_ADDRESS:
        raise RuleViolation(
            f"project {project.id} is paid in the token {project.token}: approve it and send "
            "the payment yourself, then record the transaction",
            field="project_id",
            token=project.token,
        )


def positive(value: int, field: str) -> int:
    """A payment in wei: an integer above 0 (the contracts refuse 0)."""
    if check_amount(value, field) == 0:
        raise RuleViolation(f"{field} must be more than 0 wei", field=field)
    return value


def mined(ledger: Ledger, tx_hash: str) -> Receipt:
    """The receipt of a transaction that succeeded.

    Raises:
        NotFound: for an unknown transaction.
        RuleViolation: if it reverted.
    """
    receipt = ledger.chain.receipt(tx_hash)
    if not receipt.succeeded:
        raise RuleViolation(f"transaction {receipt.tx_hash} reverted", field="tx_hash")
    return receipt


def book_payment(
    session: Session,
    ledger: Ledger,
    project: Project,
    asset: ForegroundAsset,
    receipt: Receipt,
    event: RevenueReceived,
    payer: str,
) -> tuple[RevenuePayment, dict[str, Any]]:
    """Store a payment the chain made, after checking its credits against the model.

    Returns:
        The stored row and the journal payload describing it (the caller records it).
    """
    assert asset.id is not None
    exists = session.exec(
        select(RevenuePayment)
        .where(RevenuePayment.asset_id == asset.id)
        .where(RevenuePayment.tx_hash == receipt.tx_hash)
    ).first()
    if exists is not None:
        raise Conflict(
            f"transaction {receipt.tx_hash} is recorded already as payment {exists.id}",
            field="tx_hash",
            payment_id=exists.id,
        )
    before = event.cumulative - event.amount
    split = reconcile(session, ledger, project, asset, event, receipt)
    text = {address: str(wei) for address, wei in split.items() if wei}
    row = RevenuePayment(
        project_id=project.id,
        asset_id=asset.id,
        payer=payer,
        amount=event.amount,
        cumulative_before=before,
        split=rfc8785.dumps(text).decode("utf-8"),
        tx_hash=receipt.tx_hash,
    )
    session.add(row)
    session.flush()
    payload = {
        "amount": str(event.amount),
        "asset_id": asset.id,
        "chain_asset_id": asset.chain_asset_id,
        "cumulative_before": str(before),
        "payees": {partner: payee for partner, (payee, _) in sorted(event.credits.items())},
        "payer": payer,
        "payment_id": row.id,
        "split": text,
        "tx": receipt.tx_hash,
    }
    return row, payload


def reconcile(
    session: Session,
    ledger: Ledger,
    project: Project,
    asset: ForegroundAsset,
    event: RevenueReceived,
    receipt: Receipt,
) -> dict[str, int]:
    """The chain's credits of one payment (partner address -> wei, by partner number), once
    they equal the model's to the wei.

    Raises:
        ChainStateError: naming the first partner (by number) whose credit differs, or a
            credited account the ledger does not know as a partner.
    """
    assert project.id is not None and project.chain_project_id is not None
    members = {p.address: p for p in partners_of(session, project.id)}
    strangers = sorted(set(event.credits) - set(members))
    if strangers:
        raise ChainStateError(
            f"the chain credited {strangers[0]}, which is not a partner in the ledger",
            partner=strangers[0],
            tx_hash=receipt.tx_hash,
        )
    model = _model(session, ledger, project, asset, event, receipt.block_number - 1, members)
    chain = {members[a].number: wei for a, (_, wei) in event.credits.items()}
    by_number = {p.number: p for p in members.values()}
    for number in sorted(set(model) | set(chain)):
        credited, expected = chain.get(number, 0), model.get(number, 0)
        if credited != expected:
            partner = by_number[number].address
            raise ChainStateError(
                f"payment {receipt.tx_hash} for asset {asset.id}: the chain credited partner "
                f"{number} ({partner}) {credited} wei, the ledger's model {expected} wei",
                partner=partner,
                number=number,
                chain=str(credited),
                model=str(expected),
                tx_hash=receipt.tx_hash,
            )
    return {by_number[n].address: wei for n, wei in sorted(model.items())}


def _model(
    session: Session,
    ledger: Ledger,
    project: Project,
    asset: ForegroundAsset,
    event: RevenueReceived,
    block: int,
    members: dict[str, Partner],
) -> dict[int, int]:
    """The ledger's split of the payment from the inputs the contract saw."""
    assert project.id is not None and project.chain_project_id is not None
    tier = Tier(asset.tier)
    negotiated: dict[int, int] | None = None
    if tier is Tier.DERIVATIVE:
        split = ledger.rights.negotiated_split(project.chain_project_id, block=block)
        if split.nonce:
            negotiated = {
                _member(members, a).number: bps
                for a, bps in zip(split.partners, split.bps, strict=True)
            }
    column = Column(tier, ())
    if negotiated is None:
        committed = ledger.rights.column(project.chain_project_id, chain_tier(tier), block=block)
        if committed.snapshot_id == 0:
            raise ChainStateError(
                f"the chain took revenue for asset {asset.id} without a {tier} column",
                asset_id=asset.id,
            )
        c = committed.column
        profits = c.profit_bps or (None,) * len(c.partners)
        shares = [
            Share(_member(members, a).number, Side(members[a].side), r, f)
            for a, r, f in zip(c.partners, c.rights_bps, profits, strict=True)
        ]
        column = Column(tier, tuple(sorted(shares, key=lambda s: s.partner_id)))
    brackets = agreement_of(session, project.id).equity_terms().brackets
    before = event.cumulative - event.amount
    return split_revenue(tier, event.amount, before, column, brackets, negotiated)


def _member(members: dict[str, Partner], account: str) -> Partner:
    partner = members.get(account)
    if partner is None:
        raise ChainStateError(
            f"the chain's column lists {account}, which is not a partner in the ledger",
            partner=account,
        )
    return partner


def payment_event(ledger: Ledger, receipt: Receipt, asset: ForegroundAsset) -> RevenueReceived:
    """The one revenue payment a transaction made for the asset.

    Raises:
        RuleViolation: if it made none, or several.
    """
    events = [e for e in ledger.revenue.received(receipt) if e.asset_id == asset.chain_asset_id]
    if len(events) != 1:
        raise RuleViolation(
            f"transaction {receipt.tx_hash} made {len(events)} revenue payments for asset "
            f"{asset.id}; one is recorded at a time",
            field="tx_hash",
            payments=len(events),
        )
    return events[0]
