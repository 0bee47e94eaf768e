"""Tables. Every table the migrations create is declared here, on one metadata."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import BigInteger, Column, Index, Text, UniqueConstraint
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


class JournalEntry(SQLModel, table=True):
    """One entry of a project's append-only record.

    ``entry_hash`` is sha256 over the RFC 8785 form of every other field (``payload`` is
    already canonical JSON); ``prev_hash`` is the previous entry's hash (64 zeros for the
    first). Rows are written once, in the same transaction as the change they record.
    """

    __tablename__ = "journal_entry"
    __table_args__ = (UniqueConstraint("project_id", "seq", name="uq_journal_project_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    seq: int = Field(sa_column=Column(BigInteger, nullable=False))
    kind: str = Field(max_length=64)
    payload: str = Field(sa_column=Column(Text, nullable=False))
    actor: str = Field(max_length=128)
    signature: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    recorded_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    prev_hash: str = Field(max_length=64)
    entry_hash: str = Field(max_length=64)


class TreeHeadRecord(SQLModel, table=True):
    """A signed tree head of a project's record, and where it was anchored on chain."""

    __tablename__ = "tree_head"
    __table_args__ = (UniqueConstraint("project_id", "tree_size", name="uq_tree_head_size"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    tree_size: int = Field(sa_column=Column(BigInteger, nullable=False))
    root_hash: str = Field(max_length=64)
    timestamp_ms: int = Field(sa_column=Column(BigInteger, nullable=False))
    signature: str = Field(max_length=128)
    anchored_block: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    anchored_tx: str | None = Field(default=None, max_length=66)
    #: The tree's frontier at this size (``ledger.record.Frontier``, hex): the next head is
    #: computed from it and the entries added since.
    frontier: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
