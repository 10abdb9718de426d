"""timeouts: a group's timeouts leave its settings JSON (``timeouts``: member id -> expiry) for
the member_timeout table, one row per member and group

Existing entries move into the table (no actor or reason was kept for them; their creation time
is the migration's) and leave the settings; entries naming a member that no longer exists, or
with an expiry that is not a finite number, are dropped. The downgrade moves them back.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 18:30:00.000000
"""

from __future__ import annotations

import math
import time
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

SETTING = "timeouts"

fan_group = sa.table("fan_group", sa.column("id", sa.Integer), sa.column("settings", sa.JSON))
member = sa.table("member", sa.column("id", sa.Integer))
member_timeout = sa.table(
    "member_timeout",
    sa.column("group_id", sa.Integer),
    sa.column("member_id", sa.Integer),
    sa.column("until", sa.Float),
    sa.column("actor", sa.String),
    sa.column("reason", sa.String),
    sa.column("created_at", sa.Float),
)


def upgrade() -> None:
    op.create_table(
        "member_timeout",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("until", sa.Float(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["fan_group.id"]),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("group_id", "member_id"),
    )
    with op.batch_alter_table("member_timeout", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_member_timeout_group_id"), ["group_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_member_timeout_member_id"), ["member_id"], unique=False
        )
    _settings_to_table(op.get_bind())


def downgrade() -> None:
    _table_to_settings(op.get_bind())
    with op.batch_alter_table("member_timeout", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_member_timeout_member_id"))
        batch_op.drop_index(batch_op.f("ix_member_timeout_group_id"))
    op.drop_table("member_timeout")


def _settings_to_table(conn: sa.Connection) -> None:
    members = {row.id for row in conn.execute(sa.select(member.c.id))}
    now = time.time()
    for group_id, settings in conn.execute(sa.select(fan_group.c.id, fan_group.c.settings)):
        if not isinstance(settings, dict) or SETTING not in settings:
            continue
        rows = [
            {"group_id": group_id, "member_id": m, "until": until, "actor": None}
            | {"reason": "", "created_at": now}
            for m, until in _entries(settings[SETTING])
            if m in members
        ]
        if rows:
            conn.execute(member_timeout.insert(), rows)
        kept = {k: v for k, v in settings.items() if k != SETTING}
        conn.execute(fan_group.update().where(fan_group.c.id == group_id).values(settings=kept))


def _entries(stored: Any) -> list[tuple[int, float]]:
    """``{"12": 1800000000.0}`` as (member id, expiry) pairs; anything else is skipped."""
    if not isinstance(stored, dict):
        return []
    found = []
    for key, value in stored.items():
        try:
            pair = (int(key), float(value))
        except (TypeError, ValueError):
            continue
        if math.isfinite(pair[1]):
            found.append(pair)
    return found


def _table_to_settings(conn: sa.Connection) -> None:
    by_group: dict[int, dict[str, float]] = {}
    query = sa.select(member_timeout.c.group_id, member_timeout.c.member_id, member_timeout.c.until)
    for group_id, member_id, until in conn.execute(query):
        by_group.setdefault(group_id, {})[str(member_id)] = until
    for group_id, entries in by_group.items():
        query = sa.select(fan_group.c.settings).where(fan_group.c.id == group_id)
        settings = conn.execute(query).scalar_one_or_none()
        merged = {**(settings if isinstance(settings, dict) else {}), SETTING: entries}
        conn.execute(fan_group.update().where(fan_group.c.id == group_id).values(settings=merged))
