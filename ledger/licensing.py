"""Foreground IP: pooled assets, licences on them, and their fees (the foreground book).

- :func:`register_asset` records an asset a partner registered on chain with its own
  transaction (the registry takes only a partner as sender); the ledger reads the asset's
  id, tier and registrant from the receipt's ``AssetRegistered`` event.
- :func:`grant_licence` checks the agreement's restriction first (core assets only for its
  territories, application assets only for its industries), then the quorum's
  signatures over :func:`prepare_licence`'s offer, then submits.
- :func:`record_licence_fee` records the fee a licensee paid on chain, with the split the
  chain credited, reconciled with the model (:mod:`ledger.revenue_book`).

Licences come from :mod:`ledger.licence_grants`, revenue from :mod:`ledger.revenue_book`,
the queries (:func:`assets`, :func:`licences`, :func:`payments`, :func:`ownership`) from
:mod:`ledger.foreground_book`; this module re-exports them. See ``docs/ip-books.md``.
"""

from __future__ import annotations

from sqlmodel import Session, select

from ledger.context import Ledger
from ledger.db import ForegroundAsset
from ledger.equity import Tier
from ledger.errors import ChainStateError, Conflict, RuleViolation
from ledger.foreground_book import (
    assets,
    chain_tier,
    get_asset,
    get_licence,
    licences,
    ownership,
    payments,
)
from ledger.inputs import hex_bytes
from ledger.licence_grants import LicenceOffer, grant_licence, prepare_licence, record_licence_fee
from ledger.projects import partners_of
from ledger.recording import lock_project, record
from ledger.revenue_book import mined, record_revenue

__all__ = [
    "LicenceOffer",
    "assets",
    "get_asset",
    "get_licence",
    "grant_licence",
    "licences",
    "ownership",
    "payments",
    "prepare_licence",
    "record_licence_fee",
    "record_revenue",
    "register_asset",
]


def register_asset(
    session: Session,
    ledger: Ledger,
    *,
    project_id: int,
    tier: str,
    title: str,
    content_hash: str,
    tx_hash: str,
) -> ForegroundAsset:
    """Record a foreground asset a partner registered on chain with transaction ``tx_hash``.

    Raises:
        NotFound: for an unknown project or transaction.
        RuleViolation: for an unknown ``tier``, an empty ``title``, a ``content_hash`` that is
            not 32 bytes of hex, a transaction that registered no asset with that hash in this
            project (``tx_hash``), or one the chain registered in another tier (``tier``).
        Conflict: if the asset is recorded already.
    """
    project = lock_project(session, project_id)
    assert project.chain_project_id is not None
    wanted = _tier(tier)
    name = _title(title)
    digest = hex_bytes(content_hash, "content_hash", size=32)
    receipt = mined(ledger, tx_hash)
    events = [
        e
        for e in ledger.foreground.registered(receipt)
        if e.asset_hash == digest and e.project_id == project.chain_project_id
    ]
    if not events:
        raise RuleViolation(
            f"transaction {receipt.tx_hash} registered no asset {digest.hex()} in this project",
            field="tx_hash",
        )
    event = events[0]
    if event.tier != chain_tier(wanted):
        raise RuleViolation(
            f"the chain registered asset {event.asset_id} as {Tier[event.tier.name]}, not {wanted}",
            field="tier",
            chain=str(Tier[event.tier.name]),
        )
    known = session.exec(
        select(ForegroundAsset).where(ForegroundAsset.chain_asset_id == event.asset_id)
    ).first()
    if known is not None:
        raise Conflict(
            f"asset {event.asset_id} on chain is recorded already as asset {known.id}",
            field="tx_hash",
            asset_id=known.id,
        )
    if event.registrant not in {p.address for p in partners_of(session, project_id)}:
        raise ChainStateError(
            f"{event.registrant} registered the asset but is not a partner in the ledger",
            registrant=event.registrant,
        )
    row = ForegroundAsset(
        project_id=project_id,
        tier=wanted.value,
        title=name,
        content_hash=digest.hex(),
        chain_asset_id=event.asset_id,
    )
    session.add(row)
    session.flush()
    payload = {
        "asset_id": row.id,
        "chain_asset_id": event.asset_id,
        "content_hash": row.content_hash,
        "registrant": event.registrant,
        "tier": row.tier,
        "title": name,
        "tx": receipt.tx_hash,
    }
    record(
        session,
        ledger,
        project,
        "foreground.registered",
        payload,
        actor=f"partner:{event.registrant}",
    )
    return row


# ---------------------------------------------------------------------- internal


def _tier(value: str) -> Tier:
    try:
        return Tier(value)
    except ValueError:
        raise RuleViolation(
            f"{value!r} is not a tier (core, application, derivative)", field="tier"
        ) from None


def _title(value: str) -> str:
    title = value.strip() if isinstance(value, str) else ""
    if not 1 <= len(title) <= 200:
        raise RuleViolation("an asset needs a title of 1 to 200 characters", field="title")
    return title
