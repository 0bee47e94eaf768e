"""Tables of the domain: projects and their agreements, partners, contributions, snapshots,
milestones, disputes, IP assets, licences, revenue and credentials.

Rows that record an act are written once; the few columns that change (a milestone's
state, a contribution's status, a dispute's outcome) change in the same transaction as
the journal entry that records the change. Amounts of money and contribution values are
:class:`~ledger.db.types.BigInt` (exact, any size); bps and counts are plain integers.
JSON columns hold RFC 8785 canonical text.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from ledger.db.models import utcnow
from ledger.db.types import BigInt, UTCDateTime


def _when(*, nullable: bool = False) -> Column:  # type: ignore[type-arg]
    return Column(UTCDateTime(), nullable=nullable)


def _fk(target: str, *, nullable: bool = False) -> Column:  # type: ignore[type-arg]
    return Column(BigInteger, ForeignKey(target), nullable=nullable, index=True)


class Project(SQLModel, table=True):
    """A technology-transfer project and where it lives on chain.

    ``write_seq`` is bumped first thing by every write to the project: the row lock it
    takes (PostgreSQL) or the write lock (SQLite) serialises the project's writers, so
    journal appends and snapshots never race.
    """

    __tablename__ = "project"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    host_jurisdiction: str = Field(max_length=2)
    token: str = Field(max_length=42)
    agreement_version: int = 1
    agreement_hash: str = Field(max_length=64)
    chain_project_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    status: str = Field(default="active", max_length=16)
    write_seq: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_when())


class AgreementVersion(SQLModel, table=True):
    """One version of a project's agreement; an amendment adds a version, never edits one."""

    __tablename__ = "agreement_version"
    __table_args__ = (UniqueConstraint("project_id", "version", name="uq_agreement_version"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(sa_column=_fk("project.id"))
    version: int
    document: str = Field(sa_column=Column(Text, nullable=False))
    document_hash: str = Field(max_length=64)
    reason: str = Field(default="", sa_column=Column(Text, nullable=False))
    signatures: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_when())


class Partner(SQLModel, table=True):
    """A partner of one project; ``number`` (1, 2, …) is its id in the equity engine."""

    __tablename__ = "partner"
    __table_args__ = (
        UniqueConstraint("project_id", "number", name="uq_partner_number"),
        UniqueConstraint("project_id", "address", name="uq_partner_address"),
    )

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(sa_column=_fk("project.id"))
    number: int
    name: str = Field(max_length=200)
    kind: str = Field(max_length=32)
    jurisdiction: str = Field(max_length=2)
    side: str = Field(max_length=8)
    address: str = Field(max_length=42)
    payout_address: str = Field(max_length=42)
    joined_tx: str | None = Field(default=None, max_length=66)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_when())


class ForegroundAsset(SQLModel, table=True):
    """IP created in the project, pooled, owned by its tier's rights shares."""

    __tablename__ = "foreground_asset"

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(sa_column=_fk("project.id"))
    tier: str = Field(max_length=16)
    title: str = Field(max_length=200)
    content_hash: str = Field(max_length=64)
    chain_asset_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_when())


class Contribution(SQLModel, table=True):
    """A partner's signed contribution.

    ``recorded_us`` is the ledger's time of recording in integer microseconds (the
    engine's timestamp); ``body_hash`` is the sha256 of the signed message, compared when a
    retry brings the same idempotency key.
    """

    __tablename__ = "contribution"
    __table_args__ = (
        UniqueConstraint("partner_id", "idempotency_key", name="uq_contribution_idempotency"),
        Index("ix_contribution_project_id_id", "project_id", "id"),
        # the few contributions not counted (disputed or rejected): what a snapshot re-reads
        Index(
            "ix_contribution_uncounted",
            "project_id",
            "id",
            postgresql_where=text("status <> 'accepted'"),
            sqlite_where=text("status <> 'accepted'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(sa_column=Column(BigInteger, ForeignKey("project.id"), nullable=False))
    partner_id: int = Field(sa_column=_fk("partner.id"))
    partner_number: int
    tier: str = Field(max_length=16)
    kind: str = Field(max_length=32)
    value: int = Field(sa_column=Column(BigInt(), nullable=False))
    evidence_hash: str = Field(max_length=64)
    asset_id: int | None = Field(default=None, sa_column=_fk("foreground_asset.id", nullable=True))
    idempotency_key: str = Field(max_length=128)
    body_hash: str = Field(max_length=64)
    signature: str = Field(max_length=132)
    status: str = Field(default="accepted", max_length=16)
    recorded_us: int = Field(sa_column=Column(BigInteger, nullable=False))
    recorded_at: datetime = Field(sa_column=_when())
    journal_seq: int = Field(sa_column=Column(BigInteger, nullable=False))


class Attestation(SQLModel, table=True):
    """A countersignature of a contribution by another partner or an arbiter."""

    __tablename__ = "attestation"
    __table_args__ = (
        UniqueConstraint("contribution_id", "attester", name="uq_attestation_attester"),
    )

    id: int | None = Field(default=None, primary_key=True)
    contribution_id: int = Field(sa_column=_fk("contribution.id"))
    attester: str = Field(max_length=42)
    role: str = Field(max_length=16)
    signature: str = Field(max_length=132)
    recorded_at: datetime = Field(default_factory=utcnow, sa_column=_when())


class Milestone(SQLModel, table=True):
    """A milestone: ``planned → submitted → approved → released``, or through a dispute."""

    __tablename__ = "milestone"
    __table_args__ = (UniqueConstraint("project_id", "number", name="uq_milestone_number"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(sa_column=_fk("project.id"))
    number: int
    title: str = Field(max_length=200)
    amount: int = Field(sa_column=Column(BigInt(), nullable=False))
    trl_target: int
    due_at: datetime = Field(sa_column=_when())
    evidence_hash: str | None = Field(default=None, max_length=64)
    state: str = Field(default="planned", max_length=16)
    snapshot_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    released_tx: str | None = Field(default=None, max_length=66)
    released_block: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    overdue_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_when())


class SnapshotRecord(SQLModel, table=True):
    """A stored snapshot of the equity matrix; a superseding one names what it replaces.

    ``totals`` (per tier, per partner number: weight) and ``disputed`` (contribution ids
    left out) with ``last_contribution_id`` are the running state the next snapshot
    continues from, so it reads only the contributions recorded since.
    """

    __tablename__ = "snapshot"
    __table_args__ = (UniqueConstraint("project_id", "number", name="uq_snapshot_number"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(sa_column=_fk("project.id"))
    number: int
    milestone_id: int | None = Field(default=None, sa_column=_fk("milestone.id", nullable=True))
    agreement_version: int
    cutoff_us: int = Field(sa_column=Column(BigInteger, nullable=False))
    inputs_hash: str = Field(max_length=64)
    previous_hash: str | None = Field(default=None, max_length=64)
    matrix: str = Field(sa_column=Column(Text, nullable=False))
    weights: str = Field(sa_column=Column(Text, nullable=False))
    payout_vector: str = Field(sa_column=Column(Text, nullable=False))
    totals: str = Field(sa_column=Column(Text, nullable=False))
    disputed: str = Field(sa_column=Column(Text, nullable=False))
    last_contribution_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    amount: int | None = Field(default=None, sa_column=Column(BigInt(), nullable=True))
    payouts: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    payout_root: str | None = Field(default=None, max_length=64)
    supersedes_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    reason: str = Field(default="", sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_when())


class Dispute(SQLModel, table=True):
    """A dispute on a milestone, a contribution or a snapshot (Med-Arb)."""

    __tablename__ = "dispute"

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(sa_column=_fk("project.id"))
    subject: str = Field(max_length=16)
    subject_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    opened_by: str = Field(max_length=42)
    reason: str = Field(sa_column=Column(Text, nullable=False))
    evidence_hash: str = Field(max_length=64)
    status: str = Field(default="open", max_length=16)
    outcome: str | None = Field(default=None, max_length=16)
    chain_dispute_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    deadline_at: datetime = Field(sa_column=_when())
    opened_at: datetime = Field(default_factory=utcnow, sa_column=_when())
    closed_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))
    resolution: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class BackgroundDeposit(SQLModel, table=True):
    """A partner's background IP in escrow: the record; the document is sealed off chain."""

    __tablename__ = "background_deposit"

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(sa_column=_fk("project.id"))
    owner_partner_id: int = Field(sa_column=_fk("partner.id"))
    title: str = Field(max_length=200)
    document_hash: str = Field(max_length=64)
    key_commitment: str = Field(max_length=64)
    terms: str = Field(sa_column=Column(Text, nullable=False))
    chain_deposit_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    state: str = Field(default="held", max_length=16)
    released_to: str | None = Field(default=None, max_length=42)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_when())


class Licence(SQLModel, table=True):
    """A licence on a foreground asset, granted on chain."""

    __tablename__ = "licence"

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(sa_column=_fk("project.id"))
    asset_id: int = Field(sa_column=_fk("foreground_asset.id"))
    licensee: str = Field(max_length=42)
    territory: str = Field(max_length=2)
    industry: str = Field(max_length=4)
    fee: int = Field(sa_column=Column(BigInt(), nullable=False))
    chain_licence_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    state: str = Field(default="granted", max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_when())


class RevenuePayment(SQLModel, table=True):
    """Revenue paid for a foreground asset, and how it was split (address → wei)."""

    __tablename__ = "revenue_payment"

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(sa_column=_fk("project.id"))
    asset_id: int = Field(sa_column=_fk("foreground_asset.id"))
    payer: str = Field(max_length=42)
    amount: int = Field(sa_column=Column(BigInt(), nullable=False))
    cumulative_before: int = Field(sa_column=Column(BigInt(), nullable=False))
    split: str = Field(sa_column=Column(Text, nullable=False))
    tx_hash: str = Field(max_length=66)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_when())


class IssuerRecord(SQLModel, table=True):
    """A credential issuer the ledger trusts: its URN, jurisdiction, Ed25519 key, chain address."""

    __tablename__ = "issuer"

    id: int | None = Field(default=None, primary_key=True)
    urn: str = Field(max_length=100, unique=True)
    name: str = Field(max_length=200)
    jurisdiction: str = Field(max_length=2)
    public_key: str = Field(max_length=64)
    address: str = Field(max_length=42)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_when())


class CredentialRecord(SQLModel, table=True):
    """An issued credential (the signed JSON as issued), its hash and revocation."""

    __tablename__ = "credential"

    id: int | None = Field(default=None, primary_key=True)
    credential_id: str = Field(max_length=100, unique=True)
    issuer_id: int = Field(sa_column=_fk("issuer.id"))
    subject: str = Field(max_length=200, index=True)
    type: str = Field(max_length=64)
    document: str = Field(sa_column=Column(Text, nullable=False))
    credential_hash: str = Field(max_length=64, unique=True)
    anchored_tx: str | None = Field(default=None, max_length=66)
    revoked_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))
    revocation_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    revoked_tx: str | None = Field(default=None, max_length=66)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_when())


class RecognitionRecord(SQLModel, table=True):
    """A mutual-recognition agreement between two jurisdictions for one credential type."""

    __tablename__ = "recognition"
    __table_args__ = (
        UniqueConstraint("first", "second", "credential_type", name="uq_recognition"),
    )

    id: int | None = Field(default=None, primary_key=True)
    first: str = Field(max_length=2)
    second: str = Field(max_length=2)
    credential_type: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_when())


class FundingDeposit(SQLModel, table=True):
    """A funder's deposit into the project's milestone escrow, read from the chain's event."""

    __tablename__ = "funding_deposit"
    __table_args__ = (UniqueConstraint("tx_hash", "log_index", name="uq_funding_deposit_log"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(sa_column=_fk("project.id"))
    funder: str = Field(max_length=42)
    amount: int = Field(sa_column=Column(BigInt(), nullable=False))
    tx_hash: str = Field(max_length=66)
    log_index: int
    block_number: int = Field(sa_column=Column(BigInteger, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_when())
