"""uncounted contributions: a partial index over the few not accepted

A snapshot re-reads the contributions below its watermark whose status is not
``accepted``; without this index that query scans every earlier contribution.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNCOUNTED = sa.text("status <> 'accepted'")


def upgrade() -> None:
    op.create_index(
        "ix_contribution_uncounted",
        "contribution",
        ["project_id", "id"],
        postgresql_where=UNCOUNTED,
        sqlite_where=UNCOUNTED,
    )


def downgrade() -> None:
    op.drop_index("ix_contribution_uncounted", table_name="contribution")
