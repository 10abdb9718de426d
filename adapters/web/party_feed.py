"""What a party's room shows, as the JSON its page and its event stream get: the party (state,
current track with the music tab item's fields and an embed to play it, position on the server's
clock, queue), the current song's moments and the party's chat (the linked channels' and the
room's messages stamped during this party, both platforms, newest last).

One payload per party is built per change and shared by every open room of that party (a change
is a move of any party, here or on another worker, or a message stamped here); between changes
it is only moved on to the current time. It is built again at most every ``REFRESH`` seconds
anyway, so chat relayed by another worker shows up too."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
from typing import Any

from adapters.parties import Parties
from adapters.web.api_party import PartyReads, moment_json, party_json, tab_item_of, track_json
from adapters.web.page_views import chat_name, queue_entry
from bridge.party.model import Moment, Party
from bridge.party.room import RoomView
from bridge.pipeline.due import ChangeHub
from bridge.records import FanGroup

CHAT_LINES = 50  # the room's chat shows the party's last 50 messages
REFRESH = 15.0  # seconds a payload is reused without a change
Version = tuple[int, int]  # (party changes, chat lines stamped here)


@dataclass(frozen=True, slots=True)
class Built:
    version: Version
    built_at: float  # monotonic
    payload: dict[str, Any]


def at_time(payload: dict[str, Any], now: float) -> dict[str, Any]:
    """``payload`` (built at its ``server_now``) as it stands at ``now``: a playing track moved
    on by the time passed, never past its length."""
    moved = dict(payload, server_now=now)
    track = payload.get("track")
    if payload["state"] == "playing" and track is not None:
        passed = round((now - payload["server_now"]) * 1000)
        moved["position_ms"] = max(0, min(track["length_ms"], payload["position_ms"] + passed))
    return moved


def chat_json(moments: list[Moment]) -> list[dict[str, Any]]:
    lines = sorted(moments, key=lambda m: (m.at, m.id))[-CHAT_LINES:]
    return [
        {
            "author": m.author,
            "platform": m.platform,
            "platform_name": "the room" if m.platform == "web" else chat_name(m.platform),
            "text": m.text,
            "at": m.at,
            "position_ms": m.position_ms,
            "by_artist": m.by_artist,
        }
        for m in lines
    ]


class RoomFeed:
    def __init__(self, parties: Parties, store: PartyReads) -> None:
        self.parties = parties
        self.store = store
        self.chat = ChangeHub()  # a message was stamped here: the rooms' chat moved
        self.closing = False
        self._built: dict[int, Built] = {}
        self._locks: dict[int, asyncio.Lock] = {}

    def version(self) -> Version:
        return (self.parties.hub.changes, self.chat.changes)

    def stamped(self, _group_id: int) -> None:
        self.chat.changed()

    def close(self) -> None:
        """The server stops: every stream ends now (aiohttp waits for open requests)."""
        self.closing = True
        self.chat.changed()

    async def wait(self, seen: Version, within: float) -> Version:
        """Until a party moves or a chat line comes after ``seen``, or ``within`` seconds."""
        if self.version() != seen or self.closing:
            return self.version()
        waits = [
            asyncio.ensure_future(self.parties.hub.wait(seen[0], within)),
            asyncio.ensure_future(self.chat.wait(seen[1], within)),
        ]
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in waits:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        return self.version()

    async def state(self, party_id: int, group: FanGroup) -> dict[str, Any] | None:
        """The room's payload now (None: no such party in ``group``)."""
        lock = self._locks.setdefault(party_id, asyncio.Lock())
        async with lock:
            version, built = self.version(), self._built.get(party_id)
            fresh = built is not None and time.monotonic() - built.built_at < REFRESH
            if built is None or built.version != version or not fresh:
                payload = await self._build(party_id, group)
                if payload is None:
                    return None
                built = Built(version, time.monotonic(), payload)
                self._built[party_id] = built
        if built.payload["group_id"] != group.id:
            return None
        return at_time(built.payload, self.parties.service.clock.now())

    async def _build(self, party_id: int, group: FanGroup) -> dict[str, Any] | None:
        view = await self.parties.room.view(party_id)
        if view is None:
            return None
        if view.party.group_id != group.id:
            return {"group_id": view.party.group_id}
        body = party_json(
            view.party,
            now=view.server_now,
            track=await self._track(view, group),
            items=view.queue,
            base="",
            keep={},
            slug=group.slug,
        )
        chat = chat_json(await self._party_moments(view.party))
        moments = [moment_json(m) for m in view.moments]
        return body | {"group_id": group.id, "moments": moments, "chat": chat}

    async def _track(self, view: RoomView, group: FanGroup) -> dict[str, Any] | None:
        queued, current = view.party.track, view.track
        if queued is None or current is None:
            return None
        detail = await self.store.tab_item(group.id, str(current.id))
        item = tab_item_of(current, detail.item if detail else None)
        body = track_json(item, current.id, queued, group, "", {})
        return body | {"player": queue_entry(item)}

    async def _party_moments(self, party: Party) -> list[Moment]:
        """The messages stamped during ``party``: its songs' moments made in it."""
        played = {q.item_id for q in party.queue[: party.index + 1]}
        found: list[Moment] = []
        for item_id in played:
            moments = await self.store.item_moments(party.group_id, item_id)
            found += [m for m in moments if m.party_id == party.id]
        return found
