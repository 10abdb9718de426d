"""Actions → Discord REST: webhooks (author name and avatar) with a bot-sent fallback, threads,
reactions. Every create and edit carries ``allowed_mentions`` that permits only mapped users.

Nothing Discord refuses is dropped silently: a webhook copy it refuses goes out bot-sent (the
author's name in the text), a message longer than ``max_parts`` parts sends the rest as
message.txt, and a reaction beyond the 20 per message waits for room (WaitForRoom).

This is the message part of the chat adapter; adapters/discord/adapter.py composes it with the
moderation and announcement parts."""

from __future__ import annotations

import contextlib
import io
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import discord

from adapters.discord.channels import DiscordChannels
from adapters.discord.errors import platform_errors
from adapters.discord.markdown import DISCORD_LIMIT, render_discord
from adapters.discord.names import shown_name, webhook_name
from adapters.files import FileFetcher, gather_attachments
from adapters.split import split_capped
from bridge.actions import OutgoingMessage, SendResult
from bridge.ids import ChannelRef, MessageCopy, Platform
from bridge.metrics import Metrics, NullMetrics
from bridge.ports import Capabilities, DeliveryError, PartialDelivery, WaitForRoom
from bridge.text import Emoji

log = logging.getLogger(__name__)

OWN_DELETES_KEPT = 5000
MAX_PARTS = 4  # [relay] max_parts
OVERFLOW_FILE = "message.txt"
NOTE = f"\n… (continued in {OVERFLOW_FILE})"
NO_ROOM = 30010  # "Maximum number of reactions reached (20)"
ESCAPED = re.compile(r"\\([\\*_~`|<\[\]>#-])")
CAPABILITIES = Capabilities(
    max_message_length=DISCORD_LIMIT,
    custom_author=True,
    threads=True,
    replies=True,
    edit_others=False,
    spoilers=True,
)


def allowed(users: Sequence[str]) -> discord.AllowedMentions:
    return discord.AllowedMentions(
        everyone=False,
        roles=False,
        users=[discord.Object(int(u)) for u in users],
        replied_user=False,
    )


@dataclass(frozen=True, slots=True)
class Rendered:
    """A message as Discord shows it: ``parts`` within the limit (without the author's name),
    the name as the bot shows it (``head``), the user ids that may be pinged, and the text
    beyond ``max_parts`` parts (``rest``: message.txt on the last part)."""

    parts: list[str]
    users: list[str]
    head: str
    rest: str = ""

    def content(self, index: int, *, bot_sent: bool) -> str:
        """Part ``index`` as sent: a bot-sent copy starts with the author's name."""
        part = self.parts[index]
        return self.head + part if bot_sent and index == 0 else part

    def overflow(self) -> list[tuple[str, bytes]]:
        return [(OVERFLOW_FILE, _readable(self.rest).encode())] if self.rest else []


@dataclass(slots=True)
class _Route:
    """Where one message's parts go: the channel, its webhook (None: the bot posts them) and
    the thread they are in."""

    target: ChannelRef
    webhook: discord.Webhook | None
    thread: discord.abc.Snowflake | None


class DiscordSender:
    """Copies of messages: post (webhook or bot-sent), edit, delete, react, and the search for
    a copy an earlier attempt made unrecorded."""

    platform = Platform.DISCORD
    capabilities = CAPABILITIES

    def __init__(
        self,
        channels: DiscordChannels,
        *,
        fetcher: FileFetcher | None = None,
        max_parts: int = MAX_PARTS,
        metrics: Metrics | None = None,
    ) -> None:
        self.channels = channels
        self.client = channels.client
        self.fetcher = fetcher
        self.max_parts = max_parts  # one message is never more Discord messages than this
        self.metrics: Metrics = metrics or NullMetrics()  # counts copies that fell back
        self.own_deletes: dict[str, None] = {}  # ids the bot deleted: their events are echoes

    # -- ChatAdapter -----------------------------------------------------------------------
    async def post(self, target: ChannelRef, message: OutgoingMessage) -> SendResult:
        ids: list[str] = []
        route = _Route(target, None, None)
        try:
            async with platform_errors():
                route.webhook = await self.channels.webhook(target)
                route.thread = await self._thread(target, message)
                files, links = await self._attachments(message)
                rendered = self._render(message, links)
                overflow = rendered.overflow()
                uploads = [*files[: 10 - len(overflow)], *overflow]
                for index, part in enumerate(rendered.parts):
                    last = index == len(rendered.parts) - 1
                    if index < message.first_part or not (part.strip() or (last and uploads)):
                        continue
                    upload = uploads if last else []
                    ids.append(await self._send(route, rendered, index, message, upload))
        except DeliveryError as exc:
            if ids:
                result = SendResult(tuple(ids), _thread_id(route.thread))
                raise PartialDelivery(result, exc) from exc
            raise
        return SendResult(tuple(ids), _thread_id(route.thread))

    async def find_sent(
        self, target: ChannelRef, message: OutgoingMessage, *, since: float, markers: Sequence[str]
    ) -> SendResult:
        """The copy an earlier attempt posted unrecorded: the bot's or its webhooks' messages
        since the attempt began whose text is this message's parts, in order (Discord keeps no
        nonce in the history, so the rendered text is the mark)."""
        async with platform_errors():
            # the channel's relay webhook is known as the bot's own before reading (a worker
            # taking over another's delivery may not have written to this channel yet)
            await self.channels.webhook(target)
            thread = await self._thread(target, message)
            container: object = await self.channels.channel(target)
            if thread is not None:
                found = self.client.get_channel(thread.id)
                container = found or await self.client.fetch_channel(thread.id)
            if not isinstance(container, discord.abc.Messageable):
                return SendResult((), None)
            after = discord.Object(discord.utils.time_snowflake(_utc(since - 5)))
            mine = [m async for m in container.history(after=after, limit=100, oldest_first=True)]
        parts = self._render(message, []).parts[message.first_part :]
        ids = _in_order(parts, [m for m in mine if self.channels.is_own(m)])
        return SendResult(tuple(ids), _thread_id(thread))

    def _render(self, message: OutgoingMessage, links: Sequence[str]) -> Rendered:
        """The message as Discord shows it. Every part leaves room for the author's name, so
        any part can go out bot-sent; beyond ``max_parts`` parts the rest becomes a file."""
        head = f"**{_escape_name(shown_name(message))}**: "
        text, users = render_discord(message.text, message.mention_map)
        body = _reply_header(message) + text
        if links:
            body = (f"{body}\n" + "\n".join(links)).strip()
        limit = DISCORD_LIMIT - len(head)
        split = split_capped(body, limit, max_parts=self.max_parts, reserve=len(NOTE))
        parts = split.parts
        if split.rest:
            parts = [*parts[:-1], parts[-1] + NOTE]
        return Rendered(parts, users, head, split.rest)

    async def _attachments(
        self, message: OutgoingMessage
    ) -> tuple[list[tuple[str, bytes]], list[str]]:
        """Files small enough to re-upload, and links for the rest."""
        files, links = await gather_attachments(
            self.fetcher, message, lambda a: f"📎 {_escape_name(a.filename)}: <{a.url}>"
        )
        return files[:10], links

    async def _send(
        self,
        route: _Route,
        rendered: Rendered,
        index: int,
        message: OutgoingMessage,
        files: Sequence[tuple[str, bytes]],
    ) -> str:
        """Part ``index``. A webhook copy Discord refuses (any 400) is never dropped: it goes
        out bot-sent with the author's name in the text, and so do the parts after it."""
        if route.webhook is None:
            content = rendered.content(index, bot_sent=True)
            return await self._send_bot(route, content, rendered.users, message, files)
        try:
            return await self._send_webhook(
                route, rendered.parts[index], rendered.users, message, files
            )
        except discord.HTTPException as exc:
            if exc.status != 400:
                raise
            self._fell_back(route.target, exc)
        route.webhook = None
        content = rendered.head + rendered.parts[index]
        return await self._send_bot(route, content, rendered.users, message, files)

    def _fell_back(self, target: ChannelRef, exc: discord.HTTPException) -> None:
        reason = f"{exc.status}/{exc.code}"
        log.warning(
            "=> %s refused a webhook copy (%s: %s): sent by the bot instead",
            target,
            reason,
            exc.text.replace("\n", " "),
        )
        self.metrics.fallback_copy(self.platform.value, reason)

    async def _send_webhook(
        self,
        route: _Route,
        content: str,
        users: list[str],
        message: OutgoingMessage,
        files: Sequence[tuple[str, bytes]],
    ) -> str:
        assert route.webhook is not None
        sent = await route.webhook.send(
            content=content,
            files=_uploads(files) or discord.utils.MISSING,
            username=webhook_name(message),
            avatar_url=message.author_avatar or discord.utils.MISSING,
            allowed_mentions=allowed(users),
            thread=route.thread or discord.utils.MISSING,
            wait=True,
        )
        return str(sent.id)

    async def _send_bot(
        self,
        route: _Route,
        content: str,
        users: list[str],
        message: OutgoingMessage,
        files: Sequence[tuple[str, bytes]],
    ) -> str:
        channel = await self.channels.messageable(route.target, route.thread)
        sent = await channel.send(
            content,
            files=_uploads(files) or discord.utils.MISSING,
            allowed_mentions=allowed(users),
            nonce=message.marker,
        )
        return str(sent.id)

    async def _thread(
        self, target: ChannelRef, message: OutgoingMessage
    ) -> discord.abc.Snowflake | None:
        """A Slack thread lands in a Discord thread started on the copy of its root."""
        root = message.thread_root
        if root is None or message.reply is not None:
            return None
        if root.thread_id:
            return discord.Object(int(root.thread_id))
        channel = await self.channels.channel(target)
        if not isinstance(channel, discord.TextChannel):
            return None
        starter = channel.get_partial_message(int(root.platform_message_id))
        name = (message.thread_name or message.text.plain() or "thread").replace("\n", " ")
        name = name.strip()[:90] or "thread"
        try:
            thread = await starter.create_thread(name=name)
        except discord.HTTPException as exc:
            if exc.code != 160004:  # "a thread has already been created for this message"
                raise
            return discord.Object(int(root.platform_message_id))
        return thread

    async def edit(
        self, target: ChannelRef, copies: Sequence[MessageCopy], message: OutgoingMessage
    ) -> SendResult:
        """The parts that exist are edited (the file with the rest moves with the text), parts
        the new text needs are added (never more than ``max_parts``), the others deleted."""
        thread_id = copies[0].thread_id
        async with platform_errors():
            thread = discord.Object(int(thread_id)) if thread_id else None
            route = _Route(target, await self.channels.webhook(target), thread)
            rendered = self._render(message, _link_lines(message))
            ids = []
            for index in range(len(rendered.parts)):
                last = index == len(rendered.parts) - 1
                files = rendered.overflow() if last else []
                if index < len(copies):
                    await self._edit_one(route, copies[index], rendered, index, files)
                    ids.append(copies[index].platform_message_id)
                else:
                    ids.append(await self._send(route, rendered, index, message, files))
            for extra in copies[len(rendered.parts) :]:
                await self._delete_one(target, route.webhook, thread, extra)
        return SendResult(tuple(ids), thread_id)

    async def _edit_one(
        self,
        route: _Route,
        copy: MessageCopy,
        rendered: Rendered,
        index: int,
        files: list[tuple[str, bytes]],
    ) -> None:
        mid = int(copy.platform_message_id)
        kept = None
        if files or index == self.max_parts - 1:  # the only part that can carry a rest file
            kept = await self._kept_attachments(route, mid)

        def extra() -> dict[str, Any]:  # fresh files for each try: a sent file is closed
            out: dict[str, Any] = {"allowed_mentions": allowed(rendered.users)}
            if kept is not None:
                out["attachments"] = [*kept, *_uploads(files)]
            return out

        if route.webhook is not None:
            try:
                thread = route.thread or discord.utils.MISSING
                await route.webhook.edit_message(
                    mid, content=rendered.parts[index], thread=thread, **extra()
                )
                return
            except discord.NotFound:
                pass  # the bot posted this copy itself (the webhook's was refused)
        channel = await self.channels.messageable(route.target, route.thread)
        partial = channel.get_partial_message(mid)  # type: ignore[attr-defined]
        await partial.edit(content=rendered.content(index, bot_sent=True), **extra())

    async def _kept_attachments(self, route: _Route, message_id: int) -> list[discord.Attachment]:
        """The copy's attachments but an earlier rest file (an edit replaces or drops it)."""
        channel = await self.channels.messageable(route.target, route.thread)
        current = await channel.fetch_message(message_id)
        return [a for a in current.attachments if a.filename != OVERFLOW_FILE]

    async def delete(self, target: ChannelRef, copies: Sequence[MessageCopy]) -> None:
        async with platform_errors():
            webhook = await self.channels.webhook(target)
            for copy in copies:
                thread = discord.Object(int(copy.thread_id)) if copy.thread_id else None
                with contextlib.suppress(discord.NotFound):
                    await self._delete_one(target, webhook, thread, copy)

    async def _delete_one(
        self,
        target: ChannelRef,
        webhook: discord.Webhook | None,
        thread: discord.abc.Snowflake | None,
        copy: MessageCopy,
    ) -> None:
        mid = int(copy.platform_message_id)
        self._deleting(copy.platform_message_id)
        if webhook is not None and not copy.is_origin:
            try:
                await webhook.delete_message(mid, thread=thread or discord.utils.MISSING)
                return
            except discord.NotFound:
                pass  # the bot posted this copy itself (the webhook's was refused)
        channel_id = thread.id if thread else int(target.channel)
        await self.client.http.delete_message(channel_id, mid)

    def _deleting(self, message_id: str) -> None:
        self.own_deletes[message_id] = None
        while len(self.own_deletes) > OWN_DELETES_KEPT:
            del self.own_deletes[next(iter(self.own_deletes))]

    def deleted_by_us(self, message_id: str) -> bool:
        """True (once) for a delete the bot made itself: not a moderator's delete."""
        return self.own_deletes.pop(message_id, 0) is None

    async def react(
        self, target: ChannelRef, copy: MessageCopy, emoji: Emoji, *, add: bool
    ) -> None:
        if not emoji.unicode:
            log.debug("=> %s cannot react with custom emoji :%s:", target, emoji.name)
            return
        channel_id = int(copy.thread_id) if copy.thread_id else int(target.channel)
        mid = int(copy.platform_message_id)
        async with platform_errors():
            try:
                if add:
                    await self.client.http.add_reaction(channel_id, mid, emoji.unicode)
                else:
                    await self.client.http.remove_own_reaction(channel_id, mid, emoji.unicode)
            except discord.HTTPException as exc:
                if exc.code == NO_ROOM:  # 20 distinct emoji: kept until one leaves
                    raise WaitForRoom(f"{exc.status} {exc.text}") from exc
                raise


def _thread_id(thread: discord.abc.Snowflake | None) -> str | None:
    return str(thread.id) if thread is not None else None


def _utc(at: float) -> datetime:
    return datetime.fromtimestamp(at, UTC)


def _in_order(parts: Sequence[str], mine: Sequence[discord.Message]) -> list[str]:
    """The ids of messages showing ``parts`` one after another (a part may have gone out
    bot-sent, after the author's name; attachment links may follow the text)."""
    ids: list[str] = []
    for part in parts:
        probe = part.strip()[:200]
        match = next(
            (m for m in mine if str(m.id) not in ids and probe and probe in m.content), None
        )
        if match is None:
            break
        ids.append(str(match.id))
    return ids


def _uploads(files: Sequence[tuple[str, bytes]]) -> list[discord.File]:
    return [discord.File(io.BytesIO(data), filename=name) for name, data in files]


def _readable(rest: str) -> str:
    """The rest of a long message for message.txt: the markdown as a person would type it
    (the escapes that keep rendered text literal are dropped; a file shows no markup)."""
    return ESCAPED.sub(r"\1", rest)


def _escape_name(name: str) -> str:
    return discord.utils.escape_mentions(discord.utils.escape_markdown(name))


def _reply_header(message: OutgoingMessage) -> str:
    if message.reply is None:
        return ""
    name = _escape_name(message.reply.author_name)
    snippet = _escape_name(message.reply.snippet)
    return f"> ↪ **{name}**: {snippet}\n"


def _link_lines(message: OutgoingMessage) -> list[str]:
    """On an edit: the links of attachments too large to have been re-uploaded."""
    return [
        f"📎 {_escape_name(a.filename)}: <{a.url}>"
        for a in message.attachments
        if a.size > message.max_attachment_bytes
    ]
