"""Weekly digests over the memory store: when a digest is due in the group's zone; the week's
digest made once with one item per linked channel (a second pass or a second worker makes
none), skipped when its time is long past; what it says, drawn for Discord and Slack without
anything that can ping; and the command's refusals."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from adapters.discord.digest import digest_embed
from adapters.slack.digest import digest_args, digest_blocks
from bridge.actions import DigestAction
from bridge.digests.commands import DigestCommands
from bridge.digests.delivery import DigestPost
from bridge.digests.gather import gather
from bridge.digests.model import (
    WEEK,
    DigestContent,
    DigestState,
    EventLine,
    PartyLine,
    PollResult,
    Ranked,
)
from bridge.digests.schedule import (
    KEY,
    ScheduleError,
    due_now,
    last_due,
    next_due,
    parse_setting,
    week_of,
)
from bridge.digests.service import DigestService
from bridge.digests.text import sections
from bridge.events import CommandInvoked
from bridge.ids import Platform, Role, UserRef
from bridge.outcome import Reply
from bridge.party import clock as party_clock
from bridge.party.model import PartyDraft, PartyState, QueuedTrack
from bridge.records import OutboxStatus
from bridge.testing import ManualClock, MemoryStore
from tests.digest_seed import ALICE_D, D_GENERAL, S_GENERAL, Seeded, Seeder

BERLIN = "Europe/Berlin"


def at(text: str) -> float:
    return datetime.fromisoformat(text).astimezone(UTC).timestamp()


# -- when ----------------------------------------------------------------------------------------
def test_a_weekly_time_is_read_in_its_zone_across_summer_time() -> None:
    setting = parse_setting("mon", "9:30", zone=BERLIN, now=0.0)
    assert setting.describe() == f"every Monday at 09:30 ({BERLIN})"
    wednesday = at("2027-03-24T12:00:00+01:00")
    assert last_due(setting, wednesday) == at("2027-03-22T09:30:00+01:00")
    assert next_due(setting, wednesday) == at("2027-03-29T09:30:00+02:00")  # summer time
    assert week_of(setting, at("2027-03-29T09:30:00+02:00")) == "2027-W13"
    monday = at("2027-03-29T09:30:00+02:00")
    assert last_due(setting, monday) == monday and next_due(setting, monday) == monday + WEEK


@pytest.mark.parametrize(
    ("day", "clock", "why"),
    [("fun", "09:00", "not a day"), ("friday", "25:00", "not a time"), ("t", "9:00", "not a day")],
)
def test_a_bad_day_or_time_says_what_works(day: str, clock: str, why: str) -> None:
    with pytest.raises(ScheduleError, match=why):
        parse_setting(day, clock, zone="UTC", now=0.0)


def test_no_digest_is_due_before_the_setting_and_a_late_one_is_skipped() -> None:
    made = at("2027-03-24T12:00:00+00:00")
    setting = parse_setting("monday", "09:00", zone="UTC", now=made)
    assert due_now(setting, made) is None  # Monday's time came before it was set
    monday = at("2027-03-29T09:00:00+00:00")
    due = due_now(setting, monday + 3600)
    assert due is not None and due.send and due.since == monday - WEEK
    late = due_now(setting, monday + 7 * 3600)
    assert late is not None and not late.send


# -- made once -----------------------------------------------------------------------------------
async def scene() -> tuple[MemoryStore, ManualClock, Seeded, DigestService]:
    clock = ManualClock(at("2027-03-22T08:00:00+00:00"))  # a Monday
    store = MemoryStore(clock)
    week = await Seeder(store, clock).week()  # its shares come after Monday 09:00
    setting = parse_setting("monday", "09:00", zone="UTC", now=clock.now())
    for channel in (D_GENERAL, S_GENERAL):
        await store.link_channel(group_id=week.group.id, channel=channel)
    await store.update_settings(week.group.id, {KEY: setting.to_json()})
    return store, clock, week, DigestService(store, clock, lambda: None)


async def test_the_weeks_digest_is_made_once_with_an_item_per_channel() -> None:
    store, clock, week, service = await scene()
    soon = await service.fire_due()
    assert soon == at("2027-03-29T09:00:00+00:00")  # the first Monday after the setting
    clock.t = soon + 60
    await service.fire_due()
    other_worker = DigestService(store, clock, lambda: None)
    await other_worker.fire_due()
    await service.fire_due()
    items = [await store.get_outbox_item(i) for i in range(1, 100)]
    queued = [i for i in items if i is not None and isinstance(i.action, DigestAction)]
    assert sorted(i.target.platform.value for i in queued) == ["discord", "slack"]
    assert all(i.status is OutboxStatus.PENDING for i in queued)
    digest = await store.get_digest(week.group.id, "2027-W13")
    assert digest is not None and digest.content is not None
    assert digest.draft.state is DigestState.SENT
    content = digest.content
    assert content.since == soon - WEEK and content.until == soon
    assert [r.name for r in content.shared] == ["Opening Night", "Second Wind", "Last Call"]
    assert [r.name for r in content.curators] == ["Alice", "Bob", "Cara"]
    assert content.new_members == ("Alice", "Bob")


async def test_a_digest_whose_time_is_long_past_is_recorded_skipped() -> None:
    store, clock, week, service = await scene()
    clock.t = at("2027-03-29T16:00:00+00:00")  # seven hours late
    await service.fire_due()
    digest = await store.get_digest(week.group.id, "2027-W13")
    assert digest is not None and digest.draft.state is DigestState.SKIPPED
    assert await store.group_digests(week.group.id) == []
    assert await store.outbox_depth() == 0


# -- what it says --------------------------------------------------------------------------------
HOSTILE = DigestContent(
    group_name="Fans",
    since=at("2027-03-22T09:00:00+00:00"),
    until=at("2027-03-29T09:00:00+00:00"),
    shares=4,
    shared=(Ranked("@everyone *Loud*", 3, "<!channel> Band", "https://x.test/1"),),
    curators=(Ranked("<@123> here", 4),),
    new_members=("@here", "Dana"),
)


def test_discord_draws_the_digest_as_an_embed_that_pings_nobody() -> None:
    embed = digest_embed(DigestPost(7, HOSTILE, "https://fans.test/g/fans/digests"))
    assert embed.title is not None and "Weekly digest · Fans · Mar 22 – Mar 29" in embed.title
    assert embed.url == "https://fans.test/g/fans/digests"
    fields = {f.name: f.value or "" for f in embed.fields}
    assert list(fields) == ["Most shared songs", "Top curators", "New members"]
    song = fields["Most shared songs"]
    assert "](https://x.test/1)" in song and "· 3 shares" in song
    assert "@everyone" not in song and "\\*Loud\\*" in song
    assert "<@123>" not in fields["Top curators"] and "@here" not in fields["New members"]


def test_slack_draws_the_digest_as_blocks_that_ping_nobody() -> None:
    blocks = digest_blocks(DigestPost(7, HOSTILE, "https://fans.test/g/fans/digests"))
    assert blocks[0]["type"] == "header"
    text = "\n".join(str(b) for b in blocks)
    assert "<https://x.test/1|" in text and "&lt;!channel&gt; Band" in text
    assert "<!channel>" not in text and "<@123>" not in text and "@here" not in text
    assert "<https://fans.test/g/fans/digests|Past digests>" in text


def test_slack_reads_the_digest_commands_words() -> None:
    assert digest_args([]) == (("digest",), {})
    assert digest_args(["off"]) == (("digest", "off"), {})
    assert digest_args(["weekly", "friday", "18:30"]) == (
        ("digest", "weekly"),
        {"day": "friday", "time": "18:30"},
    )


# -- the command ---------------------------------------------------------------------------------
def command(sub: str, user: UserRef = ALICE_D, **args: str) -> CommandInvoked:
    path = ("digest", sub) if sub else ("digest",)
    return CommandInvoked(key=f"k{sub}{args}", channel=D_GENERAL, user=user, path=path, args=args)


async def test_only_owners_and_managers_set_the_digest_in_their_zone() -> None:
    store, _, week, service = await scene()
    await store.update_settings(week.group.id, {KEY: None})
    commands = DigestCommands(service, zones=store, page=lambda slug: f"https://f.test/g/{slug}")
    refused = await commands.digest(command("weekly", day="friday", time="18:00"))
    assert isinstance(refused, Reply) and "may not change the digest" in refused.text
    alice = await store.get_account(ALICE_D)
    assert alice is not None
    await store.grant_role(group_id=week.group.id, member_id=alice.member_id, role=Role.OWNER)
    await store.set_member_zone(ALICE_D, BERLIN)
    done = await commands.digest(command("weekly", day="friday", time="18:00", zone="UTC"))
    assert isinstance(done, Reply) and "every Friday at 18:00 (Europe/Berlin)" in done.text
    shown = await commands.digest(command(""))
    assert isinstance(shown, Reply) and "Europe/Berlin" in shown.text
    assert "https://f.test/g/fans/digests" in shown.text
    bad = await commands.digest(command("weekly", day="friday", time="6pm"))
    assert isinstance(bad, Reply) and "HH:MM" in bad.text
    off = await commands.digest(command("off"))
    assert isinstance(off, Reply) and "No more weekly digests" in off.text
    group = await store.get_group_by_id(week.group.id)
    assert group is not None and group.settings.get(KEY) is None
    slack = UserRef(Platform.SLACK, "T1", "U-NEW")
    assert isinstance(
        await commands.digest(command("weekly", slack, day="mon", time="9:00")), Reply
    )


async def test_the_weeks_parties_polls_and_events_have_their_sections() -> None:
    store, clock, week, _ = await scene()
    items = week.items
    host = UserRef(Platform.DISCORD, "G1", "u-host")
    queue = tuple(QueuedTrack(i, 180_000, "Host") for i in items)
    draft = PartyDraft(week.group.id, host, "Dave", queue, starts_at=clock.now(), title="")
    party = await store.create_party(draft, state=PartyState.SCHEDULED, at=clock.now(), enqueue=[])
    played = party_clock.skipped(party_clock.started(party, clock.now()), clock.now() + 200)
    assert await store.save_party(party_clock.ended(played, clock.now() + 300))
    content = await gather(store, week.group, week.since, week.until + WEEK)
    assert content.parties == (PartyLine("Dave", 3, 0),)  # as its own summary counts
    assert content.polls == () and content.events == ()  # the bridge keeps both: none this week
    drawn = replace(
        content,
        polls=(PollResult("Format?", (("Vinyl", 2), ("Tape", 1)), 3),),
        events=(EventLine("Lumen live", at("2027-04-02T20:00:00+00:00"), "Paper Hall"),),
    )
    found = {s.title: [ln.text + " " + ln.note for ln in s.lines] for s in sections(drawn)}
    assert found["Poll results"] == ["Format?: Vinyl 2 ✓, Tape 1 · 3 voters"]
    assert found["Coming up"] == ["Lumen live · Paper Hall · Fri Apr 2, 20:00"]
    assert found["Listening parties"] == ["Party with Dave: 3 song(s) · 0 timed comments"]


def test_a_long_digest_stays_within_discords_embed_limits() -> None:
    long = tuple(Ranked("x" * 400, 9, "y" * 400, f"https://x.test/{'z' * 300}") for _ in range(5))
    names = tuple("n" * 200 for _ in range(20))
    content = replace(HOSTILE, shared=long, reacted=long, curators=long, new_members=names)
    embed = digest_embed(DigestPost(7, content, None))
    assert len(embed) <= 6000 and all(len(f.value or "") <= 1024 for f in embed.fields)
    assert [f.name for f in embed.fields][:2] == ["Most shared songs", "Most reacted songs"]
    blocks = digest_blocks(DigestPost(7, content, None))
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section")
