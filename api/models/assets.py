"""Foreground assets and their licences: what the routes take and answer."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.models._ip_common import Signatures, TierName, TxHash
from api.schemas import Address, Hash, RawTransaction, Wei

_LICENSEE = "0x6813Eb9362372EEF6200f3b1dbC3f819671cBA69"


# ---------------------------------------------------------------------- relayed acts


class RelayTransactionOut(BaseModel):
    """A type-2 (EIP-1559) transaction for the caller to sign as it is with its own key,
    fields as eth-account takes them (wei as decimal strings). The ledger relays it only if
    it comes back exactly so: this chain, this contract, this call data and value."""

    type: int = Field(examples=[2])
    chainId: int
    to: Address = Field(
        description="The contract called: `ForegroundRegistry` (registering an asset, paying "
        "a licence fee) or `RevenueSharing` (paying revenue)."
    )
    data: str = Field(description="The call data, `0x` hex.")
    value: Wei = Field(description="The wei the transaction carries: the fee or the amount.")
    nonce: int = Field(description="The signer's next nonce.")
    gas: int
    maxPriorityFeePerGas: Wei
    maxFeePerGas: Wei

    @classmethod
    def of(cls, unsigned: dict[str, Any]) -> RelayTransactionOut:
        return cls.model_validate(unsigned)


def one_way(tx_hash: str | None, transaction: str | None) -> None:
    if (tx_hash is None) == (transaction is None):
        raise ValueError("give either transaction (to relay) or tx_hash (to record), not both")


# ---------------------------------------------------------------------- assets


class PrepareAssetIn(BaseModel):
    """The asset the caller (a partner) will register on chain with its own key."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"tier": "core", "content_hash": "ab" * 32}]},
    )

    tier: TierName
    content_hash: Hash = Field(description="The hash to register (32 bytes of hex).")


class AssetIn(BaseModel):
    """An asset a partner registers on chain with its own key: either its signed
    `registerAsset` to relay (`transaction`), or one it sent itself (`tx_hash`)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "tier": "core",
                    "title": "Defect detector",
                    "content_hash": "ab" * 32,
                    "transaction": "0x02f8…",
                },
                {
                    "tier": "core",
                    "title": "Defect detector",
                    "content_hash": "ab" * 32,
                    "tx_hash": "0x" + "3c" * 32,
                },
            ]
        },
    )

    tier: TierName
    title: str = Field(min_length=1, max_length=200)
    content_hash: Hash = Field(description="The hash registered on chain (32 bytes of hex).")
    transaction: RawTransaction | None = Field(
        default=None,
        description="The prepared `registerAsset`, signed by the caller: the ledger relays it.",
    )
    tx_hash: TxHash | None = Field(
        default=None, description="A partner's mined `registerAsset` transaction."
    )

    @model_validator(mode="after")
    def _either(self) -> AssetIn:
        one_way(self.tx_hash, self.transaction)
        return self


class AssetOut(BaseModel):
    """A pooled foreground asset."""

    id: int
    project_id: int
    tier: TierName
    title: str
    content_hash: Hash
    chain_asset_id: int | None = Field(description="The asset's id in the foreground registry.")
    registrant: Address | None = Field(description="The partner that registered it on chain.")
    tx_hash: str | None = Field(description="The registration's transaction.")
    created_at: datetime


class OwnerOut(BaseModel):
    """One partner's ownership of an asset: its tier's rights bps committed on chain."""

    number: int | None = Field(description="The partner's number in the project.")
    address: Address
    bps: int = Field(description="Basis points of 10000.")


class AssetDetailOut(AssetOut):
    """A pooled foreground asset and who owns it."""

    ownership: list[OwnerOut] = Field(
        description="Each partner's share, as the tier's latest committed column says "
        "(in the column's order); empty while none was committed."
    )


# ---------------------------------------------------------------------- licences


class OfferIn(BaseModel):
    """A licence to check against the agreement before the quorum signs it."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"licensee": _LICENSEE, "territory": "DE", "industry": "C26", "fee": "900"}
            ]
        },
    )

    licensee: Address
    territory: str = Field(
        pattern=r"^[A-Za-z0-9]{1,8}$",
        description="ISO 3166-1 alpha-2 (`DE`); core assets only for the agreement's list.",
    )
    industry: str = Field(
        pattern=r"^[A-Za-z0-9]{1,8}$",
        description="ISIC Rev. 4 code (`C26`); application assets only for the agreement's list.",
    )
    fee: Wei = Field(description="The licence's fee in wei, paid once by the licensee.")


class LicenceIn(OfferIn):
    """A licence and the quorum's signatures over the offer the preparation returned."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "licensee": _LICENSEE,
                    "territory": "DE",
                    "industry": "C26",
                    "fee": "900",
                    "signatures": ["0x" + "1b" * 65, "0x" + "1c" * 65],
                }
            ]
        },
    )

    signatures: Signatures


class OfferOut(BaseModel):
    """The `Licence` struct a quorum of partners signs (foreground registry's domain).

    Ids are the chain's: `Signer.licence(project_id, **the other fields)` signs it.
    """

    project_id: int = Field(description="The project's id on chain.")
    asset_id: int = Field(description="The asset's id on chain.")
    licensee: Address
    territory: str
    industry: str
    fee: Wei
    licence_id: int = Field(
        description="The registry's next licence id: the signatures grant this licence only."
    )


LicenceState = Literal["granted", "paid"]


class LicenceOut(BaseModel):
    """A licence granted on chain."""

    id: int
    project_id: int
    asset_id: int
    licensee: Address
    territory: str
    industry: str
    fee: Wei
    chain_licence_id: int | None
    state: LicenceState = Field(description="`paid` once its fee is recorded.")
    signers: list[Address] = Field(description="The partners whose signatures granted it.")
    tx_hash: str | None = Field(description="The grant's transaction.")
    created_at: datetime
