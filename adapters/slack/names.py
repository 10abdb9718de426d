"""Names of linked Slack channels, read in the background after start-up.

``conversations.list`` is Tier 2 (20 calls a minute, up to 200 channels a page): naming 10,000
channels takes 50 pages, 2.5 minutes at the tier's pace. Pages are paced under the tier (a
start-up meets no 429 of its own making); a 429 is waited out for its ``Retry-After`` and the
same page asked again, however long that takes. Every page's names are written in one
transaction, then the cursor of the next page (``sync_state``), so a restart resumes where the
last run stopped; the listing stops as soon as every unnamed link is named. When
so few are unnamed that asking each with ``conversations.info`` (Tier 3, 50 a minute) takes
less time than listing the workspace again (its size known from its last whole listing), they
are asked one by one instead. Channels a
whole listing did not show are remembered and not looked for again for a day. Several workers
on one database: one of them names a workspace (it holds the lease ``names:slack:<team>``);
the others leave it alone. Each workspace is asked with its own token (``acting_for``: its
install's, with Add to Slack); a workspace the app was removed from is left for the next start."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.channel_names import NameStore, NamingSettings
from adapters.pacing import Pacer
from adapters.slack.tokens import acting_for
from bridge.ids import ChannelRef, Platform
from bridge.ports import LeaseStore, Paused

log = logging.getLogger(__name__)

Call = Callable[..., Awaitable[Any]]

# A workspace is named by one worker at a time: it holds this lease, renewed before every call
# (the longest wait between two calls is a tier's minute or a Retry-After).
LEASE_SECONDS = 180.0


class SlackNameStore(NameStore, LeaseStore, Protocol):
    """The naming pass's reads and writes, and the leases shared by the workers."""


class HandedOver(Exception):
    """The workspace's lease went to another worker (this one waited past its expiry)."""


def cursor_key(team: str) -> str:
    return f"slack.names.cursor:{team}"


def absent_key(team: str) -> str:
    return f"slack.names.absent:{team}"


@dataclass(frozen=True)
class Place:
    """Where the listing of a workspace stands: the next page's cursor ("" = the start) and
    how many pages its last whole listing took (0 = not listed whole yet)."""

    cursor: str
    pages: int


class SlackNames:
    def __init__(
        self,
        client: AsyncWebClient,
        store: SlackNameStore,
        settings: NamingSettings | None = None,
        *,
        holder: str,
    ) -> None:
        """``holder``: this worker's id, for the workspace's lease."""
        self.client = client
        self.store = store
        self.holder = holder
        self._lease = ""  # the lease held while a workspace is named
        self.settings = settings or NamingSettings()
        minute = self.settings.minute
        self._list = Pacer(self.settings.list_per_minute, minute)
        self._info = Pacer(self.settings.info_per_minute, minute)
        self.calls = 0  # requests made (for logs and benchmarks)

    async def name(self, channels: Sequence[ChannelRef]) -> int:
        teams: dict[str, dict[str, ChannelRef]] = defaultdict(dict)
        for channel in channels:
            teams[channel.workspace][channel.channel] = channel
        found = 0
        for team, wanted in teams.items():
            try:
                with acting_for(team):  # the workspace's own token (its install's)
                    found += await self._team(team, wanted)
            except Paused as exc:  # the app was removed from it: named at a start once back
                log.info("channel names: %s skipped (%s)", team, exc)
        return found

    async def _team(self, team: str, wanted: dict[str, ChannelRef]) -> int:
        for channel in await self._absent(team):
            wanted.pop(channel, None)
        if not wanted:
            return 0
        self._lease = f"names:slack:{team}"
        try:
            await self._renew()
            wanted = await self._still_unnamed(team, wanted)  # another worker may have named them
            if not wanted:
                return 0
            place = await self._place(team)
            if self._asking_is_cheaper(len(wanted), place.pages):
                return await self._one_by_one(team, wanted)
            return await self._listing(team, wanted, place)
        except HandedOver:
            log.info("channel names: another worker names the channels of %s", team)
            return 0
        finally:
            await self.store.release_lease(self._lease, holder=self.holder)

    async def _still_unnamed(
        self, team: str, wanted: dict[str, ChannelRef]
    ) -> dict[str, ChannelRef]:
        unnamed = await self.store.unnamed_links(Platform.SLACK)
        return {c.channel: c for c in unnamed if c.workspace == team and c.channel in wanted}

    async def _renew(self) -> None:
        """Take or keep the workspace's lease; ``HandedOver`` when another worker has it."""
        lease = self._lease
        if not await self.store.claim_lease(lease, holder=self.holder, seconds=LEASE_SECONDS):
            raise HandedOver(lease)

    def _asking_is_cheaper(self, missing: int, pages: int) -> bool:
        """``conversations.info`` for each missing channel takes less time than listing the
        workspace (``pages`` long when last listed whole; unknown (0) until then)."""
        settings = self.settings
        return missing * settings.list_per_minute < pages * settings.info_per_minute

    async def _place(self, team: str) -> Place:
        kept = await self.store.get_sync_state(cursor_key(team)) or []
        pages = int(kept[1]) if len(kept) > 1 and kept[1].isdigit() else 0
        return Place(kept[0] if kept else "", pages)

    async def _absent(self, team: str) -> list[str]:
        """Channels a recent whole listing did not show (not asked again before a day)."""
        kept = await self.store.get_sync_state(absent_key(team)) or []
        if not kept or time.time() - float(kept[0]) > self.settings.absent_for:
            return []
        return kept[1:]

    async def _listing(self, team: str, wanted: dict[str, ChannelRef], place: Place) -> int:
        """Page from the stored cursor to the end, then from the start if some are still
        missing; stop once every wanted channel is named."""
        cursor, pages = place.cursor, place.pages
        laps = 1 if not cursor else 2  # resumed mid-list: the first pages come after the end
        lap: int | None = 0 if not cursor else None  # pages of a lap begun at the start
        found = 0
        while wanted and laps:
            names, cursor = await self._page(cursor)
            page = {wanted.pop(c): n for c, n in names.items() if c in wanted}
            found += await self.store.set_channel_names(page)
            lap = None if lap is None else lap + 1
            if not cursor:
                laps, pages, lap = laps - 1, lap or pages, 0
            await self.store.set_sync_state(cursor_key(team), [cursor, str(pages)])
            await asyncio.sleep(0)  # live traffic first
        if wanted:
            await self._remember_absent(team, wanted)
        return found

    async def _page(self, cursor: str) -> tuple[dict[str, str], str]:
        """One page of the workspace's channels: their names by id, and the next cursor ("" at
        the end). A cursor Slack no longer accepts starts the list again."""
        args = {
            "types": "public_channel,private_channel",
            "exclude_archived": True,
            "limit": self.settings.page_size,
        }
        try:
            answer = await self._call(
                self._list, self.client.conversations_list, args | _cursor(cursor)
            )
        except SlackApiError as exc:
            if exc.response.get("error") != "invalid_cursor" or not cursor:
                raise
            return await self._page("")
        names = {
            str(info["id"]): info["name"]
            for info in answer.get("channels") or []
            if isinstance(info, dict) and isinstance(info.get("name"), str)
        }
        meta = answer.get("response_metadata") or {}
        return names, str(meta.get("next_cursor") or "")

    async def _one_by_one(self, team: str, wanted: dict[str, ChannelRef]) -> int:
        names: dict[ChannelRef, str] = {}
        absent: dict[str, ChannelRef] = {}
        for channel_id, ref in wanted.items():
            try:
                info = self.client.conversations_info
                answer = await self._call(self._info, info, {"channel": channel_id})
            except SlackApiError as exc:
                if exc.response.get("error") not in ("channel_not_found", "not_in_channel"):
                    raise
                absent[channel_id] = ref
                continue
            name = (answer.get("channel") or {}).get("name")
            if isinstance(name, str):
                names[ref] = name
        if absent:
            await self._remember_absent(team, absent)
        return await self.store.set_channel_names(names)

    async def _remember_absent(self, team: str, absent: dict[str, ChannelRef]) -> None:
        count = len(absent)
        log.info("channel names: %d Slack channel(s) of %s not visible to the bot", count, team)
        await self.store.set_sync_state(absent_key(team), [str(time.time()), *sorted(absent)])

    async def _call(self, pacer: Pacer, call: Call, args: dict[str, Any]) -> Any:
        """``call(**args)`` in its turn; a 429 is waited out and the same call made again."""
        while True:
            await self._renew()
            slot = await pacer.take()
            self.calls += 1
            try:
                return await call(**args)
            except SlackApiError as exc:
                if exc.response.status_code != 429:
                    raise
                wait = float(exc.response.headers.get("Retry-After", 1))
            finally:
                Pacer.finish(slot)
            log.info("channel names: slack asks to wait %.0fs", wait)
            await asyncio.sleep(wait)


def _cursor(cursor: str) -> dict[str, str]:
    return {"cursor": cursor} if cursor else {}
