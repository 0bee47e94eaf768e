"""Tier columns committed on chain, and the derivative tier's negotiated split: what the
routes take and answer, and the structs partners sign."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.models._ip_common import Signatures, TierName
from api.schemas import Address, Hash
from ledger.chain.registry import Tier as ChainTier
from ledger.chain.rights import CommittedColumn, NegotiatedSplit, RightsColumn

#: The most partners a split names.
MAX_PARTNERS = 100


class ColumnOut(BaseModel):
    """A tier's column: partners in ascending address order and their bps."""

    partners: list[Address]
    numbers: list[int | None] = Field(description="Each partner's number in the project.")
    rights_bps: list[int]
    profit_bps: list[int] = Field(description="The application tier's profit bps; else empty.")

    @classmethod
    def of(cls, column: RightsColumn, numbers: dict[str, int]) -> ColumnOut:
        return cls(
            partners=list(column.partners),
            numbers=[numbers.get(a) for a in column.partners],
            rights_bps=list(column.rights_bps),
            profit_bps=list(column.profit_bps),
        )


class ColumnMessageOut(BaseModel):
    """The `Snapshot` struct partners sign to commit a snapshot's tier column (tiered
    rights' domain): `Signer.rights_column(chain_project_id, snapshot_number, tier_code,
    RightsColumn(partners, rights_bps, profit_bps), root, inputs_hash)`."""

    snapshot_id: int = Field(description="The snapshot's ledger id.")
    chain_project_id: int
    snapshot_number: int = Field(description="The snapshot's number: its id on chain.")
    tier: TierName
    tier_code: int = Field(description="The tier's number on chain (0, 1, 2).")
    column: ColumnOut
    root: Hash = Field(description="The snapshot's payout root (zeros if none).")
    inputs_hash: Hash
    column_hash: Hash = Field(description="keccak256 of the ABI-encoded column, as signed.")


class CommitIn(BaseModel):
    """A quorum of partners' signatures over the column's `Snapshot` struct."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"signatures": ["0x" + "1b" * 65, "0x" + "1c" * 65]}]},
    )

    signatures: Signatures


class CommittedColumnOut(BaseModel):
    """A tier's column as the chain holds it now; `snapshot_number` 0 means none yet."""

    tier: TierName
    tier_code: int
    snapshot_number: int
    committed_at: datetime | None
    root: Hash
    inputs_hash: Hash
    column: ColumnOut
    column_hash: Hash
    tx_hash: str | None = Field(default=None, description="The commit's transaction, if one.")

    @classmethod
    def of(
        cls,
        tier: TierName,
        held: CommittedColumn,
        numbers: dict[str, int],
        tx_hash: str | None = None,
    ) -> CommittedColumnOut:
        at = held.committed_at
        return cls(
            tier=tier,
            tier_code=int(ChainTier[tier.upper()]),
            snapshot_number=held.snapshot_id,
            committed_at=datetime.fromtimestamp(at, tz=UTC) if at else None,
            root=held.root.hex(),
            inputs_hash=held.inputs_hash.hex(),
            column=ColumnOut.of(held.column, numbers),
            column_hash=held.column.column_hash().hex(),
            tx_hash=tx_hash,
        )


class SplitOut(BaseModel):
    """A derivative split: the `NegotiatedSplit` struct every partner signs (tiered rights'
    domain), `Signer.negotiated_split(chain_project_id, NegotiatedSplit(nonce, partners,
    bps))`; `nonce` 0 means no split was set."""

    chain_project_id: int
    nonce: int = Field(description="The split's number: one above the last one set.")
    partners: list[Address] = Field(description="In ascending address order, as hashed.")
    numbers: list[int | None] = Field(description="Each partner's number in the project.")
    bps: list[int]
    split_hash: Hash
    tx_hash: str | None = Field(default=None, description="The transaction that set it, if one.")

    @classmethod
    def of(
        cls, pid: int, split: NegotiatedSplit, numbers: dict[str, int], tx_hash: str | None = None
    ) -> SplitOut:
        return cls(
            chain_project_id=pid,
            nonce=split.nonce,
            partners=list(split.partners),
            numbers=[numbers.get(a) for a in split.partners],
            bps=list(split.bps),
            split_hash=split.split_hash().hex(),
            tx_hash=tx_hash,
        )


class SplitIn(BaseModel):
    """A derivative split by partner number, and every partner's signature over it."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "bps": {"1": 2000, "2": 7000, "3": 1000},
                    "signatures": ["0x" + "1b" * 65, "0x" + "1c" * 65, "0x" + "1d" * 65],
                }
            ]
        },
    )

    bps: dict[
        Annotated[int, Field(ge=1, le=MAX_PARTNERS)], Annotated[int, Field(ge=0, le=10_000)]
    ] = Field(
        min_length=1,
        max_length=MAX_PARTNERS,
        description="Partner number -> bps; every partner once, summing to 10000.",
    )
    signatures: Signatures

    @field_validator("bps", mode="before")
    @classmethod
    def _few_enough(cls, value: object) -> object:
        # pydantic checks a dict's size after every key and value: a hundred thousand bad keys
        # were a hundred thousand errors, and 170 MiB to build them, before this
        if isinstance(value, dict) and len(value) > MAX_PARTNERS:
            raise ValueError(f"a split names at most {MAX_PARTNERS} partners, not {len(value)}")
        return value
