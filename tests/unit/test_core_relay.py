"""The relay's decisions, on the in-memory store with recording adapters (no emulator, no
database): which channels a post reaches by their direction, and that edits, deletes and
reactions follow it there; and whose posts are not relayed at all."""

from __future__ import annotations

from bridge.ids import Direction, Visibility
from bridge.outcome import Ignored
from tests.unit.core_scene import ALICE, D1, D2, ERIN, MOD, S1, S2, Core

INOUT, IN, OUT = Direction.INOUT, Direction.IN, Direction.OUT


async def test_a_post_reaches_every_channel_that_receives_and_no_other() -> None:
    core = Core()
    await core.group((D1, INOUT), (S1, INOUT), (D2, OUT), (S2, IN))
    await core.post(D1, ALICE, "hello all")
    posts = core.calls("post")
    assert {c.target for c in posts} == {S1, D2}  # not back to D1, not to the send-only S2
    assert {(c.text, c.author) for c in posts} == {("hello all", "Alice")}


async def test_a_receive_only_channel_sends_nothing() -> None:
    core = Core()
    await core.group((D1, INOUT), (D2, OUT))
    _, outcome = await core.post(D2, ALICE, "can anyone hear me?")
    assert isinstance(outcome, Ignored) and core.calls("post") == []


async def test_edits_deletes_and_reactions_follow_the_copies() -> None:
    core = Core()
    await core.group((D1, INOUT), (S1, INOUT), (S2, IN))
    message, _ = await core.post(S1, ERIN, "frist")
    [copy] = core.discord.of("post")
    await core.edit(S1, message, "first")
    [edit] = core.calls("edit")
    assert (edit.target, edit.text, edit.copies) == (D1, "first", copy.copies)
    await core.react(D1, copy.copies[0], ALICE, "🔥")  # on the copy: the original gets it
    [reaction] = core.calls("react")
    assert (reaction.target, reaction.emoji, reaction.add) == (S1, "🔥", True)
    await core.delete(S1, message)
    [delete] = core.calls("delete")
    assert (delete.target, delete.copies) == (D1, copy.copies)


async def test_a_banned_member_is_not_relayed_from_any_of_their_accounts() -> None:
    core = Core()
    await core.group((D1, INOUT), (S1, INOUT))
    await core.same_person(ALICE, ERIN)
    reply = await core.command(D1, MOD, "ban", user="<@11>", reason="spam")
    assert "banned" in reply.text
    core.forget_calls()
    for channel, user in ((D1, ALICE), (S1, ERIN)):
        _, outcome = await core.post(channel, user, "still here")
        assert isinstance(outcome, Ignored) and "banned" in outcome.reason
    assert core.calls("post") == []


async def test_a_timed_out_member_is_not_relayed_until_the_timeout_ends() -> None:
    core = Core()
    await core.group((D1, INOUT), (S1, INOUT))
    await core.store.upsert_account(user=ALICE, display_name="Alice")
    await core.command(D1, MOD, "timeout", user="<@11>", duration="10m")
    _, outcome = await core.post(D1, ALICE, "let me talk")
    assert isinstance(outcome, Ignored) and "timed out" in outcome.reason
    core.clock.advance(11 * 60)
    await core.post(D1, ALICE, "thanks for waiting")
    assert [c.text for c in core.calls("post")] == ["thanks for waiting"]


async def test_in_a_gated_group_only_admitted_fans_are_relayed() -> None:
    core = Core()
    group = await core.group((D1, INOUT), (S1, INOUT), visibility=Visibility.INVITE)
    _, outcome = await core.post(S1, ERIN, "hi, new here")
    assert isinstance(outcome, Ignored) and "not admitted" in outcome.reason
    assert core.calls("post") == []
    await core.post(D1, MOD, "owners always speak")  # an owner is admitted
    assert core.where("post") == {S1}
    assert group.visibility is Visibility.INVITE
