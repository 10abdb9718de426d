"""artist_events (issue #17): the artist event (what fans see, who made it, its state and
version), its copies per channel (Slack cards, Discord scheduled events) and who is interested

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 00:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _event()
    _copy()
    _interest()


def _event() -> None:
    op.create_table(
        "artist_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("author_platform", sa.String(length=16), nullable=False),
        sa.Column("author_workspace", sa.String(length=64), nullable=False),
        sa.Column("author_user", sa.String(length=64), nullable=False),
        sa.Column("author_name", sa.String(length=200), nullable=False),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("starts_at", sa.Float(), nullable=False),
        sa.Column("ends_at", sa.Float(), nullable=False),
        sa.Column("place", sa.Text(), nullable=False),
        sa.Column("tickets", sa.Text(), nullable=False),
        sa.Column("merch", sa.Text(), nullable=False),
        sa.Column("online", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reminded", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["fan_group.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_artist_event_group_start", "artist_event", ["group_id", "starts_at"])
    op.create_index("ix_artist_event_state", "artist_event", ["state"])


def _copy() -> None:
    op.create_table(
        "artist_event_copy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("workspace_id", sa.String(length=64), nullable=False),
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("copy_id", sa.String(length=64), nullable=False),
        sa.Column("drawn", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["artist_event.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id", "platform", "workspace_id", "channel_id"),
    )
    op.create_index(
        "ix_artist_event_copy_id", "artist_event_copy", ["platform", "workspace_id", "copy_id"]
    )


def _interest() -> None:
    op.create_table(
        "artist_event_interest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["artist_event.id"]),
        sa.ForeignKeyConstraint(["account_id"], ["platform_account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id", "account_id"),
    )
    op.create_index("ix_artist_event_interest_event_id", "artist_event_interest", ["event_id"])


def downgrade() -> None:
    op.drop_index("ix_artist_event_interest_event_id", table_name="artist_event_interest")
    op.drop_table("artist_event_interest")
    op.drop_index("ix_artist_event_copy_id", table_name="artist_event_copy")
    op.drop_table("artist_event_copy")
    op.drop_index("ix_artist_event_state", table_name="artist_event")
    op.drop_index("ix_artist_event_group_start", table_name="artist_event")
    op.drop_table("artist_event")
