"""Polls, their votes and their cards (bridge/polls/model.py).

A poll changes state only by compare-and-set of its ``version``, written with the outbox items
that follow from the change in the same transaction (one worker closes it and posts the
results). A vote is one row per (poll, member): a change replaces it, a withdrawal deletes it,
and two accounts of one person voting at once still leave one row (the unique key refuses the
second insert, which then replaces the first)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from bridge.ids import ChannelRef, Platform, UserRef
from bridge.polls.model import (
    CardKind,
    Counts,
    FollowUp,
    NativePoll,
    Poll,
    PollCardRef,
    PollDraft,
    PollOption,
    PollState,
    Vote,
)
from bridge.records import OutboxDraft
from storage import bulk
from storage.base import RepoBase
from storage.repo_messages import outbox_row
from storage.tables import PollCardRow, PollNativeVoteRow, PollRow, PollVoteRow

ATTEMPTS = 3


def _options_json(options: Sequence[PollOption]) -> list[dict[str, Any]]:
    return [{"label": o.label, "item_id": o.item_id, "answer_id": o.answer_id} for o in options]


def _options(raw: Sequence[dict[str, Any]]) -> tuple[PollOption, ...]:
    return tuple(
        PollOption(
            label=str(o.get("label", "")),
            item_id=int(o["item_id"]) if o.get("item_id") is not None else None,
            answer_id=int(o["answer_id"]) if o.get("answer_id") is not None else None,
        )
        for o in raw
    )


def _channel_values(prefix: str, channel: ChannelRef | None) -> dict[str, Any]:
    return {
        f"{prefix}_platform": channel.platform.value if channel is not None else None,
        f"{prefix}_workspace": channel.workspace if channel is not None else None,
        f"{prefix}_channel": channel.channel if channel is not None else None,
    }


def _draft_values(draft: PollDraft) -> dict[str, Any]:
    native = draft.native
    return {
        "group_id": draft.group_id,
        "question": draft.question,
        "options": _options_json(draft.options),
        "author_platform": draft.author.platform.value,
        "author_workspace": draft.author.workspace,
        "author_user": draft.author.user,
        "author_name": draft.author_name[:200],
        "closes_at": draft.closes_at,
        "anonymous": draft.anonymous,
        "blind": draft.blind,
        "native_message": native.message_id if native is not None else None,
        **_channel_values("origin", draft.origin),
        **_channel_values("native", native.channel if native is not None else None),
    }


def _channel(platform: str | None, workspace: str | None, channel: str | None) -> ChannelRef | None:
    if platform is None or workspace is None or channel is None:
        return None
    return ChannelRef(Platform(platform), workspace, channel)


def _poll(row: PollRow) -> Poll:
    assert row.id is not None
    native = _channel(row.native_platform, row.native_workspace, row.native_channel)
    draft = PollDraft(
        group_id=row.group_id,
        question=row.question,
        options=_options(row.options),
        author=UserRef(Platform(row.author_platform), row.author_workspace, row.author_user),
        author_name=row.author_name,
        closes_at=row.closes_at,
        anonymous=row.anonymous,
        blind=row.blind,
        origin=_channel(row.origin_platform, row.origin_workspace, row.origin_channel),
        native=NativePoll(native, row.native_message or "") if native is not None else None,
    )
    return Poll(
        id=row.id,
        draft=draft,
        state=PollState(row.state),
        version=row.version,
        created_at=row.created_at,
        closed_at=row.closed_at,
    )


def _card(row: PollCardRow) -> PollCardRef:
    channel = ChannelRef(Platform(row.platform), row.workspace_id, row.channel_id)
    return PollCardRef(row.poll_id, channel, row.card_id, CardKind(row.kind))


async def _enqueue(s: AsyncSession, drafts: Sequence[OutboxDraft], at: float) -> None:
    """The outbox items in the session's transaction (each channel's lock first: bulk)."""
    if not drafts:
        return
    conn = await s.connection()
    await conn.run_sync(bulk.lock_channels, [d.target for d in drafts])
    s.add_all([outbox_row(d, at) for d in drafts])
    await s.flush()


class PollRepo(RepoBase):
    async def create_poll(self, draft: PollDraft, *, at: float, enqueue: FollowUp) -> Poll:
        row = PollRow(**_draft_values(draft), state=PollState.OPEN.value, created_at=at)
        async with self.session() as s:
            s.add(row)
            await s.flush()
            poll = _poll(row)
            await _enqueue(s, enqueue(poll.id), at)
            return poll

    async def get_poll(self, poll_id: int) -> Poll | None:
        async with self.session() as s:
            row = await s.get(PollRow, poll_id)
            return _poll(row) if row is not None else None

    async def save_poll(self, poll: Poll, *, enqueue: Sequence[OutboxDraft] = ()) -> bool:
        values = _draft_values(poll.draft) | {
            "state": poll.state.value,
            "closed_at": poll.closed_at,
            "version": poll.version + 1,
        }
        query = (
            update(PollRow)
            .where((col(PollRow.id) == poll.id) & (col(PollRow.version) == poll.version))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        async with self.session() as s:
            if not (await s.exec(query)).rowcount:
                return False
            await _enqueue(s, enqueue, self.clock.now())
        return True

    async def group_polls(self, group_id: int, *, limit: int = 20) -> list[Poll]:
        query = (
            select(PollRow)
            .where(col(PollRow.group_id) == group_id)
            .order_by(col(PollRow.id).desc())
            .limit(limit)
        )
        async with self.session() as s:
            return [_poll(r) for r in (await s.exec(query)).all()]

    async def open_polls(self) -> list[Poll]:
        query = (
            select(PollRow)
            .where(col(PollRow.state) == PollState.OPEN.value)
            .order_by(col(PollRow.id))
        )
        async with self.session() as s:
            return [_poll(r) for r in (await s.exec(query)).all()]

    async def native_poll(self, channel: ChannelRef, message_id: str) -> Poll | None:
        query = select(PollRow).where(
            (col(PollRow.native_platform) == channel.platform.value)
            & (col(PollRow.native_workspace) == channel.workspace)
            & (col(PollRow.native_message) == message_id)
            & (col(PollRow.native_channel) == channel.channel)
        )
        async with self.session() as s:
            row = (await s.exec(query)).first()
            return _poll(row) if row is not None else None

    def watch_polls(self, changed: Callable[[], None]) -> None:
        self.cache.watch("poll", changed)

    # -- votes -------------------------------------------------------------------------------
    async def member_vote(self, poll_id: int, member_id: int) -> int | None:
        query = select(PollVoteRow.option).where(
            (col(PollVoteRow.poll_id) == poll_id) & (col(PollVoteRow.member_id) == member_id)
        )
        async with self.session() as s:
            return (await s.exec(query)).first()

    async def set_vote(
        self, poll_id: int, member_id: int, option: int | None, *, name: str, at: float
    ) -> None:
        for attempt in range(ATTEMPTS):
            try:
                await self._replace_vote(poll_id, member_id, option, name, at)
                return
            except IntegrityError:  # the same person voted at once elsewhere: replace theirs
                if attempt == ATTEMPTS - 1:
                    raise

    async def _replace_vote(
        self, poll_id: int, member_id: int, option: int | None, name: str, at: float
    ) -> None:
        mine = (col(PollVoteRow.poll_id) == poll_id) & (col(PollVoteRow.member_id) == member_id)
        async with self.session() as s:
            await s.exec(delete(PollVoteRow).where(mine))
            if option is not None:
                vote = PollVoteRow(
                    poll_id=poll_id,
                    member_id=member_id,
                    option=option,
                    voter_name=name[:200],
                    at=at,
                )
                s.add(vote)

    async def set_native_vote(self, poll_id: int, user: str, option: int, *, added: bool) -> None:
        row = (
            (col(PollNativeVoteRow.poll_id) == poll_id)
            & (col(PollNativeVoteRow.user_id) == user[:64])
            & (col(PollNativeVoteRow.option) == option)
        )
        try:
            async with self.session() as s:
                await s.exec(delete(PollNativeVoteRow).where(row))
                if added:
                    s.add(PollNativeVoteRow(poll_id=poll_id, user_id=user[:64], option=option))
        except IntegrityError:
            if not added:
                raise  # an add reported twice at once: counted once

    async def poll_counts(self, poll_id: int) -> Counts:
        votes = select(PollVoteRow).where(col(PollVoteRow.poll_id) == poll_id)
        native = select(PollNativeVoteRow.option).where(col(PollNativeVoteRow.poll_id) == poll_id)
        async with self.session() as s:
            rows = (await s.exec(votes.order_by(col(PollVoteRow.at), col(PollVoteRow.id)))).all()
            counted = Counter((await s.exec(native)).all())
        return Counts(
            votes=tuple(Vote(r.member_id, r.option, r.voter_name) for r in rows),
            native=dict(counted),
        )

    # -- cards -------------------------------------------------------------------------------
    async def add_poll_card(self, ref: PollCardRef) -> None:
        row = PollCardRow(
            poll_id=ref.poll_id,
            kind=ref.kind.value,
            platform=ref.channel.platform.value,
            workspace_id=ref.channel.workspace,
            channel_id=ref.channel.channel,
            card_id=ref.card_id[:64],
        )
        try:
            async with self.session() as s:
                s.add(row)
        except IntegrityError:
            known = {(c.channel, c.kind) for c in await self.poll_cards(ref.poll_id)}
            if (ref.channel, ref.kind) not in known:
                raise

    async def poll_cards(self, poll_id: int) -> list[PollCardRef]:
        query = (
            select(PollCardRow)
            .where(col(PollCardRow.poll_id) == poll_id)
            .order_by(col(PollCardRow.id))
        )
        async with self.session() as s:
            return [_card(r) for r in (await s.exec(query)).all()]
