"""Actions → Discord REST: webhooks (author name and avatar) with a bot-sent fallback, threads,
reactions. Every create and edit carries ``allowed_mentions`` that permits only mapped users."""

from __future__ import annotations

import contextlib
import io
import logging
from collections.abc import AsyncIterator, Sequence

import aiohttp
import discord

from adapters.discord.announce import edit_announcement, post_announcement
from adapters.discord.markdown import render_discord_parts
from adapters.discord.moderate import DiscordModeration
from adapters.files import FileFetcher, gather_attachments
from bridge.actions import OutgoingMessage, SendResult
from bridge.ids import ChannelRef, Platform
from bridge.ports import (
    Capabilities,
    DeliveryError,
    GroupStore,
    PartialDelivery,
    PermanentError,
    RateLimited,
    TransientError,
)
from bridge.records import MessageCopy
from bridge.text import Emoji

log = logging.getLogger(__name__)

WEBHOOK_NAME = "fanbridge"
BANNED = discord.Permissions(view_channel=True, send_messages=True)  # denied by a group ban
OWN_DELETES_KEPT = 5000
CAPABILITIES = Capabilities(
    max_message_length=2000,
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


@contextlib.asynccontextmanager
async def platform_errors() -> AsyncIterator[None]:
    """Map discord.py and network failures onto the outbox's retry policy."""
    try:
        yield
    except discord.RateLimited as exc:
        raise RateLimited(exc.retry_after) from exc
    except (discord.Forbidden, discord.NotFound) as exc:
        raise PermanentError(f"{exc.status} {exc.text}") from exc
    except discord.HTTPException as exc:
        if exc.status == 429:
            retry = float(getattr(exc.response, "headers", {}).get("Retry-After", 1))
            raise RateLimited(retry) from exc
        if exc.status >= 500:
            raise TransientError(f"{exc.status} {exc.text}") from exc
        raise PermanentError(f"{exc.status} {exc.text}") from exc
    except (aiohttp.ClientError, OSError, TimeoutError) as exc:
        raise TransientError(repr(exc)) from exc


class DiscordSender(DiscordModeration):
    platform = Platform.DISCORD
    capabilities = CAPABILITIES

    def __init__(
        self,
        client: discord.Client,
        store: GroupStore,
        *,
        webhooks: bool,
        fetcher: FileFetcher | None = None,
    ) -> None:
        self.client = client
        self.store = store
        self.use_webhooks = webhooks
        self.fetcher = fetcher
        self._webhooks: dict[str, discord.Webhook | None] = {}
        self.own_webhook_ids: set[int] = set()
        self.own_deletes: dict[str, None] = {}  # ids the bot deleted: their events are echoes

    async def load_webhooks(self, refs: Sequence[str | None]) -> None:
        for ref in refs:
            if ref and ":" in ref:
                self.own_webhook_ids.add(int(ref.split(":", 1)[0]))

    async def _channel(self, target: ChannelRef) -> discord.abc.Messageable:
        channel = self.client.get_channel(int(target.channel))
        if channel is None:
            channel = await self.client.fetch_channel(int(target.channel))
        if not isinstance(channel, discord.abc.Messageable):
            raise PermanentError(f"{target} is not a text channel")
        return channel

    async def _webhook(self, target: ChannelRef) -> discord.Webhook | None:
        """The channel's relay webhook, created on first use; None when the bot lacks Manage
        Webhooks (then the bot posts itself, with the author's name in the text)."""
        key = str(target)
        if key in self._webhooks:
            return self._webhooks[key]
        webhook = await self._find_webhook(target)
        self._webhooks[key] = webhook
        return webhook

    async def _find_webhook(self, target: ChannelRef) -> discord.Webhook | None:
        if not self.use_webhooks:
            return None
        link = await self.store.link_for_channel(target)
        if link is not None and link.webhook_ref and ":" in link.webhook_ref:
            webhook_id, token = link.webhook_ref.split(":", 1)
            self.own_webhook_ids.add(int(webhook_id))
            return discord.Webhook.partial(int(webhook_id), token, client=self.client)
        channel = await self._channel(target)
        if not isinstance(channel, discord.TextChannel):
            return None
        try:
            hooks = await channel.webhooks()
            mine = [h for h in hooks if h.name == WEBHOOK_NAME and h.token and self._ours(h)]
            webhook = mine[0] if mine else await channel.create_webhook(name=WEBHOOK_NAME)
        except discord.Forbidden:
            log.warning("no Manage Webhooks in %s: relaying as the bot", target)
            return None
        self.own_webhook_ids.add(webhook.id)
        await self.store.set_webhook_ref(target, f"{webhook.id}:{webhook.token}")
        return webhook

    def _ours(self, hook: discord.Webhook) -> bool:
        user = self.client.user
        return hook.user is None or user is None or hook.user.id == user.id

    # -- ChatAdapter -----------------------------------------------------------------------
    async def post(self, target: ChannelRef, message: OutgoingMessage) -> SendResult:
        if message.style == "announcement":
            return await post_announcement(self, target, message)
        ids: list[str] = []
        thread: discord.abc.Snowflake | None = None
        try:
            async with platform_errors():
                webhook = await self._webhook(target)
                thread = await self._thread(target, message)
                prefix = _reply_header(message)
                if webhook is None:
                    prefix = f"**{_escape_name(_shown_name(message))}**: " + prefix
                parts, users = render_discord_parts(
                    message.text, message.mention_map, prefix=prefix
                )
                files, links = await self._attachments(message)
                parts = _with_links(parts, links)
                for index, part in enumerate(parts):
                    last = index == len(parts) - 1
                    if index < message.first_part or not (part.strip() or (last and files)):
                        continue
                    upload = files if last else []
                    ids.append(
                        await self._send(target, webhook, thread, part, users, message, upload)
                    )
        except DeliveryError as exc:
            if ids:
                raise PartialDelivery(SendResult(tuple(ids), _thread_id(thread)), exc) from exc
            raise
        return SendResult(tuple(ids), _thread_id(thread))

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
        target: ChannelRef,
        webhook: discord.Webhook | None,
        thread: discord.abc.Snowflake | None,
        content: str,
        users: list[str],
        message: OutgoingMessage,
        files: list[tuple[str, bytes]] | None = None,
    ) -> str:
        uploads = [discord.File(io.BytesIO(data), filename=name) for name, data in files or []]
        if webhook is not None:
            sent = await webhook.send(
                content=content,
                files=uploads or discord.utils.MISSING,
                username=_shown_name(message) or "fan",
                avatar_url=message.author_avatar or discord.utils.MISSING,
                allowed_mentions=allowed(users),
                thread=thread or discord.utils.MISSING,
                wait=True,
            )
            return str(sent.id)
        channel = await self._channel(target)
        if thread is not None:
            channel = self.client.get_channel(thread.id) or await self.client.fetch_channel(
                thread.id
            )  # type: ignore[assignment]
        bot_sent = await channel.send(
            content, allowed_mentions=allowed(users), nonce=message.marker
        )
        return str(bot_sent.id)

    async def _thread(
        self, target: ChannelRef, message: OutgoingMessage
    ) -> discord.abc.Snowflake | None:
        """A Slack thread lands in a Discord thread started on the copy of its root."""
        root = message.thread_root
        if root is None or message.reply is not None:
            return None
        if root.thread_id:
            return discord.Object(int(root.thread_id))
        channel = await self._channel(target)
        if not isinstance(channel, discord.TextChannel):
            return None
        starter = channel.get_partial_message(int(root.platform_message_id))
        name = (message.text.plain() or "thread").replace("\n", " ")[:90]
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
        if message.style == "announcement":
            return await edit_announcement(self, target, copies, message)
        async with platform_errors():
            webhook = await self._webhook(target)
            prefix = _reply_header(message)
            if webhook is None:
                prefix = f"**{_escape_name(_shown_name(message))}**: " + prefix
            parts, users = render_discord_parts(message.text, message.mention_map, prefix=prefix)
            parts = _with_links(parts, _link_lines(message))
            thread_id = copies[0].thread_id
            thread = discord.Object(int(thread_id)) if thread_id else None
            ids = []
            for index, content in enumerate(parts):
                if index < len(copies):
                    await self._edit_one(target, webhook, thread, copies[index], content, users)
                    ids.append(copies[index].platform_message_id)
                else:
                    ids.append(await self._send(target, webhook, thread, content, users, message))
            for extra in copies[len(parts) :]:
                await self._delete_one(target, webhook, thread, extra)
        return SendResult(tuple(ids), thread_id)

    async def _edit_one(
        self,
        target: ChannelRef,
        webhook: discord.Webhook | None,
        thread: discord.abc.Snowflake | None,
        copy: MessageCopy,
        content: str,
        users: list[str],
    ) -> None:
        mid = int(copy.platform_message_id)
        if webhook is not None:
            await webhook.edit_message(
                mid,
                content=content,
                allowed_mentions=allowed(users),
                thread=thread or discord.utils.MISSING,
            )
            return
        channel = await self._channel(target)
        if thread is not None:
            channel = await self.client.fetch_channel(thread.id)  # type: ignore[assignment]
        partial = channel.get_partial_message(mid)  # type: ignore[attr-defined]
        await partial.edit(content=content, allowed_mentions=allowed(users))

    async def delete(self, target: ChannelRef, copies: Sequence[MessageCopy]) -> None:
        async with platform_errors():
            webhook = await self._webhook(target)
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
            await webhook.delete_message(mid, thread=thread or discord.utils.MISSING)
            return
        channel_id = thread.id if thread else int(target.channel)
        await self.client.http.delete_message(channel_id, mid)

    def _deleting(self, message_id: str) -> None:
        self.own_deletes[message_id] = None
        while len(self.own_deletes) > OWN_DELETES_KEPT:
            del self.own_deletes[next(iter(self.own_deletes))]

    def deleted_by_us(self, message_id: str) -> bool:
        """True (once) for a delete the bot made itself: not a moderator's delete."""
        return self.own_deletes.pop(message_id, 0) is None

    async def ban(self, target: ChannelRef, user: str, *, reason: str) -> None:
        """A channel-scoped group ban: a member overwrite denying view and send."""
        async with platform_errors():
            await self.client.http.edit_channel_permissions(
                int(target.channel), int(user), "0", str(BANNED.value), 1, reason=reason
            )

    async def unban(self, target: ChannelRef, user: str, *, reason: str) -> None:
        async with platform_errors():
            await self.client.http.delete_channel_permissions(
                int(target.channel), int(user), reason=reason
            )

    async def react(
        self, target: ChannelRef, copy: MessageCopy, emoji: Emoji, *, add: bool
    ) -> None:
        if not emoji.unicode:
            log.debug("=> %s cannot react with custom emoji :%s:", target, emoji.name)
            return
        channel_id = int(copy.thread_id) if copy.thread_id else int(target.channel)
        mid = int(copy.platform_message_id)
        async with platform_errors():
            if add:
                await self.client.http.add_reaction(channel_id, mid, emoji.unicode)
            else:
                await self.client.http.remove_own_reaction(channel_id, mid, emoji.unicode)


def _thread_id(thread: discord.abc.Snowflake | None) -> str | None:
    return str(thread.id) if thread is not None else None


def _shown_name(message: OutgoingMessage) -> str:
    """The author's name with their badge (``Name ✔ artist``), within the webhook's 80
    characters: a long name is cut, never the badge."""
    if not message.badge:
        return message.author_name[:80]
    badge = f" {message.badge}"[:80]
    return message.author_name[: 80 - len(badge)] + badge


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


def _with_links(parts: list[str], lines: list[str]) -> list[str]:
    links = "\n".join(lines)
    if not links:
        return parts
    if len(parts[-1]) + len(links) + 1 <= CAPABILITIES.max_message_length:
        return [*parts[:-1], f"{parts[-1]}\n{links}".strip()]
    return [*parts, links]
