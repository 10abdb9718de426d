"""The Slack emulator's Web API with the real slack_sdk: auth, errors, rate limits, mentions that
notify, threads, reactions, files, and interactivity (buttons, shortcuts, modals) with bolt."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.socket_mode.async_client import AsyncBaseSocketModeClient
from slack_sdk.web.async_client import AsyncWebClient

from emulators.server import ThreadedEmulator

TIMEOUT = 5.0


@dataclass
class Slack:
    url: str
    world: dict[str, Any]
    http: aiohttp.ClientSession
    client: AsyncWebClient

    def channel(self, name: str) -> str:
        chans = self.world["workspaces"][0]["channels"]
        return str(next(c["id"] for c in chans if c["name"] == name))

    def user(self, name: str) -> str:
        users = self.world["workspaces"][0]["users"]
        return str(next(u["id"] for u in users if u["name"] == name))

    async def control(self, path: str, body: dict[str, Any] | None = None) -> Any:
        method = "POST" if body is not None else "GET"
        async with self.http.request(method, f"{self.url}/_emu/slack/{path}", json=body) as resp:
            assert resp.status == 200, await resp.text()
            return await resp.json()

    async def say(self, user: str, text: str, channel: str = "general", **extra: Any) -> str:
        body = {"channel": channel, "user": user, "text": text, **extra}
        return str((await self.control("messages", body))["ts"])

    async def view(self, channel: str = "general") -> list[dict[str, Any]]:
        return list(await self.control(f"channels/{self.channel(channel)}/messages"))


@pytest.fixture
async def slack(emulator: ThreadedEmulator) -> AsyncIterator[Slack]:
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{emulator.url}/_emu/reset") as resp:
            assert resp.status == 200
        async with http.get(f"{emulator.url}/_emu/world") as resp:
            world = (await resp.json())["slack"]
        client = AsyncWebClient(token=world["bot_token"], base_url=f"{emulator.url}/slack/api/")
        yield Slack(emulator.url, world, http, client)
        async with http.get(f"{emulator.url}/_emu/requests?platform=slack") as resp:
            violations = [(r["path"], r["violations"]) for r in await resp.json()]
        assert [v for v in violations if v[1]] == []  # every call matched the official spec


async def api_error(call: Any) -> str:
    with pytest.raises(SlackApiError) as info:
        await call
    return str(info.value.response["error"])


async def test_tokens_are_checked(slack: Slack) -> None:
    base = f"{slack.url}/slack/api/"
    assert await api_error(AsyncWebClient(token="xoxb-nope", base_url=base).auth_test()) == (
        "invalid_auth"
    )
    assert await api_error(AsyncWebClient(base_url=base).auth_test()) == "not_authed"
    app_client = AsyncWebClient(token=slack.world["app_token"], base_url=base)
    assert await api_error(app_client.auth_test()) == "not_allowed_token_type"
    auth = await slack.client.auth_test()
    assert (auth["user_id"], auth["bot_id"]) == (slack.world["bot_user_id"], auth["bot_id"])
    posted = await slack.client.chat_postMessage(channel=slack.channel("general"), text="hi")
    assert posted["message"]["user"] == auth["user_id"]
    assert posted["message"]["bot_id"] == auth["bot_id"]


async def test_bot_can_delete_only_its_own_messages(slack: Slack) -> None:
    general = slack.channel("general")
    human = await slack.say("frank", "my message")
    assert await api_error(slack.client.chat_delete(channel=general, ts=human)) == (
        "cant_delete_message"
    )
    own = await slack.client.chat_postMessage(channel=general, text="bot says")
    await slack.client.chat_delete(channel=general, ts=own["ts"])
    assert [m["text"] for m in await slack.view()] == ["my message"]
    deleted = (await slack.control("events?last=1"))[0]["event"]
    assert deleted["subtype"] == "message_deleted" and deleted["deleted_ts"] == own["ts"]
    assert deleted["previous_message"]["text"] == "bot says"


async def test_rate_limit_is_429_with_retry_after_and_the_sdk_retries(slack: Slack) -> None:
    url = f"{slack.url}/slack/api/conversations.list"
    headers = {"Authorization": f"Bearer {slack.world['bot_token']}"}
    statuses = []
    for _ in range(21):  # Tier 2: 20 per minute (scaled)
        async with slack.http.post(url, headers=headers) as resp:
            statuses.append(resp.status)
            last = (resp.headers.get("Retry-After"), await resp.json())
    assert statuses[:20] == [200] * 20 and statuses[20] == 429
    assert last[0] is not None and last[0].isdigit() and int(last[0]) >= 1
    assert last[1] == {"ok": False, "error": "ratelimited"}

    assert await api_error(slack.client.conversations_list()) == "ratelimited"
    patient = AsyncWebClient(
        token=slack.world["bot_token"],
        base_url=f"{slack.url}/slack/api/",
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=3)],
    )
    listed = await patient.conversations_list()
    assert {c["name"] for c in listed["channels"]} >= {"general", "music", "announcements"}


async def test_pinged_lists_only_mentions_that_notify(slack: Slack) -> None:
    await slack.say("erin", "<!channel> concert tonight")
    await slack.say("frank", "literally &lt;!channel&gt; and <@" + slack.user("grace") + ">")
    await slack.client.chat_postMessage(
        channel=slack.channel("general"), text="hey @heidi and @here", link_names=True
    )
    await slack.client.chat_postMessage(channel=slack.channel("general"), text="plain @heidi")
    pinged = [m["pinged"] for m in await slack.view()]
    assert pinged == [["<!channel>"], [slack.user("grace")], [slack.user("heidi"), "<!here>"], []]


async def test_threads_reactions_and_edits(slack: Slack) -> None:
    general = slack.channel("general")
    parent = await slack.say("grace", "thread start")
    reply = await slack.client.chat_postMessage(channel=general, text="reply", thread_ts=parent)
    await slack.say("heidi", "me too", thread_ts=parent)
    await slack.client.reactions_add(channel=general, timestamp=parent, name="tada")
    assert await api_error(
        slack.client.reactions_add(channel=general, timestamp=parent, name="tada")
    ) == ("already_reacted")
    assert await api_error(
        slack.client.reactions_remove(channel=general, timestamp=parent, name="fire")
    ) == ("no_reaction")
    await slack.control("messages/edit", {"channel": "general", "ts": parent, "text": "edited"})

    [top] = await slack.view()
    assert (top["text"], top["reply_count"], top["edited"]["user"]) == (
        "edited",
        2,
        slack.user("grace"),
    )
    assert [r["text"] for r in top["replies"]] == ["reply", "me too"]
    assert top["reactions"] == [{"name": "tada", "count": 1, "users": [slack.world["bot_user_id"]]}]
    replies = await slack.client.conversations_replies(channel=general, ts=parent)
    assert [m["ts"] for m in replies["messages"]] == [
        parent,
        reply["ts"],
        replies["messages"][2]["ts"],
    ]
    changed = (await slack.control("events?last=1"))[0]["event"]
    assert changed["subtype"] == "message_changed" and changed["hidden"] is True
    assert changed["previous_message"]["text"] == "thread start"
    assert changed["message"]["text"] == "edited"


async def test_files_upload_v2_and_private_download(slack: Slack) -> None:
    done = await slack.client.files_upload_v2(
        channel=slack.channel("music"), content=b"setlist", filename="setlist.txt", title="Setlist"
    )
    url = done["file"]["url_private"]
    async with slack.http.get(
        url, headers={"Authorization": f"Bearer {slack.world['bot_token']}"}
    ) as resp:
        assert (resp.status, await resp.read()) == (200, b"setlist")
    async with slack.http.get(url) as resp:
        assert resp.content_type == "text/html"  # Slack's sign-in page, not the file
    [message] = await slack.view("music")
    assert message["files"][0]["title"] == "Setlist"
    info = await slack.client.files_info(file=done["file"]["id"])
    assert info["file"]["size"] == len(b"setlist")


async def test_new_workspace_and_direct_messages(slack: Slack) -> None:
    created = await slack.control(
        "workspaces",
        {"name": "Indie Fans", "channels": ["lobby"], "users": [{"name": "ivan", "admin": True}]},
    )
    assert created["id"].startswith("T") and created["channels"][0]["id"].startswith("C")
    ivan = created["users"][0]["id"]
    lobby = created["channels"][0]["id"]
    await slack.control("messages", {"channel": lobby, "user": ivan, "text": "first!"})
    history = await slack.client.conversations_history(channel=lobby)
    assert [m["text"] for m in history["messages"]] == ["first!"]
    async with slack.http.get(f"{slack.url}/_emu/world") as resp:
        names = [w["name"] for w in (await resp.json())["slack"]["workspaces"]]
    assert names == ["Fan Club", "Indie Fans"]

    dm = (await slack.client.conversations_open(users=ivan))["channel"]["id"]
    await slack.client.chat_postMessage(channel=dm, text="welcome")
    [message] = await slack.control(f"channels/{dm}/messages")
    assert (message["text"], message["username"]) == ("welcome", "fanbridge")


async def test_buttons_shortcuts_and_modals_over_socket_mode(slack: Slack) -> None:
    app = AsyncApp(client=slack.client, signing_secret=slack.world["signing_secret"])

    @app.action("vote")
    async def vote(ack: Any, respond: Any, action: dict[str, Any]) -> None:
        await ack()
        await respond(text=f"voted {action['value']}", replace_original=True)

    @app.shortcut("share_song")
    async def share(ack: Any, shortcut: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        await client.views_open(
            trigger_id=shortcut["trigger_id"],
            view={
                "type": "modal",
                "callback_id": "share",
                "title": {"type": "plain_text", "text": "Share"},
                "submit": {"type": "plain_text", "text": "Go"},
                "blocks": [],
            },
        )

    @app.view("share")
    async def submitted(ack: Any, view: dict[str, Any]) -> None:
        await ack(response_action="errors", errors={"song": "pick one"})

    handler = AsyncSocketModeHandler(app, slack.world["app_token"])
    hello = asyncio.Event()

    async def on_raw(_: AsyncBaseSocketModeClient, message: dict[str, Any], __: Any) -> None:
        if message.get("type") == "hello":
            hello.set()

    handler.client.message_listeners.append(on_raw)
    await handler.connect_async()  # type: ignore[no-untyped-call]
    try:
        await asyncio.wait_for(hello.wait(), TIMEOUT)
        button = {
            "type": "button",
            "action_id": "vote",
            "value": "yes",
            "text": {"type": "plain_text", "text": "Yes"},
        }
        posted = await slack.client.chat_postMessage(
            channel=slack.channel("general"),
            text="Vote?",
            blocks=[{"type": "actions", "block_id": "b1", "elements": [button]}],
        )
        clicked = await slack.control(
            "actions",
            {
                "user": "erin",
                "channel": "general",
                "message_ts": posted["ts"],
                "action_id": "vote",
                "value": "yes",
            },
        )
        assert clicked["ok"] and clicked["responses"][0]["text"] == "voted yes"
        assert (await slack.view())[0]["text"] == "voted yes"

        opened = await slack.control(
            "shortcuts",
            {
                "callback_id": "share_song",
                "user": "frank",
                "channel": "general",
                "message_ts": posted["ts"],
            },
        )
        assert opened["views"][0]["callback_id"] == "share"
        result = await slack.control("views/submit", {"user": "frank", "values": {}})
        assert result["ack"] == {"response_action": "errors", "errors": {"song": "pick one"}}
    finally:
        await handler.close_async()  # type: ignore[no-untyped-call]
