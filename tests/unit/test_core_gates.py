"""Join gates on the in-memory store with recording adapters: an invite group admits a fan with
a moderator's code (as many times as the code allows), an approval group admits the fans a
moderator approves; an admitted fan's platform lets them in, and their posts are relayed."""

from __future__ import annotations

from bridge.ids import Direction, Platform, UserRef, Visibility
from tests.unit.core_scene import D1, ERIN, MOD, S1, SLACK_MOD, TEAM, Core

INOUT = Direction.INOUT
GRACE = UserRef(Platform.SLACK, TEAM, "U0GRACE")


def _code(reply_text: str) -> str:
    return reply_text.split("`")[1]


async def test_an_invite_code_admits_once_and_the_fan_is_relayed_from_then_on() -> None:
    core = Core()
    await core.group((D1, INOUT), (S1, INOUT), visibility=Visibility.INVITE)
    refused = await core.command(S1, ERIN, "join")
    assert "invite-only" in refused.text
    code = _code((await core.command(D1, MOD, "invite")).text)
    welcome = await core.command(S1, ERIN, "join", code=code)
    assert welcome.text == "Welcome to *Fans*!"
    assert [(c.target, c.user) for c in core.calls("admit")] == [(S1, ERIN.user)]
    await core.post(S1, ERIN, "glad to be here")
    assert core.where("post") == {D1}
    used_up = await core.command(S1, GRACE, "join", code=code)
    assert "used up" in used_up.text and len(core.calls("admit")) == 1


async def test_only_moderators_make_invite_codes() -> None:
    core = Core()
    await core.group((D1, INOUT), (S1, INOUT), visibility=Visibility.INVITE)
    reply = await core.command(S1, ERIN, "invite")
    assert reply.text.startswith("Sorry, only the group's owners and moderators")


async def test_an_approval_group_asks_the_moderators_and_admits_whom_they_approve() -> None:
    core = Core()
    await core.group((D1, INOUT), (S1, INOUT), visibility=Visibility.APPROVAL)
    asked = await core.command(S1, ERIN, "join")
    assert "A moderator will approve or deny it" in asked.text
    [card] = core.calls("join_card")
    assert card.target == S1 and "Erin" in card.text  # where she asked (no moderator channel)
    assert core.calls("admit") == []
    approved = await core.command(S1, SLACK_MOD, "join", "approve", request=str(card.card))
    assert approved.text.startswith("✅ Erin was admitted")
    assert core.where("admit") == {S1}
    again = await core.command(S1, SLACK_MOD, "join", "deny", request=str(card.card))
    assert again.text == "Another moderator has decided this request already."


async def test_a_denied_fan_is_not_admitted_nor_relayed() -> None:
    core = Core()
    await core.group((D1, INOUT), (S1, INOUT), visibility=Visibility.APPROVAL)
    await core.command(S1, ERIN, "join")
    [card] = core.calls("join_card")
    denied = await core.command(S1, SLACK_MOD, "join", "deny", request=str(card.card))
    assert denied.text.startswith("❌ Erin's request")
    assert core.calls("admit") == []
    await core.post(S1, ERIN, "let me in")
    assert core.calls("post") == []
