"""The outbox's digests: each item names the group and the week; the digest's content was
stored when it was made, so every channel (and a retry after a restart) posts the same digest.
Each platform draws it through its DigestPoster (a Discord embed, Slack blocks)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from bridge.actions import DigestAction
from bridge.digests.model import DigestContent, DigestStore
from bridge.ids import ChannelRef, Platform
from bridge.once import PostOnce
from bridge.pipeline.delivery import DeliveryHandlers, Skipped
from bridge.ports import ChatAdapter, GroupStore, PermanentError
from bridge.records import OutboxItem

Page = Callable[[str], str | None]  # group slug -> its public page (None without one)


@dataclass(frozen=True, slots=True)
class DigestPost:
    digest_id: int
    content: DigestContent
    archive_url: str | None  # the group's digests page


class DigestPoster(Protocol):
    async def post_digest(self, channel: ChannelRef, post: DigestPost, *, once: PostOnce) -> str:
        """Post the digest in ``channel`` (at most once for ``once``: see bridge.once); its
        platform id."""
        ...


class DigestDeliveryStore(DigestStore, GroupStore, Protocol):
    """The digests and their groups (for the archive's address)."""


class DigestDelivery:
    def __init__(
        self, store: DigestDeliveryStore, posters: Mapping[Platform, DigestPoster], page: Page
    ) -> None:
        self.store = store
        self.posters = posters
        self.page = page

    def handlers(self) -> DeliveryHandlers:
        return DeliveryHandlers().add(DigestAction, self._post)

    async def _post(self, action: DigestAction, item: OutboxItem, _: ChatAdapter) -> None:
        digest = await self.store.get_digest(action.group_id, action.week)
        if digest is None or digest.content is None:
            raise Skipped("the digest is gone")
        poster = self.posters.get(item.target.platform)
        if poster is None:
            raise PermanentError(f"no digests on {item.target.platform.value}")
        group = await self.store.get_group_by_id(action.group_id)
        page = self.page(group.slug) if group is not None else None
        post = DigestPost(digest.id, digest.content, f"{page}/digests" if page else None)
        await poster.post_digest(item.target, post, once=PostOnce.of(item, "digest"))
