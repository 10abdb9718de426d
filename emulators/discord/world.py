"""The Discord world: the default one, resolving ids once, building state, exporting it back.

A world (``{"discord": {...}}``) names guilds with channels and users; anything without an id gets
a snowflake when the emulator starts, so ``/_emu/reset`` restores exactly the same ids.
"""

from __future__ import annotations

import copy
from typing import Any

from emulators.discord import perms
from emulators.discord.ids import Snowflakes, now_iso, opt_int
from emulators.discord.state import (
    TEXT,
    Channel,
    DiscordState,
    Guild,
    Member,
    Role,
    User,
)

BOT_PERMISSIONS = [
    "MANAGE_WEBHOOKS",
    "MANAGE_MESSAGES",
    "BAN_MEMBERS",
    "MODERATE_MEMBERS",
    "MANAGE_CHANNELS",
    # not in the brief's list, but needed by the design (channel-scoped bans are overwrites,
    # which need MANAGE_ROLES; audit logs need VIEW_AUDIT_LOG) and they make mention checks
    # meaningful: a bot that could ping @everyone must be stopped by allowed_mentions.
    "MANAGE_ROLES",
    "VIEW_AUDIT_LOG",
    "MENTION_EVERYONE",
    "CREATE_EVENTS",  # artists' events as scheduled events
    "CONNECT",  # ... in a voice channel
]

DEFAULT_WORLD: dict[str, Any] = {
    "bot_token": "MTAwMDAwMDAwMDAwMDAwMDAw.emulated.fanbridge-discord-bot-token",
    "bot_username": "FanBridge",
    "bot_permissions": BOT_PERMISSIONS,
    "guilds": [
        {
            "name": "Fan Club",
            "channels": ["general", "music", "announcements"],
            "users": [
                {"username": "alice", "global_name": "Alice", "permissions": ["ADMINISTRATOR"]},
                {"username": "bob", "global_name": "Bob", "permissions": []},
                {"username": "carol", "global_name": "Carol", "permissions": ["MANAGE_MESSAGES"]},
                {"username": "dave", "global_name": "Dave", "permissions": []},
            ],
        }
    ],
}


# -- resolving: fill in every id ---------------------------------------------------------------
def resolve_world(raw: dict[str, Any] | None, ids: Snowflakes) -> dict[str, Any]:
    """A complete copy of the world's discord section, every object with an id."""
    world = copy.deepcopy(raw if raw is not None else DEFAULT_WORLD)
    world.setdefault("bot_token", DEFAULT_WORLD["bot_token"])
    world.setdefault("bot_username", DEFAULT_WORLD["bot_username"])
    world.setdefault("bot_permissions", list(BOT_PERMISSIONS))
    app_id = opt_int(world.get("application_id")) or ids.next()
    world["application_id"] = str(app_id)
    world["bot_user_id"] = str(opt_int(world.get("bot_user_id")) or app_id)
    users_by_name: dict[str, str] = {}
    world["guilds"] = [resolve_guild(g, ids, users_by_name, world) for g in world.get("guilds", [])]
    return world


def resolve_guild(
    raw: dict[str, Any], ids: Snowflakes, users_by_name: dict[str, str], world: dict[str, Any]
) -> dict[str, Any]:
    guild = dict(raw)
    guild["id"] = str(opt_int(guild.get("id")) or ids.next())
    guild["channels"] = [_resolve_channel(c, ids) for c in guild.get("channels", [])]
    users = []
    for user in guild.get("users", []):
        entry = dict(user)
        known = users_by_name.get(entry["username"])
        entry["id"] = str(opt_int(entry.get("id")) or known or ids.next())
        users_by_name[entry["username"]] = entry["id"]
        entry.setdefault("global_name", None)
        entry.setdefault("permissions", [])
        users.append(entry)
    guild["users"] = users
    guild["roles"] = _resolve_roles(guild, ids, world)
    owner = next((u for u in users if u.get("owner")), None) or next(
        (u for u in users if "ADMINISTRATOR" in u["permissions"]), users[0] if users else None
    )
    guild["owner_id"] = str(
        guild.get("owner_id") or (owner["id"] if owner else world["bot_user_id"])
    )
    return guild


def _resolve_channel(raw: str | dict[str, Any], ids: Snowflakes) -> dict[str, Any]:
    channel: dict[str, Any] = {"name": raw} if isinstance(raw, str) else dict(raw)
    channel["id"] = str(opt_int(channel.get("id")) or ids.next())
    channel.setdefault("type", TEXT)
    return channel


def _resolve_roles(guild: dict[str, Any], ids: Snowflakes, world: dict[str, Any]) -> list[Any]:
    """Explicit roles are kept; otherwise one role per distinct permission set of the users."""
    if guild.get("roles"):
        return _explicit_roles(guild, ids, world)
    sets: dict[tuple[str, ...], dict[str, Any]] = {}
    for user in guild["users"]:
        key = tuple(sorted(user["permissions"]))
        if key and key not in sets:
            name = _role_name(key, {r["name"] for r in sets.values()})
            sets[key] = {"id": str(ids.next()), "name": name, "permissions": list(key)}
        user["roles"] = [sets[key]["id"]] if key else []
    roles = sorted(sets.values(), key=lambda r: "ADMINISTRATOR" in r["permissions"])
    bot_role = {
        "id": str(ids.next()),
        "name": world["bot_username"],
        "permissions": list(world["bot_permissions"]),
        "managed": True,
        "bot": True,
    }
    admin_at = next((i for i, r in enumerate(roles) if "ADMINISTRATOR" in r["permissions"]), None)
    roles.insert(len(roles) if admin_at is None else admin_at, bot_role)
    for position, role in enumerate(roles, start=1):
        role["position"] = position
    return roles


def _explicit_roles(guild: dict[str, Any], ids: Snowflakes, world: dict[str, Any]) -> list[Any]:
    roles = [dict(r, id=str(opt_int(r.get("id")) or ids.next())) for r in guild["roles"]]
    by_name = {r["name"]: r["id"] for r in roles}
    for user in guild["users"]:
        user["roles"] = [by_name.get(str(r), str(r)) for r in user.get("roles", [])]
    if not any(r.get("bot") for r in roles):
        top = max([int(r.get("position", 1)) for r in roles] + [0])
        roles.append(
            {
                "id": str(ids.next()),
                "name": world["bot_username"],
                "permissions": list(world["bot_permissions"]),
                "managed": True,
                "bot": True,
                "position": top + 1,
            }
        )
    return roles


def _role_name(permission_set: tuple[str, ...], used: set[str]) -> str:
    base = "Admin" if "ADMINISTRATOR" in permission_set else "Moderator"
    name, n = base, 1
    while name in used:
        n += 1
        name = f"{base} {n}"
    return name


# -- building state from a resolved world ------------------------------------------------------
def build_state(world: dict[str, Any], ids: Snowflakes) -> DiscordState:
    state = DiscordState(
        bot_token=world["bot_token"],
        application_id=int(world["application_id"]),
        bot_user_id=int(world["bot_user_id"]),
        application_name=world["bot_username"],
        ids=ids,
    )
    bot = User(int(world["bot_user_id"]), world["bot_username"], None, None, bot=True)
    state.users[bot.id] = bot
    for raw in world["guilds"]:
        add_guild(state, raw)
    return state


def add_guild(state: DiscordState, raw: dict[str, Any]) -> Guild:
    guild = Guild(int(raw["id"]), raw["name"], owner_id=int(raw["owner_id"]))
    everyone = perms.bits(raw.get("everyone_permissions", perms.EVERYONE_DEFAULT))
    guild.roles[guild.id] = Role(guild.id, guild.id, "@everyone", everyone, position=0)
    for role in raw["roles"]:
        guild.roles[int(role["id"])] = _role(guild.id, role)
    for position, channel in enumerate(raw["channels"]):
        guild.channels[int(channel["id"])] = _channel(guild.id, channel, position)
    for user in raw["users"]:
        _add_user(state, guild, user)
    bot_roles = [int(r["id"]) for r in raw["roles"] if r.get("bot")]
    guild.members[state.bot_user_id] = Member(state.bot_user_id, guild.id, bot_roles, now_iso())
    state.guilds[guild.id] = guild
    return guild


def _role(guild_id: int, raw: dict[str, Any]) -> Role:
    return Role(
        int(raw["id"]),
        guild_id,
        raw["name"],
        perms.bits(raw.get("permissions", [])),
        position=int(raw.get("position", 1)),
        color=int(raw.get("color", 0)),
        mentionable=bool(raw.get("mentionable", False)),
        managed=bool(raw.get("managed", False)),
    )


def _channel(guild_id: int, raw: dict[str, Any], position: int) -> Channel:
    return Channel(
        int(raw["id"]),
        guild_id,
        raw["name"],
        type=int(raw.get("type", TEXT)),
        position=int(raw.get("position", position)),
        topic=raw.get("topic"),
        parent_id=opt_int(raw.get("parent_id")),
    )


def _add_user(state: DiscordState, guild: Guild, raw: dict[str, Any]) -> None:
    user_id = int(raw["id"])
    if user_id not in state.users:
        state.users[user_id] = User(
            user_id, raw["username"], raw.get("global_name"), raw.get("avatar")
        )
    role_ids = [int(r) for r in raw.get("roles", []) if int(r) in guild.roles]
    guild.members[user_id] = Member(user_id, guild.id, role_ids, now_iso(), nick=raw.get("nick"))


# -- exporting ---------------------------------------------------------------------------------
def export_world(state: DiscordState) -> dict[str, Any]:
    return {
        "discord": {
            "bot_token": state.bot_token,
            "application_id": str(state.application_id),
            "bot_user_id": str(state.bot_user_id),
            "bot_username": state.application_name,
            "guilds": [_export_guild(state, g) for g in state.guilds.values()],
        }
    }


def _export_guild(state: DiscordState, guild: Guild) -> dict[str, Any]:
    users = []
    for member in guild.members.values():
        if member.user_id == state.bot_user_id:
            continue
        user = state.users[member.user_id]
        users.append(
            {
                "id": str(user.id),
                "username": user.username,
                "global_name": user.global_name,
                "permissions": perms.names(_role_bits(guild, member)),
                "roles": [str(r) for r in member.roles],
            }
        )
    return {
        "id": str(guild.id),
        "name": guild.name,
        "owner_id": str(guild.owner_id),
        "channels": [
            {"id": str(c.id), "name": c.name, "type": c.type}
            for c in guild.channels.values()
            if not c.is_thread
        ],
        "roles": [
            {"id": str(r.id), "name": r.name, "permissions": perms.names(r.permissions)}
            for r in guild.roles.values()
            if r.id != guild.id
        ],
        "users": users,
    }


def _role_bits(guild: Guild, member: Member) -> int:
    value = 0
    for role_id in member.roles:
        role = guild.roles.get(role_id)
        if role is not None:
            value |= role.permissions
    return value
