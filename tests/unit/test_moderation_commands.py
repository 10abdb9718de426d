"""The moderation commands' decisions on the in-memory store, in milliseconds: one owner rule
for the group's settings, one "not linked" reply, timeouts kept until they expire or are lifted,
and lengths of time read as everywhere else."""

from __future__ import annotations

import pytest

from bridge.events import CommandInvoked
from bridge.groups.replies import NOT_LINKED
from bridge.ids import ChannelRef, Platform, Role, UserRef
from bridge.moderation.service import ModerationService
from bridge.outcome import Reply
from bridge.testing import ManualClock, MemoryStore

MUSIC = ChannelRef(Platform.SLACK, "T1", "C1")
ELSEWHERE = ChannelRef(Platform.SLACK, "T1", "C9")
OWNER = UserRef(Platform.SLACK, "T1", "U0OWNER")
MOD = UserRef(Platform.SLACK, "T1", "U0MOD")
FAN = UserRef(Platform.SLACK, "T1", "U0FAN")


class Scene:
    def __init__(self) -> None:
        self.clock = ManualClock()
        self.store = MemoryStore(self.clock)
        self.moderation = ModerationService(self.store, self.clock, lambda: None)
        self.commands = self.moderation.commands()
        self.group_id = 0

    async def setup(self) -> None:
        group = await self.store.create_group(slug="fans", name="Fans")
        self.group_id = group.id
        await self.store.link_channel(group_id=group.id, channel=MUSIC)
        for user, role in ((OWNER, Role.OWNER), (MOD, Role.MODERATOR)):
            account = await self.store.upsert_account(user=user, display_name=user.user)
            await self.store.grant_role(group_id=group.id, member_id=account.member_id, role=role)
        await self.store.upsert_account(user=FAN, display_name="Fan")

    async def run(
        self, who: UserRef, text: str, *, where: ChannelRef = MUSIC, manager: bool = False
    ) -> Reply:
        name, _, rest = text.partition(" ")
        user, _, reason = rest.partition(" ")
        args = {"value": rest} if name in ("policy", "banscope", "kickscope") else {}
        args |= {"user": user, "reason": reason} if user.startswith("<@") else {}
        event = CommandInvoked(
            key=f"k{self.clock.now()}{text}",
            channel=where,
            user=who,
            path=(name,),
            args=args,
            can_manage_channel=manager,
        )
        reply = await self.commands[name](event)
        assert isinstance(reply, Reply)
        return reply

    async def fan_timeout(self) -> float:
        account = await self.store.get_account(FAN)
        assert account is not None
        stored = await self.store.get_timeout(self.group_id, account.member_id)
        return stored.until if stored else 0.0


@pytest.fixture
async def scene() -> Scene:
    made = Scene()
    await made.setup()
    return made


@pytest.mark.parametrize(
    "command",
    [
        *("ban <@U0FAN>", "unban <@U0FAN>", "timeout <@U0FAN> 10m", "untimeout <@U0FAN>"),
        *("kick <@U0FAN>", "modlog", "policy log", "banscope guild", "kickscope guild"),
    ],
)
async def test_every_moderation_command_says_the_same_when_the_channel_is_not_linked(
    scene: Scene, command: str
) -> None:
    reply = await scene.run(OWNER, command, where=ELSEWHERE, manager=True)
    assert reply.text == NOT_LINKED


async def test_only_owners_and_channel_managers_change_the_groups_settings(scene: Scene) -> None:
    refused = await scene.run(MOD, "policy suggest")
    assert refused.text.startswith("Sorry, you may not change the policy: it takes Manage")
    assert (await scene.run(OWNER, "policy suggest")).text == "The policy of *Fans* is now suggest."
    assert (await scene.run(FAN, "banscope guild", manager=True)).text.endswith("now guild.")
    group = await scene.store.get_group_by_id(scene.group_id)
    assert group is not None and group.settings["moderation_policy"] == "suggest"
    assert group.settings["discord_ban_scope"] == "guild"


async def test_a_timeout_stops_the_member_until_it_ends(scene: Scene) -> None:
    reply = await scene.run(MOD, "timeout <@U0FAN> 1h30m flooding the channel")
    assert reply.text.startswith("Fan is timed out in *Fans* for 1h30m (modlog #")
    assert not reply.ephemeral
    assert await scene.fan_timeout() == scene.clock.now() + 5400
    [action] = await scene.store.modlog(scene.group_id)
    assert (action.kind, action.reason) == ("timeout", "flooding the channel")
    account = await scene.store.get_account(FAN)
    assert account is not None
    assert await scene.moderation.is_timed_out(scene.group_id, account.member_id)
    scene.clock.advance(5400)
    assert not await scene.moderation.is_timed_out(scene.group_id, account.member_id)
    reply = await scene.run(MOD, "untimeout <@U0FAN>")
    assert reply.text == "Fan is not timed out in *Fans*."


async def test_untimeout_lifts_it(scene: Scene) -> None:
    await scene.run(MOD, "timeout <@U0FAN> 2 hours")
    reply = await scene.run(MOD, "untimeout <@U0FAN>")
    assert reply.text.startswith("Fan's timeout in *Fans* is lifted")
    assert await scene.fan_timeout() == 0.0


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("timeout <@U0FAN> soon", "A length of time is needed"),
        ("timeout <@U0FAN> 10x spam", "Unknown unit `x`"),
        ("timeout <@U0FAN> 29d", "longer than 28 days"),
        ("timeout <@U0FAN> 0m", "no time at all"),
    ],
)
async def test_a_bad_length_of_time_is_refused_with_the_usage_and_why(
    scene: Scene, text: str, why: str
) -> None:
    reply = await scene.run(MOD, text)
    assert reply.text.startswith("Usage: `/fangroup timeout @user 10m") and why in reply.text
    assert await scene.fan_timeout() == 0.0
    assert await scene.store.modlog(scene.group_id) == []


async def test_a_fan_may_not_time_anyone_out(scene: Scene) -> None:
    reply = await scene.run(FAN, "timeout <@U0MOD> 10m")
    assert reply.text.startswith("Sorry, only the group's owners and moderators")
    assert await scene.store.modlog(scene.group_id) == []
