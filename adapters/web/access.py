"""Who may see a group over the web (JSON API, exports, feed).

Public groups: everyone. Private groups (visibility invite or approval): only a request whose
``?key=`` is a valid, unexpired personal link for that group (``/fangroup web``, signed by
``adapters.web.signing``); otherwise they answer 404 exactly like an unknown slug, so the API does
not reveal that they exist. The pages use the same signing (and tell expired from forged)."""

from __future__ import annotations

import time
from collections.abc import Callable

from aiohttp import web

from adapters.web.signing import Grant, verify_grant
from bridge.ids import Visibility
from bridge.records import FanGroup

LINK_SECRET = web.AppKey("link_secret", bytes)
CLOCK: web.AppKey[Callable[[], float]] = web.AppKey("clock")


def allow_private_links(app: web.Application, secret: bytes, now: Callable[[], float]) -> None:
    """Let valid personal links open private groups on this app's API, exports and feed."""
    app[LINK_SECRET] = secret
    app[CLOCK] = now


def group_visible(request: web.Request, group: FanGroup) -> bool:
    """May this request read ``group``?"""
    if group.visibility is Visibility.PUBLIC:
        return True
    secret = request.app.get(LINK_SECRET)
    token = request.query.get("key", "")
    if secret is None or not token:
        return False
    now = request.app.get(CLOCK, time.time)()
    return isinstance(verify_grant(secret, token, group.slug, now), Grant)
