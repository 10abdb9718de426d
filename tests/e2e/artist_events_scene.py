"""A running bridge (real discord.py and slack-bolt against the emulators) whose group links
Discord #general, a second server's #lobby and Slack #general, and what people there see of an
artist's events: the scheduled event in each server, the Slack card, the reminders. Time is a
JumpClock the test moves; after a jump the events' timer is poked."""

from __future__ import annotations

import re
from typing import Any

from adapters.runtime import Runtime
from storage.repos import SqlStore
from tests.e2e.harness import Emu, JumpClock


class EventScene:
    def __init__(self, emu: Emu, world: dict[str, Any], runtime: Runtime, clock: JumpClock) -> None:
        self.emu, self.runtime, self.clock = emu, runtime, clock
        guild, second = world["discord"]["guilds"][0], world["discord"]["guilds"][-1]
        team = world["slack"]["workspaces"][0]
        self.guild, self.second, self.team = str(guild["id"]), str(second["id"]), str(team["id"])
        self.d = {c["name"]: str(c["id"]) for c in guild["channels"]}
        self.lobby = str(second["channels"][0]["id"])
        self.voice, self.stage = (str(c["id"]) for c in second["channels"][1:3])
        self.s = {c["name"]: str(c["id"]) for c in team["channels"]}
        self.du = {u["username"]: str(u["id"]) for u in guild["users"]}
        self.du2 = {u["username"]: str(u["id"]) for u in second["users"]}
        self.su = {u["name"]: str(u["id"]) for u in team["users"]}

    @property
    def store(self) -> SqlStore:
        assert self.runtime.store is not None
        return self.runtime.store

    async def jump(self, seconds: float) -> None:
        self.clock.advance(seconds)
        assert self.runtime.artist_events is not None
        self.runtime.artist_events.timer.poke()

    # -- commands ----------------------------------------------------------------------------
    async def discord(self, who: str, name: str, **options: Any) -> str:
        body = {
            "channel_id": self.d["general"],
            "user_id": self.du[who],
            "name": name,
            "options": options,
            "timeout": 15,
        }
        answer = await self.emu.post("/_emu/discord/commands", body)
        return str(answer["data"]["content"])

    async def slack(self, who: str, text: str, command: str = "/announce") -> str:
        body = {"command": command, "text": text, "user": self.su[who], "wait": 12}
        answer = await self.emu.post("/_emu/slack/commands", body | {"channel": self.s["general"]})
        return "\n".join(str(r["text"]) for r in answer["responses"])

    # -- what people see ---------------------------------------------------------------------
    async def scheduled(self, guild: str) -> list[dict[str, Any]]:
        return await self.emu.get(f"/_emu/discord/guilds/{guild}/scheduled-events")  # type: ignore[no-any-return]

    async def scheduled_shows(self, name: str, check: Any, what: str) -> list[dict[str, Any]]:
        """Wait until each server's one scheduled event named ``name`` passes ``check``; both
        events."""

        async def shown() -> list[dict[str, Any]] | None:
            every = [await self.scheduled(g) for g in (self.guild, self.second)]
            found = [[ev for ev in events if ev["name"] == name] for events in every]
            if all(len(events) == 1 and check(events[0]) for events in found):
                return [events[0] for events in found]
            return None

        return await self.emu.until(shown, what=what)

    async def s_card(self, event_id: int) -> dict[str, Any] | None:
        marker = f"event #{event_id}"
        rows = await self.emu.slack_messages(self.s["general"])
        cards = [m for m in rows if m.get("blocks") and marker in str(m["blocks"])]
        assert len(cards) <= 1, cards
        return cards[0] if cards else None

    async def s_card_shows(self, event_id: int, *needles: str) -> dict[str, Any]:
        async def shown() -> dict[str, Any] | None:
            card = await self.s_card(event_id)
            text = str(card["blocks"]) if card else ""
            return card if card and all(n in text for n in needles) else None

        return await self.emu.until(shown, what=f"the Slack card showing {needles}")

    async def s_interested(self, who: str, card: dict[str, Any]) -> str:
        body = {"user": self.su[who], "channel": self.s["general"], "message_ts": card["ts"]}
        action = {"action_id": "fbevent_interest", "value": card_value(card)}
        answer = await self.emu.post("/_emu/slack/actions", body | action)
        return str(answer["responses"][-1]["text"])

    async def d_interested(self, guild: str, who: str, event_id: str, on: bool = True) -> None:
        body = {"guild_id": guild, "user": who, "event_id": event_id, "interested": on}
        await self.emu.post("/_emu/discord/scheduled-events/interest", body)

    async def lines(self, needle: str) -> list[list[str]]:
        """The messages containing ``needle`` in #general, #lobby and Slack #general."""
        found = []
        for channel in (self.d["general"], self.lobby):
            rows = await self.emu.discord_messages(channel)
            found.append([str(m.get("content") or "") for m in rows])
        rows = await self.emu.slack_messages(self.s["general"])
        found.append([str(m.get("text") or "") for m in rows])
        return [[t for t in texts if needle in t] for texts in found]

    async def everywhere_once(self, needle: str) -> None:
        async def once() -> bool:
            return all(len(texts) == 1 for texts in await self.lines(needle))

        try:
            await self.emu.until(once, what=f"one line {needle!r} in every channel")
        except AssertionError as exc:
            raise AssertionError(f"{exc}: {await self.lines(needle)}") from None


def card_value(card: dict[str, Any]) -> str:
    return str(
        next(
            e["value"]
            for b in card["blocks"]
            if b["type"] == "actions"
            for e in b["elements"]
            if e.get("action_id") == "fbevent_interest"
        )
    )


def event_number(reply: str) -> int:
    found = re.search(r"event #(\d+)", reply)
    assert found, reply
    return int(found.group(1))
