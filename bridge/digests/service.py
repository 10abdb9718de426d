"""Making a group's digest when its time comes, once: the week's row is inserted (unique per
group and week) with one outbox item per linked channel in the same transaction, so whichever
worker inserts it posts, a worker killed after the insert leaves the posting to the outbox, and
one killed before leaves nothing. A digest whose time passed more than the grace ago while no
bridge ran is recorded as skipped instead."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol

from bridge.actions import DigestAction
from bridge.digests.gather import GatherStore, gather
from bridge.digests.model import Digest, DigestDraft, DigestState, DigestStore
from bridge.digests.schedule import KEY, Due, due_now, next_due, setting_of
from bridge.pipeline.due import ChangeHub
from bridge.ports import Clock, RosterStore
from bridge.records import FanGroup, OutboxDraft

log = logging.getLogger(__name__)


class DigestServiceStore(DigestStore, GatherStore, RosterStore, Protocol):
    """The digests, what they are made of, the groups with their channels and people."""


class DigestService:
    def __init__(
        self,
        store: DigestServiceStore,
        clock: Clock,
        wake: Callable[[], None],
        hub: ChangeHub | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.wake = wake
        self.hub = hub or ChangeHub()  # a setting changed: the timer looks again
        self._done: set[tuple[int, str]] = set()  # weeks known made (they stay made)

    async def fire_due(self) -> float | None:
        """Make every digest that is due; the earliest time one is due next."""
        soonest: float | None = None
        for group in await self.store.groups_with_setting(KEY):  # not every group: few send
            setting = setting_of(group.settings)
            if setting is None:
                continue
            now = self.clock.now()
            due = due_now(setting, now)
            if due is not None and (group.id, due.week) not in self._done:
                await self.make(group, due)
            upcoming = next_due(setting, now)
            soonest = upcoming if soonest is None else min(soonest, upcoming)
        return soonest

    async def make(self, group: FanGroup, due: Due) -> Digest | None:
        """The group's digest of ``due``'s week, made (or skipped) unless it exists."""
        if await self.store.get_digest(group.id, due.week) is not None:
            self._done.add((group.id, due.week))
            return None
        made = await (self._send(group, due) if due.send else self._skip(group, due))
        self._done.add((group.id, due.week))
        return made

    async def _send(self, group: FanGroup, due: Due) -> Digest | None:
        setting = setting_of(group.settings)
        zone = setting.zone if setting is not None else "UTC"
        content = await gather(self.store, group, due.since, due.at, zone=zone)
        draft = DigestDraft(group.id, due.week, due.at, DigestState.SENT, content)
        action = DigestAction(group_id=group.id, week=due.week)
        links = await self.store.links_for_group(group.id)
        drafts = [OutboxDraft(lk.channel, action) for lk in links if lk.direction.receives]
        made = await self.store.claim_digest(draft, at=self.clock.now(), enqueue=drafts)
        if made is not None:
            log.info("=> digest of %s for %s in %d channel(s)", group.slug, due.week, len(drafts))
            self.wake()
        return made

    async def _skip(self, group: FanGroup, due: Due) -> Digest | None:
        draft = DigestDraft(group.id, due.week, due.at, DigestState.SKIPPED, None)
        made = await self.store.claim_digest(draft, at=self.clock.now())
        if made is not None:
            log.warning(
                "digest of %s for %s skipped: its time passed long ago", group.slug, due.week
            )
        return made

    def changed(self) -> None:
        self.hub.changed()
