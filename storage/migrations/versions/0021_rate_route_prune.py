"""rate route pruning: the Discord route buckets recorded exhausted (``rate_route``, migration
0014) were never deleted, and every channel's routes are buckets of their own, so on a bridge of
many channels the table grew for as long as the deployment ran. ``fanbridge_rate_exhausted`` now
also deletes a bounded number of rows whose reset passed more than a minute ago, in the same
call (still one round trip); an index on ``reset_at`` finds them without reading the table. The
rows already expired go at the upgrade. SQLite has no such table: nothing to do.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 03:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

# Only ``fanbridge_rate_exhausted`` inserts route rows, so pruning there bounds the table: each
# call adds at most one row and removes up to 100 expired ones, and a backlog (the rows
# of an older bridge) drains over a few calls instead of in one long statement. An expired row
# answers like no row at all (``fanbridge_rate_take`` waits only for a reset still ahead, and a
# new record keeps the later reset either way), so deleting it changes no answer; the minute of
# grace keeps the row of a bucket that is busy right now, which its next exhaustion updates in
# place. ``fanbridge_rate_take`` runs before every Discord request and stays read-only.
#
# The upsert comes first, while the call holds no row lock (each call is its own transaction):
# it is the only statement that may wait. The delete skips rows another call has locked (SKIP
# LOCKED) instead of waiting for them, so two workers pruning at once never wait on each other
# and cannot deadlock.
EXHAUSTED = """
CREATE OR REPLACE FUNCTION fanbridge_rate_exhausted(
    p_route text, p_reset_after double precision
) RETURNS void
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $$
DECLARE
    v_now double precision := extract(epoch FROM clock_timestamp());
BEGIN
    INSERT INTO rate_route (route, reset_at) VALUES (p_route, v_now + p_reset_after)
    ON CONFLICT (route) DO UPDATE SET reset_at = greatest(rate_route.reset_at, EXCLUDED.reset_at);
    DELETE FROM rate_route WHERE route IN (
        SELECT route FROM rate_route
        WHERE reset_at < v_now - 60
        ORDER BY reset_at
        LIMIT 100
        FOR UPDATE SKIP LOCKED
    );
END
$$
"""

# The definition of migration 0014, put back by the downgrade.
EXHAUSTED_0014 = """
CREATE OR REPLACE FUNCTION fanbridge_rate_exhausted(p_route text, p_reset_after double precision)
RETURNS void
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $$
DECLARE
    v_until double precision := extract(epoch FROM clock_timestamp()) + p_reset_after;
BEGIN
    INSERT INTO rate_route (route, reset_at) VALUES (p_route, v_until)
    ON CONFLICT (route) DO UPDATE SET reset_at = greatest(rate_route.reset_at, EXCLUDED.reset_at);
END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DELETE FROM rate_route WHERE reset_at < extract(epoch FROM clock_timestamp()) - 60")
    op.execute("CREATE INDEX rate_route_reset_at ON rate_route (reset_at)")
    op.execute(EXHAUSTED)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(EXHAUSTED_0014)
    op.execute("DROP INDEX rate_route_reset_at")
