"""funding: funders' deposits into the milestone escrow, read from the chain

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "funding_deposit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.BigInteger(), nullable=False),
        sa.Column("funder", sa.String(length=42), nullable=False),
        sa.Column("amount", sa.String(length=80), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tx_hash", "log_index", name="uq_funding_deposit_log"),
    )
    with op.batch_alter_table("funding_deposit", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_funding_deposit_project_id"), ["project_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("funding_deposit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_funding_deposit_project_id"))
    op.drop_table("funding_deposit")
