"""The baseline of ``bench.latency``: the plainest relay one could write with the same SDKs. A
discord.py client whose ``on_message`` calls Slack's ``chat.postMessage`` (slack_sdk's
AsyncWebClient), and a Slack Socket Mode client whose message events become a discord.py
webhook ``send``. No database, no queue, no formatting, no echo guard beyond "not a bot".

It imports nothing of the product: it is what fanbridge is compared with."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping
from typing import Any

import discord
import yarl
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web.async_client import AsyncWebClient

Relayed = Callable[[str], None]  # called with the relayed text once its copy was sent


def _point_discord_at(emulator: str) -> None:
    """The two class attributes that aim discord.py at another server."""
    discord.http.Route.BASE = f"{emulator}/discord/api/v10"
    origin = yarl.URL(emulator)
    gateway = origin.with_scheme("wss" if origin.scheme == "https" else "ws") / "discord/gateway"
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = gateway


class PlainRelay:
    def __init__(
        self,
        *,
        emulator: str,
        discord_token: str,
        slack_bot_token: str,
        slack_app_token: str,
        routes: Mapping[str, str],  # Discord channel id -> Slack channel id
        relayed: Relayed,
    ) -> None:
        self.emulator = emulator
        self.discord_token = discord_token
        self.slack_app_token = slack_app_token
        self.routes = dict(routes)
        self.back = {slack: discord_id for discord_id, slack in routes.items()}
        self.relayed = relayed
        self.slack = AsyncWebClient(token=slack_bot_token, base_url=f"{emulator}/slack/api/")
        intents = discord.Intents.none()
        intents.guilds = intents.guild_messages = intents.message_content = True
        self.discord = discord.Client(intents=intents)
        self.discord.event(self.on_message)
        self._discord_task: asyncio.Task[None] | None = None
        self._socket: SocketModeClient | None = None
        self._webhooks: dict[str, discord.Webhook] = {}  # Discord channel id -> its webhook

    async def start_discord(self) -> None:
        _point_discord_at(self.emulator)
        self._discord_task = asyncio.create_task(self.discord.start(self.discord_token))
        await asyncio.wait_for(self.discord.wait_until_ready(), timeout=30)

    async def start_slack(self) -> None:
        """Socket Mode (Slack → Discord, posted through a webhook per channel so the copy shows
        the author's name, like fanbridge's). Started only when no other client of the same app
        is connected: Slack hands each event to one of the app's connections."""
        for discord_id in self.back.values():
            channel = self.discord.get_channel(int(discord_id))
            if isinstance(channel, discord.TextChannel):
                self._webhooks[discord_id] = await channel.create_webhook(name="plain relay")
        self._socket = SocketModeClient(app_token=self.slack_app_token, web_client=self.slack)
        self._socket.socket_mode_request_listeners.append(self.on_slack)  # type: ignore[arg-type]
        await self._socket.connect()  # type: ignore[no-untyped-call]

    async def stop(self) -> None:
        if self._socket is not None:
            await self._socket.close()  # type: ignore[no-untyped-call]
        await self.discord.close()
        if self._discord_task is not None:
            with contextlib.suppress(Exception):
                await self._discord_task

    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or message.webhook_id is not None:
            return
        target = self.routes.get(str(message.channel.id))
        if target is None:
            return
        await self.slack.chat_postMessage(
            channel=target,
            text=message.content,
            username=message.author.display_name,
            icon_url=str(message.author.display_avatar.url),
        )
        self.relayed(message.content)

    async def on_slack(self, client: SocketModeClient, request: SocketModeRequest) -> None:
        await client.send_socket_mode_response(SocketModeResponse(request.envelope_id))
        event: dict[str, Any] = request.payload.get("event", {})
        if request.type != "events_api" or event.get("type") != "message":
            return
        if event.get("bot_id") or event.get("subtype"):
            return
        webhook = self._webhooks.get(self.back.get(str(event.get("channel")), ""))
        if webhook is None:
            return
        text = str(event.get("text", ""))
        await webhook.send(text, username=str(event.get("user")), wait=True)
        self.relayed(text)
