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
from ledger.inputs import amount as check_amount
from ledger.projects import agreement_of, partners_of
from ledger.recording import lock_project, record


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
