"""Revenue of foreground assets: what the routes take and answer, every partner's share in
wei."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.models._ip_common import MAX_ID, TierName, TxHash
from api.models.assets import one_way
from api.schemas import Address, RawTransaction, Wei
from ledger.db import Partner


class RevenueShareOut(BaseModel):
    """One partner's wei of an amount."""

    number: int = Field(description="The partner's number in the project (1, 2, …).")
    address: Address
    wei: Wei


def shares_of(partners: list[Partner], split: dict[str, int]) -> list[RevenueShareOut]:
    """Every partner's share of ``split`` (address -> wei), by partner number, zeros included."""
    return [
        RevenueShareOut(number=p.number, address=p.address, wei=split.get(p.address, 0))
        for p in partners
    ]


class PrepareRevenueIn(BaseModel):
    """A payment of revenue the caller will make with its own key."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"asset_id": 1, "amount": "800"}]}
    )

    asset_id: int = Field(ge=1, le=MAX_ID, description="The asset's ledger id.")
    amount: Wei = Field(description="The payment in wei (more than 0).")


class RevenueIn(BaseModel):
    """A payment of revenue for one of the project's assets: either the payer's signed
    `depositRevenue` to relay (`transaction` and `amount`), or one made on chain already
    (`tx_hash`)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"asset_id": 1, "amount": "800", "transaction": "0x02f8…"},
                {"asset_id": 1, "tx_hash": "0x" + "3c" * 32, "amount": "800"},
            ]
        },
    )

    asset_id: int = Field(ge=1, le=MAX_ID, description="The asset's ledger id.")
    transaction: RawTransaction | None = Field(
        default=None,
        description="The prepared `depositRevenue`, signed by the caller: the ledger relays it.",
    )
    tx_hash: TxHash | None = Field(
        default=None, description="The payer's mined `depositRevenue` transaction."
    )
    amount: Wei | None = Field(
        default=None,
        description="The amount paid: required with `transaction`; with `tx_hash`, checked "
        "against the chain if given.",
    )

    @model_validator(mode="after")
    def _either(self) -> RevenueIn:
        one_way(self.tx_hash, self.transaction)
        if self.transaction is not None and self.amount is None:
            raise ValueError("a relayed payment names its amount")
        return self


class FeeIn(BaseModel):
    """A licence's fee: either the payer's signed `payLicenceFee` to relay (`transaction`),
    or one paid on chain already (`tx_hash`)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"transaction": "0x02f8…"}, {"tx_hash": "0x" + "3c" * 32}]},
    )

    transaction: RawTransaction | None = Field(
        default=None,
        description="The prepared `payLicenceFee`, signed by the caller: the ledger relays it.",
    )
    tx_hash: TxHash | None = Field(
        default=None, description="The payer's mined `payLicenceFee` transaction."
    )

    @model_validator(mode="after")
    def _either(self) -> FeeIn:
        one_way(self.tx_hash, self.transaction)
        return self


class PaymentOut(BaseModel):
    """A recorded revenue payment and every partner's share of it."""

    id: int
    project_id: int
    asset_id: int
    tier: TierName = Field(description="The asset's tier, which decided the split.")
    licence_id: int | None = Field(description="The licence whose fee this was, if one.")
    payer: Address
    amount: Wei
    cumulative_before: Wei = Field(description="The asset's revenue before this payment.")
    split: list[RevenueShareOut] = Field(
        description="Each partner's wei, by partner number, zeros included; sums to `amount`."
    )
    tx_hash: str
    created_at: datetime


class TierRevenueOut(BaseModel):
    """What one tier's assets earned, and each partner's share of it."""

    tier: TierName
    payments: int = Field(description="How many payments.")
    amount: Wei = Field(description="Their sum.")
    split: list[RevenueShareOut] = Field(description="Each partner's wei; sums to `amount`.")


class RevenueByTierOut(BaseModel):
    """The project's recorded revenue by tier (licence fees included)."""

    tiers: list[TierRevenueOut] = Field(description="Core, application, derivative.")
    amount: Wei = Field(description="All tiers together.")
