"""digests: the weekly digest of each group and week (unique: the insert is the claim), with its
content for the archive; an index to find a group's people by their first message

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 00:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

AUTHOR = ["group_id", "author_platform", "author_workspace", "author_user", "created_at"]


def upgrade() -> None:
    op.create_table(
        "digest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.String(length=16), nullable=False),
        sa.Column("due_at", sa.Float(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("content", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["fan_group.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("group_id", "week"),
    )
    op.create_index("ix_digest_group_due", "digest", ["group_id", "due_at"])
    op.create_index("ix_message_group_author", "message", AUTHOR)


def downgrade() -> None:
    op.drop_index("ix_message_group_author", table_name="message")
    op.drop_index("ix_digest_group_due", table_name="digest")
    op.drop_table("digest")
