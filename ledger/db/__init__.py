"""Storage: SQLModel tables over SQLite (default) or PostgreSQL, schema by Alembic."""

from ledger.db.engine import create_db_engine, current_revision, migrate, ping, session_scope
from ledger.db.models import Deployment, JournalEntry, TreeHeadRecord

__all__ = [
    "Deployment",
    "JournalEntry",
    "TreeHeadRecord",
    "create_db_engine",
    "current_revision",
    "migrate",
    "ping",
    "session_scope",
]
