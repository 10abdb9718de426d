"""A linked Slack channel's history for catch-up: ``conversations.history`` from ``oldest`` and
``conversations.replies`` of the threads active in that window, paged by cursor.

Rate limits: both methods are Tier 3 (about 50 requests a minute) for an internal custom app,
which is what a self-hosted fanbridge is. A process starts as if the previous one had spent most
of the minute just before it stopped (``SPENT``): a restart's first requests do not meet the
429s left from that minute. Since 2025-05-29, apps distributed outside the Slack Marketplace are
held to 1 request a minute and 15 messages a page on these two methods; catch-up still
completes there, one page a minute. A 429 is waited out for its ``Retry-After`` (every reader
of the method waits with it) and the same page asked again, however long that takes; reads
never use ``chat.postMessage``'s budget, so live relaying goes on.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Collection, Mapping
from typing import Any, Protocol

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.emoji import emoji_from_slack
from adapters.slack.tokens import acting_for
from bridge.events import MessageEdited, MessagePosted
from bridge.ids import ChannelRef, Platform
from bridge.pipeline.catchup.model import Scan, SeenMessage, SeenReaction
from bridge.text import Emoji

log = logging.getLogger(__name__)

PAGE = 200  # Slack recommends no more than 200 a page
SKEW = 2.0  # seconds: messages this recent are left to the live events
MAX_WAIT = 120.0  # the longest single wait on a Retry-After (then the page is asked again)
TIER_3 = 50  # requests a minute per method (conversations.history, conversations.replies)
SPENT = 0.8  # of the tier taken as spent by the previous process when this one starts


class MinuteWindow:
    """At most ``per_minute`` calls in any 60 seconds: catch-up stays under the method's tier
    instead of learning it from 429s (a start-up over hundreds of channels meets none).
    ``spent``: the share of the minute taken as used when it is made (by a process that
    stopped just before), so the first minute runs at the rest of the tier."""

    def __init__(self, per_minute: int, spent: float = 0.0) -> None:
        self.per_minute = per_minute
        now = time.monotonic()
        self._sent: deque[float] = deque([now] * min(per_minute - 1, int(per_minute * spent)))
        self._paused_until = 0.0

    def pause(self, seconds: float) -> None:
        """The platform answered 429: nobody asks before ``seconds`` have passed."""
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)

    async def turn(self) -> None:
        while True:
            now = time.monotonic()
            if now < self._paused_until:
                await asyncio.sleep(self._paused_until - now)
                continue
            while self._sent and now - self._sent[0] >= 60.0:
                self._sent.popleft()
            if len(self._sent) < self.per_minute:
                self._sent.append(now)
                return
            await asyncio.sleep(60.0 - (now - self._sent[0]))


class Events(Protocol):
    """The adapter's converters (author profiles and mention names are looked up there)."""

    bot_user_id: str

    async def posted_event(
        self, body: Mapping[str, Any], event: Mapping[str, Any]
    ) -> MessagePosted | None: ...

    async def edited_event(
        self, body: Mapping[str, Any], event: Mapping[str, Any]
    ) -> MessageEdited | None: ...


class SlackHistory:
    platform = Platform.SLACK

    def __init__(
        self, client: AsyncWebClient, events: Events, per_minute: int = TIER_3, spent: float = SPENT
    ) -> None:
        self.client = client
        self.events = events
        self._windows = {m: MinuteWindow(per_minute, spent) for m in ("history", "replies")}

    def position(self, platform_message_id: str) -> float:
        try:
            return float(platform_message_id)
        except ValueError:
            return 0.0

    async def scan(
        self,
        channel: ChannelRef,
        *,
        since: float,
        threads: Collection[str],
        begin: Callable[[], float | None] | None = None,
    ) -> Scan:
        with acting_for(channel.workspace):  # the channel's workspace's token
            return await self._scan(channel, since, threads, begin)

    async def _scan(
        self,
        channel: ChannelRef,
        since: float,
        threads: Collection[str],
        begin: Callable[[], float | None] | None,
    ) -> Scan:
        # the first page's turn is taken before the channel is held: waiting for the pace
        # (up to a minute) never holds its live events up
        await self._windows["history"].turn()
        before = begin() if begin is not None else None
        taken = time.time() - SKEW
        until = taken if before is None else min(taken, before)
        span = {"oldest": f"{since:.6f}"}
        if before is not None:
            span["latest"] = f"{before:.6f}"  # exclusive: that message came live
        top, pages = await self._pages(
            "conversations_history", {"channel": channel.channel, **span}, turn_taken=True
        )
        roots = {str(m["ts"]) for m in top if _active_thread(m, since)} | set(threads)
        messages = list(top)
        for root in sorted(roots):
            replies, more = await self._thread(channel, root, span)
            messages += replies
            pages += more
        messages.sort(key=lambda m: float(m["ts"]))
        body = {"team_id": channel.workspace}
        seen = [await self._seen(body, channel, m) for m in messages]
        return Scan(tuple(seen), frozenset(roots), since, until, pages, taken)

    async def _thread(
        self, channel: ChannelRef, root: str, span: dict[str, str]
    ) -> tuple[list[dict[str, Any]], int]:
        """A thread's replies in ``span`` (without its root); none when it is gone."""
        try:
            found, pages = await self._pages(
                "conversations_replies", {"channel": channel.channel, "ts": root, **span}
            )
        except SlackApiError as exc:
            if exc.response.get("error") == "thread_not_found":
                return [], 1
            raise
        return [m for m in found if str(m.get("ts")) != root], pages

    async def _pages(
        self, method: str, args: dict[str, str], *, turn_taken: bool = False
    ) -> tuple[list[dict[str, Any]], int]:
        """Every page of ``method``; ``turn_taken``: the first page's turn is already had."""
        call = getattr(self.client, method)
        window = self._windows["replies" if method.endswith("replies") else "history"]
        found: list[dict[str, Any]] = []
        cursor, pages = "", 0
        while True:
            if pages or not turn_taken:
                await window.turn()
            response = await self._call(call, args | ({"cursor": cursor} if cursor else {}), window)
            pages += 1
            found += list(response.get("messages") or [])
            cursor = str((response.get("response_metadata") or {}).get("next_cursor") or "")
            if not cursor:
                return found, pages

    async def _call(self, call: Any, args: dict[str, str], window: MinuteWindow) -> Any:
        """One page; a 429 is waited out (by every reader of the method) and asked again."""
        while True:
            try:
                return await call(limit=PAGE, **args)
            except SlackApiError as exc:
                if exc.response.status_code != 429:
                    raise
                wait = min(MAX_WAIT, float(exc.response.headers.get("Retry-After", 1)))
                log.info("catch-up: slack asks to wait %.0fs before the next page", wait)
                window.pause(wait)
                await window.turn()

    async def _seen(
        self, body: Mapping[str, Any], channel: ChannelRef, message: dict[str, Any]
    ) -> SeenMessage:
        event = {**message, "channel": channel.channel}
        own = bool(message.get("bot_id")) or message.get("user") == self.events.bot_user_id
        thread_ts = str(message.get("thread_ts") or "")
        edited = None
        if message.get("edited") and not own:
            change = {"channel": channel.channel, "message": message, "previous_message": {}}
            edited = await self.events.edited_event(body, change)
        return SeenMessage(
            message_id=str(message["ts"]),
            at=float(message["ts"]),
            posted=None if own else await self.events.posted_event(body, event),
            edited=edited,
            reactions=tuple(self._reactions(message)),
            thread=thread_ts if thread_ts and thread_ts != message["ts"] else None,
        )

    def _reactions(self, message: Mapping[str, Any]) -> list[SeenReaction]:
        found = []
        for reaction in message.get("reactions") or []:
            everyone = frozenset(str(u) for u in reaction.get("users") or [])
            users = everyone - {self.events.bot_user_id}
            emoji = emoji_from_slack(str(reaction["name"]))
            mine = self.events.bot_user_id in everyone
            found.append(SeenReaction(emoji, len(users), users, mine=mine))
        return found

    async def reaction_users(
        self, channel: ChannelRef, seen: SeenMessage, emoji: Emoji
    ) -> frozenset[str]:
        return frozenset()  # never asked: the history names the people already

    async def banned(self, workspace: str) -> list[str] | None:
        return None  # Slack has no workspace ban list outside Enterprise Grid


def _active_thread(message: Mapping[str, Any], since: float) -> bool:
    """A thread root whose newest reply is in the window."""
    if not message.get("reply_count"):
        return False
    return float(message.get("latest_reply") or message["ts"]) >= since
