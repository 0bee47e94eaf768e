"""Funding deposits into a project's escrow: what the routes take and answer."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.schemas import Address, RawTransaction, Wei
from ledger.db import FundingDeposit
from ledger.funding import EscrowBalance

#: A transaction hash: ``0x`` and 64 hex characters.
TxHash = Annotated[str, Field(pattern=r"^0x[0-9a-fA-F]{64}$", examples=["0x" + "ab" * 32])]


class PrepareDepositIn(BaseModel):
    """How much to deposit, in wei."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"amount": "10000000000000000019"}]}
    )

    amount: Wei


class FundingTransactionOut(BaseModel):
    """An EIP-1559 transaction for the funder to sign as it is (wei and fees as strings)."""

    type: int = Field(description="2 (EIP-1559).")
    chainId: int
    to: Address = Field(description="The MilestoneEscrow contract.")
    data: str = Field(description="The `deposit(projectId)` call, `0x` hex.")
    value: Wei
    nonce: int = Field(description="The funder's next nonce.")
    gas: int
    maxPriorityFeePerGas: Wei
    maxFeePerGas: Wei


class DepositIn(BaseModel):
    """Either a signed ``deposit`` to relay (``amount`` and ``transaction``), or the hash of a
    deposit the funder sent itself (``tx_hash``)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"amount": "10000000000000000019", "transaction": "0x02f8…"},
                {"tx_hash": "0x" + "ab" * 32},
            ]
        },
    )

    amount: Wei | None = Field(default=None, description="The amount the transaction deposits.")
    transaction: RawTransaction | None = Field(
        default=None, description="The prepared transaction, signed by the funder."
    )
    tx_hash: TxHash | None = Field(default=None, description="A mined deposit's transaction.")

    @model_validator(mode="after")
    def _one_way(self) -> DepositIn:
        relayed = self.amount is not None and self.transaction is not None and not self.tx_hash
        recorded = self.tx_hash is not None and self.amount is None and self.transaction is None
        if not (relayed or recorded):
            raise ValueError("give either amount and transaction, or tx_hash alone")
        return self


class DepositOut(BaseModel):
    """A deposit into the project's escrow, as the chain's ``Deposited`` event says."""

    id: int
    funder: Address = Field(description="The account credited (the transaction's sender).")
    amount: Wei
    tx_hash: str
    log_index: int
    block_number: int
    created_at: datetime

    @classmethod
    def of(cls, row: FundingDeposit) -> DepositOut:
        assert row.id is not None
        return cls(
            id=row.id,
            funder=row.funder,
            amount=row.amount,
            tx_hash=row.tx_hash,
            log_index=row.log_index,
            block_number=row.block_number,
            created_at=row.created_at.astimezone(UTC),
        )


class EscrowBalanceOut(BaseModel):
    """What the milestone escrow holds for the project, read from the chain.

    ``held`` = ``deposited`` − ``claimed`` − ``refunded`` − ``fees_paid``; of it,
    ``available`` is committed to no milestone and ``locked`` is owed to partners by released
    milestones not claimed yet. Amounts are in the project's asset units (wei for ether).
    """

    token: Address | None = Field(description="The ERC-20 token; `null` for ether.")
    held: Wei = Field(description="What the escrow holds for the project now.")
    deposited: Wei = Field(description="Every funder's deposits.")
    available: Wei = Field(description="Committed to no milestone: what a release can use.")
    locked: Wei = Field(description="Released milestones' payouts not claimed yet.")
    claimed: Wei = Field(description="Paid to partners by their claims.")
    refunded: Wei = Field(description="Refunded to funders.")
    fees_paid: Wei = Field(description="Arbiters' fees withdrawn.")
    fees_owed: Wei = Field(description="Arbiters' fees not withdrawn yet.")
    refund_pool: Wei = Field(description="Set aside for refunds to funders.")

    @classmethod
    def of(cls, balance: EscrowBalance) -> EscrowBalanceOut:
        return cls(
            token=balance.token,
            held=balance.held,
            deposited=balance.deposited,
            available=balance.available,
            locked=balance.locked,
            claimed=balance.claimed,
            refunded=balance.refunded,
            fees_paid=balance.fees_paid,
            fees_owed=balance.fees_owed,
            refund_pool=balance.refund_pool,
        )
