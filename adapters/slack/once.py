"""Slack posts made at most once per outbox item (cards, notices, digests): each carries its
item's marker in the message's metadata, and a redelivery (the worker was killed between the
post and its record, or the answer was lost) first reads the channel since the item was queued
for the bot's message with that marker, and answers with it instead of posting again.

The event type is not the relay's (``fanbridge_relay``), so the relay's echo markers and its
search for unrecorded copies never see these. Callers run inside ``acting_for`` (the
workspace's token) and ``platform_errors`` (Slack's refusals mapped onto the outbox's retry
policy)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bridge.ids import ChannelRef
from bridge.once import PostOnce

log = logging.getLogger(__name__)

EVENT_TYPE = "fanbridge_post"
SLACK_SKEW = 5.0  # seconds before the item was queued that are read too (clocks differ)
PAGE = 200
PAGES = 5  # a thousand messages since the item was queued: a redelivery comes soon after


def post_metadata(marker: str) -> dict[str, Any]:
    return {"event_type": EVENT_TYPE, "event_payload": {"marker": marker}}


def post_marker(message: Mapping[str, Any]) -> str | None:
    """The marker of a bot's post made through here; None for anything else."""
    metadata = message.get("metadata") or {}
    if not message.get("bot_id") or metadata.get("event_type") != EVENT_TYPE:
        return None
    marker = (metadata.get("event_payload") or {}).get("marker")
    return str(marker) if marker else None


async def post_once(
    client: AsyncWebClient, channel: ChannelRef, once: PostOnce | None, **args: Any
) -> str:
    """chat.postMessage with ``args``, marked with ``once``'s marker; on a redelivery, the ts of
    the post an earlier delivery made, if it did, instead of a second one."""
    thread_ts = args.get("thread_ts")
    if once is not None and once.retry:
        found = await find_posted(client, channel, once, thread_ts=thread_ts)
        if found is not None:
            log.info("=> %s %s was already posted as %s", channel, once.marker, found)
            return found
    if once is not None:
        args["metadata"] = post_metadata(once.marker)
    sent = await client.chat_postMessage(channel=channel.channel, **args)
    return str(sent["ts"])


async def find_posted(
    client: AsyncWebClient, channel: ChannelRef, once: PostOnce, *, thread_ts: str | None = None
) -> str | None:
    """The ts of the bot's message marked ``once.marker`` since the item was queued (in the
    thread of ``thread_ts`` when given), or None."""
    args: dict[str, Any] = {
        "channel": channel.channel,
        "oldest": f"{once.since - SLACK_SKEW:.6f}",
        "include_all_metadata": True,
        "limit": PAGE,
    }
    for _ in range(PAGES):
        if thread_ts:
            response = await client.conversations_replies(ts=thread_ts, **args)
        else:
            response = await client.conversations_history(**args)
        for message in response.get("messages") or []:
            if post_marker(message) == once.marker:
                return str(message["ts"])
        cursor = (response.get("response_metadata") or {}).get("next_cursor")
        if not response.get("has_more") or not cursor:
            return None
        args["cursor"] = cursor
    return None
