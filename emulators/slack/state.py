"""The emulated Slack world: the app (tokens, bot user), workspaces, channels, users, messages,
files, ephemeral messages and views. Plain data; behaviour lives in ``ops`` and the Web API."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from emulators.slack.ids import TsClock, random_id, stable_id

DEFAULT_WORLD: dict[str, Any] = {
    "bot_token": "xoxb-1000000001-2000000002-FanBridgeEmulatorBotToken",
    "app_token": "xapp-1-A0FANBRIDGE-3000000003-fanbridgeemulatorapptoken",
    "signing_secret": "8f742231b10e8888abcd99yyyzzz85a5",
    "verification_token": "Jhj5dZrVaK7ZwHHjRyZWjbDl",
    "bot_user_id": "U0FANBOT01",
    "bot_id": "B0FANBOT01",
    "app_id": "A0FANBRIDGE",
    "bot_name": "fanbridge",
    # the app's OAuth credentials ("Basic Information" > "App Credentials")
    "client_id": "1000000001.4000000004",
    "client_secret": "3c4f2b1e0d9a8b7c6d5e4f3a2b1c0d9e",
    "workspaces": [
        {
            "name": "Fan Club",
            "domain": "fanclub",
            "channels": ["general", "music", "announcements"],
            "users": [
                {"name": "erin", "real_name": "Erin Evans", "admin": True},
                {"name": "frank", "real_name": "Frank Fischer"},
                {"name": "grace", "real_name": "Grace Gomez"},
                {"name": "heidi", "real_name": "Heidi Hansen"},
            ],
        }
    ],
}


@dataclass
class AppConfig:
    bot_token: str
    app_token: str
    signing_secret: str
    verification_token: str
    bot_user_id: str
    bot_id: str
    app_id: str
    bot_name: str
    client_id: str
    client_secret: str


@dataclass
class Install:
    """A bot token issued to one workspace by ``oauth.v2.access`` (until revoked)."""

    token: str
    team_id: str
    user_id: str  # who approved the install
    scopes: str
    revoked: bool = False


@dataclass
class Grant:
    """A code handed to the app's redirect URL by the authorize page (single use)."""

    code: str
    team_id: str
    user_id: str
    client_id: str
    redirect_uri: str
    scopes: str


@dataclass
class User:
    id: str
    team_id: str
    name: str
    real_name: str
    display_name: str = ""  # as on Slack: may be empty (then Slack shows the real name)
    admin: bool = False
    owner: bool = False
    is_bot: bool = False
    bot_id: str | None = None
    image_72: str = ""
    email: str = ""
    deleted: bool = False


@dataclass
class Message:
    ts: str
    channel: str
    team: str
    user: str | None
    text: str
    blocks: list[dict[str, Any]] | None = None
    attachments: list[dict[str, Any]] | None = None
    bot_id: str | None = None
    app_id: str | None = None
    username: str | None = None
    icon_url: str | None = None
    icon_emoji: str | None = None
    subtype: str | None = None
    thread_ts: str | None = None
    replies: list[str] = field(default_factory=list)
    reactions: dict[str, list[str]] = field(default_factory=dict)
    edited: dict[str, str] | None = None
    files: list[str] = field(default_factory=list)
    metadata: dict[str, Any] | None = None
    link_names: bool = False
    client_msg_id: str | None = None
    reply_broadcast: bool = False
    tombstone: bool = False
    pinned_to: list[str] = field(default_factory=list)  # channels it is pinned in

    @property
    def is_reply(self) -> bool:
        return self.thread_ts is not None and self.thread_ts != self.ts


@dataclass
class Channel:
    id: str
    team_id: str
    name: str
    created: int
    members: list[str] = field(default_factory=list)
    is_private: bool = False
    is_im: bool = False
    is_archived: bool = False
    topic: str = ""
    purpose: str = ""
    creator: str = ""
    messages: list[Message] = field(default_factory=list)  # top level, oldest first
    by_ts: dict[str, Message] = field(default_factory=dict)  # every message incl. replies


@dataclass
class File:
    id: str
    team: str
    user: str
    name: str
    title: str
    mimetype: str
    filetype: str
    size: int
    created: int
    content: bytes = b""
    uploaded: bool = False
    alt_txt: str | None = None
    shares: dict[str, list[str]] = field(default_factory=dict)  # channel -> message ts list


@dataclass
class Workspace:
    id: str
    name: str
    domain: str
    channels: list[str] = field(default_factory=list)
    users: list[str] = field(default_factory=list)


@dataclass
class Ephemeral:
    ts: str
    channel: str
    user: str  # the only person who sees it
    text: str
    blocks: list[dict[str, Any]] | None
    thread_ts: str | None
    source: str  # chat.postEphemeral | response_url | ack


@dataclass
class View:
    id: str
    team_id: str
    user_id: str
    type: str
    data: dict[str, Any]
    hash: str


class SlackState:
    """Everything a Slack workspace holds, keyed by id."""

    def __init__(self, section: dict[str, Any] | None = None) -> None:
        self.clock = TsClock()
        self.base_url = ""  # the emulator's http://host:port, once it listens
        self.load(section)

    def load(self, section: dict[str, Any] | None) -> None:
        data = {**DEFAULT_WORLD, **(section or {})}
        self.config = _config(data)
        self.workspaces: dict[str, Workspace] = {}
        self.channels: dict[str, Channel] = {}
        self.users: dict[str, User] = {}
        self.files: dict[str, File] = {}
        self.ephemerals: list[Ephemeral] = []
        self.views: dict[str, View] = {}
        self.home: dict[str, str] = {}  # user id -> home view id
        self.installs: dict[str, Install] = {}  # bot token -> install (OAuth)
        self.grants: dict[str, Grant] = {}  # OAuth code -> grant
        self.approver: dict[str, str] = {}  # who approves the next authorize (team, user, deny)
        for ws in data.get("workspaces") or [{"name": "Workspace", "channels": ["general"]}]:
            self.add_workspace(ws)

    # -- building ----------------------------------------------------------------------------
    def add_workspace(self, spec: dict[str, Any]) -> Workspace:
        name = str(spec.get("name") or f"Workspace {len(self.workspaces) + 1}")
        team_id = str(spec.get("id") or stable_id("T", name))
        if team_id in self.workspaces:
            team_id = random_id("T")
        domain = str(spec.get("domain") or _domain(name))
        ws = self.workspaces[team_id] = Workspace(team_id, name, domain)
        self._ensure_bot(team_id)
        for user_spec in spec.get("users") or []:
            self.add_user(ws, user_spec)
        for chan_spec in spec.get("channels") or []:
            chan = chan_spec if isinstance(chan_spec, dict) else {"name": str(chan_spec)}
            self.add_channel(ws, chan, bot_member=bool(spec.get("bot_member", True)))
        return ws

    def _ensure_bot(self, team_id: str) -> None:
        cfg = self.config
        if cfg.bot_user_id not in self.users:
            self.users[cfg.bot_user_id] = User(
                cfg.bot_user_id,
                team_id,
                cfg.bot_name,
                cfg.bot_name,
                is_bot=True,
                bot_id=cfg.bot_id,
                image_72=_avatar(cfg.bot_user_id),
            )

    def add_user(self, ws: Workspace, spec: dict[str, Any]) -> User:
        name = str(spec["name"])
        user_id = str(spec.get("id") or stable_id("U", ws.id, name))
        user = User(
            id=user_id,
            team_id=ws.id,
            name=name,
            real_name=str(spec.get("real_name") or name.title()),
            # the name a person chose; a world may leave it empty, as many Slack people do
            display_name=str(spec.get("display_name", name)),
            admin=bool(spec.get("admin", False)) or bool(spec.get("owner", False)),
            owner=bool(spec.get("owner", False)),
            is_bot=bool(spec.get("is_bot", False)),
            image_72=str(spec.get("image_72") or spec.get("avatar") or _avatar(user_id)),
            email=str(spec.get("email") or f"{name}@{ws.domain}.example.com"),
        )
        self.users[user_id] = user
        ws.users.append(user_id)
        return user

    def add_channel(self, ws: Workspace, spec: dict[str, Any], *, bot_member: bool) -> Channel:
        name = str(spec["name"]).lstrip("#")
        chan_id = str(spec.get("id") or stable_id("C", ws.id, name))
        refs = [self._user_ref(ws, m) for m in spec.get("members") or ws.users]
        members = [m for m in refs if m]
        if bot_member and self.config.bot_user_id not in members:
            members.append(self.config.bot_user_id)
        chan = Channel(
            id=chan_id,
            team_id=ws.id,
            name=name,
            created=int(time.time()),
            members=members,
            is_private=bool(spec.get("is_private", False)),
            topic=str(spec.get("topic", "")),
            purpose=str(spec.get("purpose", "")),
            creator=ws.users[0] if ws.users else "",
        )
        self.channels[chan_id] = chan
        ws.channels.append(chan_id)
        return chan

    def _user_ref(self, ws: Workspace, ref: str) -> str | None:
        user = self.find_user(ref, ws.id)
        return user.id if user else None

    # -- lookups -----------------------------------------------------------------------------
    def find_channel(self, ref: Any, team_id: str | None = None) -> Channel | None:
        if not isinstance(ref, str) or not ref:
            return None
        if ref in self.channels:
            return self.channels[ref]
        person = self.users.get(ref)
        if person is not None and not person.is_bot:
            return self.dm(person)
        name = ref.lstrip("#")
        for chan in self.channels.values():
            if chan.name == name and team_id in (None, chan.team_id):
                return chan
        return None

    def dm(self, user: User) -> Channel:
        """The direct-message conversation between the bot and a person (opened on demand)."""
        chan_id = stable_id("D", user.id)
        if chan_id not in self.channels:
            members = [user.id, self.config.bot_user_id]
            self.channels[chan_id] = Channel(
                chan_id, user.team_id, user.id, int(time.time()), members, is_im=True
            )
        return self.channels[chan_id]

    def find_user(self, ref: Any, team_id: str | None = None) -> User | None:
        if not isinstance(ref, str) or not ref:
            return None
        if ref in self.users:
            return self.users[ref]
        name = ref.lstrip("@")
        for user in self.users.values():
            if user.name == name and team_id in (None, user.team_id) and not user.is_bot:
                return user
        return None

    def workspace(self, team_id: str) -> Workspace:
        return self.workspaces.get(team_id) or next(iter(self.workspaces.values()))

    def first_team(self) -> Workspace:
        return next(iter(self.workspaces.values()))

    def display_name(self, user_id: str | None) -> str:
        user = self.users.get(user_id or "")
        return user.name if user else (user_id or "")

    # -- export ------------------------------------------------------------------------------
    def world(self) -> dict[str, Any]:
        cfg = self.config
        return {
            "slack": {
                **cfg.__dict__,
                "workspaces": [self.workspace_json(ws) for ws in self.workspaces.values()],
            }
        }

    def workspace_json(self, ws: Workspace) -> dict[str, Any]:
        return {
            "id": ws.id,
            "name": ws.name,
            "domain": ws.domain,
            "channels": [{"id": c, "name": self.channels[c].name} for c in ws.channels],
            "users": [_user_export(self.users[u]) for u in ws.users],
        }


def _user_export(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "name": user.name,
        "real_name": user.real_name,
        "display_name": user.display_name,
        "admin": user.admin,
        "owner": user.owner,
        "image_72": user.image_72,
    }


def _config(data: dict[str, Any]) -> AppConfig:
    return AppConfig(**{k: str(data[k]) for k in AppConfig.__dataclass_fields__})


def _domain(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum()) or "workspace"


def _avatar(user_id: str) -> str:
    return f"https://avatars.slack-edge.com/emulated/{user_id}_72.png"
