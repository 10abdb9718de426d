"""What the outbox does when a platform cannot take a call now or refuses it, with recording
adapters told to fail: the other channels get their copies at once, a rate limit waits as long
as the platform says, an outage is retried, a refusal is never retried; nothing arrives twice."""

from __future__ import annotations

from bridge.ids import Direction
from bridge.ports import PermanentError, RateLimited, TransientError
from tests.unit.core_scene import ALICE, D1, D2, MOD, S1, Core

INOUT = Direction.INOUT


async def test_a_rate_limited_channel_waits_as_long_as_told_and_gets_its_copy_once() -> None:
    core = Core()
    await core.group((D1, INOUT), (D2, INOUT), (S1, INOUT))
    core.slack.fail(RateLimited(30.0), kind="post")
    await core.post(D1, ALICE, "hello")
    assert core.where("post") == {D2}  # Discord's copy did not wait for Slack
    assert [c.target for c in core.slack.failed] == [S1]
    core.clock.advance(29)
    await core.deliver()
    assert core.slack.of("post") == []  # not before the platform said
    core.clock.advance(2)
    await core.deliver()
    assert [c.text for c in core.slack.of("post")] == ["hello"]


async def test_an_outage_is_retried_until_the_platform_answers() -> None:
    core = Core()
    await core.group((D1, INOUT), (S1, INOUT))
    core.slack.fail(TransientError("HTTP 503"), kind="post", times=3)
    await core.post(D1, ALICE, "are you there?")
    for _ in range(4):  # backoff: 1 s, 2 s, 4 s (±50 %), capped at 5 s
        core.clock.advance(8)
        await core.deliver()
    assert len(core.slack.failed) == 3
    assert [c.text for c in core.slack.of("post")] == ["are you there?"]


async def test_a_refusal_is_not_retried_and_the_modlog_says_why() -> None:
    core = Core()
    await core.group((D1, INOUT), (S1, INOUT))
    await core.same_person(ALICE)
    core.discord.fail(PermanentError("403 Missing Permissions"), kind="ban")
    await core.command(D1, MOD, "ban", user="<@11>")
    core.clock.advance(3600)
    await core.deliver()
    assert len(core.discord.failed) == 1 and core.discord.of("ban") == []
    [action] = await core.store.modlog(1)
    assert [(e.channel, e.status, e.detail) for e in action.effects if e.channel == D1] == [
        (D1, "failed", "403 Missing Permissions")
    ]
