"""A platform's own poll (Discord's message poll) posted by a fan in a linked channel: relayed
as a poll card to every other linked channel (with vote buttons), and a bridge-owned card in
the poll's own channel that sums the platform poll's votes with everyone else's. The platform
reports its votes one by one (``NativePollVoted``); they are counted as it counts them."""

from __future__ import annotations

from bridge.events import NativePollPosted, NativePollVoted
from bridge.outcome import EventHandlers, Handled, Ignored, Outcome
from bridge.polls.model import MAX_LABEL, MAX_QUESTION, NativePoll, PollDraft, PollOption
from bridge.polls.service import PollService


class NativePolls:
    def __init__(self, service: PollService) -> None:
        self.service = service
        self.store = service.store

    def handlers(self) -> EventHandlers:
        return {NativePollPosted: self.posted, NativePollVoted: self.voted}

    async def posted(self, event: NativePollPosted) -> Outcome:
        link = await self.store.link_for_channel(event.channel)
        if link is None or not link.direction.sends:
            return Ignored("not a linked channel")
        if await self.store.native_poll(event.channel, event.message_id) is not None:
            return Ignored("already relayed")
        if len(event.answers) < 2:
            return Ignored("a poll of one answer")
        account = await self.store.upsert_account(
            user=event.user, display_name=event.display_name or event.user.user
        )
        options = tuple(
            PollOption(label=label[:MAX_LABEL] or f"Answer {answer}", answer_id=answer)
            for answer, label in event.answers
        )
        draft = PollDraft(
            group_id=link.group_id,
            question=event.question[:MAX_QUESTION] or "Poll",
            options=options,
            author=event.user,
            author_name=account.display_name,
            closes_at=event.expires_at,
            origin=event.channel,
            native=NativePoll(event.channel, event.message_id),
        )
        poll = await self.service.create(draft)
        return Handled(f"poll {poll.id} relays {event.message_id}")

    async def voted(self, event: NativePollVoted) -> Outcome:
        poll = await self.store.native_poll(event.channel, event.message_id)
        if poll is None:
            return Ignored("not a relayed poll")
        counted = await self.service.native_vote(
            poll, event.user.user, event.answer_id, added=event.added
        )
        return Handled("counted") if counted else Ignored("closed, or no such answer")
