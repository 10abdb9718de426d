"""Add to Slack: the emulator's authorize page and ``oauth.v2.access`` with the real slack_sdk, a
second workspace installing the app, per-team tokens, and revoking them; then the bridge's own
``/slack/install`` and ``/slack/oauth_redirect`` driven as a browser does (cookies, redirects)."""

from __future__ import annotations

import base64
import html
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import col, select
from yarl import URL

from adapters.runtime import Runtime
from adapters.slack.errors import platform_errors
from bridge.ids import ChannelRef, Platform
from bridge.ports import Paused
from emulators.server import ThreadedEmulator
from storage.repo_slack_installs import SlackInstallRepo
from storage.tables import OutboxRow
from tests.e2e.harness import Emu as Control
from tests.e2e.harness import bridge_config, start_bridge

REDIRECT = "https://bridge.example.com/slack/oauth_redirect"


@dataclass
class Emu:
    url: str
    world: dict[str, Any]
    http: aiohttp.ClientSession

    @property
    def api(self) -> str:
        return f"{self.url}/slack/api/"

    async def control(self, path: str, body: dict[str, Any] | None = None) -> Any:
        method = "POST" if body is not None else "GET"
        async with self.http.request(method, f"{self.url}/_emu/slack/{path}", json=body) as resp:
            assert resp.status == 200, await resp.text()
            return await resp.json()

    async def authorize(
        self, state: str = "s1", redirect: str = REDIRECT, **choice: str
    ) -> dict[str, list[str]]:
        """Opens the authorize page as a browser would; the query Slack sends back."""
        query = {"client_id": self.world["client_id"], "scope": "chat:write,commands"}
        query |= {"state": state, "redirect_uri": redirect, **choice}
        url = f"{self.url}/slack/oauth/v2/authorize?{urlencode(query)}"
        async with self.http.get(url, allow_redirects=False) as resp:
            assert resp.status == 302, await resp.text()
            location = resp.headers["Location"]
        assert location.startswith(redirect + "?")
        return parse_qs(urlsplit(location).query)

    def app_client(self, token: str | None = None) -> AsyncWebClient:
        return AsyncWebClient(token=token, base_url=self.api)


@pytest.fixture
async def emu(emulator: ThreadedEmulator) -> AsyncIterator[Emu]:
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{emulator.url}/_emu/reset") as resp:
            assert resp.status == 200
        async with http.get(f"{emulator.url}/_emu/world") as resp:
            world = (await resp.json())["slack"]
        yield Emu(emulator.url, world, http)


async def exchange(emu: Emu, code: str, **override: str) -> Any:
    args = {"client_id": emu.world["client_id"], "client_secret": emu.world["client_secret"]}
    args |= {"code": code, "redirect_uri": REDIRECT, **override}
    return await emu.app_client().oauth_v2_access(**args)


async def api_error(call: Any) -> str:
    with pytest.raises(SlackApiError) as info:
        await call
    return str(info.value.response["error"])


async def test_a_second_workspace_installs_the_app_and_gets_its_own_token(emu: Emu) -> None:
    second = await emu.control("workspaces", {"name": "Night Owls", "users": [{"name": "zoe"}]})
    back = await emu.authorize(state="abc", team=second["id"], user="zoe")
    assert back["state"] == ["abc"]
    answer = await exchange(emu, back["code"][0])
    assert answer["token_type"] == "bot" and answer["access_token"].startswith("xoxb-")
    assert answer["team"] == {"id": second["id"], "name": "Night Owls"}
    assert answer["enterprise"] is None and answer["scope"] == "chat:write,commands"
    assert answer["authed_user"]["id"] == second["users"][0]["id"]
    assert answer["bot_user_id"] == emu.world["bot_user_id"]
    token = answer["access_token"]
    assert (await emu.app_client(token).auth_test())["team_id"] == second["id"]
    # the new token reaches only its own workspace's channels
    first_channel = emu.world["workspaces"][0]["channels"][0]["id"]
    post = emu.app_client(token).chat_postMessage(channel=first_channel, text="hi")
    assert await api_error(post) == "channel_not_found"
    await emu.app_client(token).chat_postMessage(channel=second["channels"][0]["id"], text="hi")
    calls = await emu.control("calls?method=chat.postMessage")
    assert [c["team"] for c in calls] == [second["id"], second["id"]]


async def test_a_code_is_single_use_and_bound_to_the_app(emu: Emu) -> None:
    code = (await emu.authorize())["code"][0]
    assert await api_error(exchange(emu, code, client_secret="wrong")) == "bad_client_secret"
    assert await api_error(exchange(emu, code, client_id="1.2")) == "invalid_client_id"
    answer = await exchange(emu, code)
    assert answer["team"]["id"] == emu.world["workspaces"][0]["id"]
    assert await api_error(exchange(emu, code)) == "invalid_code"  # used already


async def test_a_wrong_redirect_uri_is_refused(emu: Emu) -> None:
    code = (await emu.authorize())["code"][0]
    redirect = "https://elsewhere.example.com/cb"
    assert await api_error(exchange(emu, code, redirect_uri=redirect)) == "bad_redirect_uri"


async def test_a_person_who_declines_sends_back_access_denied(emu: Emu) -> None:
    await emu.control("oauth/approver", {"deny": True})
    back = await emu.authorize(state="xyz")
    assert back == {"error": ["access_denied"], "state": ["xyz"]}


async def test_revoked_and_uninstalled_tokens_stop_working(emu: Emu) -> None:
    token = (await exchange(emu, (await emu.authorize())["code"][0]))["access_token"]
    assert (await emu.app_client(token).auth_revoke())["revoked"] is True
    assert await api_error(emu.app_client(token).auth_test()) == "token_revoked"
    token = (await exchange(emu, (await emu.authorize())["code"][0]))["access_token"]
    team = emu.world["workspaces"][0]["id"]
    assert (await emu.control("oauth/uninstall", {"team": team}))["revoked"] == 1
    assert await api_error(emu.app_client(token).auth_test()) == "token_revoked"
    kinds = [e["event"]["type"] for e in await emu.control("events")]
    assert kinds == ["tokens_revoked", "tokens_revoked", "app_uninstalled"]


async def test_a_token_slack_revoked_holds_the_copy_until_the_app_is_back(emu: Emu) -> None:
    """A copy sent after the app was removed but before its events came is answered
    ``token_revoked``: the outbox holds it (Paused, like a paused workspace's), not gives up."""
    token = (await exchange(emu, (await emu.authorize())["code"][0]))["access_token"]
    home = emu.world["workspaces"][0]
    await emu.control("oauth/uninstall", {"team": home["id"]})
    general = home["channels"][0]["id"]
    with pytest.raises(Paused) as refused:
        async with platform_errors():
            await emu.app_client(token).chat_postMessage(channel=general, text="x")
    assert str(refused.value).startswith("paused:") and "token_revoked" in str(refused.value)


# -- the bridge's install flow ----------------------------------------------------------------
@dataclass
class Bridge:
    emu: Emu
    runtime: Runtime
    browser: aiohttp.ClientSession
    world: dict[str, Any]

    @property
    def control(self) -> Control:
        return Control(self.emu.url, self.emu.http)

    @property
    def url(self) -> str:
        assert self.runtime.web is not None
        return self.runtime.web.url

    @property
    def installs(self) -> SlackInstallRepo:
        assert self.runtime.store is not None
        return SlackInstallRepo(self.runtime.store.db)

    async def open(self, url: str) -> tuple[int, str]:
        async with self.browser.get(url) as resp:
            return resp.status, await resp.text()

    async def slack_command(self, user: str, channel: str, text: str) -> str:
        command = {"command": "/fangroup", "text": text, "user": user, "channel": channel}
        return str((await self.emu.control("commands", command))["responses"][0]["text"])

    async def discord_post(self, text: str) -> None:
        guild = self.world["discord"]["guilds"][0]
        post = {"channel_id": guild["channels"][0]["id"], "user_id": guild["users"][0]["id"]}
        await self.control.post("/_emu/discord/messages", post | {"content": text})

    async def shown(self, channel: str, text: str) -> list[dict[str, Any]]:
        """The messages of a Slack channel showing ``text``, once there is one."""

        async def found() -> list[dict[str, Any]]:
            messages = await self.emu.control(f"channels/{channel}/messages")
            return [m for m in messages if text in m.get("text", "")]

        return await self.control.until(found, what=f"{text!r} in {channel}")

    async def restart(self) -> None:
        """Stops the bridge and starts it again on the same database (installs kept)."""
        config = self.runtime.config
        await self.runtime.stop()
        self.runtime = await start_bridge(config)
        assert self.runtime.web is not None
        self.browser.cookie_jar.clear()

    async def add_to_slack(self) -> tuple[int, str]:
        """Opens /slack/install, clicks Add to Slack, approves: the page the browser ends on."""
        status, page = await self.open(f"{self.url}/slack/install")
        assert status == 200, page
        found = re.search(r'<a href="([^"]+)"', page)
        assert found is not None, page
        authorize = html.unescape(found.group(1))
        assert authorize.startswith(f"{self.emu.url}/slack/oauth/v2/authorize?")
        return await self.open(authorize)


@pytest.fixture
async def bridge(emu: Emu, tmp_path: Path) -> AsyncIterator[Bridge]:
    async with emu.http.get(f"{emu.url}/_emu/world") as resp:
        world = await resp.json()
    config = bridge_config(world, emu.url, tmp_path / "bridge.db")
    assert config.slack is not None
    secret = {"client_id": emu.world["client_id"], "client_secret": emu.world["client_secret"]}
    config = config.model_copy(update={"slack": config.slack.model_copy(update=secret)})
    runtime = await start_bridge(config)
    assert runtime.web is not None
    # a browser: keeps cookies for the bridge (Secure ones too: a local address is a secure
    # context, as in Chromium) and follows redirects
    jar = aiohttp.CookieJar(unsafe=True, treat_as_secure_origin=[runtime.web.url])
    async with aiohttp.ClientSession(cookie_jar=jar) as browser:
        bridge = Bridge(emu, runtime, browser, world)
        try:
            yield bridge
        finally:
            await bridge.runtime.stop()  # the one running now (a test may restart it)


async def test_a_second_workspace_adds_the_bridge_to_slack(bridge: Bridge) -> None:
    second = await bridge.emu.control(
        "workspaces", {"name": "Night Owls", "users": [{"name": "zoe"}]}
    )
    await bridge.emu.control("oauth/approver", {"team": second["id"], "user": "zoe"})
    status, page = await bridge.add_to_slack()
    assert status == 200 and "fanbridge was added to Night Owls" in page
    install = await bridge.installs.find_install(second["id"])
    assert install is not None and install.active and install.team_name == "Night Owls"
    assert install.installed_by == second["users"][0]["id"]
    issued = [i for i in await bridge.emu.control("oauth/installs") if i["team_id"] == second["id"]]
    assert [i["token"] for i in issued] == [install.bot_token]


async def test_a_declined_install_says_so_and_saves_nothing(bridge: Bridge) -> None:
    await bridge.emu.control("oauth/approver", {"deny": True})
    status, page = await bridge.add_to_slack()
    assert status == 200 and "The install was cancelled in Slack" in page
    assert await bridge.installs.installs() == []


async def test_an_install_link_works_once(bridge: Bridge) -> None:
    status, page = await bridge.open(f"{bridge.url}/slack/install")
    state = parse_qs(urlsplit(html.unescape(re.findall(r'href="([^"]+)"', page)[-1])).query)[
        "state"
    ]
    back = await bridge.emu.authorize(state=state[0], redirect=f"{bridge.url}/slack/oauth_redirect")
    callback = f"{bridge.url}/slack/oauth_redirect?" + urlencode(
        {"code": back["code"][0], "state": state[0]}
    )
    status, page = await bridge.open(callback)
    assert status == 200 and "fanbridge was added to" in page
    status, page = await bridge.open(callback)  # the same link again (reload, replay)
    assert status >= 400 and "Start again from the Add to Slack page" in page
    forged = f"{bridge.url}/slack/oauth_redirect?code=abc&state=made-up"
    cookie = {"slack-app-oauth-state": "made-up"}
    bridge.browser.cookie_jar.update_cookies(cookie, response_url=URL(bridge.url))
    status, page = await bridge.open(forged)
    assert status == 401 and "expired or was already used" in page


async def night_owls(bridge: Bridge) -> tuple[str, str]:
    """A second workspace installs the bridge and links its #general to the group: its team
    and channel ids."""
    people = [{"name": "zoe", "admin": True}]
    second = await bridge.emu.control("workspaces", {"name": "Night Owls", "users": people})
    await bridge.emu.control("oauth/approver", {"team": second["id"], "user": "zoe"})
    assert "added to Night Owls" in (await bridge.add_to_slack())[1]
    channel = second["channels"][0]["id"]
    answer = await bridge.slack_command("zoe", channel, "link fans")
    assert answer == "Linked this channel to *Fans*."
    return second["id"], channel


async def test_a_discord_post_reaches_the_new_workspace_with_its_own_token(bridge: Bridge) -> None:
    team, channel = await night_owls(bridge)
    await bridge.discord_post("night owls, hi")
    assert len(await bridge.shown(channel, "night owls, hi")) == 1
    second = {"id": team}
    install = await bridge.installs.find_install(second["id"])
    assert install is not None
    posts = await bridge.emu.control("calls?method=chat.postMessage")
    assert {c["token"] for c in posts if c["team"] == second["id"]} == {install.bot_token}
    home = [c for c in posts if c["token"] == bridge.emu.world["bot_token"]]
    assert all(c["team"] is None for c in home)  # the home workspace keeps the config's token


async def test_an_uninstalled_workspace_is_paused_until_it_installs_again(bridge: Bridge) -> None:
    team, channel = await night_owls(bridge)
    await bridge.emu.control("oauth/uninstall", {"team": team})

    async def uninstalled() -> bool:
        install = await bridge.installs.find_install(team)
        return install is not None and install.status == "uninstalled"

    await bridge.control.until(uninstalled, what="the uninstall noticed")
    home = bridge.emu.world["workspaces"][0]
    general, erin = home["channels"][0]["id"], home["users"][0]["id"]
    info = await bridge.slack_command(erin, general, "info")
    assert (
        f"{team}/{channel} #general [inout] — paused: the Slack app was uninstalled from " in info
    )
    assert "Night Owls; install it again" in info
    # the others still get every message; the paused workspace gets none, but it is kept
    await bridge.discord_post("while they were away")
    assert len(await bridge.shown(general, "while they were away")) == 1
    await bridge.control.until(lambda: held(bridge, channel), what="the copy held")
    messages = await bridge.emu.control(f"channels/{channel}/messages")
    assert not [m for m in messages if "while they were away" in m.get("text", "")]
    # installing again resumes, and what was held arrives once, before what comes next
    assert "added to Night Owls" in (await bridge.add_to_slack())[1]
    info = await bridge.slack_command(erin, general, "info")
    assert f"{team}/{channel} #general [inout] — paused" not in info
    assert len(await bridge.shown(channel, "while they were away")) == 1
    await bridge.discord_post("welcome back")
    assert len(await bridge.shown(channel, "welcome back")) == 1
    texts = [m["text"] for m in await bridge.emu.control(f"channels/{channel}/messages")]
    away = [i for i, t in enumerate(texts) if "while they were away" in t]
    back = [i for i, t in enumerate(texts) if "welcome back" in t]
    assert len(away) == 1 and away[0] < back[0], texts


async def held(bridge: Bridge, channel: str) -> bool:
    """The channel's copy waits in the outbox for the workspace to come back (not a try)."""
    assert bridge.runtime.store is not None
    where = (col(OutboxRow.target_channel) == channel) & (col(OutboxRow.status) == "pending")
    async with bridge.runtime.store.db.session() as s:
        rows = (await s.exec(select(OutboxRow).where(where))).all()
    return any((r.last_error or "").startswith("paused:") and r.attempts == 0 for r in rows)


async def test_files_cross_both_ways_with_a_new_workspace(bridge: Bridge) -> None:
    """Files reach a workspace added through Add to Slack, and its files reach Discord: each
    fetched and uploaded with that workspace's own token (its files are not readable with the
    configured one)."""
    team, channel = await night_owls(bridge)
    guild = bridge.world["discord"]["guilds"][0]
    discord_channel, alice = guild["channels"][0]["id"], guild["users"][0]["id"]
    picture = {"filename": "poster.txt", "content": "doors at eight\n"}
    post = {"channel_id": discord_channel, "user_id": alice, "content": "the poster"}
    await bridge.control.post("/_emu/discord/messages", post | {"attachments": [picture]})

    async def uploaded() -> list[dict[str, Any]]:
        messages = await bridge.emu.control(f"channels/{channel}/messages")
        return [f for m in messages for f in m.get("files") or [] if f["name"] == "poster.txt"]

    [file] = await bridge.control.until(uploaded, what="the poster in Night Owls")
    shared = await bridge.emu.control(f"files/{file['id']}")
    assert base64.b64decode(shared["content_b64"]) == b"doors at eight\n"
    token = await install_token(bridge, team)
    completed = await bridge.emu.control("calls?method=files.completeUploadExternal")
    assert [c["token"] for c in completed if c["team"] == team] == [token]

    world = await bridge.control.get("/_emu/world")
    [night] = [w for w in world["slack"]["workspaces"] if w["id"] == team]
    zoe = night["users"][0]["id"]
    setlist = {"name": "setlist.txt", "content": "1. Opener\n", "mimetype": "text/plain"}
    slack_post = {"channel": channel, "user": zoe, "text": "tonight's setlist"}
    await bridge.control.post("/_emu/slack/messages", slack_post | {"files": [setlist]})

    async def relayed() -> list[dict[str, Any]]:
        rows = await bridge.control.discord_messages(discord_channel)
        return [r for r in rows if "tonight's setlist" in r["content"] and r["attachments"]]

    [copy] = await bridge.control.until(relayed, what="the setlist on Discord")
    [attachment] = copy["attachments"]
    assert attachment["filename"] == "setlist.txt"
    async with bridge.emu.http.get(attachment["url"]) as response:
        assert await response.read() == b"1. Opener\n"


async def install_token(bridge: Bridge, team: str) -> str:
    install = await bridge.installs.find_install(team)
    assert install is not None and install.active
    return install.bot_token


async def test_a_new_workspaces_linked_channel_is_named(bridge: Bridge) -> None:
    """A link of a workspace added through Add to Slack that has no name yet (as links made
    before names were kept) is named at the next start, from that workspace's own channel
    list, asked with its own token."""
    team, channel = await night_owls(bridge)
    ref = ChannelRef(Platform.SLACK, team, channel)
    assert bridge.runtime.store is not None
    await bridge.runtime.store.set_channel_name(ref, None)
    await bridge.restart()
    store = bridge.runtime.store
    assert store is not None

    async def named() -> str | None:
        link = await store.link_for_channel(ref)
        return link.channel_name if link is not None else None

    assert await bridge.control.until(named, what="the Night Owls channel named") == "general"
    token = await install_token(bridge, team)
    lists = await bridge.emu.control("calls?method=conversations.list")
    assert {c["token"] for c in lists if c["team"] == team} == {token}
