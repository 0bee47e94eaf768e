"""Foreground IP: pooled assets, licences on them, and their fees (the foreground book).

- :func:`register_asset` records an asset a partner registered on chain with its own
  transaction (the registry takes only a partner as sender); the ledger reads the asset's
  id, tier and registrant from the receipt's ``AssetRegistered`` event.
- :func:`prepare_asset_registration` returns that ``registerAsset`` transaction for a
  partner with no node of its own to sign; :func:`register_asset_relayed` relays it only if
  it is exactly that call, then records it with :func:`register_asset` in the same
  database transaction. Licence fees and revenue have the same pair
  (:func:`prepare_licence_fee` and :func:`pay_licence_fee`, :func:`prepare_revenue` and
  :func:`deposit_revenue`).
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

from typing import Any

from sqlmodel import Session, select

from ledger.chain.gateway import transaction_sender
from ledger.context import Ledger
from ledger.db import ForegroundAsset
from ledger.equity import Tier
from ledger.errors import ChainStateError, Conflict, NotFound, RuleViolation, Unauthorized
from ledger.foreground_book import (
    assets,
    chain_tier,
    get_asset,
    get_licence,
    licences,
    ownership,
    payments,
)
from ledger.inputs import address, hex_bytes
from ledger.licence_grants import (
    LicenceOffer,
    grant_licence,
    pay_licence_fee,
    prepare_licence,
    prepare_licence_fee,
    record_licence_fee,
)
from ledger.projects import get_project, partner_by_address, partners_of
from ledger.recording import lock_project, record
from ledger.revenue_book import (
    deposit_revenue,
    mined,
    prepare_revenue,
    record_revenue,
    signed_transaction,
)

__all__ = [
    "LicenceOffer",
    "assets",
    "deposit_revenue",
    "get_asset",
    "get_licence",
    "grant_licence",
    "licences",
    "ownership",
    "pay_licence_fee",
    "payments",
    "prepare_asset_registration",
    "prepare_licence",
    "prepare_licence_fee",
    "prepare_revenue",
    "record_licence_fee",
    "record_revenue",
    "register_asset",
    "register_asset_relayed",
]


def prepare_asset_registration(
    session: Session,
    ledger: Ledger,
    *,
    project_id: int,
    registrant: str,
    tier: str,
    content_hash: str,
) -> dict[str, Any]:
    """The ``registerAsset`` transaction partner ``registrant`` signs to register an asset.

    Raises:
        NotFound: for an unknown project.
        RuleViolation: for an unknown ``tier``, a ``content_hash`` that is not 32 bytes of
            hex, a bad ``registrant``, or a project no longer active.
        Unauthorized: when ``registrant`` is not a partner of the project (``registrant``).
    """
    project = get_project(session, project_id)
    wanted = _tier(tier)
    digest = hex_bytes(content_hash, "content_hash", size=32)
    sender = address(registrant, "registrant", nonzero=True)
    _require_partner(session, project_id, sender, "registrant")
    if project.status != "active":
        raise RuleViolation(
            f"project {project_id} is {project.status}", field="project", status=project.status
        )
    assert project.chain_project_id is not None
    return ledger.foreground.register_asset_unsigned(
        project.chain_project_id, chain_tier(wanted), digest, sender
    )


def register_asset_relayed(
    session: Session,
    ledger: Ledger,
    *,
    project_id: int,
    tier: str,
    title: str,
    content_hash: str,
    transaction: str,
) -> ForegroundAsset:
    """Relay a partner's signed ``registerAsset`` and record the asset it registered.

    The asset is recorded by :func:`register_asset` from the mined transaction, so it is
    stored exactly as one recorded by its hash; the registrant is the transaction's signer.

    Raises:
        NotFound: for an unknown project.
        RuleViolation: as :func:`register_asset` for the fields, or for a transaction that
            is not exactly this ``registerAsset`` call (``transaction``).
        Unauthorized: when the transaction's signer is not a partner (``transaction``).
        ContractReverted: when the registry refuses it, e.g. a hash registered already in
            the project (nothing is sent).
    """
    wanted = _tier(tier)
    _title(title)
    digest = hex_bytes(content_hash, "content_hash", size=32)
    raw = signed_transaction(transaction)
    registrant = transaction_sender(raw)
    project = lock_project(session, project_id)
    _require_partner(session, project_id, registrant, "transaction")
    assert project.chain_project_id is not None
    _, receipt = ledger.foreground.register_asset_relayed(
        raw, project.chain_project_id, chain_tier(wanted), digest
    )
    return register_asset(
        session,
        ledger,
        project_id=project_id,
        tier=tier,
        title=title,
        content_hash=content_hash,
        tx_hash=receipt.tx_hash,
    )


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


def _require_partner(session: Session, project_id: int, account: str, field: str) -> None:
    """Only a partner registers an asset (the registry reverts for anyone else)."""
    try:
        partner_by_address(session, project_id, account)
    except NotFound:
        raise Unauthorized(
            f"{account} is not a partner of project {project_id}", field=field, address=account
        ) from None


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
