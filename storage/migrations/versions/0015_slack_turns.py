"""slack turns: the Slack message events workers are handling, so a channel's next message
handled by another worker waits for the earlier ones (order across workers)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 22:05:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "slack_turn",
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("ts", sa.String(length=32), nullable=False),
        sa.Column("worker", sa.String(length=200), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("channel", "ts"),
    )


def downgrade() -> None:
    op.drop_table("slack_turn")
