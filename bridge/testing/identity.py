"""Identity links in memory: one-time link codes, and splitting an account off its member."""

from __future__ import annotations

from dataclasses import replace

from bridge.ids import UserRef
from bridge.ports.store import LINK_CODE_KEPT, LinkCode
from bridge.records import Account
from bridge.testing.tables import Tables


class MemoryIdentity:
    def __init__(self, tables: Tables) -> None:
        self.t = tables
        self.codes: dict[str, LinkCode] = {}

    async def add_link_code(
        self, *, code_hash: str, user: UserRef, at: float, expires_at: float
    ) -> bool:
        kept = {
            h: c
            for h, c in self.codes.items()
            if not (c.user == user and c.used_at is None) and c.expires_at >= at - LINK_CODE_KEPT
        }
        if code_hash in kept:  # the whole change is refused, as one transaction would be
            return False
        kept[code_hash] = LinkCode(user=user, created_at=at, expires_at=expires_at, used_at=None)
        self.codes = kept
        return True

    async def get_link_code(self, code_hash: str) -> LinkCode | None:
        return self.codes.get(code_hash)

    async def use_link_code(self, code_hash: str, *, at: float) -> bool:
        code = self.codes.get(code_hash)
        if code is None or code.used_at is not None:
            return False
        self.codes[code_hash] = replace(code, used_at=at)
        return True

    async def split_account(self, user: UserRef) -> Account:
        account = self.t.accounts.get(user)
        if account is None:
            raise LookupError(f"no account {user}")
        alone = all(
            a.member_id != account.member_id or a.id == account.id for a in self.t.accounts.values()
        )
        if alone:
            return account
        split = replace(account, member_id=self.t.next_id("member"))
        self.t.accounts[user] = split
        return split
