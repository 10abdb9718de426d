"""One owner rule for every setting of a group (bridge/groups/roles.py): its owners and the
people the platform lets manage the channel may change it; its moderators, who may moderate,
may not. Each command says so the same way, and a refusal changes nothing."""

from __future__ import annotations

import pytest

from bridge.ids import Direction, Role, UserRef
from tests.unit.core_scene import ALICE, D1, D2, GUILD, MOD, Core

FAN = UserRef(ALICE.platform, GUILD, "12")
SETTINGS: list[tuple[tuple[str, ...], dict[str, str]]] = [
    (("links",), {"value": "off"}),
    (("unlink",), {}),
    (("mod", "add"), {"user": FAN.user}),
    (("artist", "add"), {"user": FAN.user}),
    (("visibility",), {"value": "invite"}),
    (("policy",), {"value": "log"}),
    (("banscope",), {"value": "guild"}),
    (("kickscope",), {"value": "guild"}),
]


async def _core() -> Core:
    core = Core()
    group = await core.group((D1, Direction.INOUT))
    account = await core.store.upsert_account(user=ALICE, display_name="Alice")
    await core.store.grant_role(group_id=group.id, member_id=account.member_id, role=Role.MODERATOR)
    return core


async def _state(core: Core) -> tuple[object, ...]:
    group = await core.store.get_group("fans")
    assert group is not None
    return (
        group.settings,
        group.visibility,
        await core.store.roles_in_group(group.id),
        (await core.store.link_for_channel(D1)),
    )


@pytest.mark.parametrize(("path", "args"), SETTINGS)
async def test_a_moderator_may_not_change_a_setting(
    path: tuple[str, ...], args: dict[str, str]
) -> None:
    core = await _core()
    before = await _state(core)
    reply = await core.command(D1, ALICE, *path, **args)
    assert reply.text.startswith("Sorry,") and "owner" in reply.text, reply.text
    assert await _state(core) == before


@pytest.mark.parametrize(("path", "args"), SETTINGS)
@pytest.mark.parametrize("who", ["owner", "channel manager"])
async def test_an_owner_or_a_channel_manager_may(
    path: tuple[str, ...], args: dict[str, str], who: str
) -> None:
    core = await _core()
    before = await _state(core)
    by, manager = (MOD, False) if who == "owner" else (FAN, True)
    reply = await core.command(D1, by, *path, moderator=manager, **args)
    assert not reply.text.startswith("Sorry"), reply.text
    assert await _state(core) != before


async def test_linking_another_channel_follows_the_same_rule() -> None:
    core = await _core()
    refused = await core.command(D2, ALICE, "link", group="fans")
    assert refused.text.startswith("Sorry, you may not link this channel")
    assert await core.store.link_for_channel(D2) is None
    linked = await core.command(D2, MOD, "link", group="fans")
    assert linked.text == "Linked this channel to *Fans*."
