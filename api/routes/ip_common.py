"""What the ip routes share: their router, path and field types, partners' shares, the
project check.

Every ip module adds its routes to :data:`router`, which :mod:`api.routes.ip` exports, so
the app and its tests see each route as it is (one router, no nested inclusion).
"""

from __future__ import annotations

from typing import Annotated, Literal, Protocol, TypeVar

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field
from sqlmodel import Session

from api.schemas import Address, Signature, Wei
from ledger.db import Partner
from ledger.errors import NotFound
from ledger.projects import partners_of

#: The router of every ip route.
router = APIRouter(prefix="/v1", tags=["ip"])

MAX_ID = 2**63 - 1

DepositIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="The deposit's ledger id.")]
AssetIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="The asset's ledger id.")]
LicenceIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="The licence's ledger id.")]
PaymentIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="The payment's ledger id.")]
SnapshotIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="The snapshot's ledger id.")]

#: A tier of the rights model.
TierName = Literal["core", "application", "derivative"]
TierPath = Annotated[TierName, Path(description="`core`, `application` or `derivative`.")]

#: A transaction's hash, with or without ``0x``.
TxHash = Annotated[
    str,
    Field(pattern=r"^(0x)?[0-9a-fA-F]{64}$", examples=["0x" + "3c" * 32]),
]
#: A list of partners' EIP-712 signatures (a quorum, or every partner).
Signatures = Annotated[
    list[Signature],
    Field(
        min_length=1,
        max_length=64,
        description="EIP-712 signatures, `0x` and 130 hex characters each, in any order.",
        examples=[["0x" + "1b" * 65, "0x" + "1c" * 65]],
    ),
]


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


class ShareOut(BaseModel):
    """One partner's wei of an amount."""

    number: int = Field(description="The partner's number in the project (1, 2, …).")
    address: Address
    wei: Wei


def shares_of(partners: list[Partner], split: dict[str, int]) -> list[ShareOut]:
    """Every partner's share of ``split`` (address -> wei), by partner number, zeros included."""
    return [
        ShareOut(number=p.number, address=p.address, wei=split.get(p.address, 0)) for p in partners
    ]


def numbers_of(session: Session, project_id: int) -> dict[str, int]:
    """Partner address -> partner number."""
    return {p.address: p.number for p in partners_of(session, project_id)}
