"""listening parties: the party (queue, host, state, server clock, version), its now-playing
cards per channel, and the moments (messages stamped with a song and a position)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 23:55:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _party()
    _party_card()
    _moment()


def _party() -> None:
    op.create_table(
        "party",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("host_platform", sa.String(length=16), nullable=False),
        sa.Column("host_workspace", sa.String(length=64), nullable=False),
        sa.Column("host_user", sa.String(length=64), nullable=False),
        sa.Column("host_name", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("queue", sa.JSON(), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("track_zero_at", sa.Float(), nullable=False),
        sa.Column("paused_at", sa.Float(), nullable=True),
        sa.Column("starts_at", sa.Float(), nullable=False),
        sa.Column("origin_platform", sa.String(length=16), nullable=True),
        sa.Column("origin_workspace", sa.String(length=64), nullable=True),
        sa.Column("origin_channel", sa.String(length=64), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("by_artist", sa.Boolean(), nullable=False),
        sa.Column("allow_adds", sa.Boolean(), nullable=False),
        sa.Column("reminded", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("ended_at", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["group_id"], ["fan_group.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_party_group_state", "party", ["group_id", "state"])
    op.create_index("ix_party_state", "party", ["state"])


def _party_card() -> None:
    op.create_table(
        "party_card",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("workspace_id", sa.String(length=64), nullable=False),
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("card_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["party_id"], ["party.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("party_id", "idx", "platform", "workspace_id", "channel_id"),
    )


def _moment() -> None:
    op.create_table(
        "moment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=True),
        sa.Column("position_ms", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["fan_group.id"]),
        sa.ForeignKeyConstraint(["item_id"], ["music_item.id"]),
        sa.ForeignKeyConstraint(["party_id"], ["party.id"]),
        sa.ForeignKeyConstraint(["message_id"], ["message.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_id", "item_id"),
    )
    op.create_index("ix_moment_song", "moment", ["group_id", "item_id", "position_ms"])
    op.create_index("ix_moment_party_id", "moment", ["party_id"])


def downgrade() -> None:
    op.drop_index("ix_moment_party_id", table_name="moment")
    op.drop_index("ix_moment_song", table_name="moment")
    op.drop_table("moment")
    op.drop_table("party_card")
    op.drop_index("ix_party_state", table_name="party")
    op.drop_index("ix_party_group_state", table_name="party")
    op.drop_table("party")
