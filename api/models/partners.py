"""The partners of a project and their joining: what the routes take and answer (see
docs/api/projects.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas import Address, Signature
from ledger.db import Partner


class PartnerOut(BaseModel):
    """A partner of a project: a party of the agreement that joined with its signature."""

    number: int = Field(
        description="1, 2, … in joining order: its id in the equity engine and the registry."
    )
    address: Address = Field(description="The address it signs with.")
    side: Literal["foreign", "local"]
    kind: str = Field(
        description="`university`, `enterprise`, `research_institute`, `investor` or `individual`."
    )
    jurisdiction: str = Field(description="ISO 3166-1 alpha-2.")
    name: str
    payout_address: Address = Field(description="Where its payouts go.")
    joined_tx: str | None = Field(description="The hash of the registry's join transaction.")
    joined_at: datetime

    @classmethod
    def of(cls, row: Partner) -> PartnerOut:
        return cls(
            number=row.number,
            address=row.address,
            side=row.side,  # type: ignore[arg-type]
            kind=row.kind,
            jurisdiction=row.jurisdiction,
            name=row.name,
            payout_address=row.payout_address,
            joined_tx=row.joined_tx,
            joined_at=row.created_at,
        )


class JoinIn(BaseModel):
    """A party of the agreement joins as itself, with its signature."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "address": "0x2B5AD5c4795c026514f8317c7a215E218DcCD6cF",
                    "signature": "0x" + "1b" * 65,
                }
            ]
        },
    )

    address: Address = Field(description="The party's address (the caller's own).")
    signature: Signature = Field(
        description="Its EIP-712 `Join` signature (ProjectRegistry domain) over the agreement hash."
    )
    payout_address: Address | None = Field(
        default=None,
        description="Where its payouts go; defaults to the agreement's, else to `address`.",
    )
