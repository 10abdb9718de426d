"""announcements: posted and scheduled

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 05:15:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("member", sa.Column("zone", sa.String(length=64), nullable=True))
    op.create_table(
        "announcement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_ids", sa.JSON(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("workspace_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("avatar_url", sa.String(length=500), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=500), nullable=False),
        sa.Column("image_url", sa.String(length=500), nullable=True),
        sa.Column("pin", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("due_at", sa.Float(), nullable=True),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["message_id"], ["message.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_announcement_status", "announcement", ["status"])
    op.create_index("ix_announcement_due_at", "announcement", ["due_at"])
    op.create_index("ix_announcement_message_id", "announcement", ["message_id"])


def downgrade() -> None:
    op.drop_index("ix_announcement_message_id", table_name="announcement")
    op.drop_index("ix_announcement_due_at", table_name="announcement")
    op.drop_index("ix_announcement_status", table_name="announcement")
    op.drop_table("announcement")
    with op.batch_alter_table("member") as batch:
        batch.drop_column("zone")
