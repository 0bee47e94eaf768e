"""Reading the foreground book: assets, their licences, revenue payments and owners.

Foreground assets, licences and payments have their own tables and ids; nothing here
reads the background book, and :mod:`ledger.background_service` never reads this one.
:mod:`ledger.licensing` re-exports these queries.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from ledger.chain.registry import Tier as ChainTier
from ledger.context import Ledger
from ledger.db import ForegroundAsset, Licence, RevenuePayment
from ledger.equity import Tier
from ledger.errors import NotFound
from ledger.projects import get_project


def chain_tier(tier: Tier | str) -> ChainTier:
    """The contracts' number for a tier."""
    return ChainTier[Tier(tier).name]


def get_asset(session: Session, asset_id: int) -> ForegroundAsset:
    """A foreground asset by its ledger id (the foreground book only).

    Raises:
        NotFound: if the foreground book has no such asset.
    """
    row = session.get(ForegroundAsset, asset_id)
    if row is None:
        raise NotFound(f"no foreground asset {asset_id}", asset_id=asset_id)
    return row


def assets(session: Session, project_id: int) -> list[ForegroundAsset]:
    """The project's foreground assets, oldest first (never a background deposit)."""
    get_project(session, project_id)
    return list(
        session.exec(
            select(ForegroundAsset)
            .where(ForegroundAsset.project_id == project_id)
            .order_by(col(ForegroundAsset.id))
        ).all()
    )


def get_licence(session: Session, licence_id: int) -> Licence:
    """A licence by its ledger id.

    Raises:
        NotFound: if there is no such licence.
    """
    row = session.get(Licence, licence_id)
    if row is None:
        raise NotFound(f"no licence {licence_id}", licence_id=licence_id)
    return row


def licences(session: Session, asset_id: int) -> list[Licence]:
    """The licences granted on a foreground asset, oldest first."""
    get_asset(session, asset_id)
    return list(
        session.exec(
            select(Licence).where(Licence.asset_id == asset_id).order_by(col(Licence.id))
        ).all()
    )


def payments(session: Session, asset_id: int) -> list[RevenuePayment]:
    """The revenue recorded for a foreground asset (licence fees included), oldest first."""
    get_asset(session, asset_id)
    return list(
        session.exec(
            select(RevenuePayment)
            .where(RevenuePayment.asset_id == asset_id)
            .order_by(col(RevenuePayment.id))
        ).all()
    )


def ownership(session: Session, ledger: Ledger, *, asset_id: int) -> dict[str, int]:
    """Who owns a pooled foreground asset: its tier's rights bps committed on chain.

    The column is the one the latest released milestone committed; empty while none was.
    """
    asset = get_asset(session, asset_id)
    project = get_project(session, asset.project_id)
    assert project.chain_project_id is not None
    column = ledger.rights.column(project.chain_project_id, chain_tier(asset.tier)).column
    return dict(zip(column.partners, column.rights_bps, strict=True))
