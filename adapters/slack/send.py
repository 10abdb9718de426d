"""Actions → Slack Web API: chat.postMessage with the author's name and icon, threads via
``thread_ts``, edits, deletes (the bot's own copies) and reactions. Text is escaped and sent
without ``link_names``, so nothing relayed can notify @channel/@here/@everyone.

Nothing Slack refuses is dropped silently: a copy it refuses as sent goes out plain (the bot's
own name, the author's in the text), a message longer than ``max_parts`` parts sends the rest
as message.txt, and a reaction beyond a message's limit waits for room (bridge.pipeline.outbox).

This is the message part of the chat adapter; adapters/slack/adapter.py composes it with the
moderation and announcement parts."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.files import FileFetcher, gather_attachments
from adapters.slack.author import authored_args, name_text
from adapters.slack.convert import marker_of
from adapters.slack.emoji import slack_name_for
from adapters.slack.errors import platform_errors
from adapters.slack.mrkdwn import FRIENDLY_LIMIT, render_slack
from adapters.split import split_capped
from bridge.actions import OutgoingMessage, SendResult
from bridge.ids import ChannelRef, MessageCopy, Platform
from bridge.metrics import Metrics, NullMetrics
from bridge.ports import Capabilities, DeliveryError, PartialDelivery
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
MAX_PARTS = 4  # [relay] max_parts
OVERFLOW_FILE = "message.txt"
NOTE = f"\n… (continued in {OVERFLOW_FILE})"
# Slack's "400": the copy as sent was refused (HTTP 200, ok:false); a plain copy can pass
REFUSED = {
    "invalid_arguments",
    "invalid_metadata_format",
    "invalid_metadata_schema",
    "metadata_too_large",
}


@dataclass(frozen=True, slots=True)
class Rendered:
    """A message as Slack shows it: at most ``max_parts`` parts, and the text beyond them
    (``rest``: uploaded as message.txt after the last part)."""

    parts: list[str]
    rest: str = ""

    def overflow(self) -> list[tuple[str, bytes]]:
        return [(OVERFLOW_FILE, _readable(self.rest).encode())] if self.rest else []


class SlackSender:
    """Copies of messages: post (under the author's name, or plain), edit, delete, react, and
    the search for a copy an earlier attempt made unrecorded."""

    platform = Platform.SLACK
    capabilities = CAPABILITIES

    def __init__(
        self,
        client: AsyncWebClient,
        fetcher: FileFetcher | None = None,
        *,
        max_parts: int = MAX_PARTS,
        metrics: Metrics | None = None,
    ) -> None:
        self.client = client
        self.fetcher = fetcher
        self.max_parts = max_parts  # one message is never more Slack messages than this
        self.metrics: Metrics = metrics or NullMetrics()  # counts copies that went out plain
        self.own_deletes: dict[str, None] = {}  # ts the bot deleted: their events are echoes

    async def post(self, target: ChannelRef, message: OutgoingMessage) -> SendResult:
        thread_ts = _thread_ts(message)
        files, links = await self._attachments(message)
        rendered = self._render(message, links)
        overflow = rendered.overflow()
        files = [*files[: 10 - len(overflow)], *overflow]
        ids: list[str] = []
        plain = False
        try:
            async with platform_errors():
                for index, part in enumerate(rendered.parts):
                    if index < message.first_part or (not part.strip() and (files or ids)):
                        continue
                    ts, plain = await self._post_part(target, message, part, thread_ts, plain)
                    ids.append(ts)
                if message.first_part == 0 or ids:
                    await self._upload(target, files, thread_ts)
        except DeliveryError as exc:
            if ids:
                raise PartialDelivery(SendResult(tuple(ids), thread_ts), exc) from exc
            raise
        return SendResult(tuple(ids), thread_ts)

    async def find_sent(
        self, target: ChannelRef, message: OutgoingMessage, *, since: float, markers: Sequence[str]
    ) -> SendResult:
        """The copy an earlier attempt posted unrecorded: the parts carrying one of the
        attempts' markers in their metadata, since the first attempt began."""
        thread_ts = _thread_ts(message)
        args: dict[str, Any] = {
            "channel": target.channel,
            "oldest": f"{since - 5:.6f}",
            "include_all_metadata": True,
            "limit": 200,
        }
        async with platform_errors():
            if thread_ts:
                response = await self.client.conversations_replies(ts=thread_ts, **args)
            else:
                response = await self.client.conversations_history(**args)
        wanted = set(markers)
        found = sorted(
            (str(m["ts"]) for m in response.get("messages") or [] if marker_of(m) in wanted),
            key=float,
        )
        return SendResult(tuple(found), thread_ts)

    def _render(self, message: OutgoingMessage, links: Sequence[str]) -> Rendered:
        """At most ``max_parts`` parts; the rest of a longer message becomes a file."""
        text = render_slack(message.text, message.mention_map)
        if links:
            text = (f"{text}\n" + "\n".join(links)).strip()
        split = split_capped(text, FRIENDLY_LIMIT, max_parts=self.max_parts, reserve=len(NOTE))
        if not split.rest:
            return Rendered(split.parts)
        return Rendered([*split.parts[:-1], split.parts[-1] + NOTE], split.rest)

    async def _post_part(
        self,
        target: ChannelRef,
        message: OutgoingMessage,
        part: str,
        thread_ts: str | None,
        plain: bool,
    ) -> tuple[str, bool]:
        """One part under the author's name; a copy Slack refuses as sent is never dropped:
        it goes out plain (the bot's name, the author's in the text), and so do the parts
        after it. Returns the part's ts and whether the copy is now plain."""
        if not plain:
            args = authored_args(target, message, part or " ", thread_ts)
            try:
                return str((await self.client.chat_postMessage(**args))["ts"]), False
            except SlackApiError as exc:
                error = str(exc.response.get("error", ""))
                if error not in REFUSED:
                    raise
                log.warning("=> %s refused a copy (%s): sent plain instead", target, error)
                self.metrics.fallback_copy(self.platform.value, error)
            part = f"*{name_text(message)}*: {part}"
        args = self._plain_args(target, part or " ", thread_ts)
        return str((await self.client.chat_postMessage(**args))["ts"]), True

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

    @staticmethod
    def _plain_args(target: ChannelRef, text: str, thread_ts: str | None) -> dict[str, Any]:
        """A copy as the bot itself: none of the extras a refusal could be about (name, icon,
        metadata; the bot's own messages are echoes by their bot id anyway)."""
        args: dict[str, Any] = {"channel": target.channel, "text": text, "unfurl_links": False}
        if thread_ts:
            args["thread_ts"] = thread_ts
        return args

    async def edit(
        self, target: ChannelRef, copies: Sequence[MessageCopy], message: OutgoingMessage
    ) -> SendResult:
        big = [a for a in message.attachments if a.size > message.max_attachment_bytes]
        links = [f"📎 <{a.url}|{_label(a.filename)}>" for a in big]
        rendered = self._render(message, links)
        thread_ts = copies[0].thread_id
        ids: list[str] = []
        plain = False
        async with platform_errors():
            for index, part in enumerate(rendered.parts):
                if index < len(copies):
                    ts = copies[index].platform_message_id
                    await self.client.chat_update(channel=target.channel, ts=ts, text=part)
                    ids.append(ts)
                else:
                    ts, plain = await self._post_part(target, message, part, thread_ts, plain)
                    ids.append(ts)
            for extra in copies[len(rendered.parts) :]:
                self._deleting(extra.platform_message_id)
                await self.client.chat_delete(channel=target.channel, ts=extra.platform_message_id)
            # a shared file cannot be changed: the edited rest is uploaded afresh
            await self._upload(target, rendered.overflow(), thread_ts)
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


def _readable(rest: str) -> str:
    """The rest of a long message for message.txt: Slack's three entities read as typed."""
    return rest.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _label(name: str) -> str:
    return name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "¦")
