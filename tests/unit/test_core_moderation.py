"""Moderation's decisions on the in-memory store with recording adapters: a delete everywhere
reaches every copy, and a ban (or an unban) does on each platform what that platform can do."""

from __future__ import annotations

from bridge.events import MemberBanned, MessageShortcut
from bridge.ids import Direction, Platform
from tests.unit.core_scene import ALICE, D1, D2, ERIN, GUILD, MOD, S1, Core

INOUT = Direction.INOUT


async def _linked_fan(core: Core) -> None:
    """A group on two Discord channels and a Slack one; Alice is one person on both platforms."""
    await core.group((D1, INOUT), (D2, INOUT), (S1, INOUT))
    await core.same_person(ALICE, ERIN)


async def test_delete_everywhere_removes_every_copy_of_the_message() -> None:
    core = Core()
    await _linked_fan(core)
    message, _ = await core.post(D1, ALICE, "oops, wrong group")
    copies = {c.target: c.copies for c in core.calls("post")}
    core.forget_calls()
    shortcut = MessageShortcut("k1", S1, copies[S1][0], MOD, "delete_everywhere")
    reply = await core.send(shortcut)
    assert "everywhere" in str(reply)
    deleted = {c.target: c.copies for c in core.calls("delete")}
    assert deleted[D2] == copies[D2] and deleted[S1] == copies[S1]  # the relayed copies
    assert deleted[D1] == (message,)  # and the original on Discord (a bot may delete it there)


async def test_a_ban_reaches_each_platform_with_that_platforms_account() -> None:
    core = Core()
    await _linked_fan(core)
    reply = await core.command(D1, MOD, "ban", user="<@11>", reason="spam")
    assert "banned from *Fans*" in reply.text
    bans = {(c.target, c.user) for c in core.calls("ban")}
    # Discord: a channel overwrite for Alice's Discord id; Slack: her Slack account is kicked
    assert bans == {(D1, ALICE.user), (D2, ALICE.user), (S1, ERIN.user)}


async def test_with_the_guild_ban_scope_discord_bans_from_the_guild_instead() -> None:
    core = Core()
    await _linked_fan(core)
    await core.command(D1, MOD, "banscope", value="guild")
    await core.command(D1, MOD, "ban", user="<@11>")
    guild_bans = [(c.target, c.user, c.add) for c in core.calls("guild_ban")]
    assert guild_bans == [(D1, ALICE.user, True), (D2, ALICE.user, True)]
    assert core.discord.of("ban") == []  # no channel overwrites
    assert core.slack.targets("ban") == [S1]


async def test_an_unban_lifts_discord_overwrites_and_cannot_undo_a_slack_kick() -> None:
    core = Core()
    await _linked_fan(core)
    await core.command(D1, MOD, "ban", user="<@11>")
    core.forget_calls()
    reply = await core.command(D1, MOD, "unban", user="<@11>")
    assert "unbanned" in reply.text
    assert core.where("unban") == {D1, D2}  # nothing on Slack: she may rejoin by herself
    log = await core.store.modlog(1)
    slack = [e for e in log[0].effects if e.channel == S1]
    assert [(e.status, e.detail) for e in slack] == [
        ("skipped", "Slack cannot undo a kick; the person can rejoin")
    ]


async def test_a_discord_guild_ban_is_carried_to_slack_only() -> None:
    core = Core()
    await _linked_fan(core)
    event = MemberBanned("gb1", Platform.DISCORD, GUILD, ALICE, reason="raid")
    await core.send(event)
    assert core.where("ban") == {S1}  # the guild's own ban already covers its channels
    await core.post(S1, ERIN, "am I still here?")
    assert core.calls("post") == []
