"""Actions → Slack Web API: chat.postMessage with the author's name and icon, threads via
``thread_ts``, edits, deletes (the bot's own copies) and reactions. Text is escaped and sent
without ``link_names``, so nothing relayed can notify @channel/@here/@everyone."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.files import FileFetcher, gather_attachments
from adapters.slack.announce import edit_announcement, post_announcement
from adapters.slack.convert import MARKER_EVENT_TYPE
from adapters.slack.emoji import slack_name_for
from adapters.slack.moderate import SlackModeration
from adapters.slack.mrkdwn import render_slack_parts
from bridge.actions import OutgoingMessage, SendResult
from bridge.ids import ChannelRef, Platform
from bridge.ports import (
    Capabilities,
    DeliveryError,
    PartialDelivery,
    PermanentError,
    RateLimited,
    TransientError,
)
from bridge.records import MessageCopy
from bridge.text import Emoji

log = logging.getLogger(__name__)

CAPABILITIES = Capabilities(
    max_message_length=4000,
    custom_author=True,
    threads=True,
    replies=False,
    edit_others=False,
    spoilers=False,
)
OWN_DELETES_KEPT = 5000
HARMLESS = {"already_reacted", "no_reaction", "message_not_found"}
TRANSIENT = {"internal_error", "fatal_error", "service_unavailable", "request_timeout"}


@contextlib.asynccontextmanager
async def platform_errors() -> AsyncIterator[None]:
    try:
        yield
    except SlackApiError as exc:
        _raise_for(exc)
    except (aiohttp.ClientError, OSError, TimeoutError) as exc:
        raise TransientError(repr(exc)) from exc


def _raise_for(exc: SlackApiError) -> None:
    response = exc.response
    error = str(response.get("error", "")) if response is not None else ""
    status = response.status_code if response is not None else 0
    if status == 429 or error == "ratelimited":
        headers = response.headers if response is not None else {}
        retry = float(headers.get("Retry-After", headers.get("retry-after", 1)) or 1)
        raise RateLimited(retry) from exc
    if error in HARMLESS:
        return
    if status >= 500 or error in TRANSIENT:
        raise TransientError(f"{status} {error}") from exc
    raise PermanentError(f"{status} {error}") from exc


class SlackSender(SlackModeration):
    platform = Platform.SLACK
    capabilities = CAPABILITIES

    def __init__(self, client: AsyncWebClient, fetcher: FileFetcher | None = None) -> None:
        self.client = client
        self.fetcher = fetcher
        self.own_deletes: dict[str, None] = {}  # ts the bot deleted: their events are echoes

    async def post(self, target: ChannelRef, message: OutgoingMessage) -> SendResult:
        if message.style == "announcement":
            return await post_announcement(self, target, message)
        thread_ts = _thread_ts(message)
        files, links = await self._attachments(message)
        parts = _with_links(render_slack_parts(message.text, message.mention_map), links)
        ids: list[str] = []
        try:
            async with platform_errors():
                for index, part in enumerate(parts):
                    if index < message.first_part or (not part.strip() and (files or ids)):
                        continue
                    args = self._args(target, message, part or " ", thread_ts)
                    ids.append(str((await self.client.chat_postMessage(**args))["ts"]))
                if message.first_part == 0 or ids:
                    await self._upload(target, files, thread_ts)
        except DeliveryError as exc:
            if ids:
                raise PartialDelivery(SendResult(tuple(ids), thread_ts), exc) from exc
            raise
        return SendResult(tuple(ids), thread_ts)

    async def _upload(
        self, target: ChannelRef, files: list[tuple[str, bytes]], thread_ts: str | None
    ) -> None:
        for filename, data in files:
            await self.client.files_upload_v2(
                channel=target.channel,
                file=data,
                filename=filename,
                title=filename,
                thread_ts=thread_ts,
            )

    async def _attachments(
        self, message: OutgoingMessage
    ) -> tuple[list[tuple[str, bytes]], list[str]]:
        """Files small enough to re-upload, and links for the rest."""
        files, links = await gather_attachments(
            self.fetcher, message, lambda a: f"📎 <{a.url}|{_label(a.filename)}>"
        )
        return files[:10], links

    def _args(
        self, target: ChannelRef, message: OutgoingMessage, text: str, thread_ts: str | None
    ) -> dict[str, Any]:
        badge = f" · {message.badge}" if message.badge else ""
        name = message.author_name[: 80 - len(badge)] + badge  # the badge is never cut off
        args: dict[str, Any] = {
            "channel": target.channel,
            "text": text,
            "username": name or "fan",
            "unfurl_links": False,
            "metadata": {
                "event_type": MARKER_EVENT_TYPE,
                "event_payload": {"marker": message.marker},
            },
        }
        if message.author_avatar:
            args["icon_url"] = message.author_avatar
        if thread_ts:
            args["thread_ts"] = thread_ts
        return args

    async def edit(
        self, target: ChannelRef, copies: Sequence[MessageCopy], message: OutgoingMessage
    ) -> SendResult:
        if message.style == "announcement":
            return await edit_announcement(self, target, copies, message)
        big = [a for a in message.attachments if a.size > message.max_attachment_bytes]
        links = [f"📎 <{a.url}|{_label(a.filename)}>" for a in big]
        parts = _with_links(render_slack_parts(message.text, message.mention_map), links)
        thread_ts = copies[0].thread_id
        ids: list[str] = []
        async with platform_errors():
            for index, part in enumerate(parts):
                if index < len(copies):
                    ts = copies[index].platform_message_id
                    await self.client.chat_update(channel=target.channel, ts=ts, text=part)
                    ids.append(ts)
                else:
                    args = self._args(target, message, part, thread_ts)
                    ids.append(str((await self.client.chat_postMessage(**args))["ts"]))
            for extra in copies[len(parts) :]:
                self._deleting(extra.platform_message_id)
                await self.client.chat_delete(channel=target.channel, ts=extra.platform_message_id)
        return SendResult(tuple(ids), thread_ts)

    async def delete(self, target: ChannelRef, copies: Sequence[MessageCopy]) -> None:
        async with platform_errors():
            for copy in copies:
                self._deleting(copy.platform_message_id)
                try:
                    await self.client.chat_delete(
                        channel=target.channel, ts=copy.platform_message_id
                    )
                except SlackApiError as exc:
                    if exc.response.get("error") != "message_not_found":
                        raise

    def _deleting(self, ts: str) -> None:
        self.own_deletes[ts] = None
        while len(self.own_deletes) > OWN_DELETES_KEPT:
            del self.own_deletes[next(iter(self.own_deletes))]

    def deleted_by_us(self, ts: str) -> bool:
        """True (once) for a delete the bot made itself: not an admin's delete."""
        return self.own_deletes.pop(ts, 0) is None

    async def ban(self, target: ChannelRef, user: str, *, reason: str) -> None:
        """A bot cannot ban from a workspace: a group ban kicks from the linked channel."""
        async with platform_errors():
            try:
                await self.client.conversations_kick(channel=target.channel, user=user)
            except SlackApiError as exc:
                if exc.response.get("error") != "not_in_channel":
                    raise

    async def unban(self, target: ChannelRef, user: str, *, reason: str) -> None:
        """Nothing to undo: Slack cannot un-kick; the person may rejoin the channel."""

    async def react(
        self, target: ChannelRef, copy: MessageCopy, emoji: Emoji, *, add: bool
    ) -> None:
        name = slack_name_for(emoji)
        method = self.client.reactions_add if add else self.client.reactions_remove
        async with platform_errors():
            await method(channel=target.channel, timestamp=copy.platform_message_id, name=name)


def _thread_ts(message: OutgoingMessage) -> str | None:
    """Slack threads hang off the root message: a reply to a thread reply joins that thread."""
    root = message.thread_root
    if root is None:
        return None
    return root.thread_id or root.platform_message_id


def _with_links(parts: list[str], lines: list[str]) -> list[str]:
    links = "\n".join(lines)
    if not links:
        return parts
    return [*parts[:-1], f"{parts[-1]}\n{links}".strip()]


def _label(name: str) -> str:
    return name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "¦")
