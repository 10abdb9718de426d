"""rate windows: the Discord rate limits every worker shares on PostgreSQL (a sliding window of
request slots per key, the route buckets seen exhausted) and the functions that take a slot in
one round trip and close it when the request ends. SQLite runs one process, whose in-process
pacer is enough: nothing to create.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 21:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# The functions run with the search path they were created with (SET search_path FROM CURRENT),
# so they read the tables of their own schema whatever the caller's path is. Times are the
# database's clock (clock_timestamp(), read after the row lock is granted): the workers' clocks
# never have to agree, and the stamps of one key are in the order their slots were granted.
#
# A request counts from its start until ``win`` after its end, like the in-process pacer: a
# request held up on its way (a busy event loop, a slow network) still counts, so Discord never
# sees a bunch arrive at once. ``stamps`` holds one number per slot: minus its start while the
# request is in flight (``fanbridge_rate_finish`` turns it into its end), its end once done. An
# in-flight slot older than 30 windows belongs to a worker that died mid-request.
TAKE = """
CREATE FUNCTION fanbridge_rate_take(
    p_key text, p_lim integer, p_win double precision, p_route text
) RETURNS double precision
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $$
DECLARE
    v_now double precision := extract(epoch FROM clock_timestamp());
    v_reset double precision;
    v_stamps double precision[];
    v_closed double precision[];
    v_count integer;
    v_leave integer;
BEGIN
    IF p_route IS NOT NULL THEN
        SELECT reset_at INTO v_reset FROM rate_route WHERE route = p_route;
        IF v_reset IS NOT NULL AND v_reset > v_now THEN
            RETURN v_reset - v_now;
        END IF;
    END IF;
    IF p_key IS NULL THEN
        RETURN 0;
    END IF;
    SELECT stamps INTO v_stamps FROM rate_window WHERE key = p_key FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO rate_window (key, stamps) VALUES (p_key, '{}') ON CONFLICT DO NOTHING;
        SELECT stamps INTO v_stamps FROM rate_window WHERE key = p_key FOR UPDATE;
    END IF;
    v_now := extract(epoch FROM clock_timestamp());
    v_stamps := ARRAY(
        SELECT s FROM unnest(v_stamps) AS s
        WHERE s > v_now - p_win OR (s < 0 AND -s > v_now - p_win * 30)
    );
    v_count := coalesce(array_length(v_stamps, 1), 0);
    IF v_count >= p_lim THEN
        -- room comes when enough finished requests leave: the (count - lim + 1)th to end
        v_closed := ARRAY(SELECT s FROM unnest(v_stamps) AS s WHERE s > 0 ORDER BY s);
        v_leave := v_count - p_lim + 1;
        IF coalesce(array_length(v_closed, 1), 0) >= v_leave THEN
            RETURN greatest(v_closed[v_leave] + p_win - v_now, 0.001);
        END IF;
        RETURN p_win / 10;  -- requests still in flight: ask again soon
    END IF;
    UPDATE rate_window SET stamps = v_stamps || -v_now WHERE key = p_key;
    RETURN -v_now;
END
$$
"""

FINISH = """
CREATE FUNCTION fanbridge_rate_finish(p_key text, p_slot double precision)
RETURNS void
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $$
BEGIN
    UPDATE rate_window
    SET stamps = array_replace(stamps, -p_slot, extract(epoch FROM clock_timestamp()))
    WHERE key = p_key;
END
$$
"""

EXHAUSTED = """
CREATE FUNCTION fanbridge_rate_exhausted(p_route text, p_reset_after double precision)
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
    op.execute(
        "CREATE TABLE rate_window ("
        " key text PRIMARY KEY, stamps double precision[] NOT NULL DEFAULT '{}')"
    )
    op.execute(
        "CREATE TABLE rate_route (route text PRIMARY KEY, reset_at double precision NOT NULL)"
    )
    op.execute(TAKE)
    op.execute(FINISH)
    op.execute(EXHAUSTED)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP FUNCTION fanbridge_rate_exhausted(text, double precision)")
    op.execute("DROP FUNCTION fanbridge_rate_finish(text, double precision)")
    op.execute("DROP FUNCTION fanbridge_rate_take(text, integer, double precision, text)")
    op.execute("DROP TABLE rate_route")
    op.execute("DROP TABLE rate_window")
