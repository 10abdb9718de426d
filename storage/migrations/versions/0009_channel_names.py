"""channel names: a linked channel's name on its platform, as last seen; shares by group and time

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22 06:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("channel_link", sa.Column("channel_name", sa.String(length=100), nullable=True))
    op.create_index("ix_share_group_time", "share", ["group_id", "shared_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_share_group_time", table_name="share")
    with op.batch_alter_table("channel_link") as batch:
        batch.drop_column("channel_name")
