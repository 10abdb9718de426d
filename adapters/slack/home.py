"""The Slack App Home: the music tab (recent, first page) of every Fan Group linked to a channel
of the person's workspace, published when they open the app's Home tab."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import convert
from adapters.slack.tab import Block, Dispatch, tab_blocks
from bridge.events import HomeOpened
from bridge.ids import Platform, UserRef
from bridge.outcome import HomeTabs

log = logging.getLogger(__name__)

MAX_BLOCKS = 100  # a Home tab view holds at most 100 blocks
NO_GROUPS = (
    "No Fan Group is linked to a channel of this workspace yet. "
    "Start one in a channel with `/fangroup create &lt;name&gt;`."
)
HINT = "Page through a group's tab with `/fangroup music [recent|top|reacted] [page]` there."


def home_view(home: HomeTabs) -> dict[str, Any]:
    blocks: list[Block] = [_text("section", "Your Fan Groups' music: what fans shared lately.")]
    if not home.tabs:
        blocks.append(_text("section", NO_GROUPS))
    shown = 0
    for tab in home.tabs:
        group = [{"type": "divider"}, *tab_blocks(tab, buttons=False)]
        if len(blocks) + len(group) > MAX_BLOCKS - 2:
            break
        blocks += group
        shown += 1
    if shown < len(home.tabs):
        blocks.append(_text("context", f"… and {len(home.tabs) - shown} more groups."))
    if home.tabs:
        blocks.append(_text("context", HINT))
    return {"type": "home", "blocks": blocks}


def _text(kind: str, mrkdwn: str) -> Block:
    text = {"type": "mrkdwn", "text": mrkdwn}
    if kind == "context":
        return {"type": "context", "elements": [text]}
    return {"type": kind, "text": text}


class HomeTab:
    """``app_home_opened`` → the core (HomeOpened) → ``views.publish``."""

    def __init__(self, dispatch: Dispatch, client: AsyncWebClient) -> None:
        self.dispatch = dispatch
        self.client = client

    async def on_opened(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home" or not event.get("user"):
            return
        user_id = str(event["user"])
        team = convert.team_of(body, event)
        key = f"home:{body['event_id']}" if body.get("event_id") else ""
        outcome = await self.dispatch(HomeOpened(key, UserRef(Platform.SLACK, team, user_id)))
        if isinstance(outcome, HomeTabs):
            await self.client.views_publish(user_id=user_id, view=home_view(outcome))
        else:
            log.debug("slack: no home for %s: %s", user_id, outcome)
