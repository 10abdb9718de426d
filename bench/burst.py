"""Post bursts through the control API from both sides, then read back what the emulator saw:
the request log and every channel's messages."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any

from bench.world import BenchWorld, Control, Pair

DISCORD, SLACK = "discord", "slack"
TOKEN = re.compile(r"\bbm([a-z]+)p(\d{3})([ds])(\d{4})\b")


@dataclass(frozen=True)
class Posted:
    token: str
    side: str  # the origin platform
    pair: int
    seq: int  # position of the message in its origin channel's burst
    origin_id: str  # Discord message id or Slack ts
    posted_at: float


@dataclass
class Observed:
    """What the emulator holds after a run."""

    requests: dict[str, list[dict[str, Any]]]  # platform -> request log
    channels: dict[tuple[str, str], list[str]]  # (platform, channel) -> message texts, oldest first


def token_for(tag: str, pair: int, side: str, seq: int) -> str:
    return f"bm{tag}p{pair:03d}{side[0]}{seq:04d}"


async def post_bursts(control: Control, world: BenchWorld, per_pair: int, tag: str) -> list[Posted]:
    """``per_pair`` messages for every pair, alternating Discord and Slack. Each round posts one
    message into every channel at once; rounds follow each other without pause."""
    posted: list[Posted] = []
    for first in range(0, per_pair, 2):
        jobs: list[Awaitable[Posted]] = []
        for pair in world.pairs:
            for seq in range(first, min(first + 2, per_pair)):
                side = DISCORD if seq % 2 == 0 else SLACK
                jobs.append(_post(control, world, pair, side, seq, tag))
        posted.extend(await asyncio.gather(*jobs))
    return posted


async def _post(
    control: Control, world: BenchWorld, pair: Pair, side: str, seq: int, tag: str
) -> Posted:
    token = token_for(tag, pair.index, side, seq)
    text = f"{token} burst message {seq} from {side}"
    at = time.time()
    if side == DISCORD:
        user = world.discord_users[(seq + pair.index) % len(world.discord_users)]
        body = {"channel_id": pair.discord_channel, "user_id": user, "content": text}
        origin_id = str((await control.post("/_emu/discord/messages", body))["id"])
    else:
        user = world.slack_users[(seq + pair.index) % len(world.slack_users)]
        body = {"channel": pair.slack_channel, "user": user, "text": text}
        origin_id = str((await control.post("/_emu/slack/messages", body))["ts"])
    return Posted(token, side, pair.index, seq, origin_id, at)


async def observe(control: Control, world: BenchWorld) -> Observed:
    requests = {p: await control.get("/_emu/requests", platform=p) for p in (DISCORD, SLACK)}
    channels: dict[tuple[str, str], list[str]] = {}
    for pair in world.pairs:
        rows = await control.get(f"/_emu/discord/channels/{pair.discord_channel}/messages")
        channels[(DISCORD, pair.discord_channel)] = [str(r.get("content") or "") for r in rows]
        rows = await control.get(f"/_emu/slack/channels/{pair.slack_channel}/messages")
        channels[(SLACK, pair.slack_channel)] = [str(r.get("text") or "") for r in rows]
    return Observed(requests, channels)


def request_text(record: dict[str, Any]) -> str:
    """The message text a platform call carried (webhook/channel ``content``, Slack ``text``)."""
    body = record.get("body")
    if isinstance(body, dict):
        return str(body.get("content") or body.get("text") or "")
    return body if isinstance(body, str) else ""


def tokens_in(text: str) -> list[str]:
    return [m.group(0) for m in TOKEN.finditer(text)]
