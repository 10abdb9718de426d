"""Attachments are fetched for re-upload only from the platforms' file hosts; against the
emulator, only from its emulated file paths, never from its control API (``/_emu/...``), whose
answers hold the world's bot tokens."""

from __future__ import annotations

import aiohttp
import pytest

from adapters.files import FileFetcher
from emulators.server import ThreadedEmulator
from tests.e2e.harness import Emu

EMU = "http://127.0.0.1:8765"
EMULATED_FILES = [
    f"{EMU}/discord/attachments/1579035290432049154/1579035303019155456/pic.png",
    f"{EMU}/discord/attachments/1/2/setlist%20v2.txt",
    f"{EMU}/slack/files/F0ABC123/setlist.txt",
    f"{EMU}/slack/files/download/F0ABC123/setlist.txt",
    f"{EMU}/slack/files-pri/T0TEAM1-F0ABC123/setlist.txt",
    f"{EMU}/slack/files-pri/T0TEAM1-F0ABC123/download/setlist.txt",
]
REFUSED_WITH_EMULATOR = [
    f"{EMU}/_emu/world",
    f"{EMU}/_emu/requests",
    f"{EMU}/_emu/slack/files/F0ABC123",  # the control API's view of a file
    f"{EMU}/_emu/discord/channels/1/messages",
    f"{EMU}/discord/api/v10/users/@me",
    f"{EMU}/slack/api/auth.test",
    f"{EMU}/",
    f"{EMU}/discord/attachments/1/2/../../../_emu/world",
    f"{EMU}/discord/attachments/1/2/..%2F..%2F..%2F_emu%2Fworld",
    f"{EMU}/slack/files/F0ABC123/%2e%2e%2F%2e%2e%2F%2e%2e%2F_emu%2Fworld",
    f"{EMU}/slack/files/F0ABC123/a.txt/../../../../_emu/world",
    f"{EMU}/slack/files-pri/T1-F1/download/..%2F..%2F..%2F_emu%2Fworld",
    f"{EMU}/slack/files-pri/T1-F1/../../_emu/world",
    f"{EMU}//_emu/world",
    "http://127.0.0.1:9999/discord/attachments/1/2/pic.png",  # another port: not the emulator
    "http://localhost:8765/discord/attachments/1/2/pic.png",
]
PLATFORM_FILES = [
    "https://cdn.discordapp.com/attachments/1/2/pic.png?ex=1&is=2&hm=3",
    "https://media.discordapp.net/attachments/1/2/pic.png",
    "https://files.slack.com/files-pri/T1-F1/setlist.txt",
]
NEVER = [
    "http://cdn.discordapp.com/attachments/1/2/pic.png",  # not https
    "https://evil.example/attachments/1/2/pic.png",
    "https://cdn.discordapp.com.evil.example/x.png",
    "file:///etc/passwd",
    "/discord/attachments/1/2/pic.png",
    "not a url at all",
    "",
]


@pytest.mark.parametrize("url", EMULATED_FILES + PLATFORM_FILES)
def test_emulated_and_platform_files_are_fetched(url: str) -> None:
    assert FileFetcher(emulator=EMU).allowed(url)


@pytest.mark.parametrize("url", REFUSED_WITH_EMULATOR + NEVER)
def test_the_control_api_and_everything_else_is_refused(url: str) -> None:
    assert not FileFetcher(emulator=EMU).allowed(url)


@pytest.mark.parametrize("url", EMULATED_FILES + REFUSED_WITH_EMULATOR)
def test_without_an_emulator_its_addresses_are_refused(url: str) -> None:
    assert not FileFetcher().allowed(url)


@pytest.mark.parametrize("url", PLATFORM_FILES)
def test_without_an_emulator_the_platform_hosts_are_fetched(url: str) -> None:
    assert FileFetcher().allowed(url)


def test_an_emulator_under_a_path_keeps_its_file_paths_under_it() -> None:
    fetcher = FileFetcher(emulator=f"{EMU}/emu/")
    assert fetcher.allowed(f"{EMU}/emu/slack/files/F1/a.txt")
    assert not fetcher.allowed(f"{EMU}/slack/files/F1/a.txt")
    assert not fetcher.allowed(f"{EMU}/emu/_emu/world")


async def test_against_the_real_emulator_a_file_comes_back_and_the_world_does_not(
    emulator: ThreadedEmulator,
) -> None:
    fetcher = FileFetcher(emulator=emulator.url)
    try:
        world_url = f"{emulator.url}/_emu/world"
        async with aiohttp.ClientSession() as session:
            emu = Emu(emulator.url, session)
            world = await emu.world()
            guild = world["discord"]["guilds"][0]
            posted = await emu.post(
                "/_emu/discord/messages",
                {
                    "channel_id": guild["channels"][0]["id"],
                    "user_id": guild["users"][1]["id"],
                    "content": "setlist",
                    "attachments": [{"filename": "setlist.txt", "content": "1. Opener\n"}],
                },
            )
        [attachment] = posted["attachments"]
        assert await fetcher.fetch(attachment["url"], max_bytes=1000) == b"1. Opener\n"
        assert world["discord"]["bot_token"]  # what a fetched control answer would leak
        assert await fetcher.fetch(world_url, max_bytes=1_000_000) is None
    finally:
        await fetcher.close()


async def test_the_slack_token_goes_only_to_slacks_file_host() -> None:
    fetcher = FileFetcher(emulator=EMU, slack_token="xoxb-1-2-secret")
    bearer = {"Authorization": "Bearer xoxb-1-2-secret"}
    assert await fetcher._headers("https://files.slack.com/files-pri/T1-F1/setlist.txt") == bearer
    assert await fetcher._headers(f"{EMU}/slack/files/download/F0ABC123/setlist.txt") == bearer
    assert await fetcher._headers("https://cdn.discordapp.com/slack/files/F1/a.txt") == {}
    assert await fetcher._headers(f"{EMU}/discord/attachments/1/2/pic.png") == {}


async def test_a_slack_file_is_fetched_with_its_workspaces_token() -> None:
    """With Add to Slack, the workspace named in the file's path lends its own token; a
    workspace the app was removed from has none, and its file is not fetched (a link instead)."""
    tokens = {"T1": "xoxb-t1", "T2": None}

    async def team_token(team: str) -> str | None:
        return tokens.get(team, "xoxb-configured")

    fetcher = FileFetcher(emulator=EMU, slack_token="xoxb-configured", team_token=team_token)
    own = await fetcher._headers("https://files.slack.com/files-pri/T1-F1/setlist.txt")
    assert own == {"Authorization": "Bearer xoxb-t1"}
    emulated = await fetcher._headers(f"{EMU}/slack/files-pri/T1-F0ABC123/download/a.txt")
    assert emulated == {"Authorization": "Bearer xoxb-t1"}
    assert await fetcher._headers("https://files.slack.com/files-pri/T2-F1/a.txt") is None
    assert await fetcher.fetch("https://files.slack.com/files-pri/T2-F1/a.txt", max_bytes=9) is None
    await fetcher.close()
