"""The JSON shapes of the music tab's API and exports: a group, an item, a share; times as ISO
8601 UTC (a leaf: the API, the exports, the feed and the pages use it)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from adapters.web.tab_request import url
from bridge.music.tab_query import ShareDetail, TabItem
from bridge.records import FanGroup


def iso(ts: float) -> str:
    """Epoch seconds as ISO 8601 UTC with a Z, to the second."""
    return datetime.fromtimestamp(ts, UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def group_json(group: FanGroup, base: str) -> dict[str, Any]:
    return {
        "slug": group.slug,
        "name": group.name,
        "kind": group.kind.value,
        "created_at": iso(group.created_at),
        "web_url": url(base, f"/g/{group.slug}"),
        "items_url": url(base, f"/api/groups/{group.slug}/items"),
        "feed_url": url(base, f"/g/{group.slug}/feed.atom"),
    }


def item_json(item: TabItem, group: FanGroup, base: str, keep: Mapping[str, str]) -> dict[str, Any]:
    return {
        "ref": item.ref,
        "resolved": item.resolved,
        "kind": item.kind,
        "title": item.title,
        "artists": list(item.artists),
        "album": item.album,
        "duration_ms": item.duration_ms,
        "artwork_url": item.artwork_url,
        "links": [{"platform": p, "url": u} for p, u in item.links],
        "shares": item.shares,
        "reactions": item.reactions,
        "sharers": list(item.sharers),
        "shared_by": [{"name": n, "platform": p} for n, p in item.shared_by],
        "first_shared_at": iso(item.first_shared_at),
        "last_shared_at": iso(item.last_shared_at),
        "web_url": url(base, f"/g/{group.slug}/item/{item.ref}", keep),
        "api_url": url(base, f"/api/groups/{group.slug}/items/{item.ref}", keep),
    }


def share_json(share: ShareDetail) -> dict[str, Any]:
    return {
        "sharer": share.sharer,
        "platform": share.platform,
        "workspace": share.workspace,
        "channel": share.channel,
        "channel_name": share.channel_name,
        "shared_at": iso(share.shared_at),
        "url": share.url,
        "quote": share.quote,
        "permalink": share.permalink,
    }
