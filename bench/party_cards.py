"""A party's card traffic from the emulator's request log: the card posts and edits each linked
channel got (Discord ``POST``/``PATCH /channels/{id}/messages``, Slack ``chat.postMessage`` and
``chat.update``), per minute and in the platforms' rate-limit windows, and the 429s."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bench.stats import percentile

DISCORD_MESSAGES = re.compile(r"/channels/(\d+)/messages(?:/(\d+))?$")
DISCORD_WINDOW = (5.0, 5)  # seconds, requests: Discord's per-channel message bucket
SLACK_UPDATE_WINDOW = (1.0, 1)  # chat.update: about 1 per second per channel
SLACK_TIER3 = (60.0, 50)  # chat.update Tier 3: about 50 a minute per workspace


@dataclass(frozen=True, slots=True)
class CardCall:
    platform: str
    channel: str
    kind: str  # post | edit
    at: float
    status: int


@dataclass(frozen=True, slots=True)
class PlatformCards:
    platform: str
    channels: int
    posts: int
    edits: int
    per_channel_minute: float  # (posts + edits) per channel per minute of the run
    busiest_minute: int  # most card calls one channel got in any 60 s
    busiest_window: int  # most in the platform's per-channel window
    window: tuple[float, int]
    workspace_minute: int  # most edits in any 60 s across the workspace (Slack's Tier 3)
    http_429: int


def card_calls(records: Sequence[dict[str, Any]]) -> list[CardCall]:
    """Every message post and edit into a channel, by platform and channel."""
    calls = []
    for r in records:
        call = _discord(r) if r.get("platform") == "discord" else _slack(r)
        if call is not None:
            calls.append(call)
    return calls


def _discord(r: dict[str, Any]) -> CardCall | None:
    found = DISCORD_MESSAGES.search(str(r.get("path", "")))
    if found is None or r.get("method") not in ("POST", "PATCH"):
        return None
    if r["method"] == "POST" and found.group(2):
        return None  # a reaction or a crosspost, not a message
    kind = "edit" if r["method"] == "PATCH" else "post"
    return CardCall("discord", found.group(1), kind, float(r["at"]), int(r["status"]))


def _slack(r: dict[str, Any]) -> CardCall | None:
    path = str(r.get("path", ""))
    body = r.get("body") if isinstance(r.get("body"), dict) else {}
    assert isinstance(body, dict)
    channel = str(body.get("channel") or (r.get("query") or {}).get("channel") or "")
    if not channel:
        return None
    if path.endswith("chat.postMessage"):
        return CardCall("slack", channel, "post", float(r["at"]), int(r["status"]))
    if path.endswith("chat.update"):
        return CardCall("slack", channel, "edit", float(r["at"]), int(r["status"]))
    return None


def most_within(times: Sequence[float], seconds: float) -> int:
    """The most ``times`` in any window of ``seconds`` (a sliding window)."""
    ordered, best, start = sorted(times), 0, 0
    for end, at in enumerate(ordered):
        while at - ordered[start] >= seconds:
            start += 1
        best = max(best, end - start + 1)
    return best


def platform_cards(
    calls: Sequence[CardCall],
    platform: str,
    channels: Sequence[str],
    minutes: float,
    records: Sequence[dict[str, Any]],
) -> PlatformCards:
    mine = [c for c in calls if c.platform == platform and c.channel in set(channels)]
    by_channel: dict[str, list[float]] = defaultdict(list)
    for call in mine:
        by_channel[call.channel].append(call.at)
    window = DISCORD_WINDOW if platform == "discord" else SLACK_UPDATE_WINDOW
    edits = [c.at for c in mine if c.kind == "edit"]
    limited: dict[str, list[float]] = defaultdict(list)  # what the per-channel window counts
    for call in mine:
        if platform == "discord" or call.kind == "edit":  # Slack's 1/s is chat.update's
            limited[call.channel].append(call.at)
    busiest_window = max((most_within(t, window[0]) for t in limited.values()), default=0)
    return PlatformCards(
        platform=platform,
        channels=len(channels),
        posts=sum(1 for c in mine if c.kind == "post"),
        edits=len(edits),
        per_channel_minute=len(mine) / max(len(channels), 1) / max(minutes, 1e-9),
        busiest_minute=max((most_within(t, 60.0) for t in by_channel.values()), default=0),
        busiest_window=busiest_window,
        window=window,
        workspace_minute=most_within(edits, 60.0),
        http_429=sum(1 for r in records if r.get("platform") == platform and r["status"] == 429),
    )


def format_cards(discord: PlatformCards, slack: PlatformCards, minutes: float) -> str:
    rows = [
        ("channels", str(discord.channels), str(slack.channels), ""),
        ("card posts (incl. the summary)", str(discord.posts), str(slack.posts), ""),
        ("card edits", str(discord.edits), str(slack.edits), ""),
        (
            "posts+edits per channel per minute",
            f"{discord.per_channel_minute:.1f}",
            f"{slack.per_channel_minute:.1f}",
            f"(mean over {minutes:.1f} min)",
        ),
        (
            "busiest channel, any 60 s",
            str(discord.busiest_minute),
            str(slack.busiest_minute),
            "Discord ~60/min (5 per 5 s); Slack edits ~60/min (1/s)",
        ),
        (
            "busiest channel, Discord any 5 s / Slack edits any 1 s",
            str(discord.busiest_window),
            str(slack.busiest_window),
            "limit 5 / 1",
        ),
        (
            "edits across the workspace, any 60 s",
            "-",
            str(slack.workspace_minute),
            "Slack chat.update Tier 3: ~50/min per workspace",
        ),
        ("429s received", str(discord.http_429), str(slack.http_429), "expected 0"),
    ]
    width = max(len(r[0]) for r in rows) + 2
    out = [f"  {'':<{width}}{'Discord':>9}{'Slack':>9}   limit"]
    out += [f"  {a:<{width}}{b:>9}{c:>9}   {d}" for a, b, c, d in rows]
    return "\n".join(out)


@dataclass(frozen=True, slots=True)
class CardLag:
    platform: str
    lags_s: list[float]  # per (move, channel) shown: the move -> the call that showed it
    unshown: int  # (move, channel) not shown by the end of the run


SONG = re.compile(r"song (\d+)/\d+")
Shown = tuple[int, str]  # (the track's place in the queue, playing | paused | played | end)


def shown_by(record: dict[str, Any]) -> Shown | None:
    """What a card call shows: the card's track and state, or the closing summary."""
    text = json.dumps(record.get("body"), ensure_ascii=False)
    if "is over" in text:
        return (-1, "end")
    song = SONG.search(text)
    if song is None:
        return None
    for word, state in (("paused at", "paused"), ("played", "played"), ("started", "playing")):
        if word in text:
            return (int(song.group(1)) - 1, state)
    return (int(song.group(1)) - 1, "playing") if "now playing" in text else None


def card_lag(
    records: Sequence[dict[str, Any]],
    platform: str,
    channels: Sequence[str],
    moves: Sequence[tuple[float, Shown]],
) -> CardLag:
    """How long each move (started, paused, resumed, skipped, a track's end, the end) took to
    show in each channel: its first successful card call after the move that shows the move's
    track in its state, or a later move's (the party moved on before this one was shown)."""
    shown: dict[str, list[tuple[float, Shown]]] = defaultdict(list)
    for r in records:
        call = _discord(r) if r.get("platform") == "discord" else _slack(r)
        key = shown_by(r) if call is not None and call.status < 300 else None
        if call is not None and call.platform == platform and key is not None:
            shown[call.channel].append((call.at, key))
    lags, unshown = [], 0
    for channel in channels:
        calls = sorted(shown.get(channel, []))
        for n, (moved, _) in enumerate(moves):
            wanted = {key for _, key in moves[n:]}
            at = next((t for t, key in calls if t >= moved and key in wanted), None)
            if at is None:
                unshown += 1
            else:
                lags.append(at - moved)
    return CardLag(platform, lags, unshown)


def format_lag(discord: CardLag, slack: CardLag) -> str:
    def cell(lag: CardLag) -> str:
        if not lag.lags_s:
            return "-"
        p50, p95 = (percentile(lag.lags_s, q) for q in (50, 95))
        return f"{p50:.1f} / {p95:.1f} / {max(lag.lags_s):.1f}"

    rows = [
        ("", "Discord", "Slack"),
        ("move -> the channel's card shows it, p50/p95/max s", cell(discord), cell(slack)),
        (
            "  (move, channel) shown / not shown by the end",
            f"{len(discord.lags_s)} / {discord.unshown}",
            f"{len(slack.lags_s)} / {slack.unshown}",
        ),
    ]
    width = max(len(r[0]) for r in rows) + 2
    return "\n".join(f"  {a:<{width}}{b:>22}{c:>24}" for a, b, c in rows)
