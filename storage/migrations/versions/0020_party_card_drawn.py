"""party cards remember what they show (a redraw that changes nothing is not sent)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 00:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("party_card") as batch:
        batch.add_column(
            sa.Column("drawn", sa.String(length=1000), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("party_card") as batch:
        batch.drop_column("drawn")
