"""Nothing lost while the bridge is not listening: what fans post, edit, delete and react while
it is stopped, killed, or its platform session is lost crosses when it is back, once and in
order (catch-up reads each linked channel's history through the real clients)."""

from __future__ import annotations

import pytest

from adapters.runtime import Runtime
from bridge.ids import ChannelRef, Platform, UserRef
from tests.e2e.catchup_room import Room, numbered

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_what_happened_while_stopped_crosses_once_in_order(room: Room) -> None:
    await room.start()
    # before the stop: 5 messages each side, relayed, some with reactions
    d_before = [await room.discord_post("alice", f"before-d {i:03d}") for i in range(1, 6)]
    s_before = [await room.slack_post("frank", f"before-s {i:03d}") for i in range(1, 6)]
    await room.relayed("before-d", "before-s", 5)
    await room.emu.post(
        f"/_emu/discord/messages/{d_before[0]['id']}/reactions",
        {"user_id": room.d_users["alice"], "emoji": "🔥"},
    )
    await room.emu.until(lambda: _slack_has_reaction(room, "before-d 001", "fire"), what="🔥")
    await room.stop()

    # while stopped: 50 posts each side (with a Slack thread and a Discord reply), 5 edits,
    # 5 deletes, reactions added and removed
    for i in range(1, 51):
        reply = {"reply_to": d_before[1]["id"]} if i == 10 else {}
        await room.discord_post("bob", f"down-d {i:03d}", **reply)
        extra = {"thread_ts": s_before[2]} if i in (20, 21) else {}
        await room.slack_post("grace", f"down-s {i:03d}", **extra)
    for i in range(3):
        await room.emu.post(
            f"/_emu/discord/messages/{d_before[i]['id']}/edit", {"content": f"edited-d {i}"}
        )
    for i, ts in enumerate(s_before[:2]):
        edit = {"channel": room.s_channel, "ts": ts, "text": f"edited-s {i}"}
        await room.emu.post("/_emu/slack/messages/edit", edit)
    await room.emu.post(f"/_emu/discord/messages/{d_before[3]['id']}/delete", {})
    await room.emu.post(f"/_emu/discord/messages/{d_before[4]['id']}/delete", {})
    for ts in s_before[3:5]:
        await room.emu.post("/_emu/slack/messages/delete", {"channel": room.s_channel, "ts": ts})
    await room.emu.post(
        f"/_emu/discord/messages/{d_before[0]['id']}/reactions",
        {"user_id": room.d_users["alice"], "emoji": "🔥", "remove": True},
    )
    await room.emu.post(
        "/_emu/slack/reactions",
        {
            "channel": room.s_channel,
            "ts": s_before[1],
            "user": room.s_users["frank"],
            "reaction": "tada",
        },
    )

    runtime = await room.start()
    # 2 of the Slack ones are thread replies, and so is the Discord reply on Slack
    await room.relayed("down-d", "down-s", 49, 48)

    # every message once, in order, on the other side
    slack_side = [str(r.get("text") or "") for r in await room.shown_slack()]
    discord_side = [str(r.get("content") or "") for r in await room.shown_discord()]
    assert numbered(slack_side, "down-d") == [i for i in range(1, 51) if i != 10]
    top_level = [i for i in range(1, 51) if i not in (20, 21)]
    assert numbered(discord_side, "down-s") == top_level  # 20 and 21 are in a thread
    # a caught-up copy says when the original was posted only when that was over a minute ago
    assert not any("originally posted" in t for t in slack_side)

    async def edits_and_deletes_done() -> bool:
        slack_now = "\n".join(str(r.get("text")) for r in await room.shown_slack())
        discord_now = "\n".join(str(r.get("content")) for r in await room.shown_discord())
        return (
            all(f"edited-d {i}" in slack_now for i in range(3))
            and discord_now.count("edited-s") == 2
            and "before-d 004" not in slack_now
            and "before-d 005" not in slack_now
            and "before-s 004" not in discord_now
            and "before-s 005" not in discord_now
        )

    await room.emu.until(edits_and_deletes_done, timeout=30, what="edits and deletes reconciled")
    # reactions: the removed 🔥 left the Slack copy, the added 🎉 reached the Discord copy
    await room.emu.until(
        lambda: _slack_lacks_reaction(room, "edited-d 0", "fire"), what="🔥 removed on Slack"
    )
    await room.emu.until(
        lambda: _discord_has_reaction(room, "edited-s 1", "🎉"), what="🎉 reached Discord"
    )
    # the Slack thread replies are in the Discord thread of the copy of their root
    root_copy = next(r for r in await room.shown_discord() if "before-s 003" in str(r["content"]))
    assert root_copy.get("thread"), root_copy
    in_thread = [
        str(r["content"]) for r in await room.shown_discord(str(root_copy["thread"]["id"]))
    ]
    assert numbered(in_thread, "down-s") == [20, 21]
    # the Discord reply answers its parent's copy in a Slack thread
    parent = next(r for r in await room.shown_slack() if "edited-d 1" in str(r["text"]))
    assert numbered([str(r["text"]) for r in parent.get("replies") or []], "down-d") == [10]
    # and /fangroup info no longer says "catching up"
    discord_link = ChannelRef(Platform.DISCORD, room.guild_id, room.d_channel)
    assert await runtime.link_health(discord_link) == "connected"


async def _slack_has_reaction(room: Room, needle: str, name: str) -> bool:
    for row in await room.shown_slack():
        if needle in str(row.get("text")):
            return any(r["name"] == name for r in row.get("reactions") or [])
    return False


async def _slack_lacks_reaction(room: Room, needle: str, name: str) -> bool:
    for row in await room.shown_slack():
        if needle in str(row.get("text")):
            return not any(r["name"] == name for r in row.get("reactions") or [])
    return False


async def _discord_has_reaction(room: Room, needle: str, emoji: str) -> bool:
    for row in await room.shown_discord():
        if needle in str(row.get("content")):
            return any(r["emoji"] == emoji for r in row.get("reactions") or [])
    return False


async def test_a_mirror_lost_while_stopped_is_put_back(room: Room) -> None:
    """The bot's mirror of a reaction (say one that waited for a free slot when the bridge
    stopped, or whose delivery was lost) is added back when the history shows it missing."""
    await room.start()
    sent = await room.discord_post("alice", "mirror-me 001")
    await room.relayed("mirror-me", "nothing", 1, 0)
    await room.emu.post(
        f"/_emu/discord/messages/{sent['id']}/reactions",
        {"user_id": room.d_users["alice"], "emoji": "🔥"},
    )
    await room.emu.until(lambda: _slack_has_reaction(room, "mirror-me 001", "fire"), what="🔥")
    await room.stop()
    copy = next(r for r in await room.shown_slack() if "mirror-me 001" in str(r["text"]))
    bot = str(room.world["slack"]["bot_user_id"])
    lost = {"channel": room.s_channel, "ts": copy["ts"], "user": bot, "reaction": "fire"}
    await room.emu.post("/_emu/slack/reactions", lost | {"remove": True})
    assert await _slack_lacks_reaction(room, "mirror-me 001", "fire")

    await room.start()
    await room.emu.until(
        lambda: _slack_has_reaction(room, "mirror-me 001", "fire"), what="🔥 put back on Slack"
    )


async def test_bans_and_unbans_made_while_stopped_reach_the_group(room: Room) -> None:
    """The gateway does not guarantee ban events: the guild's ban list, compared with the one
    read at the last catch-up, tells what changed while the bridge was away."""
    admin = room.d_users["alice"]
    await room.emu.post(
        "/_emu/discord/bans",
        {"guild_id": room.guild_id, "user_id": room.d_users["dave"], "actor_id": admin},
    )
    runtime = await room.start()  # the first read only remembers the list (dave: before us)
    await room.emu.until(lambda: _caught_up(runtime), what="first catch-up")
    await room.stop()
    await room.emu.post(
        "/_emu/discord/bans",
        {"guild_id": room.guild_id, "user_id": room.d_users["bob"], "actor_id": admin},
    )
    unban = {"guild_id": room.guild_id, "user_id": room.d_users["dave"], "actor_id": admin}
    await room.emu.post("/_emu/discord/bans", unban | {"remove": True})

    runtime = await room.start()
    await room.emu.until(lambda: _caught_up(runtime), what="catch-up after the restart")
    assert runtime.store is not None
    group = await runtime.store.get_group("fans")
    assert group is not None

    async def banned(name: str) -> bool:
        assert runtime.store is not None
        user = UserRef(Platform.DISCORD, room.guild_id, room.d_users[name])
        account = await runtime.store.get_account(user)
        return account is not None and await runtime.store.is_banned(group.id, account.member_id)

    assert await banned("bob")  # banned while the bridge was away: banned from the group
    assert not await banned("dave")  # banned before, unbanned while away: never banned here
    log = await runtime.store.modlog(group.id)
    assert [a.kind for a in log] == ["ban"]


async def _caught_up(runtime: Runtime) -> bool:
    catchup = runtime.catchup
    return catchup is not None and not catchup.running() and bool(catchup.progress)
