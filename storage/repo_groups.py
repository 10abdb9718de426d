"""Fan groups and their channel links."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, delete, select

from bridge.errors import ChannelAlreadyLinked, GroupExists
from bridge.ids import ChannelRef, Direction, GroupKind, Visibility
from bridge.records import ChannelLink, FanGroup
from storage import convert
from storage.base import RepoBase
from storage.tables import ChannelLinkRow, FanGroupRow


def _link_filter(channel: ChannelRef) -> ColumnElement[bool]:
    return (
        (col(ChannelLinkRow.platform) == channel.platform.value)
        & (col(ChannelLinkRow.workspace_id) == channel.workspace)
        & (col(ChannelLinkRow.channel_id) == channel.channel)
    )


class GroupRepo(RepoBase):
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
        async with self.session() as s:
            row = await s.get(FanGroupRow, group_id)
            return convert.group(row) if row else None

    async def list_groups(self) -> list[FanGroup]:
        async with self.session() as s:
            rows = (await s.exec(select(FanGroupRow).order_by(col(FanGroupRow.id)))).all()
            return [convert.group(r) for r in rows]

    async def link_channel(
        self,
        *,
        group_id: int,
        channel: ChannelRef,
        direction: Direction = Direction.INOUT,
        linked_by: str | None = None,
        webhook_ref: str | None = None,
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
        )
        try:
            async with self.session() as s:
                s.add(row)
        except IntegrityError as exc:  # a concurrent link won the race
            raise ChannelAlreadyLinked(channel, group_id) from exc
        return convert.link(row)

    async def unlink_channel(self, channel: ChannelRef) -> bool:
        async with self.session() as s:
            result = await s.exec(delete(ChannelLinkRow).where(_link_filter(channel)))
            return bool(result.rowcount)

    async def link_for_channel(self, channel: ChannelRef) -> ChannelLink | None:
        async with self.session() as s:
            row = (await s.exec(select(ChannelLinkRow).where(_link_filter(channel)))).first()
            return convert.link(row) if row else None

    async def links_for_group(self, group_id: int) -> list[ChannelLink]:
        query = (
            select(ChannelLinkRow)
            .where(ChannelLinkRow.group_id == group_id)
            .order_by(col(ChannelLinkRow.id))
        )
        async with self.session() as s:
            return [convert.link(r) for r in (await s.exec(query)).all()]

    async def update_settings(self, group_id: int, changes: dict[str, Any]) -> None:
        async with self.session() as s:
            row = await s.get(FanGroupRow, group_id)
            if row is not None:
                row.settings = {**(row.settings or {}), **changes}
                s.add(row)

    async def set_webhook_ref(self, channel: ChannelRef, webhook_ref: str | None) -> None:
        async with self.session() as s:
            row = (await s.exec(select(ChannelLinkRow).where(_link_filter(channel)))).first()
            if row is not None:
                row.webhook_ref = webhook_ref
                s.add(row)
