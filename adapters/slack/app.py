"""The Slack side: a slack-bolt AsyncApp (Socket Mode or HTTP events) whose events become core
events, the sender, and the /fangroup slash command."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from adapters.files import FileFetcher
from adapters.pacing import pacing_trace
from adapters.slack import convert
from adapters.slack.adapter import SlackChatAdapter
from adapters.slack.announce import SlackAnnounce
from adapters.slack.artist_events import EventActions
from adapters.slack.digest import digest_args
from adapters.slack.envelopes import EnvelopeHandler
from adapters.slack.gates import GATE_SUBCOMMANDS, JoinActions, gate_args
from adapters.slack.home import HomeTab
from adapters.slack.moderate import ModCardActions
from adapters.slack.mrkdwn import unescape
from adapters.slack.party import PartyActions, party_args
from adapters.slack.polls import PollActions, poll_args
from adapters.slack.reports import SlackReports
from adapters.slack.tab import TabActions, music_args, response
from adapters.slack.tokens import TeamClient, TeamTokens, acting_for
from adapters.slack.turns import Turns
from adapters.slack.users import UserCache
from bridge.events import (
    Author,
    CommandInvoked,
    CoreEvent,
    MessageEdited,
    MessagePosted,
    MessageShortcut,
)
from bridge.groups.mentions import first_mention, mentions_in
from bridge.ids import Platform, UserRef
from bridge.outcome import Held, Outcome
from bridge.pipeline.catchup.model import NoWatcher, SessionWatcher
from bridge.pipeline.ordering import InOrder
from storage.rate_windows import RateWindows
from storage.repo_slack_installs import REVOKED, UNINSTALLED

log = logging.getLogger(__name__)

Dispatch = Callable[[CoreEvent], Awaitable[Outcome]]
SUBCOMMANDS = {"account": ("link", "confirm", "unlink"), "mod": ("add", "remove")}
SUBCOMMANDS["artist"] = ("add", "remove", "list")
KIND = re.compile(r"(?:^|\s)kind:(\S+)", re.IGNORECASE)
TARGETED = ("ban", "unban", "modlog", "timeout", "untimeout", "kick")  # ``<sub> <@U123> [reason]``
SHORTCUTS = ("delete_everywhere", "ban_from_group")


class HttpEvents:
    """``POST /slack/events`` in HTTP mode, through bolt's two aiohttp conversion functions:
    bolt checks the signature (401 when it is missing, wrong or stale), answers Slack's
    url_verification, acks, and then runs the listeners."""

    def __init__(self, app: AsyncApp) -> None:
        self.app = app

    async def handle(self, request: web.Request) -> web.Response:
        response = await self.app.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(response)


class SlackAdapter:
    def __init__(
        self,
        *,
        bot_token: str,
        dispatch: Dispatch,
        app_token: str | None = None,
        signing_secret: str | None = None,
        mode: str = "socket",
        emulator: str | None = None,
        fetcher: FileFetcher | None = None,
        on_429: Callable[[], None] | None = None,
        watcher: SessionWatcher | None = None,
        tokens: TeamTokens | None = None,
        turns: Turns | None = None,
        rate_windows: RateWindows | None = None,
    ) -> None:
        """``tokens``: the workspaces' own tokens (Add to Slack); without it every call uses
        ``bot_token``, as a bridge with one workspace does."""
        self.watcher: SessionWatcher = watcher or NoWatcher()
        self.turns = turns or Turns(None, "")  # a channel's order across workers
        base_url = f"{emulator}/slack/api/" if emulator else AsyncWebClient.BASE_URL
        # our own session, so every 429 (also from calls outside the outbox) is counted
        self._http = aiohttp.ClientSession(
            trace_configs=[pacing_trace(None, lambda _: False, on_429)]
        )
        self.client = TeamClient(token=bot_token, base_url=base_url, session=self._http)
        self.client.tokens = self.tokens = tokens
        self.client.windows = rate_windows  # PostgreSQL: workers share the method tiers
        self.mode = mode
        self._app_token = app_token
        self._dispatch = dispatch
        self.app = AsyncApp(
            client=self.client,
            signing_secret=signing_secret or "socket-mode-has-no-signing-secret",
            request_verification_enabled=mode == "http",
            # bolt drops a message_deleted of the bot's own message as a "self event", but an
            # admin deleting a relayed copy is a moderator's delete: the echo guards are ours
            ignoring_self_events_enabled=False,
            # with installs, each event's workspace is authorized with its own token
            authorize=tokens.authorize() if tokens is not None else None,
            # acknowledge an event once it is handled (recorded), not on receipt: a worker
            # killed in between never acked it, so Slack sends it again (to another worker's
            # connection), and the next event of a channel follows the recorded one
            process_before_response=True,
        )
        self.app.use(_in_team_context)
        self.sender = SlackChatAdapter(self.client, fetcher)
        self.users = UserCache(self.client)
        self._order = InOrder()  # a channel's messages are handed on in the order they came
        self._socket: EnvelopeHandler | None = None
        self.bot_user_id = ""
        self.bot_name = ""
        self._register()

    async def start(self) -> None:
        auth = await self.client.auth_test()
        self.bot_user_id = str(auth.get("user_id", ""))
        self.bot_name = str(auth.get("user", ""))
        if self.tokens is not None:
            self.tokens.bot_user_id, self.tokens.bot_id = self.bot_user_id, str(auth.get("bot_id"))
        if self.mode == "socket":
            if not self._app_token:
                raise ValueError('[slack] app_token is required for mode = "socket"')
            self._socket = EnvelopeHandler(self.app, self._app_token)
            client = self._socket.client
            client.on_message_listeners.append(self._on_socket_message)
            client.on_close_listeners.append(self._on_socket_close)
            await self._socket.connect_async()  # type: ignore[no-untyped-call]
        log.info("slack: connected as %s (%s mode)", self.bot_name, self.mode)

    async def stop(self) -> None:
        """The events in hand finish and are acknowledged before the session closes
        (adapters/slack/envelopes.py); new ones are left for Slack to send again."""
        if self._socket is not None:
            await self._socket.stop()
            self._socket = None
        await self.client.close_pacing()
        await self._http.close()

    async def _on_socket_message(self, message: aiohttp.WSMessage) -> None:
        """Every Socket Mode connection starts with ``hello``: events sent while none was open
        were never delivered, so the history is read back; ``disconnect`` announces a
        reconnection, during which live events wait."""
        kind = _socket_message_type(message.data)
        if kind == "hello":
            self.watcher.session_new(Platform.SLACK)
        elif kind == "disconnect":
            self.watcher.session_lost(Platform.SLACK)

    async def _on_socket_close(self, _: aiohttp.WSMessage) -> None:
        self.watcher.session_lost(Platform.SLACK)

    def is_up(self) -> bool:
        if self.mode == "http":
            return bool(self.bot_user_id)
        client = self._socket.client if self._socket else None
        session = getattr(client, "current_session", None)  # the Socket Mode websocket
        return (
            client is not None and not client.closed and session is not None and not session.closed
        )

    # -- inbound ---------------------------------------------------------------------------
    def _register(self) -> None:
        self.app.event("message")(self._on_message)
        self.app.event("reaction_added")(self._on_reaction_added)
        self.app.event("reaction_removed")(self._on_reaction_removed)
        self.app.command("/fangroup")(self._on_command)
        self.app.command("/announce")(SlackAnnounce(self._dispatch, self.users).on_command)
        self.app.action(re.compile(r"^fbtab_"))(TabActions(self._dispatch).on_action)
        self.app.action(re.compile(r"^fbjoin_"))(JoinActions(self._dispatch).on_action)
        cards = ModCardActions(self._dispatch, self.client, self.users)
        self.app.action(re.compile(r"^fbmod_"))(cards.on_action)
        party = PartyActions(self._dispatch, self.users)
        self.app.action(re.compile(r"^fbparty_"))(party.on_action)
        events = EventActions(self._dispatch, self.users)
        self.app.action(re.compile(r"^fbevent_"))(events.on_action)
        polls = PollActions(self._dispatch, self.users)
        self.app.action("fbpoll_vote")(polls.on_action)
        self.app.event("app_home_opened")(HomeTab(self._dispatch, self.client).on_opened)
        for callback_id in SHORTCUTS:
            self.app.shortcut(callback_id)(self._on_shortcut)
        SlackReports(self._dispatch, self.client, self.users).register(self.app)
        if self.tokens is not None:
            self.app.event("app_uninstalled")(self._on_app_uninstalled)
            self.app.event("tokens_revoked")(self._on_tokens_revoked)

    async def _on_app_uninstalled(self, body: dict[str, Any]) -> None:
        assert self.tokens is not None
        await self.tokens.lost(str(body.get("team_id", "")), UNINSTALLED)

    async def _on_tokens_revoked(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        """Only the bot's token matters (user tokens are never kept)."""
        assert self.tokens is not None
        if (event.get("tokens") or {}).get("bot"):
            await self.tokens.lost(str(body.get("team_id", "")), REVOKED)

    async def _author(self, team: str, user_id: str) -> Author:
        profile = await self.users.get(user_id)
        return Author(UserRef(Platform.SLACK, team, user_id), profile.name, profile.avatar_url)

    async def _names(self, text: str) -> dict[str, str]:
        names: dict[str, str] = {}
        for mention in mentions_in(text, Platform.SLACK):
            names[f"user:{mention.user_id}"] = (await self.users.get(mention.user_id)).name
        return names

    async def _on_message(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        channel, ts = str(event.get("channel", "")), str(event.get("ts", ""))
        recorded = self.turns.begin(channel, ts)  # seen by the other workers at once
        # held before the first await: a profile lookup must not let the next message overtake
        async with self._order.hold(channel), self.turns.turn(channel, ts, recorded) as turn:
            core = await self._message(body, event)
            if core is not None and isinstance(await self._dispatch(core), Held):
                turn.keep(core)  # the other workers wait until the catch-up hands it on

    async def _message(self, body: dict[str, Any], event: dict[str, Any]) -> CoreEvent | None:
        """The core event of a Slack message event (None: nothing to hand on)."""
        subtype = event.get("subtype")
        if subtype == "message_changed":
            return await self.edited_event(body, event)
        if subtype == "message_deleted":
            deleted = convert.message_deleted(body, event)
            if deleted is not None and not self.sender.deleted_by_us(deleted.message_id):
                return deleted
            return None
        if event.get("user") and not event.get("bot_id"):
            return await self.posted_event(body, event)
        return None

    async def posted_event(
        self, body: Mapping[str, Any], event: Mapping[str, Any]
    ) -> MessagePosted | None:
        """A person's message as the core sees it (live, or read back from the history)."""
        if not event.get("user") or event.get("bot_id"):
            return None
        team = convert.team_of(body, event)
        author = await self._author(team, str(event["user"]))
        names = await self._names(str(event.get("text") or ""))
        return convert.message_posted(body, event, author, names)

    async def edited_event(
        self, body: Mapping[str, Any], event: Mapping[str, Any]
    ) -> MessageEdited | None:
        message = event.get("message") or {}
        return convert.message_edited(body, event, await self._names(message.get("text", "")))

    async def _on_reaction_added(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        await self._reaction(body, event, added=True)

    async def _on_reaction_removed(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        await self._reaction(body, event, added=False)

    async def _reaction(self, body: dict[str, Any], event: dict[str, Any], *, added: bool) -> None:
        if event.get("user") == self.bot_user_id:
            return
        changed = convert.reaction_changed(body, event, added)
        if changed is not None:
            await self._dispatch(changed)

    async def _on_command(self, ack: Any, command: dict[str, Any], respond: Any) -> None:
        await ack()
        words = str(command.get("text") or "").split()
        sub = words[0].lower() if words else "help"
        rest = " ".join(words[1:])
        path, args = await self._command_args(words)
        team = str(command.get("team_id", ""))
        user_id = str(command.get("user_id", ""))
        profile = await self.users.get(user_id)
        event = CommandInvoked(
            key=f"command:{command.get('trigger_id') or command.get('channel_id')}:{sub}:{rest}",
            channel=convert.channel_of(team, {"channel": command.get("channel_id")}),
            user=UserRef(Platform.SLACK, team, user_id),
            path=path,
            args={k: v for k, v in (args | _profile_zone(path, profile.tz)).items() if v},
            can_manage_channel=profile.is_admin,
            can_moderate=profile.is_admin,
            display_name=profile.name,
            channel_name=convert.command_channel_name(command),
        )
        outcome = await self._dispatch(event)
        await respond(**response(outcome))

    async def _command_args(self, words: list[str]) -> tuple[tuple[str, ...], dict[str, str]]:
        """The subcommand path and options of ``/fangroup <words>``: ``account confirm <code>``
        is (("account", "confirm"), {"code": ...}); ``mod add <@U123|name>`` names a user."""
        sub = words[0].lower() if words else "help"
        rest = " ".join(words[1:])
        if sub in SUBCOMMANDS and len(words) > 1 and words[1].isalpha():  # a mistyped one too
            return (sub, words[1].lower()), await self._sub_args(words[2:])
        if sub == "music":
            return (sub,), music_args(words[1:])
        if sub == "party":
            return party_args(words[1:])
        if sub == "digest":
            return digest_args(words[1:])
        if sub == "poll":
            return poll_args(words[1:])
        if sub in TARGETED:
            found = await self._sub_args(words[1:2]) if len(words) > 1 else {}
            reason = unescape(" ".join(words[2:]))
            return (sub,), {k: v for k, v in found.items() if k != "code"} | {"reason": reason}
        if sub == "join" and len(words) > 2:  # a group named by its name of several words
            return (sub,), {"code": unescape(rest)}
        if sub in GATE_SUBCOMMANDS:
            return (sub,), gate_args(sub, words[1:])
        if sub == "create":
            return (sub,), _create_args(unescape(rest))
        simple = {"create": "name", "link": "group", "links": "value", "modchannel": "value"}
        simple["web"] = "group"
        simple |= {"policy": "value", "banscope": "value", "kickscope": "value"}
        # the command is sent escaped (should_escape): "Rock &amp; Roll" is "Rock & Roll"
        return (sub,), ({simple[sub]: unescape(rest)} if sub in simple else {})

    async def _sub_args(self, words: list[str]) -> dict[str, str]:
        """``<code>`` or a mention ``<@U123>`` / ``<@U123|name>`` (then with the profile name)."""
        text = " ".join(words)
        mention = first_mention(text)
        if mention is None:
            return {"code": text}
        user_id = mention.user_id
        return {"user": user_id, "user_name": (await self.users.get(user_id)).name}

    async def _on_shortcut(self, ack: Any, body: dict[str, Any], respond: Any) -> None:
        """The message shortcuts "Delete everywhere" and "Ban from group": the core decides
        whether this person may use them; the answer is shown to them only."""
        await ack()
        team = str((body.get("team") or {}).get("id") or body.get("team_id") or "")
        user_id = str((body.get("user") or {}).get("id", ""))
        channel_id = (body.get("channel") or {}).get("id")
        profile = await self.users.get(user_id)
        event = MessageShortcut(
            key=f"shortcut:{body.get('trigger_id') or body.get('action_ts')}",
            channel=convert.channel_of(team, {"channel": channel_id}),
            message_id=str(body.get("message_ts") or ""),
            actor=UserRef(Platform.SLACK, team, user_id),
            action=str(body.get("callback_id", "")),
            platform_moderator=profile.is_admin,
        )
        outcome = await self._dispatch(event)
        await respond(**(response(outcome) | {"response_type": "ephemeral"}))


async def _in_team_context(context: Any, next: Callable[[], Awaitable[Any]]) -> Any:
    """bolt middleware: the listeners' Slack calls use the token of the event's workspace."""
    with acting_for(context.team_id):
        return await next()


def _socket_message_type(data: object) -> str:
    """``hello`` / ``disconnect`` (small control messages); events are not looked into."""
    if not isinstance(data, str) or len(data) > 2000:
        return ""
    try:
        parsed = json.loads(data)
    except ValueError:
        return ""
    return str(parsed.get("type") or "") if isinstance(parsed, dict) else ""


def _create_args(text: str) -> dict[str, str]:
    """``create <name> [kind:artist|genre|topic]``: the kind may be anywhere after the name."""
    kind = KIND.search(text)
    name = KIND.sub(" ", text).strip()
    return {"name": name, "kind": kind.group(1).lower()} if kind else {"name": name}


def _profile_zone(path: tuple[str, ...], tz: str) -> dict[str, str]:
    """A digest's time is read in the caller's zone: their Slack profile's when they chose none."""
    return {"zone": tz} if path[:1] == ("digest",) and tz else {}
