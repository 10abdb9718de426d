"""Join gates in the store: visibility, invite codes (uses, expiry) and join requests, on SQLite
and PostgreSQL."""

from __future__ import annotations

from bridge.ids import ChannelRef, Platform, UserRef, Visibility
from storage.repos import SqlStore
from tests.contract.conftest import ManualClock

FAN = UserRef(Platform.SLACK, "T1", "U9")
WHERE = ChannelRef(Platform.SLACK, "T1", "C1")


async def test_visibility_is_stored(store: SqlStore, clock: ManualClock) -> None:
    group = await store.create_group(slug="fans", name="Fans")
    await store.set_visibility(group.id, Visibility.APPROVAL)
    found = await store.get_group("fans")
    assert found is not None and found.visibility is Visibility.APPROVAL


async def test_an_invite_admits_as_many_times_as_it_has_uses_until_it_expires(
    store: SqlStore, clock: ManualClock
) -> None:
    group = await store.create_group(slug="fans", name="Fans")
    common = {"group_id": group.id, "created_by": None, "at": 0.0}
    await store.add_invite(code_hash="two", uses=2, expires_at=100.0, **common)
    await store.add_invite(code_hash="old", uses=5, expires_at=10.0, **common)
    assert await store.invite_group("two") == group.id
    assert await store.invite_group("nope") is None
    statuses = [(await store.use_invite("two", at=50.0)).status for _ in range(3)]
    assert statuses == ["ok", "ok", "used"]
    assert (await store.use_invite("old", at=10.0)).status == "expired"
    assert await store.use_invite("nope", at=1.0) == (await store.use_invite("nope", at=2.0))
    assert (await store.use_invite("nope", at=1.0)).status == "unknown"


async def test_a_join_request_is_decided_once(store: SqlStore, clock: ManualClock) -> None:
    group = await store.create_group(slug="fans", name="Fans")
    request = await store.add_join_request(group_id=group.id, user=FAN, channel=WHERE, at=1.0)
    assert request.status == "pending" and request.user == FAN and request.channel == WHERE
    assert await store.pending_join_request(group.id, FAN) == request
    assert await store.decide_join_request(request.id, status="approved", decided_by="m", at=2)
    assert not await store.decide_join_request(request.id, status="denied", decided_by="n", at=3)
    decided = await store.get_join_request(request.id)
    assert decided is not None and decided.status == "approved" and decided.decided_by == "m"
    assert await store.pending_join_request(group.id, FAN) is None
