"""Pages of the IP books for the API: deposits, assets, licences and payments after a cursor.

The services' own queries (``background_service.deposits``, ``licensing.assets``, …) return
a whole book; these return one page of it, in id order after the id ``after``, with the
filters the API offers, and read the few facts the tables lack (a deposit's beneficiary, an
asset's registrant) from the journal entries that recorded them. Nothing here writes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from ledger.db import (
    BackgroundDeposit,
    ForegroundAsset,
    JournalEntry,
    Licence,
    Partner,
    RevenuePayment,
)
from ledger.equity import Tier
from ledger.inputs import address
from ledger.projects import get_project


def deposits_after(
    session: Session,
    project_id: int,
    *,
    after: int,
    limit: int,
    state: str | None = None,
    owner: str | None = None,
) -> list[BackgroundDeposit]:
    """Up to ``limit`` of the project's background deposits with an id above ``after``.

    Args:
        state: Only deposits in this state (``held``, ``released``, ``withdrawn``).
        owner: Only deposits of the partner with this address, in any checksum case.

    Raises:
        NotFound: for an unknown project.
        RuleViolation: for an ``owner`` that is not an address.
    """
    get_project(session, project_id)
    query = (
        select(BackgroundDeposit)
        .where(BackgroundDeposit.project_id == project_id)
        .where(col(BackgroundDeposit.id) > after)
    )
    if state is not None:
        query = query.where(BackgroundDeposit.state == state)
    if owner is not None:
        partner_ids = select(Partner.id).where(
            Partner.project_id == project_id, Partner.address == address(owner, "owner")
        )
        query = query.where(col(BackgroundDeposit.owner_partner_id).in_(partner_ids))
    return list(session.exec(query.order_by(col(BackgroundDeposit.id)).limit(limit)).all())


def assets_after(
    session: Session, project_id: int, *, after: int, limit: int, tier: str | None = None
) -> list[ForegroundAsset]:
    """Up to ``limit`` of the project's foreground assets with an id above ``after``.

    Raises:
        NotFound: for an unknown project.
    """
    get_project(session, project_id)
    query = (
        select(ForegroundAsset)
        .where(ForegroundAsset.project_id == project_id)
        .where(col(ForegroundAsset.id) > after)
    )
    if tier is not None:
        query = query.where(ForegroundAsset.tier == tier)
    return list(session.exec(query.order_by(col(ForegroundAsset.id)).limit(limit)).all())


def licences_after(
    session: Session,
    project_id: int,
    *,
    after: int,
    limit: int,
    asset_id: int | None = None,
    licensee: str | None = None,
    state: str | None = None,
) -> list[Licence]:
    """Up to ``limit`` of the project's licences with an id above ``after``.

    Args:
        asset_id: Only licences on this asset.
        licensee: Only licences to this address, in any checksum case.
        state: Only licences in this state (``granted``, ``paid``).

    Raises:
        NotFound: for an unknown project.
        RuleViolation: for a ``licensee`` that is not an address.
    """
    get_project(session, project_id)
    query = select(Licence).where(Licence.project_id == project_id).where(col(Licence.id) > after)
    if asset_id is not None:
        query = query.where(Licence.asset_id == asset_id)
    if licensee is not None:
        query = query.where(Licence.licensee == address(licensee, "licensee"))
    if state is not None:
        query = query.where(Licence.state == state)
    return list(session.exec(query.order_by(col(Licence.id)).limit(limit)).all())


def payments_after(
    session: Session,
    project_id: int,
    *,
    after: int,
    limit: int,
    asset_id: int | None = None,
    tier: str | None = None,
    payer: str | None = None,
) -> list[tuple[RevenuePayment, str]]:
    """Up to ``limit`` of the project's revenue payments with an id above ``after``, each with
    its asset's tier.

    Args:
        asset_id: Only payments for this asset.
        tier: Only payments for assets of this tier.
        payer: Only payments by this address, in any checksum case.

    Raises:
        NotFound: for an unknown project.
        RuleViolation: for a ``payer`` that is not an address.
    """
    get_project(session, project_id)
    query = (
        select(RevenuePayment, ForegroundAsset.tier)
        .join(ForegroundAsset, col(ForegroundAsset.id) == col(RevenuePayment.asset_id))
        .where(RevenuePayment.project_id == project_id)
        .where(col(RevenuePayment.id) > after)
    )
    if asset_id is not None:
        query = query.where(RevenuePayment.asset_id == asset_id)
    if tier is not None:
        query = query.where(ForegroundAsset.tier == tier)
    if payer is not None:
        query = query.where(RevenuePayment.payer == address(payer, "payer"))
    rows = session.exec(query.order_by(col(RevenuePayment.id)).limit(limit)).all()
    return [(payment, str(tier_of)) for payment, tier_of in rows]


def split_of(payment: RevenuePayment) -> dict[str, int]:
    """A payment's split as stored: partner address -> wei (partners credited nothing absent)."""
    return {partner: int(wei) for partner, wei in json.loads(payment.split).items()}


@dataclass
class TierRevenue:
    """What one tier's assets earned: payments, their total and each partner's share of it."""

    tier: str
    payments: int = 0
    amount: int = 0
    split: dict[str, int] = field(default_factory=dict)


def revenue_by_tier(session: Session, project_id: int) -> dict[str, TierRevenue]:
    """Every tier's recorded revenue (licence fees included), exact to the wei.

    Each tier's ``split`` sums to its ``amount``, as each payment's split sums to the
    payment. Tiers without revenue are there with zeros.

    Raises:
        NotFound: for an unknown project.
    """
    get_project(session, project_id)
    totals = {tier.value: TierRevenue(tier.value) for tier in Tier}
    rows = session.exec(
        select(RevenuePayment, ForegroundAsset.tier)
        .join(ForegroundAsset, col(ForegroundAsset.id) == col(RevenuePayment.asset_id))
        .where(RevenuePayment.project_id == project_id)
        .order_by(col(RevenuePayment.id))
    ).all()
    for payment, tier in rows:
        total = totals[str(tier)]
        total.payments += 1
        total.amount += payment.amount
        for partner, wei in split_of(payment).items():
            total.split[partner] = total.split.get(partner, 0) + wei
    return totals


def recorded(
    session: Session, project_id: int, kind: str, key: str, ids: Iterable[int] | None = None
) -> dict[int, dict[str, Any]]:
    """The payloads of the project's journal entries of ``kind``, by the id under ``key``.

    For the facts the tables do not keep: ``recorded(session, p, "background.deposited",
    "deposit_id")`` gives each deposit's beneficiary and release milestone,
    ``"foreground.registered"`` by ``"asset_id"`` each asset's registrant. With ``ids``, only
    those ids are kept.
    """
    wanted = None if ids is None else set(ids)
    found: dict[int, dict[str, Any]] = {}
    payloads = session.exec(
        select(JournalEntry.payload)
        .where(JournalEntry.project_id == project_id)
        .where(JournalEntry.kind == kind)
        .order_by(col(JournalEntry.seq))
    ).all()
    for text in payloads:
        payload = json.loads(text)
        number = payload.get(key)
        if isinstance(number, int) and (wanted is None or number in wanted):
            found[number] = payload
    return found
