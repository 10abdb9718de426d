"""REST: the bot user, its application, gateway discovery and application commands."""

from __future__ import annotations

from typing import Any

from emulators.discord import commands, payloads
from emulators.discord.errors import ApiError
from emulators.discord.routing import Ctx, Router

router = Router()
_GLOBAL = r"/applications/{application_id:\d+}/commands"
_GUILD = r"/applications/{application_id:\d+}/guilds/{guild_id:\d+}/commands"
# Application flags (developer docs, "Application" > "Application Flags"): the _LIMITED bits are
# what an unverified app (under 100 servers) shows once the portal toggles the privileged intents.
GATEWAY_GUILD_MEMBERS_LIMITED = 1 << 15
GATEWAY_MESSAGE_CONTENT_LIMITED = 1 << 19
APP_FLAGS = GATEWAY_GUILD_MEMBERS_LIMITED | GATEWAY_MESSAGE_CONTENT_LIMITED


def _me(ctx: Ctx) -> dict[str, Any]:
    user = payloads.user_json(ctx.state.users[ctx.bot_id])
    user.update(
        {"verified": True, "mfa_enabled": False, "email": None, "locale": "en-US", "bot": True}
    )
    return user


@router.route("GET", "/users/@me")
async def users_me(ctx: Ctx) -> Any:
    return _me(ctx)


@router.route("GET", r"/users/{user_id:\d+}")
async def get_user(ctx: Ctx) -> Any:
    return payloads.user_json(ctx.state.user(ctx.snowflake("user_id")))


@router.route("GET", "/users/@me/guilds")
async def my_guilds(ctx: Ctx) -> Any:
    state = ctx.state
    return [
        {
            "id": str(g.id),
            "name": g.name,
            "icon": g.icon,
            "owner": False,
            "permissions": "0",
            "features": [],
        }
        for g in state.guilds.values()
        if ctx.bot_id in g.members
    ]


def _application(ctx: Ctx) -> dict[str, Any]:
    state = ctx.state
    owner = state.guilds[next(iter(state.guilds))].owner_id if state.guilds else ctx.bot_id
    return {
        "id": str(state.application_id),
        "name": state.application_name,
        "icon": None,
        "description": "",
        "summary": "",
        "type": None,
        "bot_public": True,
        "bot_require_code_grant": False,
        "bot": payloads.user_json(state.users[ctx.bot_id]),
        "owner": payloads.user_json(state.users.get(owner) or state.users[ctx.bot_id]),
        "team": None,
        "verify_key": "0" * 64,
        "flags": APP_FLAGS,
        "rpc_origins": [],
        "redirect_uris": [],
        "tags": [],
        "approximate_guild_count": len(state.guilds),
        "interactions_endpoint_url": None,
        "integration_types_config": {"0": {}},
    }


@router.route("GET", "/oauth2/applications/@me")
async def oauth_application(ctx: Ctx) -> Any:
    return _application(ctx)


@router.route("GET", "/applications/@me")
async def application(ctx: Ctx) -> Any:
    return _application(ctx)


def _gateway_url(ctx: Ctx) -> str:
    return f"ws://{ctx.request.host}/discord/gateway"


@router.route("GET", "/gateway", auth="none")
async def gateway(ctx: Ctx) -> Any:
    return {"url": _gateway_url(ctx)}


@router.route("GET", "/gateway/bot")
async def gateway_bot(ctx: Ctx) -> Any:
    limit = {"total": 1000, "remaining": 999, "reset_after": 86400000, "max_concurrency": 1}
    shards = ctx.svc.hub.recommended_shards()
    return {"url": _gateway_url(ctx), "shards": shards, "session_start_limit": limit}


# -- application commands ----------------------------------------------------------------------
def _app(ctx: Ctx) -> None:
    if ctx.snowflake("application_id") != ctx.state.application_id:
        raise ApiError.missing_access()


def _guild_scope(ctx: Ctx) -> int:
    _app(ctx)
    guild = ctx.state.guild(ctx.snowflake("guild_id"))
    if ctx.bot_id not in guild.members:
        raise ApiError.missing_access()
    return guild.id


@router.route("GET", _GLOBAL)
async def list_global(ctx: Ctx) -> Any:
    _app(ctx)
    return [commands.command_json(c) for c in commands.scoped(ctx.state, None)]


@router.route("PUT", _GLOBAL, bucket="commands")
async def put_global(ctx: Ctx) -> Any:
    _app(ctx)
    saved = commands.overwrite(ctx.state, ctx.svc.ids, None, ctx.body)
    return [commands.command_json(c) for c in saved]


@router.route("GET", _GUILD)
async def list_guild(ctx: Ctx) -> Any:
    guild_id = _guild_scope(ctx)
    return [commands.command_json(c) for c in commands.scoped(ctx.state, guild_id)]


@router.route("PUT", _GUILD, bucket="commands")
async def put_guild(ctx: Ctx) -> Any:
    guild_id = _guild_scope(ctx)
    saved = commands.overwrite(ctx.state, ctx.svc.ids, guild_id, ctx.body)
    return [commands.command_json(c) for c in saved]


async def _upsert(ctx: Ctx, guild_id: int | None) -> Any:
    data = commands.validate_command(ctx.body, 0)
    current = commands.scoped(ctx.state, guild_id)
    kept = [c.data for c in current if c.name != data["name"]]
    saved = commands.overwrite(ctx.state, ctx.svc.ids, guild_id, [*kept, data])
    created = next(c for c in saved if c.name == data["name"])
    return (201, commands.command_json(created))


@router.route("POST", _GLOBAL, bucket="commands")
async def create_global(ctx: Ctx) -> Any:
    _app(ctx)
    return await _upsert(ctx, None)


@router.route("POST", _GUILD, bucket="commands")
async def create_guild(ctx: Ctx) -> Any:
    return await _upsert(ctx, _guild_scope(ctx))


async def _delete(ctx: Ctx, guild_id: int | None) -> Any:
    command = ctx.state.commands.get(ctx.snowflake("command_id"))
    if command is None or command.guild_id != guild_id:
        raise ApiError.unknown("application command")
    del ctx.state.commands[command.id]
    return None


@router.route("DELETE", _GLOBAL + r"/{command_id:\d+}")
async def delete_global(ctx: Ctx) -> Any:
    _app(ctx)
    return await _delete(ctx, None)


@router.route("DELETE", _GUILD + r"/{command_id:\d+}")
async def delete_guild(ctx: Ctx) -> Any:
    return await _delete(ctx, _guild_scope(ctx))
