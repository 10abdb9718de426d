"""Listening parties, their now-playing cards and their moments (bridge/party/model.py).

A party changes only by compare-and-set of its ``version``, written with the outbox items that
follow from the change in the same transaction. The group's playing party is read on every
relayed message: it is kept in the row cache, dropped by any change to any party (this process's
at its commit, the other workers' by their NOTIFY), and ``watch_parties`` hears the latter."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Any

from sqlalchemy import case, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from bridge.ids import ChannelRef, Platform, Role, UserRef
from bridge.party.model import (
    Moment,
    MomentDraft,
    Party,
    PartyCardRef,
    PartyDraft,
    PartyState,
    QueuedTrack,
)
from bridge.records import OutboxDraft
from bridge.text import Document
from storage import bulk
from storage.base import RepoBase
from storage.cache import Region
from storage.repo_messages import outbox_row
from storage.repo_moderation import BAN_KINDS
from storage.tables import (
    GroupRoleRow,
    MessageRow,
    ModerationActionRow,
    MomentRow,
    PartyCardRow,
    PartyRow,
    PlatformAccountRow,
)

LIVE = tuple(s.value for s in PartyState if s.live)
ON = (PartyState.PLAYING.value, PartyState.PAUSED.value)


def _queue_json(queue: Sequence[QueuedTrack]) -> list[dict[str, Any]]:
    return [
        {
            "item_id": t.item_id,
            "length_ms": t.length_ms,
            "queued_by": t.queued_by,
            "by_artist": t.by_artist,
        }
        for t in queue
    ]


def _queue(raw: Sequence[dict[str, Any]]) -> tuple[QueuedTrack, ...]:
    return tuple(
        QueuedTrack(
            item_id=int(t["item_id"]),
            length_ms=int(t["length_ms"]),
            queued_by=str(t.get("queued_by", "")),
            by_artist=bool(t.get("by_artist", False)),
        )
        for t in raw
    )


def _draft_values(draft: PartyDraft) -> dict[str, Any]:
    origin = draft.origin
    return {
        "group_id": draft.group_id,
        "host_platform": draft.host.platform.value,
        "host_workspace": draft.host.workspace,
        "host_user": draft.host.user,
        "host_name": draft.host_name[:200],
        "starts_at": draft.starts_at,
        "origin_platform": origin.platform.value if origin is not None else None,
        "origin_workspace": origin.workspace if origin is not None else None,
        "origin_channel": origin.channel if origin is not None else None,
        "title": draft.title,
        "by_artist": draft.by_artist,
    }


def _party_values(party: Party) -> dict[str, Any]:
    """Every column a save writes (all but id, version and created_at)."""
    return _draft_values(party.draft) | {
        "state": party.state.value,
        "queue": _queue_json(party.queue),
        "idx": party.index,
        "track_zero_at": party.track_zero_at,
        "paused_at": party.paused_at,
        "allow_adds": party.allow_adds,
        "reminded": party.reminded,
        "ended_at": party.ended_at,
    }


def _origin(row: PartyRow) -> ChannelRef | None:
    if row.origin_platform is None or row.origin_workspace is None or row.origin_channel is None:
        return None
    return ChannelRef(Platform(row.origin_platform), row.origin_workspace, row.origin_channel)


def _party(row: PartyRow) -> Party:
    """The stored party; its draft's queue and ``allow_adds`` are the current ones (the store
    keeps the party as it is now, not as it was asked for)."""
    assert row.id is not None
    queue = _queue(row.queue)
    draft = PartyDraft(
        group_id=row.group_id,
        host=UserRef(Platform(row.host_platform), row.host_workspace, row.host_user),
        host_name=row.host_name,
        queue=queue,
        starts_at=row.starts_at,
        origin=_origin(row),
        title=row.title,
        by_artist=row.by_artist,
        allow_adds=row.allow_adds,
    )
    return Party(
        id=row.id,
        draft=draft,
        state=PartyState(row.state),
        queue=queue,
        index=row.idx,
        track_zero_at=row.track_zero_at,
        paused_at=row.paused_at,
        version=row.version,
        reminded=row.reminded,
        ended_at=row.ended_at,
        allow_adds=row.allow_adds,
    )


def _card(row: PartyCardRow) -> PartyCardRef:
    channel = ChannelRef(Platform(row.platform), row.workspace_id, row.channel_id)
    return PartyCardRef(row.party_id, row.idx, channel, row.card_id, row.drawn)


async def _enqueue(s: AsyncSession, drafts: Sequence[OutboxDraft], at: float) -> None:
    """The outbox items, in the session's transaction (each channel's lock first, so ids keep
    commit order: bulk.lock_channels); the commit's NOTIFY wakes the other workers."""
    if not drafts:
        return
    conn = await s.connection()
    await conn.run_sync(bulk.lock_channels, [d.target for d in drafts])
    s.add_all([outbox_row(d, at) for d in drafts])
    await s.flush()


class PartyRepo(RepoBase):
    def _playing(self) -> Region:
        return self.cache.region("playing_party", "party")

    async def create_party(
        self, draft: PartyDraft, *, state: PartyState, at: float, enqueue: Sequence[OutboxDraft]
    ) -> Party:
        row = PartyRow(
            **_draft_values(draft),
            state=state.value,
            queue=_queue_json(draft.queue),
            track_zero_at=draft.starts_at,
            allow_adds=draft.allow_adds,
            created_at=at,
        )
        async with self.session() as s:
            s.add(row)
            await s.flush()
            await _enqueue(s, enqueue, at)
            return _party(row)

    async def get_party(self, party_id: int) -> Party | None:
        async with self.session() as s:
            row = await s.get(PartyRow, party_id)
            return _party(row) if row is not None else None

    async def save_party(self, party: Party, *, enqueue: Sequence[OutboxDraft] = ()) -> bool:
        query = (
            update(PartyRow)
            .where((col(PartyRow.id) == party.id) & (col(PartyRow.version) == party.version))
            .values(**_party_values(party), version=party.version + 1)
            .execution_options(synchronize_session=False)
        )
        async with self.session() as s:
            if not (await s.exec(query)).rowcount:
                return False
            await _enqueue(s, enqueue, self.clock.now())
        return True

    async def group_parties(self, group_id: int, *, limit: int = 20) -> list[Party]:
        ended_last = case((col(PartyRow.state) == PartyState.ENDED.value, 1), else_=0)
        query = (
            select(PartyRow)
            .where(col(PartyRow.group_id) == group_id)
            .order_by(ended_last, col(PartyRow.id).desc())
            .limit(limit)
        )
        async with self.session() as s:
            return [_party(r) for r in (await s.exec(query)).all()]

    async def live_parties(self) -> list[Party]:
        query = select(PartyRow).where(col(PartyRow.state).in_(LIVE)).order_by(col(PartyRow.id))
        async with self.session() as s:
            return [_party(r) for r in (await s.exec(query)).all()]

    async def playing_party(self, group_id: int) -> Party | None:
        return await self.cached(self._playing(), group_id, lambda: self._playing_now(group_id))

    async def _playing_now(self, group_id: int) -> Party | None:
        query = (
            select(PartyRow)
            .where((col(PartyRow.group_id) == group_id) & col(PartyRow.state).in_(ON))
            .order_by(col(PartyRow.id).desc())
            .limit(1)
        )
        async with self.session() as s:
            row = (await s.exec(query)).first()
            return _party(row) if row is not None else None

    def watch_parties(self, changed: Callable[[], None]) -> None:
        self.cache.watch("party", changed)

    async def add_party_card(self, ref: PartyCardRef) -> None:
        """The card of a track in a channel, once (the first one posted stays)."""
        row = PartyCardRow(
            party_id=ref.party_id,
            idx=ref.index,
            platform=ref.channel.platform.value,
            workspace_id=ref.channel.workspace,
            channel_id=ref.channel.channel,
            card_id=ref.card_id[:64],
            drawn=ref.drawn[:1000],
        )
        try:
            async with self.session() as s:
                s.add(row)
        except IntegrityError:
            if ref.channel not in {
                c.channel for c in await self.party_cards(ref.party_id, ref.index)
            }:
                raise

    async def card_drawn(self, ref: PartyCardRef, drawn: str) -> None:
        query = (
            update(PartyCardRow)
            .where(
                (col(PartyCardRow.party_id) == ref.party_id)
                & (col(PartyCardRow.idx) == ref.index)
                & (col(PartyCardRow.platform) == ref.channel.platform.value)
                & (col(PartyCardRow.workspace_id) == ref.channel.workspace)
                & (col(PartyCardRow.channel_id) == ref.channel.channel)
            )
            .values(drawn=drawn[:1000])
        )
        async with self.session() as s:
            await s.exec(query)

    async def party_cards(self, party_id: int, index: int) -> list[PartyCardRef]:
        query = (
            select(PartyCardRow)
            .where((col(PartyCardRow.party_id) == party_id) & (col(PartyCardRow.idx) == index))
            .order_by(col(PartyCardRow.id))
        )
        async with self.session() as s:
            return [_card(r) for r in (await s.exec(query)).all()]

    async def add_moment(self, draft: MomentDraft) -> None:
        """Stamp the message, once per song (a message replayed is not stamped again)."""
        row = MomentRow(
            group_id=draft.group_id,
            item_id=draft.item_id,
            party_id=draft.party_id,
            position_ms=max(0, draft.position_ms),
            message_id=draft.message_id,
            platform=draft.platform[:16],
            at=draft.at,
        )
        try:
            async with self.session() as s:
                s.add(row)
        except IntegrityError:
            if not await self._stamped(draft.message_id, draft.item_id):
                raise

    async def _stamped(self, message_id: int, item_id: int) -> bool:
        query = select(MomentRow.id).where(
            (col(MomentRow.message_id) == message_id) & (col(MomentRow.item_id) == item_id)
        )
        async with self.session() as s:
            return (await s.exec(query)).first() is not None

    async def party_moment_count(self, party_id: int) -> int:
        query = (
            select(func.count()).select_from(MomentRow).where(col(MomentRow.party_id) == party_id)
        )
        async with self.session() as s:
            return int((await s.exec(query)).one())

    async def item_moments(self, group_id: int, item_id: int, *, limit: int = 500) -> list[Moment]:
        async with self.session() as s:
            rows = (await s.exec(_moments_query(group_id, item_id))).all()
            members = {m for *_, m in rows if m is not None}
            banned = await _banned(s, group_id, members)
            artists = await _artists(s, group_id, members)
        found = [
            _moment(moment, text, name, member in artists)
            for moment, text, name, member in rows
            if member is None or member not in banned
        ]
        return found[:limit]


def _moments_query(group_id: int, item_id: int) -> Any:
    """The song's moments by position, with their message's text and author (name, member);
    deleted messages left out."""
    account = (
        (col(PlatformAccountRow.platform) == col(MessageRow.author_platform))
        & (col(PlatformAccountRow.workspace_id) == col(MessageRow.author_workspace))
        & (col(PlatformAccountRow.user_id) == col(MessageRow.author_user))
    )
    return (
        select(
            MomentRow,
            MessageRow.text,
            PlatformAccountRow.display_name,
            PlatformAccountRow.member_id,
        )
        .join(MessageRow, col(MessageRow.id) == col(MomentRow.message_id))
        .outerjoin(PlatformAccountRow, account)
        .where(
            (col(MomentRow.group_id) == group_id)
            & (col(MomentRow.item_id) == item_id)
            & col(MessageRow.deleted_at).is_(None)
        )
        .order_by(col(MomentRow.position_ms), col(MomentRow.id))
    )


async def _banned(s: AsyncSession, group_id: int, members: Collection[int]) -> set[int]:
    """Which of ``members`` are banned from the group now (their latest ban or unban is a ban,
    as ModerationRepo.is_banned decides)."""
    if not members:
        return set()
    query = (
        select(ModerationActionRow.target_member_id, ModerationActionRow.kind)
        .where(
            (col(ModerationActionRow.group_id) == group_id)
            & col(ModerationActionRow.target_member_id).in_(members)
            & col(ModerationActionRow.kind).in_(BAN_KINDS)
        )
        .order_by(col(ModerationActionRow.id))
    )
    latest: dict[int, str] = {}
    for member, kind in (await s.exec(query)).all():
        if member is not None:
            latest[member] = kind
    return {m for m, kind in latest.items() if kind == "ban"}


async def _artists(s: AsyncSession, group_id: int, members: Collection[int]) -> set[int]:
    if not members:
        return set()
    query = select(GroupRoleRow.member_id).where(
        (col(GroupRoleRow.group_id) == group_id)
        & (col(GroupRoleRow.role) == Role.ARTIST.value)
        & col(GroupRoleRow.member_id).in_(members)
    )
    return set((await s.exec(query)).all())


def _moment(row: MomentRow, text: str, author: str | None, by_artist: bool) -> Moment:
    assert row.id is not None
    return Moment(
        id=row.id,
        item_id=row.item_id,
        position_ms=row.position_ms,
        text=Document.from_json(text).plain(),
        author=author or "",
        platform=row.platform,
        party_id=row.party_id,
        at=row.at,
        by_artist=by_artist,
    )
