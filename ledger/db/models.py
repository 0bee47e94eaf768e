"""Tables. Every table the migrations create is declared here, on one metadata."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import BigInteger, Column, Index
from sqlmodel import Field, SQLModel

from ledger.db.types import UTCDateTime

metadata = SQLModel.metadata


def utcnow() -> datetime:
    return datetime.now(UTC)


class Deployment(SQLModel, table=True):
    """A contract the ledger deployed, on one chain (chain id + genesis hash).

    Rows are never updated: a new build of a contract is a new row, and the newest
    row for a (chain, name) is the contract in use.
    """

    __tablename__ = "deployment"
    __table_args__ = (Index("ix_deployment_chain_name", "chain_id", "genesis_hash", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    chain_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    genesis_hash: str = Field(max_length=66)
    name: str = Field(max_length=100)
    address: str = Field(max_length=42)
    code_hash: str = Field(max_length=64)
    tx_hash: str = Field(max_length=66)
    block_number: int = Field(sa_column=Column(BigInteger, nullable=False))
    deployed_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
