"""The identity service on its own: codes, expiry on a manual clock, clashing links, roles
through linked accounts. (The whole path through real clients: tests/e2e/test_identity_roles.)"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bridge.events import CommandInvoked
from bridge.groups.commands import GroupCommands
from bridge.groups.identity import (
    CODE_ALPHABET,
    CODE_LENGTH,
    IdentityService,
    new_code,
    normalise_code,
)
from bridge.groups.replies import safe_name
from bridge.ids import ChannelRef, Platform, Role, UserRef
from bridge.outcome import Outcome, Reply
from storage.repos import SqlStore

ALICE = UserRef(Platform.DISCORD, "900", "11")
BOB = UserRef(Platform.DISCORD, "900", "12")
ERIN = UserRef(Platform.SLACK, "T1", "U1")
D = ChannelRef(Platform.DISCORD, "900", "901")
S = ChannelRef(Platform.SLACK, "T1", "C1")


class Clock:
    def __init__(self) -> None:
        self.t = 1_800_000_000.0

    def now(self) -> float:
        return self.t


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqlStore]:
    opened = await SqlStore.open(f"sqlite+aiosqlite:///{tmp_path / 'id.db'}")
    yield opened
    await opened.close()


def command(who: UserRef, *path: str, **args: str) -> CommandInvoked:
    channel = D if who.platform is Platform.DISCORD else S
    return CommandInvoked("k", channel, who, path, args, display_name=who.user)


def text(outcome: Outcome) -> str:
    assert isinstance(outcome, Reply)
    return outcome.text


def code_in(outcome: Outcome) -> str:
    found = re.search(r"`([A-Z0-9]{8})`", text(outcome))
    assert found, text(outcome)
    return found.group(1)


def test_codes_use_the_unambiguous_alphabet_and_forgive_typing() -> None:
    codes = {new_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(c) == CODE_LENGTH and set(c) <= set(CODE_ALPHABET) for c in codes)
    assert not set("01OIL") & set(CODE_ALPHABET)
    assert normalise_code(" abcd-efgh ") == "ABCDEFGH"
    assert normalise_code("`ABCD EFGH`") == "ABCDEFGH"
    assert safe_name("<!channel> <@U1>") == "‹!channel› ‹@U1›"


async def test_a_code_expires_after_ten_minutes(store: SqlStore) -> None:
    clock = Clock()
    identity = IdentityService(store, clock)
    code = code_in(await identity.account(command(ALICE, "account", "link")))
    assert "/fangroup account confirm" in text(await identity.account(command(ALICE, "account")))
    clock.t += 601
    late = await identity.account(command(ERIN, "account", "confirm", code=code))
    assert "expired" in text(late)
    fresh = code_in(await identity.account(command(ALICE, "account", "link")))
    clock.t += 599
    linked = await identity.account(command(ERIN, "account", "confirm", code=fresh.lower()))
    assert text(linked) == "Linked: your Discord account and your Slack account are one fan now."


async def test_linking_two_accounts_of_one_workspace_is_refused(store: SqlStore) -> None:
    identity = IdentityService(store)
    code = code_in(await identity.account(command(ALICE, "account", "link")))
    assert "Linked" in text(await identity.account(command(ERIN, "account", "confirm", code=code)))
    # Bob (same guild as Alice) links to Erin too: Erin's member already has a Discord
    # account in that guild, so a mention there would have two meanings
    code = code_in(await identity.account(command(BOB, "account", "link")))
    refused = await identity.account(command(ERIN, "account", "confirm", code=code))
    assert "unlink" in text(refused)
    bob = await store.get_account(BOB)
    erin = await store.get_account(ERIN)
    assert bob is not None and erin is not None and bob.member_id != erin.member_id
    # after Erin unlinks, the same (unused) code works
    assert "Unlinked" in text(await identity.account(command(ERIN, "account", "unlink")))
    again = await identity.account(command(ERIN, "account", "confirm", code=code))
    assert "Linked" in text(again)


async def test_moderators_count_through_every_linked_account(store: SqlStore) -> None:
    commands = GroupCommands(store)
    group = await store.create_group(slug="g", name="G")
    await store.link_channel(group_id=group.id, channel=D)
    await store.link_channel(group_id=group.id, channel=S)
    alice = await store.upsert_account(user=ALICE, display_name="Alice")
    await store.grant_role(group_id=group.id, member_id=alice.member_id, role=Role.OWNER)
    assert await commands.is_moderator(group, ALICE)
    made = await commands.handle(command(ALICE, "mod", "add", user="12", user_name="Bob"))
    assert text(made).startswith("Bob is now a moderator of *G*")
    assert await commands.is_moderator(group, BOB)
    assert not await commands.is_moderator(group, ERIN)
    # Erin asks for the code, Bob confirms: Bob's role moves to the member they now share
    code = code_in(await commands.handle(command(ERIN, "account", "link")))
    await commands.handle(command(BOB, "account", "confirm", code=code))
    assert await commands.is_moderator(group, ERIN)
    listing = text(await commands.handle(command(ERIN, "roles")))
    assert "*Owners*: Alice (Discord)" in listing
    assert "*Moderators*: Bob (Discord), U1 (Slack)" in listing
    assert "*Artists*: none" in listing
