"""Identity links: `/fangroup account link|confirm|unlink`. One person's accounts on several
platforms are one member; roles attach to the member (bridge/groups/roles.py), so they hold on
every platform the person linked."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Awaitable, Callable, Iterable
from typing import Protocol

from bridge.events import CommandInvoked
from bridge.groups.replies import people, platform_name
from bridge.ids import Platform, UserRef
from bridge.outcome import Outcome, Reply
from bridge.ports import Clock, IdentityStore, LinkCode, MemberStore, SystemClock
from bridge.records import Account

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud, typed by hand
CODE_LENGTH = 8
CODE_TTL = 600.0
ACCOUNT_USAGE = "Usage: `/fangroup account link`, `/fangroup account confirm <code>`, "
ACCOUNT_USAGE += "`/fangroup account unlink`"

Handler = Callable[[CommandInvoked], Awaitable[Outcome]]


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str:
    """What a person typed, as the code: case, spaces and dashes do not matter."""
    return re.sub(r"[\s\-`]", "", text).upper()


def hash_code(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def other_platform(platform: Platform) -> str:
    others = [platform_name(p) for p in Platform if p is not platform]
    return " or ".join(others) or "another platform"


def clashes(ours: Iterable[Account], theirs: Iterable[Account]) -> bool:
    """Two members with an account in the same workspace of the same platform: merged, a
    mention there would have two meanings."""
    places = {(a.user.platform, a.user.workspace) for a in ours}
    return any((a.user.platform, a.user.workspace) in places for a in theirs)


class AccountLinkStore(MemberStore, IdentityStore, Protocol):
    """What linking and unlinking accounts reads and writes."""


class IdentityService:
    """`/fangroup account ...`: link a person's accounts with a one-time code, or unlink one."""

    def __init__(self, store: AccountLinkStore, clock: Clock | None = None) -> None:
        self.store = store
        self.clock: Clock = clock or SystemClock()
        self._table: dict[str, Handler] = {
            "link": self._link,
            "confirm": self._confirm,
            "unlink": self._unlink,
        }

    async def account(self, event: CommandInvoked) -> Outcome:
        handler = self._table.get(event.path[1] if len(event.path) > 1 else "")
        return await handler(event) if handler else Reply(ACCOUNT_USAGE)

    async def _own_account(self, event: CommandInvoked) -> Account:
        account = await self.store.get_account(event.user)
        if account is not None:
            return account
        name = event.display_name or event.user.user
        return await self.store.upsert_account(user=event.user, display_name=name)

    async def _link(self, event: CommandInvoked) -> Outcome:
        await self._own_account(event)
        now = self.clock.now()
        for _ in range(5):
            code = new_code()
            stored = await self.store.add_link_code(
                code_hash=hash_code(code), user=event.user, at=now, expires_at=now + CODE_TTL
            )
            if stored:
                return Reply(
                    f"Your link code is `{code}` (valid {int(CODE_TTL // 60)} minutes, once).\n"
                    f"Run `/fangroup account confirm {code}` on "
                    f"{other_platform(event.user.platform)} to make both accounts one fan."
                )
        return Reply("Could not make a link code just now; please try again.")

    async def _confirm(self, event: CommandInvoked) -> Outcome:
        code = normalise_code(event.args.get("code", ""))
        if not code:
            return Reply("Usage: `/fangroup account confirm <code>`")
        found = await self.store.get_link_code(hash_code(code))
        if found is None:
            return Reply(_UNKNOWN)
        refusal = self._check_code(found, event.user)
        if refusal is not None:
            return refusal
        keep = await self.store.get_account(found.user)
        if keep is None:
            return Reply(_UNKNOWN)
        absorb = await self._own_account(event)
        return await self._merge(code, found.user, keep, absorb)

    def _check_code(self, found: LinkCode, user: UserRef) -> Reply | None:
        if found.user.platform is user.platform:
            here = platform_name(user.platform)
            return Reply(
                f"This code was made on {here}: enter it on {other_platform(user.platform)}, "
                f"from the account you want to link to this one."
            )
        if found.used_at is not None:
            return Reply(_USED)
        if self.clock.now() >= found.expires_at:
            return Reply("This code has expired. Get a new one with `/fangroup account link`.")
        return None

    async def _merge(self, code: str, linking: UserRef, keep: Account, absorb: Account) -> Reply:
        pair = f"your {platform_name(linking.platform)} account and your "
        pair += f"{platform_name(absorb.user.platform)} account"
        if keep.member_id == absorb.member_id:
            await self.store.use_link_code(hash_code(code), at=self.clock.now())
            return Reply(f"Already linked: {pair} are one fan.")
        ours = await self.store.accounts_of_member(keep.member_id)
        theirs = await self.store.accounts_of_member(absorb.member_id)
        if clashes(ours, theirs):
            return Reply(
                "One of these accounts is already linked to another account on the same "
                "platform. Run `/fangroup account unlink` there first, then confirm again."
            )
        if not await self.store.use_link_code(hash_code(code), at=self.clock.now()):
            return Reply(_USED)
        await self.store.merge_members(keep=keep.member_id, absorb=absorb.member_id)
        return Reply(f"Linked: {pair} are one fan now.")

    async def _unlink(self, event: CommandInvoked) -> Outcome:
        here = platform_name(event.user.platform)
        account = await self.store.get_account(event.user)
        others = await self._others(account) if account else []
        if account is None or not others:
            return Reply(f"Your {here} account is not linked to any other account.")
        await self.store.split_account(event.user)
        names = people(others)
        return Reply(
            f"Unlinked: your {here} account is a fan of its own now. Your roles stay with {names}."
        )

    async def _others(self, account: Account) -> list[Account]:
        accounts = await self.store.accounts_of_member(account.member_id)
        return [a for a in accounts if a.id != account.id]


_USED = "This code has already been used. Get a new one with `/fangroup account link`."
_UNKNOWN = "No such code. Get one with `/fangroup account link` on the other platform."
