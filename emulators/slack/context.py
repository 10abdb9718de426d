"""The emulated Slack as its parts see it (a leaf): the state, where and how the app is reached,
and the hubs that carry events, Socket Mode envelopes and interactions, each described by the
calls the others make. ``SlackService`` (service.py) is the one implementation; the hubs and the
workspace operations are written against this, so the service can build them without a circle."""

from __future__ import annotations

from typing import Any, Protocol

import aiohttp

from emulators.slack.state import SlackState


class Sockets(Protocol):
    @property
    def connected(self) -> bool: ...

    async def send(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        accepts_response_payload: bool,
        retry_attempt: int = 0,
        retry_reason: str = "",
    ) -> tuple[bool, Any] | None: ...


class Events(Protocol):
    def emit(self, team_id: str, event: dict[str, Any]) -> dict[str, Any]: ...

    async def post_signed(
        self, url: str, body: bytes, content_type: str, extra: dict[str, str] | None = None
    ) -> tuple[int, bytes]: ...


class Observers(Protocol):
    def observe(self, kind: str, channel: str | None, user: str | None, data: Any) -> None: ...


class SlackContext(Protocol):
    state: SlackState
    events_url: str | None
    ack_timeout: float

    @property
    def base_url(self) -> str: ...

    @property
    def time_scale(self) -> float: ...

    @property
    def sockets(self) -> Sockets: ...

    @property
    def events(self) -> Events: ...

    @property
    def interactions(self) -> Observers: ...

    def publish(self, kind: str, payload: dict[str, Any]) -> None: ...

    def session(self) -> aiohttp.ClientSession: ...
