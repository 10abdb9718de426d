"""Reports on Slack: the message shortcut "report" and its reason modal (views.open, then a
view_submission), the report cards in the moderator channel (Block Kit, buttons with action_id
``fbrep_<action>``), and the buttons' clicks."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.errors import platform_errors
from adapters.slack.tab import esc, plain
from adapters.slack.tokens import acting_for
from adapters.slack.users import UserCache
from bridge.events import CoreEvent, ReportActed, ReportFiled
from bridge.groups.commands import row_id
from bridge.groups.replies import platform_name
from bridge.ids import ChannelRef, Platform, UserRef
from bridge.outcome import Outcome, Reply
from bridge.reports.model import ACTION_LABELS, ReportCard

log = logging.getLogger(__name__)

Dispatch = Callable[[CoreEvent], Awaitable[Outcome]]
Block = dict[str, Any]
SHORTCUT = "report"
MODAL = "fbrep_report"
ACTION = re.compile(r"^fbrep_(delete|timeout|ban|dismiss)$")
QUOTE_MAX, REASON_MAX, HEADER_MAX = 2500, 1000, 150
DANGER = ("delete", "ban")
ANONYMOUS = "Reported by a member (moderators can see who in `/fangroup modlog`)"


def _team(body: dict[str, Any]) -> str:
    return str((body.get("team") or {}).get("id") or body.get("team_id") or "")


def _user(body: dict[str, Any]) -> str:
    return str((body.get("user") or {}).get("id") or "")


def reason_modal(metadata: dict[str, str]) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": MODAL,
        "private_metadata": json.dumps(metadata),
        "title": {"type": "plain_text", "text": "Report to moderators"},
        "submit": {"type": "plain_text", "text": "Report"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "input",
                "block_id": "reason",
                "label": {"type": "plain_text", "text": "Why should moderators look at it?"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": "reason",
                    "multiline": True,
                    "max_length": 500,
                },
            }
        ],
    }


class SlackReports:
    """The shortcut, the modal's submission and the cards' buttons."""

    def __init__(self, dispatch: Dispatch, client: AsyncWebClient, users: UserCache) -> None:
        self.dispatch = dispatch
        self.client = client
        self.users = users

    def register(self, app: AsyncApp) -> None:
        app.shortcut(SHORTCUT)(self.on_shortcut)
        app.view(MODAL)(self.on_submit)
        app.action(ACTION)(self.on_action)

    async def on_shortcut(self, ack: Any, body: dict[str, Any]) -> None:
        await ack()
        metadata = {
            "team": _team(body),
            "channel": str((body.get("channel") or {}).get("id") or ""),
            "ts": str(body.get("message_ts") or ""),
        }
        await self.client.views_open(trigger_id=body["trigger_id"], view=reason_modal(metadata))

    async def on_submit(self, ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        await ack()
        where = json.loads(view.get("private_metadata") or "{}")
        values = (view.get("state") or {}).get("values") or {}
        reason = str(((values.get("reason") or {}).get("reason") or {}).get("value") or "")
        team, user = str(where.get("team") or _team(body)), _user(body)
        event = ReportFiled(
            key=f"view:{view.get('id')}",
            channel=ChannelRef(Platform.SLACK, team, str(where.get("channel", ""))),
            message_id=str(where.get("ts", "")),
            reporter=UserRef(Platform.SLACK, team, user),
            reason=reason,
        )
        outcome = await self.dispatch(event)
        text = outcome.text if isinstance(outcome, Reply) else "Done."
        await self.client.chat_postEphemeral(channel=event.channel.channel, user=user, text=text)

    async def on_action(
        self, ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any
    ) -> None:
        await ack()
        found = ACTION.match(str(action.get("action_id", "")))
        value = str(action.get("value") or "")
        channel = str((body.get("channel") or {}).get("id") or "")
        report_id = row_id(value)
        if found is None or report_id is None:
            return
        team, user = _team(body), _user(body)
        profile = await self.users.get(user)
        event = ReportActed(
            key=f"action:{body.get('trigger_id') or action.get('action_ts')}",
            channel=ChannelRef(Platform.SLACK, team, channel),
            report_id=report_id,
            action=found.group(1),
            actor=UserRef(Platform.SLACK, team, user),
            actor_name=profile.name,
            platform_moderator=profile.is_admin,
        )
        outcome = await self.dispatch(event)
        text = outcome.text if isinstance(outcome, Reply) else "Done."
        await respond(text=text, response_type="ephemeral", replace_original=False)


# -- the cards -----------------------------------------------------------------------------------
def card_blocks(card: ReportCard, link: str | None) -> list[Block]:
    title = plain(f"🚩 Report #{card.report_id} in {card.group_name}")[:HEADER_MAX]
    quoted = "\n".join(f"> {line}" for line in esc(card.text[:QUOTE_MAX]).splitlines())
    about = [
        f"*Author:* {esc(card.author_name)} (on {platform_name(card.author_platform)})",
        f"*Reason:* {esc(card.reason[:REASON_MAX]) or '(no reason given)'}",
        f"<{link}|Open the message>" if link else "_(the message is not on Slack)_",
    ]
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": title}},
        {"type": "section", "text": {"type": "mrkdwn", "text": quoted or "> (no text)"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(about)}},
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": ANONYMOUS}],
        },
    ]
    if card.outcome:
        text = f"*Outcome:* {esc(card.outcome)}"
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
    if card.actions:
        blocks.append({"type": "actions", "block_id": "fbrep", "elements": _buttons(card)})
    return blocks


def _buttons(card: ReportCard) -> list[Block]:
    buttons = []
    for action in card.actions:
        button: Block = {
            "type": "button",
            "action_id": f"fbrep_{action}",
            "text": {"type": "plain_text", "text": ACTION_LABELS[action]},
            "value": str(card.report_id),
        }
        if action in DANGER:
            button["style"] = "danger"
        buttons.append(button)
    return buttons


def fallback_text(card: ReportCard) -> str:
    head = f"Report #{card.report_id}: a message by {card.author_name}"
    return esc(f"{head} — {card.outcome}" if card.outcome else head)


class SlackCards:
    """Posts and updates report cards in Slack moderator channels, for the outbox: failures
    are mapped onto its retry policy (platform_errors)."""

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    async def _link(self, card: ReportCard, channel: ChannelRef) -> str | None:
        for copy, ts in card.copies:
            if copy.platform is Platform.SLACK and copy.workspace == channel.workspace:
                try:
                    found = await self.client.chat_getPermalink(channel=copy.channel, message_ts=ts)
                except SlackApiError as exc:
                    log.debug("slack: no permalink for %s: %s", ts, exc)
                    return None
                return str(found.get("permalink") or "") or None
        return None

    async def post_card(self, channel: ChannelRef, card: ReportCard) -> str:
        with acting_for(channel.workspace):
            return await self._post_card(channel, card)

    async def _post_card(self, channel: ChannelRef, card: ReportCard) -> str:
        blocks = card_blocks(card, await self._link(card, channel))
        async with platform_errors():
            sent = await self.client.chat_postMessage(
                channel=channel.channel, text=fallback_text(card), blocks=blocks
            )
        return str(sent["ts"])

    async def update_card(self, channel: ChannelRef, card_id: str, card: ReportCard) -> None:
        with acting_for(channel.workspace):
            await self._update_card(channel, card_id, card)

    async def _update_card(self, channel: ChannelRef, card_id: str, card: ReportCard) -> None:
        blocks = card_blocks(card, await self._link(card, channel))
        async with platform_errors():
            await self.client.chat_update(
                channel=channel.channel, ts=card_id, text=fallback_text(card), blocks=blocks
            )
