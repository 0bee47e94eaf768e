"""Storage: SQLModel tables over SQLite (default) or PostgreSQL, schema by Alembic."""

from ledger.db.auth import IdempotencyRecord, Principal
from ledger.db.domain import (
    AgreementVersion,
    Attestation,
    BackgroundDeposit,
    Contribution,
    CredentialRecord,
    Dispute,
    ForegroundAsset,
    FundingDeposit,
    IssuerRecord,
    Licence,
    Milestone,
    Partner,
    Project,
    RecognitionRecord,
    RevenuePayment,
    SnapshotRecord,
)
from ledger.db.engine import create_db_engine, current_revision, migrate, ping, session_scope
from ledger.db.models import Deployment, JournalEntry, TreeHeadRecord

__all__ = [
    "AgreementVersion",
    "Attestation",
    "BackgroundDeposit",
    "Contribution",
    "CredentialRecord",
    "Dispute",
    "ForegroundAsset",
    "IdempotencyRecord",
    "FundingDeposit",
    "IssuerRecord",
    "Licence",
    "Milestone",
    "Partner",
    "Principal",
    "Project",
    "RecognitionRecord",
    "RevenuePayment",
    "SnapshotRecord",
    "Deployment",
    "JournalEntry",
    "TreeHeadRecord",
    "create_db_engine",
    "current_revision",
    "migrate",
    "ping",
    "session_scope",
]
