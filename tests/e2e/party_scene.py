"""A running bridge (real discord.py and slack-bolt against the emulators) with songs in the
group's music tab, and what the people in #general see of a listening party: its now-playing
cards on both platforms, their buttons, the notices. Time is a JumpClock the test moves; after a
jump the party timer is poked (it would wake by itself at the track's end in real time)."""

from __future__ import annotations

import re
from typing import Any

from adapters.runtime import Runtime
from bridge.ids import ChannelRef, Platform, UserRef
from bridge.music.model import Metadata
from bridge.party.model import Party
from bridge.records import ItemLink, ShareDraft
from storage.repos import SqlStore
from tests.e2e.harness import Emu, JumpClock

SONGS = (("Opening Night", 200), ("Second Wind", 180), ("Last Call", 150))


def spotify_id(n: int) -> str:
    return f"{n:02d}PartySongAbcdefghijk"[:22]


def song_url(n: int) -> str:
    return f"https://open.spotify.com/track/{spotify_id(n)}"


class PartyScene:
    def __init__(self, emu: Emu, world: dict[str, Any], runtime: Runtime, clock: JumpClock) -> None:
        self.emu, self.runtime, self.clock = emu, runtime, clock
        guild, team = world["discord"]["guilds"][0], world["slack"]["workspaces"][0]
        self.guild, self.team = str(guild["id"]), str(team["id"])
        self.d = {c["name"]: str(c["id"]) for c in guild["channels"]}
        self.s = {c["name"]: str(c["id"]) for c in team["channels"]}
        self.du = {u["username"]: str(u["id"]) for u in guild["users"]}
        self.su = {u["name"]: str(u["id"]) for u in team["users"]}

    @property
    def store(self) -> SqlStore:
        assert self.runtime.store is not None
        return self.runtime.store

    # -- the songs -------------------------------------------------------------------------
    async def seed_songs(self, titles: tuple[tuple[str, int], ...] = SONGS) -> list[int]:
        """Songs known on Spotify with their lengths, each shared once in the group."""
        group = await self.store.get_group("fans")
        assert group is not None
        alice = UserRef(Platform.DISCORD, self.guild, self.du["alice"])
        origin = ChannelRef(Platform.DISCORD, self.guild, self.d["general"])
        items = []
        for n, (title, seconds) in enumerate(titles):
            sid, url = spotify_id(n), song_url(n)
            meta = Metadata(
                "spotify", "track", sid, url, title, ("Lumen Twins",), duration_ms=seconds * 1000
            )
            item = await self.store.create_item(meta, match_key=None)
            await self.store.add_item_link(item, ItemLink("spotify", "track", sid, url))
            message, _ = await self.store.record_message(
                group_id=group.id,
                author=alice,
                origin=origin,
                origin_message_id=str(1_000_000_000_000_000 + n),  # a Discord id
                text=url,
            )
            key = f"spotify:track:{sid}"
            draft = ShareDraft(key, "spotify", url)
            await self.store.add_shares(
                group_id=group.id,
                message_id=message.id,
                shared_by=alice,
                shared_by_name="Alice",
                drafts=[draft],
            )
            await self.store.mark_link(key, status="ok", item_id=item)
            items.append(item)
        return items

    # -- time --------------------------------------------------------------------------------
    async def jump(self, seconds: float) -> None:
        self.clock.advance(seconds)
        assert self.runtime.parties is not None
        self.runtime.parties.timer.poke()

    async def party(self, party_id: int) -> Party:
        found = await self.store.get_party(party_id)
        assert found is not None
        return found

    # -- commands ----------------------------------------------------------------------------
    async def discord_command(self, who: str, name: str, **options: Any) -> str:
        body = {
            "channel_id": self.d["general"],
            "user_id": self.du[who],
            "name": name,
            "options": options,
            "timeout": 15,
        }
        answer = await self.emu.post("/_emu/discord/commands", body)
        return str(answer["data"]["content"])

    async def slack_command(self, who: str, text: str, command: str = "/fangroup") -> str:
        body = {"command": command, "text": text, "user": self.su[who]}
        answer = await self.emu.post("/_emu/slack/commands", body | {"channel": self.s["general"]})
        return str(answer["responses"][-1]["text"])

    # -- the cards ---------------------------------------------------------------------------
    async def d_cards(self, party_id: int) -> list[dict[str, Any]]:
        """The party's now-playing cards in Discord #general, oldest first."""
        footer = f"Listening party #{party_id} ·"
        rows = await self.emu.discord_messages(self.d["general"])
        cards = [
            m
            for m in rows
            if any(footer in ((e.get("footer") or {}).get("text") or "") for e in m["embeds"])
        ]
        return sorted(cards, key=lambda m: int(m["id"]))

    async def s_cards(self, party_id: int) -> list[dict[str, Any]]:
        marker = f"party #{party_id}, song"
        rows = await self.emu.slack_messages(self.s["general"])
        cards = [m for m in rows if marker in str(m.get("blocks") or "")]
        return sorted(cards, key=lambda m: float(m["ts"]))

    async def cards_show(self, party_id: int, *states: str) -> None:
        """Wait until the party's cards on both platforms show ``states`` in order (each card's
        state word: "started", "paused", "played")."""

        async def shown() -> bool:
            d = [d_state(m) for m in await self.d_cards(party_id)]
            s = [s_state(m) for m in await self.s_cards(party_id)]
            return d == list(states) and s == list(states)

        await self.emu.until(shown, what=f"cards of party #{party_id}: {states}")

    async def d_click(self, who: str, card: dict[str, Any], action: str) -> str:
        [cid] = [
            b["custom_id"]
            for b in buttons(card)
            if b.get("custom_id", "").startswith(f"fbparty:{action}:")
        ]
        body = {"message_id": card["id"], "user_id": self.du[who], "custom_id": cid}
        answer = await self.emu.post("/_emu/discord/components", body)
        return str(answer["data"]["content"])

    async def s_click(self, who: str, card: dict[str, Any], action: str) -> str:
        [value] = [
            e["value"]
            for b in card["blocks"]
            if b["type"] == "actions"
            for e in b["elements"]
            if e.get("action_id") == f"fbparty_{action}"
        ]
        body = {"user": self.su[who], "channel": self.s["general"], "message_ts": card["ts"]}
        answer = await self.emu.post(
            "/_emu/slack/actions", body | {"action_id": f"fbparty_{action}", "value": value}
        )
        return str(answer["responses"][-1]["text"])

    async def notices(self, needle: str) -> tuple[list[str], list[str]]:
        d = [
            str(m.get("content") or "") for m in await self.emu.discord_messages(self.d["general"])
        ]
        s = [str(m.get("text") or "") for m in await self.emu.slack_messages(self.s["general"])]
        return [t for t in d if needle in t], [t for t in s if needle in t]

    async def notice_shown(self, needle: str) -> None:
        async def both() -> bool:
            d, s = await self.notices(needle)
            return len(d) == 1 and len(s) == 1

        await self.emu.until(both, what=f"one notice {needle!r} on each platform")


def buttons(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for row in card.get("components") or [] for b in row["components"]]


def d_state(card: dict[str, Any]) -> str:
    return _state(card["embeds"][0]["description"] or "")


def s_state(card: dict[str, Any]) -> str:
    return _state(str(card["blocks"][0]))


def _state(text: str) -> str:
    found = re.search(r"(started|paused|played)", text)
    return found.group(1) if found else "?"


def party_number(reply: str) -> int:
    found = re.search(r"#(\d+)", reply)
    assert found, reply
    return int(found.group(1))
