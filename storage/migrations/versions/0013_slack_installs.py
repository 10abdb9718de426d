"""slack installs: the Slack app installed in workspaces through "Add to Slack" (OAuth v2), one
row per workspace with its bot token and status, and the OAuth states handed to browsers

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 19:45:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "slack_install",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=64), nullable=False),
        sa.Column("team_name", sa.String(length=200), nullable=False),
        sa.Column("enterprise_id", sa.String(length=64), nullable=True),
        sa.Column("app_id", sa.String(length=64), nullable=True),
        sa.Column("bot_token", sa.String(length=500), nullable=False),
        sa.Column("bot_user_id", sa.String(length=64), nullable=True),
        sa.Column("bot_id", sa.String(length=64), nullable=True),
        sa.Column("scopes", sa.String(length=2000), nullable=False),
        sa.Column("installed_by", sa.String(length=64), nullable=True),
        sa.Column("installed_at", sa.Float(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("slack_install", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_slack_install_team_id"), ["team_id"], unique=True)
    op.create_table(
        "slack_oauth_state",
        sa.Column("state", sa.String(length=200), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("state"),
    )
    with op.batch_alter_table("slack_oauth_state", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_slack_oauth_state_expires_at"), ["expires_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("slack_oauth_state", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_slack_oauth_state_expires_at"))
    op.drop_table("slack_oauth_state")
    with op.batch_alter_table("slack_install", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_slack_install_team_id"))
    op.drop_table("slack_install")
