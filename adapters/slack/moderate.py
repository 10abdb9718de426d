"""Slack's part of bans, kicks and the moderation suggestion cards: the moderation part of the
chat adapter (composed in adapters/slack/adapter.py) and the card's buttons (action_id
``fbmod_apply`` / ``fbmod_dismiss``). Slack has no timeouts and no workspace bans for bots:
those effects are never planned here."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.errors import platform_errors
from adapters.slack.users import UserCache, user_exists
from bridge.events import CoreEvent, ModCardClicked
from bridge.groups.commands import row_id
from bridge.ids import ChannelRef, Platform, UserRef
from bridge.outcome import Handled, Outcome, Reply

Dispatch = Callable[[CoreEvent], Awaitable[Outcome]]
PREFIX = "fbmod_"


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:2900]}}


def card_blocks(text: str, card: int) -> list[dict[str, Any]]:
    def button(label: str, choice: str, style: str | None) -> dict[str, Any]:
        found: dict[str, Any] = {
            "type": "button",
            "text": {"type": "plain_text", "text": label},
            "action_id": f"{PREFIX}{choice}",
            "value": str(card),
        }
        return found | ({"style": style} if style else {})

    actions = [button("Apply", "apply", "danger"), button("Dismiss", "dismiss", None)]
    return [_section(text), {"type": "actions", "elements": actions}]


class SlackModeration:
    """What the outbox's moderation effects do on Slack."""

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

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

    async def kick(self, target: ChannelRef, user: str, *, scope: str, reason: str) -> None:
        """A kick from the linked channel (conversations.kick); the person may rejoin."""
        await self.ban(target, user, reason=reason)

    async def post_card(self, target: ChannelRef, text: str, *, card: int) -> None:
        async with platform_errors():
            await self.client.chat_postMessage(
                channel=target.channel, text=text, blocks=card_blocks(text, card)
            )

    async def user_exists(self, user: UserRef) -> bool | None:
        return await user_exists(self.client, user.user)


class ModCardActions:
    def __init__(self, dispatch: Dispatch, client: AsyncWebClient, users: UserCache) -> None:
        self.dispatch = dispatch
        self.client = client
        self.users = users

    async def on_action(
        self, ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any
    ) -> None:
        await ack()
        card = str(action.get("value") or "")
        channel = str((body.get("channel") or {}).get("id") or "")
        ts = str(
            (body.get("message") or {}).get("ts")
            or (body.get("container") or {}).get("message_ts")
            or ""
        )
        card_id = row_id(card)
        if card_id is None or not channel:
            return
        team = str((body.get("team") or {}).get("id") or body.get("team_id") or "")
        user = str((body.get("user") or {}).get("id") or "")
        event = ModCardClicked(
            key=f"action:{body.get('trigger_id') or action.get('action_ts')}",
            channel=ChannelRef(Platform.SLACK, team, channel),
            user=UserRef(Platform.SLACK, team, user),
            card=card_id,
            choice=str(action.get("action_id", "")).removeprefix(PREFIX),
            platform_moderator=(await self.users.get(user)).is_admin,
        )
        outcome = await self.dispatch(event)
        if isinstance(outcome, Handled) and ts:
            await self.client.chat_update(
                channel=channel, ts=ts, text=outcome.detail, blocks=[_section(outcome.detail)]
            )
        elif isinstance(outcome, Reply):
            await respond(replace_original=False, response_type="ephemeral", text=outcome.text)
