"""`/fangroup web [group]`: the address of a group's web pages, shown to the caller only.

A public group's pages are open to all: the reply is the plain ``/g/<slug>`` address, and a
personal link (the same signed link, 7 days) to write in its listening parties' rooms under the
caller's name, unless they are banned from the group. A private
group's (visibility invite or approval) are not: a member admitted to the group, or one of its
moderators, gets a personal signed link valid for 7 days, naming the member it was given to (the
web pages refuse it as soon as that member is banned from the group); anyone else is refused.
The adapters layer signs the links (``link_for``) and knows the public address (``page_for``);
either returns None when the bridge has no ``[web] public_url``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from bridge.events import CommandInvoked
from bridge.gates.check import ADMITTED_ROLES
from bridge.groups.replies import NOT_LINKED, no_group
from bridge.groups.roles import GroupRoles
from bridge.groups.usage import find_group
from bridge.ids import UserRef, Visibility
from bridge.outcome import Outcome, Reply
from bridge.ports import Clock, ModerationStore, RosterStore
from bridge.records import FanGroup

LINK_TTL = 7 * 24 * 3600.0


class LinkFor(Protocol):
    """Sign ``user``'s link to group ``slug``; ``member`` is the person (banning them from the
    group revokes the link)."""

    def __call__(self, slug: str, user: UserRef, expires_at: float, member: int) -> str | None: ...


PageFor = Callable[[str], str | None]
Handler = Callable[[CommandInvoked], Awaitable[Outcome]]

NO_WEB = (
    "The web pages are not enabled on this bridge: its operator sets `[web] public_url` "
    "in the config to turn them on."
)


class WebLinkStore(RosterStore, ModerationStore, Protocol):
    """What handing out web links checks: the group, the person's roles, their bans."""


class WebLinks:
    def __init__(
        self, store: WebLinkStore, clock: Clock, link_for: LinkFor, page_for: PageFor
    ) -> None:
        self.store = store
        self.clock = clock
        self.link_for = link_for
        self.page_for = page_for
        self.roles = GroupRoles(store)

    def commands(self) -> dict[str, Handler]:
        return {"web": self.web}

    async def web(self, event: CommandInvoked) -> Outcome:
        word = event.args.get("group", "").strip()
        group = await self._group(event, word)
        if group is None:
            return Reply(no_group(word) if word else NOT_LINKED)
        if group.visibility is Visibility.PUBLIC:
            return await self._public(group, event)
        member = await self._reader(group, event.user)
        if member is None:
            return Reply(
                f"Sorry, *{group.name}* is private: its pages are for its members. "
                f"Join with `/fangroup join {group.slug}` or an invite code."
            )
        expires = self.clock.now() + LINK_TTL
        link = self.link_for(group.slug, event.user, expires, member)
        if link is None:
            return Reply(NO_WEB)
        return Reply(
            f"Your personal link to *{group.name}* (private; valid for 7 days, do not share "
            f"it): {link}"
        )

    async def _public(self, group: FanGroup, event: CommandInvoked) -> Outcome:
        """The open address, and the caller's personal link to write in party rooms."""
        page = self.page_for(group.slug)
        if page is None:
            return Reply(NO_WEB)
        line = f"*{group.name}* on the web: {page}"
        account = await self.store.get_account(event.user)
        if account is None:
            name = event.display_name or event.user.user
            account = await self.store.upsert_account(user=event.user, display_name=name)
        if await self.store.is_banned(group.id, account.member_id):
            return Reply(line)
        expires = self.clock.now() + LINK_TTL
        link = self.link_for(group.slug, event.user, expires, account.member_id)
        if link is None:
            return Reply(line)
        return Reply(
            f"{line}\nYour personal link, to write in the group's listening party rooms under "
            f"your name (valid for 7 days, do not share it): {link}"
        )

    async def _group(self, event: CommandInvoked, word: str) -> FanGroup | None:
        if word:
            return await find_group(self.store, word)
        link = await self.store.link_for_channel(event.channel)
        return await self.store.get_group_by_id(link.group_id) if link else None

    async def _reader(self, group: FanGroup, user: UserRef) -> int | None:
        """The member ``user`` is if admitted (any role in the group, through any linked
        account) and not banned; else None."""
        if not await self.roles.has_role(group, user, ADMITTED_ROLES):
            return None
        account = await self.store.get_account(user)
        if account is None or await self.store.is_banned(group.id, account.member_id):
            return None
        return account.member_id
