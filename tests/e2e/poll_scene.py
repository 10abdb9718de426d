"""A running bridge (real discord.py and slack-bolt against the emulators) and what people in
#general see of a poll: its cards on both platforms (options, counts, deadline), their vote
buttons, the results messages. Time is a JumpClock; after a jump the poll timer is poked."""

from __future__ import annotations

import re
from typing import Any

from bridge.polls.model import Poll
from tests.e2e.party_scene import PartyScene, buttons

COUNT = re.compile(r"`[█░]+` (\d+) \(")


class PollScene(PartyScene):
    async def jump_polls(self, seconds: float) -> None:
        self.clock.advance(seconds)
        assert self.runtime.polls is not None
        self.runtime.polls.timer.poke()

    async def poll(self, poll_id: int) -> Poll:
        found = await self.store.get_poll(poll_id)
        assert found is not None
        return found

    async def api(self, path: str) -> Any:
        assert self.runtime.web is not None
        async with self.emu.session.get(self.runtime.web.url + path) as answer:
            assert answer.status == 200, await answer.text()
            return await answer.json()

    # -- the cards ---------------------------------------------------------------------------
    async def d_card(self, poll_id: int) -> dict[str, Any] | None:
        """The poll's card in Discord #general (not its results message)."""
        footer = f"Poll #{poll_id} ·"
        rows = await self.emu.discord_messages(self.d["general"])
        cards = [
            m
            for m in rows
            if not m.get("content")
            and any(footer in ((e.get("footer") or {}).get("text") or "") for e in m["embeds"])
        ]
        assert len(cards) <= 1, cards
        return cards[0] if cards else None

    async def s_card(self, poll_id: int) -> dict[str, Any] | None:
        marker = f"poll #{poll_id} ·"
        rows = await self.emu.slack_messages(self.s["general"])
        cards = [
            m
            for m in rows
            if marker in str(m.get("blocks") or "") and "closed:" not in str(m.get("text"))
        ]
        assert len(cards) <= 1, cards
        return cards[0] if cards else None

    async def cards(self, poll_id: int) -> tuple[dict[str, Any], dict[str, Any]]:
        async def both() -> tuple[dict[str, Any], dict[str, Any]] | None:
            d, s = await self.d_card(poll_id), await self.s_card(poll_id)
            return (d, s) if d is not None and s is not None else None

        return await self.emu.until(both, what=f"poll #{poll_id}'s cards on both platforms")

    async def counts_show(self, poll_id: int, counts: list[int]) -> None:
        """Wait until both cards show ``counts`` (one per option, in order)."""

        async def shown() -> bool:
            d, s = await self.d_card(poll_id), await self.s_card(poll_id)
            return d is not None and s is not None and d_counts(d) == s_counts(s) == counts

        await self.emu.until(shown, what=f"poll #{poll_id} counting {counts} on both sides")

    async def d_vote(self, who: str, poll_id: int, option: int) -> str:
        card = await self.d_card(poll_id)
        assert card is not None
        [cid] = [
            b["custom_id"] for b in buttons(card) if b["custom_id"] == f"fbpoll:{poll_id}:{option}"
        ]
        body = {"message_id": card["id"], "user_id": self.du[who], "custom_id": cid}
        answer = await self.emu.post("/_emu/discord/components", body)
        return str(answer["data"]["content"])

    async def s_vote(self, who: str, poll_id: int, option: int) -> str:
        card = await self.s_card(poll_id)
        assert card is not None
        [element] = [
            b["accessory"]
            for b in card["blocks"]
            if (b.get("accessory") or {}).get("value") == f"{poll_id}:{option}"
        ]
        assert element["action_id"] == "fbpoll_vote"
        body = {"user": self.su[who], "channel": self.s["general"], "message_ts": card["ts"]}
        body |= {"action_id": element["action_id"], "value": element["value"]}
        answer = await self.emu.post("/_emu/slack/actions", body)
        return str(answer["responses"][-1]["text"])

    async def results(self, poll_id: int) -> tuple[list[str], list[str]]:
        """The results messages of the poll on each platform."""
        return await self.notices(f"Poll #{poll_id} closed")

    async def results_shown(self, poll_id: int) -> tuple[str, str]:
        async def once() -> tuple[str, str] | None:
            d, s = await self.results(poll_id)
            return (d[0], s[0]) if len(d) == 1 and len(s) == 1 else None

        return await self.emu.until(once, what=f"poll #{poll_id}'s results on each platform")


def d_counts(card: dict[str, Any]) -> list[int]:
    fields = card["embeds"][0].get("fields") or []
    return [int(m.group(1)) for f in fields if (m := COUNT.search(f["value"]))]


def s_counts(card: dict[str, Any]) -> list[int]:
    texts = [b["text"]["text"] for b in card["blocks"] if b["type"] == "section"]
    return [int(m.group(1)) for t in texts if (m := COUNT.search(t))]


def d_labels(card: dict[str, Any]) -> list[str]:
    return [f["name"] for f in card["embeds"][0].get("fields") or [] if COUNT.search(f["value"])]


def s_labels(card: dict[str, Any]) -> list[str]:
    texts = [b["text"]["text"] for b in card["blocks"] if b["type"] == "section"]
    return [t.split("\n")[0] for t in texts if COUNT.search(t)]


def poll_number(reply: str) -> int:
    found = re.search(r"Poll #(\d+)", reply)
    assert found, reply
    return int(found.group(1))
