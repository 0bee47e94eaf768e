"""The payouts of a milestone and their claims: what the routes take and answer."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from api.models.milestones import State
from api.schemas import Address, Wei


class PayoutOut(BaseModel):
    """One partner's payout of the milestone, and whether it has been claimed."""

    partner_number: int
    account: Address = Field(description="The partner's payout address: where the funds go.")
    amount: Wei
    claimed: bool = Field(description="Claimed on chain (by the ledger or by anyone else).")
    tx_hash: str | None = Field(description="The claim's transaction, as the ledger recorded it.")
    claimed_at: datetime | None = Field(description="When the ledger recorded the claim.")


class ClaimsOut(BaseModel):
    """The payouts of a submitted or released milestone (none while it is planned)."""

    milestone: int
    state: State
    payout_root: str | None
    total: Wei
    claimed_total: Wei = Field(description="What the escrow has paid out of this milestone.")
    claims_open_at: datetime | None = Field(
        description="When claims open (the dispute window's end); set once released."
    )
    claim_deadline: datetime | None = Field(description="When claims close; set once released.")
    items: list[PayoutOut]


class ClaimIn(BaseModel):
    """Whose payout to claim; the escrow pays it to that partner's payout address."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"partner_number": 1}]}
    )

    partner_number: int = Field(ge=1, le=10_000, description="The partner's number (1, 2, …).")


class ClaimOut(BaseModel):
    """A payout claimed: the escrow paid ``amount`` to ``account``."""

    milestone: int
    partner_number: int
    account: Address
    amount: Wei
    tx_hash: str = Field(description="The claim's transaction.")
