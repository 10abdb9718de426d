"""The Discord emulator's root object: the world it started from, live state, gateway hub."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from emulators.core import Emulator
from emulators.discord.gateway import GatewayHub
from emulators.discord.ids import Snowflakes
from emulators.discord.state import DiscordState
from emulators.discord.world import build_state, export_world, resolve_world


class DiscordService:
    def __init__(self, emu: Emulator, raw_world: dict[str, Any] | None) -> None:
        self.emu = emu
        self.ids = Snowflakes()
        self.initial = resolve_world(raw_world, self.ids)
        self.state: DiscordState = build_state(self.initial, self.ids)
        self.hub = GatewayHub(self)

    def reset(self) -> None:
        """Back to the initial world; connected clients are told to re-IDENTIFY."""
        self.state = build_state(self.initial, self.ids)
        self.hub.reset()

    def world(self) -> dict[str, Any]:
        return export_world(self.state)

    @property
    def base_url(self) -> str:
        return self.emu.base_url

    def publish(self, kind: str, payload: dict[str, Any]) -> None:
        """Tell the live viewer page about a visible change (``discord.message`` etc.)."""
        self.emu.bus.publish(f"discord.{kind}", {"platform": "discord", **payload})

    def webhook_channel_key(self, request: web.Request) -> str | None:
        raw = request.match_info.get("webhook_id", "")
        webhook = self.state.webhooks.get(int(raw)) if raw.isdigit() else None
        return f"channel={webhook.channel_id}" if webhook is not None else None
