"""What the ip routes share: path parameters, finding a row of the project, partners'
numbers."""

from __future__ import annotations

from typing import Annotated, Protocol, TypeVar

from fastapi import Path
from sqlmodel import Session

from api.models._ip_common import MAX_ID, TierName
from ledger import licensing
from ledger.db import ForegroundAsset, Licence
from ledger.errors import NotFound
from ledger.projects import partners_of

DepositIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="The deposit's ledger id.")]
AssetIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="The asset's ledger id.")]
LicenceIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="The licence's ledger id.")]
PaymentIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="The payment's ledger id.")]
SnapshotIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="The snapshot's ledger id.")]
TierPath = Annotated[TierName, Path(description="`core`, `application` or `derivative`.")]


class InProject(Protocol):
    project_id: int


R = TypeVar("R", bound=InProject)


def in_project(row: R, project_id: int, what: str, key: str, row_id: int) -> R:
    """``row`` if it belongs to the project, else NotFound: an id of another project is
    unknown under this one, with the same answer as an id of nothing.

    Args:
        what: The row's name in the message (``background deposit``).
        key: The id's field in the problem (``deposit_id``).
    """
    if row.project_id != project_id:
        raise NotFound(f"no {what} {row_id}", **{key: row_id})
    return row


def asset_in_project(session: Session, project_id: int, asset_id: int) -> ForegroundAsset:
    row = licensing.get_asset(session, asset_id)
    return in_project(row, project_id, "foreground asset", "asset_id", asset_id)


def licence_in_project(session: Session, project_id: int, licence_id: int) -> Licence:
    row = licensing.get_licence(session, licence_id)
    return in_project(row, project_id, "licence", "licence_id", licence_id)


def numbers_of(session: Session, project_id: int) -> dict[str, int]:
    """Partner address -> partner number."""
    return {p.address: p.number for p in partners_of(session, project_id)}
