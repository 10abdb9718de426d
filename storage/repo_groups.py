"""Fan groups and their channel links."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, String, cast, tuple_
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, delete, select

from bridge.errors import ChannelAlreadyLinked, GroupExists
from bridge.ids import ChannelRef, Direction, GroupKind, Platform, Visibility
from bridge.records import ChannelLink, FanGroup
from storage import convert
from storage.base import RepoBase
from storage.tables import ChannelLinkRow, FanGroupRow

CHANNEL_NAME_MAX = 100


def _name(name: str | None) -> str | None:
    """A channel name as kept: trimmed, at most ``CHANNEL_NAME_MAX`` characters, None if empty."""
    name = (name or "").strip().lstrip("#")[:CHANNEL_NAME_MAX]
    return name or None


def _link_filter(channel: ChannelRef) -> ColumnElement[bool]:
    return (
        (col(ChannelLinkRow.platform) == channel.platform.value)
        & (col(ChannelLinkRow.workspace_id) == channel.workspace)
        & (col(ChannelLinkRow.channel_id) == channel.channel)
    )


class GroupRepo(RepoBase):
    """Links are read for every message and change rarely: they are cached in this process and
    the cache is dropped by every change made through this store, and on PostgreSQL by every
    other process's (storage/notify.py); nothing is kept while those may go unheard."""

    _links_by_channel: dict[ChannelRef, ChannelLink | None]
    _links_by_group: dict[int, list[ChannelLink]]

    def _link_caches(
        self,
    ) -> tuple[dict[ChannelRef, ChannelLink | None], dict[int, list[ChannelLink]]]:
        if not hasattr(self, "_links_by_channel"):
            self._links_by_channel, self._links_by_group = {}, {}
            self.cache.watch("channel_link", self._forget_links)  # other processes' changes
        return self._links_by_channel, self._links_by_group

    def _forget_link(self, channel: ChannelRef) -> None:
        """One link changed in place (its webhook): only its channel's and group's entries go
        (the first copy into each Discord channel sets one, so a burst keeps the others)."""
        by_channel, by_group = self._link_caches()
        link = by_channel.pop(channel, None)
        if link is None:
            self._forget_links()
            return
        by_group.pop(link.group_id, None)

    def _forget_links(self) -> None:
        by_channel, by_group = self._link_caches()
        by_channel.clear()
        by_group.clear()

    async def create_group(
        self,
        *,
        slug: str,
        name: str,
        kind: GroupKind = GroupKind.TOPIC,
        visibility: Visibility = Visibility.PUBLIC,
        created_by: str | None = None,
    ) -> FanGroup:
        row = FanGroupRow(
            slug=slug,
            name=name,
            kind=kind.value,
            visibility=visibility.value,
            created_by=created_by,
            created_at=self.clock.now(),
        )
        try:
            async with self.session() as s:
                s.add(row)
        except IntegrityError as exc:
            raise GroupExists(slug) from exc
        return convert.group(row)

    async def get_group(self, slug: str) -> FanGroup | None:
        async with self.session() as s:
            row = (await s.exec(select(FanGroupRow).where(FanGroupRow.slug == slug))).first()
            return convert.group(row) if row else None

    async def get_group_by_id(self, group_id: int) -> FanGroup | None:
        region = self.cache.region("group", "fan_group", by_id=True)
        return await self.cached(region, group_id, lambda: self._group_by_id(group_id))

    async def _group_by_id(self, group_id: int) -> FanGroup | None:
        async with self.session() as s:
            row = await s.get(FanGroupRow, group_id)
            return convert.group(row) if row else None

    async def list_groups(self) -> list[FanGroup]:
        async with self.session() as s:
            rows = (await s.exec(select(FanGroupRow).order_by(col(FanGroupRow.id)))).all()
            return [convert.group(r) for r in rows]

    async def groups_in_workspace(self, platform: Platform, workspace: str) -> list[FanGroup]:
        """One query (the links' unique index starts with platform and workspace)."""
        linked = select(ChannelLinkRow.group_id).where(
            col(ChannelLinkRow.platform) == platform.value,
            col(ChannelLinkRow.workspace_id) == workspace,
        )
        query = select(FanGroupRow).where(col(FanGroupRow.id).in_(linked))
        async with self.session() as s:
            rows = (await s.exec(query.order_by(col(FanGroupRow.id)))).all()
            return [convert.group(r) for r in rows]

    async def groups_with_setting(self, key: str) -> list[FanGroup]:
        """The JSON text is searched for the key's quoted name (the same on SQLite and
        PostgreSQL), then each candidate's settings are checked for the key itself."""
        text = cast(col(FanGroupRow.settings), String)
        query = select(FanGroupRow).where(text.contains(json.dumps(key)))
        async with self.session() as s:
            rows = (await s.exec(query.order_by(col(FanGroupRow.id)))).all()
            return [convert.group(r) for r in rows if key in (r.settings or {})]

    async def link_channel(
        self,
        *,
        group_id: int,
        channel: ChannelRef,
        direction: Direction = Direction.INOUT,
        linked_by: str | None = None,
        webhook_ref: str | None = None,
        channel_name: str | None = None,
    ) -> ChannelLink:
        existing = await self.link_for_channel(channel)
        if existing is not None:
            raise ChannelAlreadyLinked(channel, existing.group_id)
        row = ChannelLinkRow(
            group_id=group_id,
            platform=channel.platform.value,
            workspace_id=channel.workspace,
            channel_id=channel.channel,
            direction=direction.value,
            webhook_ref=webhook_ref,
            linked_by=linked_by,
            linked_at=self.clock.now(),
            channel_name=_name(channel_name),
        )
        try:
            async with self.session() as s:
                s.add(row)
        except IntegrityError as exc:  # a concurrent link won the race
            raise ChannelAlreadyLinked(channel, group_id) from exc
        finally:
            self._forget_links()
        return convert.link(row)

    async def unlink_channel(self, channel: ChannelRef) -> bool:
        try:
            async with self.session() as s:
                result = await s.exec(delete(ChannelLinkRow).where(_link_filter(channel)))
                return bool(result.rowcount)
        finally:
            self._forget_links()

    async def link_for_channel(self, channel: ChannelRef) -> ChannelLink | None:
        by_channel, _ = self._link_caches()
        if channel in by_channel:
            return by_channel[channel]
        async with self.session() as s:
            row = (await s.exec(select(ChannelLinkRow).where(_link_filter(channel)))).first()
            found = convert.link(row) if row else None
        if self.cache.trusted:
            by_channel[channel] = found
        return found

    async def links_for_group(self, group_id: int) -> list[ChannelLink]:
        _, by_group = self._link_caches()
        if group_id in by_group:
            return list(by_group[group_id])
        query = (
            select(ChannelLinkRow)
            .where(ChannelLinkRow.group_id == group_id)
            .order_by(col(ChannelLinkRow.id))
        )
        async with self.session() as s:
            links = [convert.link(r) for r in (await s.exec(query)).all()]
        if self.cache.trusted:
            by_group[group_id] = links
        return list(links)

    async def update_settings(self, group_id: int, changes: dict[str, Any]) -> None:
        async with self.session() as s:
            row = await s.get(FanGroupRow, group_id)
            if row is not None:
                row.settings = {**(row.settings or {}), **changes}
                s.add(row)

    async def set_webhook_ref(self, channel: ChannelRef, webhook_ref: str | None) -> None:
        try:
            async with self.session() as s:
                row = (await s.exec(select(ChannelLinkRow).where(_link_filter(channel)))).first()
                if row is not None:
                    row.webhook_ref = webhook_ref
                    s.add(row)
        finally:
            self._forget_link(channel)

    async def set_channel_name(self, channel: ChannelRef, name: str | None) -> bool:
        """Keep the linked channel's name as its platform shows it now. True when a link's
        name changed (an unlinked channel, or the same name, changes nothing)."""
        kept = _name(name)
        async with self.session() as s:
            row = (await s.exec(select(ChannelLinkRow).where(_link_filter(channel)))).first()
            if row is None or row.channel_name == kept:
                return False
            row.channel_name = kept
            s.add(row)
        self._forget_links()
        return True

    async def unnamed_links(self, platform: Platform) -> list[ChannelRef]:
        """The linked channels of ``platform`` whose name is not known yet (one query)."""
        query = select(ChannelLinkRow.workspace_id, ChannelLinkRow.channel_id).where(
            (col(ChannelLinkRow.platform) == platform.value)
            & col(ChannelLinkRow.channel_name).is_(None)
        )
        async with self.session() as s:
            rows = (await s.exec(query)).all()
        return [ChannelRef(platform, workspace, channel) for workspace, channel in rows]

    async def set_channel_names(self, names: Mapping[ChannelRef, str]) -> int:
        """Many links' names in one transaction (a page of a platform's channel list); only
        the links whose name changed leave the cache. Returns how many changed."""
        if not names:
            return 0
        keys = [(c.platform.value, c.workspace, c.channel) for c in names]
        where = tuple_(
            col(ChannelLinkRow.platform),
            col(ChannelLinkRow.workspace_id),
            col(ChannelLinkRow.channel_id),
        ).in_(keys)
        changed: list[tuple[ChannelRef, int]] = []
        async with self.session() as s:
            for row in (await s.exec(select(ChannelLinkRow).where(where))).all():
                ref = ChannelRef(Platform(row.platform), row.workspace_id, row.channel_id)
                kept = _name(names.get(ref))
                if row.channel_name != kept:
                    row.channel_name = kept
                    s.add(row)
                    changed.append((ref, row.group_id))
        self._forget_named(changed)
        return len(changed)

    def _forget_named(self, changed: Sequence[tuple[ChannelRef, int]]) -> None:
        by_channel, by_group = self._link_caches()
        for channel, group_id in changed:
            by_channel.pop(channel, None)
            by_group.pop(group_id, None)
