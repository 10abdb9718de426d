"""Keeps one Spotify playlist per group ("<group name> — fanbridge") in the music tab's order.

Its own asyncio task: woken (debounced) when shares are added, removed or resolved, and on a
periodic timer; a failure is recorded on the group's playlist (``last_error``), logged, and
retried with backoff; a long 429 waits its ``Retry-After``. Nothing here ever holds up the relay.

The playlist is public when the group is (``/fangroup visibility``), private otherwise; a later
change of the group's visibility is noticed within ``SyncTiming.check`` seconds (a cheap database
read) and the playlist's flag changed to match.

Per group: the tab's tracks, most recently shared first → Spotify URIs (the item's Spotify link,
else a Spotify search ``isrc:<ISRC>``; the rest are listed as unmatched) → ``plan`` against the
playlist as it is (what the bridge last wrote when the snapshot_id is unchanged, otherwise read
back from ``/playlists/{id}/items``) → the plan's requests on the items endpoints.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

import aiohttp

from adapters.music.spotify_user import SpotifyError, SpotifyRateLimited, SpotifyUserClient
from bridge.ids import Visibility
from bridge.music.playlist import (
    Insert,
    Move,
    Op,
    PlaylistState,
    Remove,
    Unmatched,
    desired_order,
    plan,
)
from bridge.ports import Clock, GroupStore, MusicStore, SpotifyStore
from bridge.records import FanGroup, MusicItem

log = logging.getLogger(__name__)

TAB_LIMIT = 10_000
NO_MATCH_RECHECK = 24 * 3600.0


class SyncStore(GroupStore, MusicStore, SpotifyStore, Protocol):
    pass


def spotify_uri(item: MusicItem) -> str | None:
    for link in item.links:
        if link.platform == "spotify" and link.kind == "track" and link.platform_id:
            return f"spotify:track:{link.platform_id}"
    return None


def playlist_name(group: FanGroup) -> str:
    return f"{group.name} — fanbridge"


@dataclass(frozen=True, slots=True)
class SyncTiming:
    debounce: float = 2.0  # after a change, wait this long for more before syncing
    interval: float = 900.0  # a full pass this often even without changes
    min_backoff: float = 5.0  # after a failure (doubling up to max_backoff)
    max_backoff: float = 900.0
    check: float = 60.0  # look for a new login and for visibility changes this often


class PlaylistSync:
    def __init__(
        self,
        *,
        store: SyncStore,
        client: SpotifyUserClient,
        clock: Clock,
        timing: SyncTiming | None = None,
    ) -> None:
        self.store = store
        self.client = client
        self.clock = clock
        timing = timing or SyncTiming()
        self.debounce = timing.debounce
        self.interval = timing.interval
        self.min_backoff = timing.min_backoff
        self.max_backoff = timing.max_backoff
        self.check = timing.check
        self._wake = asyncio.Event()
        self._seen_public: dict[int, bool] = {}  # group id → public, as last looked at
        self._isrc: dict[str, tuple[str | None, float]] = {}
        self.failures = 0
        self.runs = 0

    def wake(self) -> None:
        """Shares changed somewhere: sync soon (several changes in ``debounce`` s sync once)."""
        self._wake.set()

    async def run(self) -> None:
        watch = asyncio.create_task(self._watch_visibility(), name="spotify-visibility")
        try:
            delay = 0.0
            while True:
                await self._sleep_or_wake(delay)
                delay = await self._run_once()
        finally:
            watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watch

    async def _watch_visibility(self) -> None:
        """Wake the sync once when a group's visibility changed (public ↔ invite/approval)."""
        while True:
            await asyncio.sleep(self.check)
            try:
                groups = await self.store.list_groups()
            except Exception:  # a database hiccup: look again next time
                log.warning("spotify playlists: could not read the groups", exc_info=True)
                continue
            now = {g.id: g.visibility is Visibility.PUBLIC for g in groups}
            changed = any(self._seen_public.get(g, public) != public for g, public in now.items())
            self._seen_public = now
            if changed:
                self.wake()

    async def _sleep_or_wake(self, delay: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=delay)
        if self._wake.is_set():
            await asyncio.sleep(self.debounce)  # let a burst of shares settle
        self._wake.clear()

    async def _run_once(self) -> float:
        """One pass over every group; returns how long to wait before the next."""
        try:
            await self.sync_all()
        except SpotifyRateLimited as exc:
            log.warning("spotify playlists: rate limited, next sync in %.0fs", exc.retry_after)
            return exc.retry_after
        except (SpotifyError, aiohttp.ClientError, TimeoutError, OSError) as exc:
            wait = self._backoff()
            log.warning("spotify playlists: sync failed (%s), retry in %.0fs", exc, wait)
            return wait
        except Exception:  # a bug or an answer of an unexpected shape: never end the task
            wait = self._backoff()
            log.exception("spotify playlists: sync failed unexpectedly, retry in %.0fs", wait)
            return wait
        self.failures = 0
        return self.interval

    def _backoff(self) -> float:
        self.failures += 1
        return min(self.max_backoff, self.min_backoff * 2.0 ** (self.failures - 1))

    async def sync_all(self) -> list[PlaylistState]:
        """Sync every group; the first error is raised after the other groups had their turn."""
        self.runs += 1
        done: list[PlaylistState] = []
        first: Exception | None = None
        groups = await self.store.list_groups()
        self._seen_public = {g.id: g.visibility is Visibility.PUBLIC for g in groups}
        for group in groups:
            try:
                state = await self.sync_group(group)
            except SpotifyRateLimited:
                raise
            except (SpotifyError, aiohttp.ClientError, TimeoutError, OSError) as exc:
                first = first or exc
                continue
            if state is not None:
                done.append(state)
        if first is not None:
            raise first
        return done

    async def sync_group(self, group: FanGroup) -> PlaylistState | None:
        uris, unmatched = await self.desired(group.id)
        state = await self.store.get_spotify_playlist(group.id)
        if state is None and not uris:
            return None  # no playlist until there is something to play
        try:
            state, current = await self._current(group, state)
            state = await self._apply(state, uris, current)
        except (SpotifyError, aiohttp.ClientError, TimeoutError, OSError) as exc:
            if state is not None:
                failed = replace(state, last_error=str(exc)[:500])
                await self.store.save_spotify_playlist(failed)
            raise
        synced = replace(
            state,
            unmatched=tuple(unmatched),
            last_synced_at=self.clock.now(),
            last_error=None,
        )
        await self.store.save_spotify_playlist(synced)
        return synced

    async def desired(self, group_id: int) -> tuple[list[str], list[Unmatched]]:
        """The tab's tracks as Spotify URIs, most recently shared first, and the unmatched."""
        entries, _ = await self.store.music_tab(group_id, sort="recent", limit=TAB_LIMIT)
        uris: list[str] = []
        unmatched: list[Unmatched] = []
        for entry in entries:
            item = entry.item
            if item is None or item.kind != "track":
                continue  # not resolved yet (synced once it is), or not a single track
            uri = spotify_uri(item) or await self._by_isrc(item.isrc)
            if uri is not None:
                uris.append(uri)
                continue
            reason = "not found on Spotify by ISRC" if item.isrc else "no ISRC to match on"
            unmatched.append(Unmatched(item.id, item.title, item.artists, entry.url, reason))
        return desired_order(uris), unmatched

    async def _by_isrc(self, isrc: str | None) -> str | None:
        if not isrc:
            return None
        now = time.monotonic()
        known = self._isrc.get(isrc)
        if known is not None and (known[0] is not None or now - known[1] < NO_MATCH_RECHECK):
            return known[0]
        uri = await self.client.track_by_isrc(isrc)
        self._isrc[isrc] = (uri, now)
        return uri

    async def _current(
        self, group: FanGroup, state: PlaylistState | None
    ) -> tuple[PlaylistState, list[str]]:
        """The group's playlist (created when missing or gone), public as the group is, and
        its tracks as they are."""
        if state is not None:
            details = await self._details(group, state.playlist_id)
            snapshot = str(details.get("snapshot_id") or "") if details is not None else None
            if snapshot is not None and snapshot == state.snapshot_id:
                return state, list(state.uris)
            if snapshot is not None:  # changed by someone else, or a sync that failed midway
                uris = await self.client.playlist_uris(state.playlist_id)
                return replace(state, snapshot_id=snapshot), uris
            log.info("spotify playlists: group %s's playlist is gone; creating a new one", group.id)
        return await self._create(group), []

    async def _details(self, group: FanGroup, playlist_id: str) -> dict[str, Any] | None:
        """The playlist's details, after making it public or private as the group is."""
        details = await self.client.playlist(playlist_id)
        public = group.visibility is Visibility.PUBLIC
        if details is None or not isinstance(details.get("public"), bool):
            return details
        if details["public"] == public:
            return details
        await self.client.set_public(playlist_id, public)
        log.info(
            "spotify playlists: group %s's playlist is now %s",
            group.id,
            "public" if public else "private",
        )
        return await self.client.playlist(playlist_id)  # its snapshot may have changed

    async def _create(self, group: FanGroup) -> PlaylistState:
        created = await self.client.create_playlist(
            playlist_name(group),
            public=group.visibility is Visibility.PUBLIC,
            description=f"Everything shared in {group.name}, newest first (kept by fanbridge).",
        )
        playlist_id = str(created["id"])
        url = str((created.get("external_urls") or {}).get("spotify") or "")
        state = PlaylistState(
            group_id=group.id,
            playlist_id=playlist_id,
            url=url or f"https://open.spotify.com/playlist/{playlist_id}",
            snapshot_id=str(created.get("snapshot_id") or "") or None,
        )
        await self.store.save_spotify_playlist(state)  # saved at once: never created twice
        log.info("spotify playlists: created %s for group %s", playlist_id, group.id)
        return state

    async def _apply(
        self, state: PlaylistState, uris: Sequence[str], current: list[str]
    ) -> PlaylistState:
        snapshot = state.snapshot_id
        ops = plan(uris, current).ops
        for op in ops:
            snapshot = await self._request(state.playlist_id, op) or snapshot
        if ops:
            log.info("spotify playlists: group %s: %d change(s)", state.group_id, len(ops))
        return replace(state, snapshot_id=snapshot, uris=tuple(uris))

    async def _request(self, playlist_id: str, op: Op) -> str:
        if isinstance(op, Remove):
            return await self.client.remove(playlist_id, list(op.uris))
        if isinstance(op, Move):
            return await self.client.move(playlist_id, op.range_start, op.insert_before)
        assert isinstance(op, Insert)
        return await self.client.add(playlist_id, list(op.uris), op.position)
