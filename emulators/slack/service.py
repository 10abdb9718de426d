"""The Slack emulator's shared context: state, event delivery, Socket Mode and interactivity."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp

from emulators.core import Emulator
from emulators.slack.events import EventHub
from emulators.slack.interactive import InteractionHub
from emulators.slack.socket_mode import SocketHub
from emulators.slack.state import SlackState

ACK_TIMEOUT = 3.0  # seconds Slack waits for an ack (HTTP answer or Socket Mode ack)


class SlackService:
    """One emulated Slack: the app, its workspaces and every way events reach the bot."""

    def __init__(self, emu: Emulator, section: dict[str, Any] | None) -> None:
        self.emu = emu
        self.section = section
        self.state = SlackState(section)
        self.events_url: str | None = emu.options.slack_events_url
        self.ack_timeout = ACK_TIMEOUT
        self.events = EventHub(self)
        self.sockets = SocketHub(self)
        self.interactions = InteractionHub(self)
        self.calls: list[dict[str, Any]] = []  # Web API calls: method, token, the token's team
        self._session: aiohttp.ClientSession | None = None

    @property
    def base_url(self) -> str:
        return self.emu.base_url or self.state.base_url

    @property
    def time_scale(self) -> float:
        return self.emu.limiter.time_scale

    def reset(self) -> None:
        base = self.state.base_url
        self.state.load(self.section)
        self.state.base_url = base
        self.events_url = self.emu.options.slack_events_url
        self.calls.clear()
        self.events.reset()
        self.interactions.reset()
        self.sockets.reset()

    def publish(self, kind: str, payload: dict[str, Any]) -> None:
        self.emu.bus.publish(kind, payload)

    def session(self) -> aiohttp.ClientSession:
        """The client session the emulator uses to call the app (events, commands)."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                headers={"User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)"}
            )
        return self._session

    async def started(self) -> None:
        self.state.base_url = self.emu.base_url

    async def close(self) -> None:
        await self.sockets.close()
        await self.events.close()
        if self._session is not None:
            await self._session.close()
            # let the connector finish closing its transports before the loop stops
            await asyncio.sleep(0)
