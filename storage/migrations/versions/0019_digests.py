"""digests (issue #17): the tables are added by this revision's upgrade

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 00:10:00.000000
"""

from __future__ import annotations

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing yet: the feature's tables come with it."""


def downgrade() -> None:
    """Nothing yet."""
