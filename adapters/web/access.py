"""Who may see a group over the web (pages, JSON API, exports, feed).

Public groups: everyone. Private groups (visibility invite or approval): only a request whose
``?key=`` is a valid, unexpired personal link for that group (``/fangroup web``, signed by
``adapters.web.signing``) of a person who is not banned from it. The ban is read on every
request, so banning someone closes their link at once, on every route. The person is the member
signed into the link and the member its account belongs to now (a ban recorded before two
members were merged stays with the member it names). A link made before members were signed
names only the account: it is checked through that account's member; an account the store does
not know has no member, and a ban needs one, so such a link cannot be a banned person's and keeps
working until it expires. Refused links answer 404 exactly like an unknown slug, so the API does
not reveal that the group exists; the pages tell an expired link from the others."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from aiohttp import web

from adapters.web.signing import Grant, GrantError, verify_grant
from bridge.ids import UserRef, Visibility
from bridge.records import Account, FanGroup

LINK_SECRET = web.AppKey("link_secret", bytes)
CLOCK: web.AppKey[Callable[[], float]] = web.AppKey("clock")


class Members(Protocol):
    """The store reads a link's check needs."""

    async def get_account(self, user: UserRef) -> Account | None: ...

    async def is_banned(self, group_id: int, member_id: int) -> bool: ...


def allow_private_links(app: web.Application, secret: bytes, now: Callable[[], float]) -> None:
    """Let valid personal links open private groups on this app's API, exports and feed."""
    app[LINK_SECRET] = secret
    app[CLOCK] = now


async def check_key(
    members: Members, secret: bytes, token: str, group: FanGroup, now: float
) -> Grant | GrantError:
    """The grant of ``token`` for ``group``, or why it opens nothing (a banned person's link is
    "revoked")."""
    grant = verify_grant(secret, token, group.slug, now)
    if isinstance(grant, GrantError):
        return grant
    for member in await _people(members, grant):
        if await members.is_banned(group.id, member):
            return GrantError("revoked")
    return grant


async def _people(members: Members, grant: Grant) -> set[int]:
    """The member signed into the link and the one its account belongs to now."""
    people = {grant.member} if grant.member is not None else set()
    user = grant.user_ref()
    account = await members.get_account(user) if user is not None else None
    if account is not None:
        people.add(account.member_id)
    return people


async def group_visible(request: web.Request, group: FanGroup, members: Members) -> bool:
    """May this request read ``group``?"""
    if group.visibility is Visibility.PUBLIC:
        return True
    secret = request.app.get(LINK_SECRET)
    token = request.query.get("key", "")
    if secret is None or not token:
        return False
    now = request.app.get(CLOCK, time.time)()
    return isinstance(await check_key(members, secret, token, group, now), Grant)
