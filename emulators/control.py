"""The platform-neutral part of the control API: ``/_emu/health|reset|world|requests|faults``."""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web

from emulators.core import Emulator, Fault, json_response


def install(app: web.Application, emu: Emulator) -> None:
    routes = web.RouteTableDef()

    @routes.get("/_emu/health")
    async def health(_: web.Request) -> web.Response:
        return json_response({"ok": True, "platforms": sorted(emu.platforms)})

    @routes.post("/_emu/reset")
    async def reset(_: web.Request) -> web.Response:
        emu.reset()
        return json_response({"ok": True})

    @routes.get("/_emu/world")
    async def world(_: web.Request) -> web.Response:
        return json_response(emu.world())

    @routes.get("/_emu/requests")
    async def requests(request: web.Request) -> web.Response:
        platform = request.query.get("platform")
        rows = [r.to_json() for r in emu.requests if platform in (None, r.platform)]
        return json_response(rows)

    @routes.post("/_emu/faults")
    async def add_fault(request: web.Request) -> web.Response:
        data = await request.json()
        fault = fault_from_json(data)
        emu.faults.append(fault)
        return json_response({"ok": True, "faults": len(emu.faults)})

    @routes.delete("/_emu/faults")
    async def clear_faults(_: web.Request) -> web.Response:
        emu.faults.clear()
        return json_response({"ok": True})

    app.add_routes(routes)


def fault_from_json(data: dict[str, Any]) -> Fault:
    if not isinstance(data, dict) or "path_glob" not in data:
        raise web.HTTPBadRequest(text='a fault needs at least {"path_glob": ...}')
    seconds = data.get("seconds")
    count = data.get("count")
    if count is None and seconds is None:
        count = 1
    return Fault(
        platform=str(data.get("platform", "*")),
        method=str(data.get("method", "*")).upper(),
        path_glob=str(data["path_glob"]),
        status=int(data["status"]) if data.get("status") is not None else None,
        mode=data.get("mode"),
        count=int(count) if count is not None else None,
        until=time.monotonic() + float(seconds) if seconds is not None else None,
        retry_after=float(data["retry_after"]) if data.get("retry_after") is not None else None,
    )
