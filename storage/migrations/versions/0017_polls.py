"""polls (issue #17): the poll (question, options, deadline, state, version), its votes (one per
member), the votes of a platform's own poll it relays, and its cards per channel

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 00:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _poll()
    _poll_vote()
    _poll_native_vote()
    _poll_card()


def _poll() -> None:
    op.create_table(
        "poll",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("author_platform", sa.String(length=16), nullable=False),
        sa.Column("author_workspace", sa.String(length=64), nullable=False),
        sa.Column("author_user", sa.String(length=64), nullable=False),
        sa.Column("author_name", sa.String(length=200), nullable=False),
        sa.Column("closes_at", sa.Float(), nullable=True),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("blind", sa.Boolean(), nullable=False),
        sa.Column("origin_platform", sa.String(length=16), nullable=True),
        sa.Column("origin_workspace", sa.String(length=64), nullable=True),
        sa.Column("origin_channel", sa.String(length=64), nullable=True),
        sa.Column("native_platform", sa.String(length=16), nullable=True),
        sa.Column("native_workspace", sa.String(length=64), nullable=True),
        sa.Column("native_channel", sa.String(length=64), nullable=True),
        sa.Column("native_message", sa.String(length=64), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("closed_at", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["group_id"], ["fan_group.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_poll_group", "poll", ["group_id", "id"])
    op.create_index(
        "ix_poll_native", "poll", ["native_platform", "native_workspace", "native_message"]
    )
    op.create_index("ix_poll_state", "poll", ["state"])


def _poll_vote() -> None:
    op.create_table(
        "poll_vote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("option", sa.Integer(), nullable=False),
        sa.Column("voter_name", sa.String(length=200), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["poll_id"], ["poll.id"]),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("poll_id", "member_id"),
    )


def _poll_native_vote() -> None:
    op.create_table(
        "poll_native_vote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("option", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["poll_id"], ["poll.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("poll_id", "user_id", "option"),
    )
    op.create_index("ix_poll_native_vote_poll_id", "poll_native_vote", ["poll_id"])


def _poll_card() -> None:
    op.create_table(
        "poll_card",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("workspace_id", sa.String(length=64), nullable=False),
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("card_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["poll_id"], ["poll.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("poll_id", "kind", "platform", "workspace_id", "channel_id"),
    )
    op.create_index("ix_poll_card_poll_id", "poll_card", ["poll_id"])


def downgrade() -> None:
    op.drop_index("ix_poll_card_poll_id", table_name="poll_card")
    op.drop_table("poll_card")
    op.drop_index("ix_poll_native_vote_poll_id", table_name="poll_native_vote")
    op.drop_table("poll_native_vote")
    op.drop_table("poll_vote")
    op.drop_index("ix_poll_state", table_name="poll")
    op.drop_index("ix_poll_native", table_name="poll")
    op.drop_index("ix_poll_group", table_name="poll")
    op.drop_table("poll")
