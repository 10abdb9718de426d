"""The resolution chain: short link → catalog link → provider metadata → one canonical item
(by ISRC/UPC, then by normalised artist + title + duration ±2 s, then MusicBrainz by ISRC),
plus the item's links on other services. A link is resolved once ever; failures back off."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence

from bridge.metrics import Metrics, NullMetrics
from bridge.music.keys import link_key, match_key, parse_key
from bridge.music.links import find_music_links
from bridge.music.model import (
    IsrcSearch,
    Metadata,
    MusicProvider,
    ProviderUnavailable,
    ShortLinkExpander,
)
from bridge.ports import Clock, MusicStore
from bridge.records import ItemLink

log = logging.getLogger(__name__)

MISSING_RETRY = 24 * 3600.0
MAX_BACKOFF = 6 * 3600.0


class Unresolvable(Exception):
    def __init__(self, status: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status


class Resolver:
    def __init__(
        self,
        *,
        store: MusicStore,
        providers: Mapping[str, MusicProvider],
        searchers: Sequence[IsrcSearch] = (),
        expander: ShortLinkExpander | None = None,
        clock: Clock,
        on_resolved: Callable[[list[int]], Awaitable[None]] | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.store = store
        self.metrics: Metrics = metrics or NullMetrics()
        self.providers = providers
        self.searchers = searchers
        self.expander = expander
        self.clock = clock
        self.on_resolved = on_resolved
        self._wake = asyncio.Event()
        self.resolved = 0
        self.cache_hits = 0
        self.provider_calls = 0

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        while True:
            if await self.drain_once() == 0:
                await self._idle()

    async def _idle(self) -> None:
        due = await self.store.next_link_due()
        delay = 30.0 if due is None else max(0.0, min(30.0, due - self.clock.now()))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=delay)
        self._wake.clear()

    async def drain_once(self) -> int:
        due = await self.store.due_links(now=self.clock.now())
        for key, url, attempts in due:
            await self.resolve(key, url, attempts)
        return len(due)

    async def resolve(self, key: str, url: str, attempts: int = 0) -> int | None:
        """Resolve one link key; record the outcome. Returns the item id, if any."""
        try:
            item_id = await self._resolve(key, url)
        except ProviderUnavailable as exc:
            delay = exc.retry_after or min(MAX_BACKOFF, 30.0 * 2**attempts)
            await self.store.mark_link(
                key, status="failed", error=str(exc), retry_at=self.clock.now() + delay
            )
            return None
        except Unresolvable as exc:
            retry = self.clock.now() + MISSING_RETRY if exc.status == "missing" else None
            await self.store.mark_link(key, status=exc.status, error=str(exc), retry_at=retry)
            return None
        messages = await self.store.mark_link(key, status="ok", item_id=item_id)
        self.resolved += 1
        if messages and self.on_resolved is not None:
            await self.on_resolved(messages)
        return item_id

    async def _resolve(self, key: str, url: str) -> int:
        parsed = parse_key(key)
        if parsed is None:
            parsed, url = await self._expand(url)
        platform, kind, item_id = parsed
        known = await self.store.item_for_link(platform, kind, item_id)
        if known is not None:
            self.cache_hits += 1
            self.metrics.cache_hit()
            return known
        provider = self.providers.get(platform)
        if provider is None:
            raise Unresolvable("link_only", f"no provider for {platform}")
        self.provider_calls += 1
        self.metrics.resolver_call(platform)
        meta = await provider.lookup(kind, item_id, url)
        if meta is None:
            raise Unresolvable("missing", f"{platform} {kind} {item_id} not found")
        return await self._canonical(meta)

    async def _expand(self, url: str) -> tuple[tuple[str, str, str], str]:
        if self.expander is None:
            raise Unresolvable("link_only", "short links cannot be expanded")
        final = await self.expander.expand(url)
        if final is None:
            raise Unresolvable("refused", "short link refused or broken")
        found = [lk for lk in find_music_links(final) if not lk.short_link]
        if not found:
            raise Unresolvable("missing", "short link leads to no catalog item")
        target = found[0]
        assert target.kind is not None and target.id is not None
        return (target.platform, target.kind, target.id), final

    async def item_for(self, meta: Metadata) -> int:
        """The canonical item of what a platform said about one song (made if new): the
        tracks of an album or playlist a party plays."""
        return await self._canonical(meta)

    async def _canonical(self, meta: Metadata) -> int:
        key = match_key(meta.artists, meta.title)
        item_id = await self.store.find_item(
            kind=meta.kind,
            isrc=meta.isrc,
            upc=meta.upc,
            match_key=key,
            duration_ms=meta.duration_ms,
        )
        if item_id is None:
            item_id = await self._by_musicbrainz(meta)
        if item_id is None:
            item_id = await self.store.create_item(meta, match_key=key)
        else:
            await self.store.enrich_item(item_id, meta)
        await self._add_links(item_id, meta)
        await self._cross_link(item_id, meta)
        return item_id

    async def _by_musicbrainz(self, meta: Metadata) -> int | None:
        """An ISRC unknown here may still name a recording we know under another ISRC."""
        if not meta.isrc:
            return None
        for searcher in self.searchers:
            if searcher.platform != "musicbrainz":
                continue
            with contextlib.suppress(ProviderUnavailable):
                found = await searcher.by_isrc(meta.isrc)
                if found is not None:
                    return await self.store.find_item(
                        kind=meta.kind,
                        isrc=None,
                        upc=None,
                        match_key=match_key(found.artists, found.title),
                        duration_ms=found.duration_ms,
                    )
        return None

    async def _add_links(self, item_id: int, meta: Metadata) -> None:
        await self.store.add_item_link(
            item_id, ItemLink(meta.platform, meta.kind, meta.id, meta.url)
        )
        for platform, platform_id, url in meta.extra_links:
            await self.store.add_item_link(item_id, ItemLink(platform, meta.kind, platform_id, url))

    async def _cross_link(self, item_id: int, meta: Metadata) -> None:
        """The same song on the other services that can be searched by ISRC/UPC."""
        code = meta.isrc if meta.kind == "track" else meta.upc if meta.kind == "album" else None
        if not code:
            return
        for searcher in self.searchers:
            if searcher.platform in (meta.platform, "musicbrainz"):
                continue
            try:
                found = await (
                    searcher.by_isrc(code) if meta.kind == "track" else searcher.by_upc(code)
                )
            except ProviderUnavailable as exc:
                log.info("cross-link via %s later: %s", searcher.platform, exc)
                continue
            if found is not None:
                await self._add_links(item_id, found)


def share_drafts_keys(text: str) -> list[tuple[str, str, str]]:
    """(link key, platform, url) of every music link in a message, in order, once each."""
    return [(link_key(lk), lk.platform, lk.url) for lk in find_music_links(text)]
