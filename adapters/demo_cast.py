"""The demo's scripted cast: fans of the emulated world chatting on both sides.

Everything goes through the emulator's control API over HTTP, the way a person typing in the
viewer does, so the bridge sees ordinary platform events. The pauses between lines are for the
audience (it is a show); whenever a line needs the bridge's copy of an earlier one (to react to it
or to reply under it), the cast waits for that copy on the emulator's live stream instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

import aiohttp

log = logging.getLogger(__name__)

Side = Literal["discord", "slack"]
T = TypeVar("T")
SHORTCODE = re.compile(r":[a-z0-9_+\-]+:")
WORD = re.compile(r"[A-Za-z0-9]{3,}")


# -- the script ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Say:
    """A fan posts ``text`` in ``room``; ``reply_to`` (a key) makes it a Discord reply or a Slack
    thread reply, under the original or under the bridge's copy, whichever lives on ``side``."""

    key: str
    side: Side
    user: str
    text: str
    room: str = "general"
    reply_to: str | None = None
    beat: float = 3.0


@dataclass(frozen=True)
class React:
    """A fan on ``side`` reacts to line ``target`` (the original or the copy on that side)."""

    side: Side
    user: str
    target: str
    emoji: str  # unicode on Discord, a name such as "tada" on Slack
    beat: float = 2.0


@dataclass(frozen=True)
class Edit:
    key: str
    text: str
    beat: float = 4.0


@dataclass(frozen=True)
class Delete:
    key: str
    beat: float = 4.0


Step = Say | React | Edit | Delete


def music_links(catalog: dict[str, Any], round_no: int = 0) -> tuple[str, str]:
    """A Spotify track link and a YouTube link from the emulator's catalog (different songs)."""
    tracks = [i for i in catalog.get("items", []) if i.get("kind") == "track"]
    spotify = [t["platforms"]["spotify"]["url"] for t in tracks if "spotify" in t["platforms"]]
    youtube = [t["platforms"]["youtube"]["url"] for t in tracks if "youtube" in t["platforms"]]
    first = spotify[round_no % len(spotify)] if spotify else "https://open.spotify.com/"
    second = youtube[(round_no + 3) % len(youtube)] if youtube else "https://www.youtube.com/"
    return first, second


def build_script(catalog: dict[str, Any], round_no: int = 0) -> list[Step]:
    spotify, youtube = music_links(catalog, round_no)
    return [
        Say("hello-d", "discord", "alice", "Hey everyone! Discord side checking in 👋", beat=1),
        Say("hello-s", "slack", "frank", "Hi from Slack! Great to finally share a room :tada:"),
        React("slack", "erin", "hello-d", "wave"),
        React("discord", "carol", "hello-s", "🎉"),
        Say("thanks", "discord", "bob", "Thanks for setting this up, it works both ways!",
            reply_to="hello-d"),
        Say("show", "slack", "grace", "Who is going to the Marlow Vance show on Friday?"),
        Say("front", "slack", "heidi", "Me! Front row, as always :guitar:", reply_to="show"),
        Say("album", "discord", "carol", "The new album drops on Firday, cannot wait"),
        React("slack", "frank", "album", "fire"),
        Edit("album", "The new album drops on **Friday**, cannot wait"),
        Say("oops", "slack", "erin", "oops, wrong channel, ignore me"),
        Delete("oops"),
        Say("loop", "discord", "dave", f"Been looping this all week: {spotify}", room="music"),
        Say("video", "slack", "heidi", f"Same energy, the video is great: {youtube}", room="music"),
        React("discord", "alice", "video", "🔥"),
        Say("playlist", "slack", "frank", "Adding both to the group playlist :headphones:",
            room="music"),
    ]  # fmt: skip


def needle(text: str) -> list[str]:
    """The words a copy of ``text`` keeps whatever the formatting conversion (no emoji)."""
    return WORD.findall(SHORTCODE.sub(" ", text))


def is_copy_of(text: str, candidate: str) -> bool:
    words = needle(text)
    return bool(words) and all(w in candidate for w in words)


def other(side: Side) -> Side:
    return "slack" if side == "discord" else "discord"


# -- the emulated world, as the cast needs it ------------------------------------------------------
@dataclass(frozen=True)
class Room:
    discord: str  # channel id
    slack: str  # channel id


@dataclass(frozen=True)
class CastWorld:
    rooms: dict[str, Room]
    discord_users: dict[str, str]
    slack_users: dict[str, str]

    @classmethod
    def from_world(cls, world: dict[str, Any]) -> CastWorld:
        guild = world["discord"]["guilds"][0]
        team = world["slack"]["workspaces"][0]
        d_rooms = {c["name"]: c["id"] for c in guild["channels"]}
        s_rooms = {c["name"]: c["id"] for c in team["channels"]}
        return cls(
            rooms={n: Room(d_rooms[n], s_rooms[n]) for n in d_rooms if n in s_rooms},
            discord_users={u["username"]: u["id"] for u in guild["users"]},
            slack_users={u["name"]: u["id"] for u in team["users"]},
        )


# -- the control API -------------------------------------------------------------------------------
class Control:
    """The emulator's control API over HTTP, plus waiting on its live change stream."""

    def __init__(self, url: str, session: aiohttp.ClientSession) -> None:
        self.url = url
        self.session = session

    async def get(self, path: str) -> Any:
        async with self.session.get(self.url + path) as response:
            response.raise_for_status()
            return await response.json(content_type=None)

    async def post(self, path: str, body: dict[str, Any]) -> Any:
        async with self.session.post(self.url + path, json=body) as response:
            response.raise_for_status()
            return await response.json(content_type=None)

    async def discord_view(self, channel: str) -> list[dict[str, Any]]:
        """A Discord channel's messages followed by the messages of its threads."""
        rows: list[dict[str, Any]] = await self.get(f"/_emu/discord/channels/{channel}/messages")
        threads = [r["thread"]["id"] for r in rows if r.get("thread")]
        for thread in threads:
            rows = rows + await self.get(f"/_emu/discord/channels/{thread}/messages")
        return rows

    async def slack_view(self, channel: str) -> list[dict[str, Any]]:
        """A Slack channel's messages followed by every thread reply."""
        rows: list[dict[str, Any]] = await self.get(f"/_emu/slack/channels/{channel}/messages")
        return rows + [reply for r in rows for reply in r.get("replies") or []]

    @contextlib.asynccontextmanager
    async def changes(self) -> AsyncIterator[asyncio.Queue[Any]]:
        queue: asyncio.Queue[Any] = asyncio.Queue()
        response = await self.session.get(
            self.url + "/_emu/ui/events", timeout=aiohttp.ClientTimeout(total=None)
        )

        async def pump() -> None:
            async for line in response.content:
                if line.startswith(b"data:"):
                    queue.put_nowait(json.loads(line[5:]))

        task = asyncio.create_task(pump())
        try:
            yield queue
        finally:
            task.cancel()
            response.close()

    async def until(self, check: Callable[[], Awaitable[T | None]], within: float) -> T | None:
        """``check()`` re-run after every change the emulator reports; None after ``within`` s."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        async with self.changes() as queue:
            while (result := await check()) is None:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    return None
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(queue.get(), timeout=min(remaining, 1.0))
            return result


# -- the cast ---------------------------------------------------------------------------------
@dataclass
class Posted:
    """One message as it sits on one side: its channel and id (a Slack ts or a Discord id)."""

    side: Side
    channel: str
    id: str
    user: str
    text: str


@dataclass
class Cast:
    control: Control
    world: CastWorld
    speed: float = 1.0
    copy_timeout: float = 15.0
    originals: dict[str, Posted] = field(default_factory=dict)
    rooms_of: dict[str, str] = field(default_factory=dict)
    copies: dict[str, Posted] = field(default_factory=dict)
    claimed: set[str] = field(default_factory=set)

    async def perform(self, script: list[Step]) -> None:
        """Play the script once; a line that cannot be played is logged and skipped."""
        self.originals.clear()
        self.copies.clear()
        table: dict[type, Callable[[Any], Awaitable[None]]] = {
            Say: self._say,
            React: self._react,
            Edit: self._edit,
            Delete: self._delete,
        }
        for step in script:
            await asyncio.sleep(step.beat / self.speed)
            try:
                await table[type(step)](step)
            except (aiohttp.ClientError, KeyError) as exc:
                log.warning("demo cast: skipped %s (%s)", step, exc)

    # -- steps -----------------------------------------------------------------------------------
    async def _say(self, step: Say) -> None:
        parent = None
        if step.reply_to:
            await self.relayed(step.reply_to)
            parent = await self.locate(step.reply_to, step.side)
        post = self._post_discord if step.side == "discord" else self._post_slack
        self.originals[step.key] = await post(step, parent)
        self.rooms_of[step.key] = step.room

    async def _post_discord(self, step: Say, parent: Posted | None) -> Posted:
        channel = self.world.rooms[step.room].discord
        user = self.world.discord_users[step.user]
        body = {"channel_id": channel, "user_id": user, "content": step.text}
        if parent is not None:
            body["reply_to"] = parent.id
        sent = await self.control.post("/_emu/discord/messages", body)
        return Posted("discord", channel, str(sent["id"]), user, step.text)

    async def _post_slack(self, step: Say, parent: Posted | None) -> Posted:
        channel = self.world.rooms[step.room].slack
        user = self.world.slack_users[step.user]
        body = {"channel": channel, "user": user, "text": step.text}
        if parent is not None:
            body["thread_ts"] = parent.id
        sent = await self.control.post("/_emu/slack/messages", body)
        return Posted("slack", channel, str(sent["ts"]), user, step.text)

    async def _react(self, step: React) -> None:
        target = await self.locate(step.target, step.side)
        if target is None:
            log.warning("demo cast: no copy of %r to react to", step.target)
            return
        if step.side == "discord":
            user = self.world.discord_users[step.user]
            body = {"user_id": user, "emoji": step.emoji}
            await self.control.post(f"/_emu/discord/messages/{target.id}/reactions", body)
        else:
            user = self.world.slack_users[step.user]
            body = {"channel": target.channel, "ts": target.id, "user": user}
            await self.control.post("/_emu/slack/reactions", body | {"reaction": step.emoji})

    async def _edit(self, step: Edit) -> None:
        posted = self.originals[step.key]
        await self.relayed(step.key)
        if posted.side == "discord":
            await self.control.post(
                f"/_emu/discord/messages/{posted.id}/edit", {"content": step.text}
            )
        else:
            body = {"channel": posted.channel, "ts": posted.id, "text": step.text}
            await self.control.post("/_emu/slack/messages/edit", body)
        posted.text = step.text

    async def _delete(self, step: Delete) -> None:
        await self.relayed(step.key)
        posted = self.originals.pop(step.key)
        if posted.side == "discord":
            body = {"user_id": posted.user}
            await self.control.post(f"/_emu/discord/messages/{posted.id}/delete", body)
        else:
            body = {"channel": posted.channel, "ts": posted.id, "user": posted.user}
            await self.control.post("/_emu/slack/messages/delete", body)

    # -- finding the bridge's copies -------------------------------------------------------------
    async def relayed(self, key: str) -> None:
        """Wait until line ``key`` shows on the other side, as a person replying to it, fixing
        it or deleting it would have seen it travel (the bridge's copy must exist first)."""
        await self.locate(key, other(self.originals[key].side))

    async def locate(self, key: str, side: Side) -> Posted | None:
        """Line ``key`` as it sits on ``side``: the original, or the bridge's copy once relayed."""
        original = self.originals[key]
        if original.side == side:
            return original
        if (cached := self.copies.get(key)) is not None:
            return cached
        room = self.world.rooms[self.rooms_of[key]]
        channel = room.discord if side == "discord" else room.slack

        async def find() -> Posted | None:
            return await self._find_copy(side, channel, original.text)

        found = await self.control.until(find, self.copy_timeout)
        if found is not None:
            self.copies[key] = found
            self.claimed.add(found.id)
        return found

    async def _find_copy(self, side: Side, channel: str, text: str) -> Posted | None:
        view = self.control.discord_view if side == "discord" else self.control.slack_view
        for row in reversed(await view(channel)):
            ref, body = bridge_row(side, row)
            if ref is not None and ref not in self.claimed and is_copy_of(text, body):
                return Posted(side, channel, ref, "", body)
        return None


def bridge_row(side: Side, row: dict[str, Any]) -> tuple[str | None, str]:
    """(id, text) of a message the bridge posted; (None, text) for a person's own message."""
    if side == "discord":
        by_bridge = bool(row.get("webhook_id") or row.get("bot"))
        return (str(row["id"]) if by_bridge else None), row.get("content") or ""
    by_bridge = bool(row.get("bot_id")) and not row.get("deleted")
    return (str(row["ts"]) if by_bridge else None), row.get("text") or ""


async def play(url: str, *, speed: float = 1.0, once: bool = False, interval: float = 30.0) -> None:
    """Run the cast against the emulator at ``url``: once, or round after round until cancelled."""
    async with aiohttp.ClientSession() as session:
        control = Control(url, session)
        world = CastWorld.from_world(await control.get("/_emu/world"))
        catalog = await control.get("/_emu/music/catalog")
        cast = Cast(control, world, speed=speed)
        round_no = 0
        while True:
            await cast.perform(build_script(catalog, round_no))
            if once:
                return
            round_no += 1
            await asyncio.sleep(interval / speed)
