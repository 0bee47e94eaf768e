"""tree heads: signed heads of each project's record and their anchors

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tree_head",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("project_id", sa.BigInteger(), nullable=False),
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.Column("root_hash", sa.String(length=64), nullable=False),
        sa.Column("timestamp_ms", sa.BigInteger(), nullable=False),
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.Column("anchored_block", sa.BigInteger(), nullable=True),
        sa.Column("anchored_tx", sa.String(length=66), nullable=True),
        sa.UniqueConstraint("project_id", "tree_size", name="uq_tree_head_size"),
    )
    op.create_index("ix_tree_head_project_id", "tree_head", ["project_id"])


def downgrade() -> None:
    op.drop_index("ix_tree_head_project_id", table_name="tree_head")
    op.drop_table("tree_head")
