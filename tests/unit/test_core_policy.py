"""The group's moderation policy decides what a moderation action does on the other platform:
``mirror`` does it, ``suggest`` asks that platform's moderators with a card (Apply does it),
``log`` only records it."""

from __future__ import annotations

from bridge.events import ModCardClicked
from bridge.ids import Direction
from tests.unit.core_scene import ALICE, D1, ERIN, MOD, S1, SLACK_MOD, Core

INOUT = Direction.INOUT


async def _ban_alice(core: Core, policy: str) -> None:
    await core.group((D1, INOUT), (S1, INOUT), policy=policy)
    await core.same_person(ALICE, ERIN)
    await core.command(D1, MOD, "ban", user="<@11>", reason="spam")


async def test_mirror_bans_on_both_platforms_at_once() -> None:
    core = Core()
    await _ban_alice(core, "mirror")
    assert core.where("ban") == {D1, S1}
    assert core.calls("mod_card") == []


async def test_suggest_acts_on_the_origin_platform_and_asks_the_other_with_a_card() -> None:
    core = Core()
    await _ban_alice(core, "suggest")
    assert core.where("ban") == {D1}
    [card] = core.calls("mod_card")
    assert card.target == S1 and "Apply it on Slack" in card.text and "spam" in card.text
    click = ModCardClicked("c1", S1, SLACK_MOD, card.card, "apply")
    await core.send(click)
    assert core.where("ban") == {D1, S1}


async def test_a_dismissed_suggestion_does_nothing_there() -> None:
    core = Core()
    await _ban_alice(core, "suggest")
    [card] = core.calls("mod_card")
    await core.send(ModCardClicked("c1", S1, SLACK_MOD, card.card, "dismiss"))
    assert core.where("ban") == {D1}


async def test_log_records_the_ban_and_performs_nothing() -> None:
    core = Core()
    await _ban_alice(core, "log")
    assert core.calls("ban") == [] and core.calls("mod_card") == []
    [action] = await core.store.modlog(1)
    assert action.kind == "ban" and {e.detail for e in action.effects} == {"policy log"}
    await core.post(D1, ALICE, "hello?")  # the relay still stops: she is banned
    assert core.calls("post") == []
