"""Who may see a group over the web (JSON API, exports, feed).

One small function on purpose: the lead connects it to ``adapters.web.signing`` (a valid signed
``?key=`` opens a private group) in one place. Until then only public groups are visible;
private ones (visibility invite or approval) answer 404 exactly like an unknown slug, so the API
does not reveal that they exist."""

from __future__ import annotations

from aiohttp import web

from bridge.ids import Visibility
from bridge.records import FanGroup


def group_visible(request: web.Request, group: FanGroup) -> bool:
    """May this request read ``group``? Public groups: yes. Private groups: not yet (a signed
    ``key`` query parameter will open them)."""
    del request  # the signed key will be read from it
    return group.visibility is Visibility.PUBLIC
