"""Files: the current upload flow (``files.getUploadURLExternal`` → POST to the upload URL →
``files.completeUploadExternal``, as slack_sdk's ``files_upload_v2`` does it), ``files.info``
and downloading ``url_private`` with the bot token."""

from __future__ import annotations

import mimetypes
import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

from emulators.slack import ops
from emulators.slack.errors import SlackError
from emulators.slack.ids import random_id
from emulators.slack.render import file_json
from emulators.slack.state import File, SlackState
from emulators.slack.webapi import TIER_4, Call, Method

if TYPE_CHECKING:
    from emulators.slack.service import SlackService

MAX_FILE = 1024 * 1024 * 1024
LOGIN_PAGE = (
    "<!DOCTYPE html><html><head><title>Slack</title></head>"
    "<body><h1>Sign in to your workspace</h1></body></html>"
)


def make_file(
    state: SlackState, user: str, team: str, name: str, content: bytes | None, size: int
) -> File:
    mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else "binary"
    filetype = {"txt": "text", "jpeg": "jpg"}.get(ext, ext)
    file = File(
        id=random_id("F"),
        team=team,
        user=user,
        name=name,
        title=name,
        mimetype=mimetype,
        filetype=filetype,
        size=size,
        created=int(time.time()),
        content=content or b"",
        uploaded=content is not None,
    )
    state.files[file.id] = file
    return file


async def get_upload_url(call: Call) -> dict[str, Any]:
    filename = str(call.require("filename"))
    try:
        length = int(call.require("length"))
    except ValueError:
        raise SlackError("invalid_arguments") from None
    if length <= 0 or length > MAX_FILE:
        raise SlackError("invalid_arguments")
    state = call.state
    file = make_file(state, state.config.bot_user_id, state.first_team().id, filename, None, length)
    file.alt_txt = call.get("alt_txt")
    return {"upload_url": f"{call.svc.base_url}/slack/upload/v1/{file.id}", "file_id": file.id}


async def complete_upload(call: Call) -> dict[str, Any]:
    specs = call.json_arg("files")
    if not isinstance(specs, list) or not specs:
        raise SlackError("invalid_arguments")
    files = [_uploaded(call, spec) for spec in specs]
    targets = [call.get("channel_id"), *str(call.get("channels", "")).split(",")]
    for ref in [t for t in targets if t]:
        chan = call.state.find_channel(ref)
        if chan is None:
            raise SlackError("channel_not_found")
        if call.state.config.bot_user_id not in chan.members:
            raise SlackError("not_in_channel")
        thread_ts = call.get("thread_ts")
        msg = ops.new_bot_message(
            call.svc,
            chan,
            text=str(call.get("initial_comment", "")),
            files=[f.id for f in files],
            thread_ts=str(thread_ts) if thread_ts else None,
        )
        for file in files:
            file.shares.setdefault(chan.id, []).append(msg.ts)
        ops.add_message(call.svc, msg)
    return {"files": [file_json(call.state, f) for f in files]}


def _uploaded(call: Call, spec: Any) -> File:
    file = call.state.files.get(str(spec.get("id"))) if isinstance(spec, dict) else None
    if file is None or not file.uploaded:
        raise SlackError("file_not_found")
    if spec.get("title"):
        file.title = str(spec["title"])
    return file


async def files_info(call: Call) -> dict[str, Any]:
    file = call.state.files.get(str(call.require("file")))
    if file is None or not file.uploaded:
        raise SlackError("file_not_found")
    return {
        "file": file_json(call.state, file),
        "comments": [],
        "response_metadata": {"next_cursor": ""},
    }


METHODS = {
    "files.getUploadURLExternal": Method(get_upload_url, TIER_4),
    "files.completeUploadExternal": Method(complete_upload, TIER_4),
    "files.info": Method(files_info, TIER_4),
}


def add_routes(app: web.Application, svc: SlackService) -> None:
    async def upload(request: web.Request) -> web.Response:
        file = svc.state.files.get(request.match_info["file_id"])
        if file is None:
            return web.Response(status=404, text="not found")
        data = await _upload_body(request)
        file.content, file.size, file.uploaded = data, len(data), True
        return web.Response(text=f"OK - {len(data)}")

    async def download(request: web.Request) -> web.StreamResponse:
        file = svc.state.files.get(request.match_info["file_id"])
        team = request.match_info.get("team")
        if file is not None and team not in (None, file.team):
            file = None
        auth = request.headers.get("Authorization", "")
        if not _may_read(svc.state, auth.removeprefix("Bearer "), file):
            # Slack answers an unauthenticated url_private fetch with its sign-in page
            return web.Response(text=LOGIN_PAGE, content_type="text/html")
        if file is None or not file.uploaded:
            return web.Response(status=404, text="file_not_found")
        return web.Response(body=file.content, headers={"Content-Type": file.mimetype})

    app.router.add_post("/slack/upload/v1/{file_id}", upload)
    app.router.add_get("/slack/files/download/{file_id}/{name}", download)
    app.router.add_get("/slack/files/{file_id}/{name}", download)
    # url_private as Slack writes it: the path names the file's workspace
    private = "/slack/files-pri/{team:[A-Z0-9]+}-{file_id:[A-Za-z0-9]+}"
    app.router.add_get(private + "/download/{name}", download)
    app.router.add_get(private + "/{name}", download)


def _may_read(state: SlackState, token: str, file: File | None) -> bool:
    """A bot token of the file's workspace: one its install issued (unrevoked), or the app's
    own token for a workspace that did not install the app through OAuth (the emulator's
    home token stands for every such workspace)."""
    installs = [i for i in state.installs.values() if file is not None and i.team_id == file.team]
    if token == state.config.bot_token:
        return not any(not i.revoked for i in installs)
    issued = state.installs.get(token)
    return issued is not None and not issued.revoked and (file is None or issued in installs)


async def _upload_body(request: web.Request) -> bytes:
    if request.content_type.startswith("multipart/"):
        form = await request.post()
        for value in form.values():
            if isinstance(value, web.FileField):
                return bytes(value.file.read())
    return await request.read()
