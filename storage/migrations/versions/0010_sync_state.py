"""sync state: what catch-up remembers between runs (a workspace's ban list as last read);
message.posted_at: when the origin was posted on its platform (a late copy says so)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 08:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_state",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.add_column("message", sa.Column("posted_at", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("message") as batch:
        batch.drop_column("posted_at")
    op.drop_table("sync_state")
