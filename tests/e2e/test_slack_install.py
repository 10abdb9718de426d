"""Add to Slack: the emulator's authorize page and ``oauth.v2.access`` with the real slack_sdk, a
second workspace installing the app, per-team tokens, and revoking them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from emulators.server import ThreadedEmulator

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

    async def authorize(self, state: str = "s1", **choice: str) -> dict[str, list[str]]:
        """Opens the authorize page as a browser would; the query Slack sends back."""
        query = {"client_id": self.world["client_id"], "scope": "chat:write,commands"}
        query |= {"state": state, "redirect_uri": REDIRECT, **choice}
        url = f"{self.url}/slack/oauth/v2/authorize?{urlencode(query)}"
        async with self.http.get(url, allow_redirects=False) as resp:
            assert resp.status == 302, await resp.text()
            location = resp.headers["Location"]
        assert location.startswith(REDIRECT + "?")
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
