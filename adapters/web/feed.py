"""A group's new shares as an Atom feed: ``/g/{slug}/feed.atom``.

One entry per share, newest first (``FEED_SIZE`` entries): sharing a song again is a new entry.
An entry's id names the share (``tag:<host>,2026:fanbridge/<slug>/share/<id>``), so it never
changes; its link is the item's page. Links are absolute: ``[web] public_url`` when set, else
the host the request came to; a private group's ``key`` is kept on them.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html import escape
from urllib.parse import urlsplit

from aiohttp import web

from adapters.tab_text import safe_url
from adapters.web.page_views import chat_name
from adapters.web.shapes import iso
from adapters.web.tab_request import (
    ApiError,
    access_params,
    api_errors,
    base_url,
    store_of,
    url,
    visible_group,
)
from bridge.music.tab_query import GroupShare, ShareDetail
from bridge.records import FanGroup

ATOM = "http://www.w3.org/2005/Atom"
FEED_SIZE = 50
XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
GONE = "The message is no longer available."


def _text(value: str) -> str:
    return XML_BAD.sub("", value)


def _tag_base(base: str) -> str:
    """``tag:`` URIs (RFC 4151) need an authority: the public host."""
    return urlsplit(base).hostname or "localhost"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        element.text = _text(text)
    return element


def where(share: ShareDetail) -> str:
    """ "in #general on Discord", or "on Discord" when the channel's name is not known."""
    chat = chat_name(share.platform)
    return f"in #{share.channel_name} on {chat}" if share.channel_name else f"on {chat}"


def title(entry: GroupShare) -> str:
    """ "Alice shared Neon Rivers — Lumen Twins" (a link not resolved: its URL)."""
    what = entry.title
    if entry.resolved and entry.artists:
        what += f" — {', '.join(entry.artists)}"
    return f"{entry.share.sharer} shared {what}"


def content(entry: GroupShare) -> str:
    """The entry's body as HTML: who shared it where, the message, links to it. Every piece
    of text is escaped; only http(s) links are made."""
    share = entry.share
    chat = chat_name(share.platform)
    parts = [f"<p>Shared by <strong>{escape(share.sharer)}</strong> {escape(where(share))}.</p>"]
    quote = share.quote
    parts.append(f"<blockquote>{escape(quote)}</blockquote>" if quote else f"<p>{GONE}</p>")
    links = []
    permalink = safe_url(share.permalink) if share.permalink else None
    if permalink:
        links.append(f'<a href="{escape(permalink)}">View the message on {chat}</a>')
    shared = safe_url(share.url)
    if shared:
        links.append(f'<a href="{escape(shared)}">Shared link</a>')
    if links:
        parts.append(f"<p>{' · '.join(links)}</p>")
    return "".join(parts)


def _entry(
    root: ET.Element, entry: GroupShare, group: FanGroup, base: str, keep: dict[str, str]
) -> None:
    share = entry.share
    tag = f"tag:{_tag_base(base)},2026:fanbridge/{group.slug}"
    node = _sub(root, "entry")
    _sub(node, "id", f"{tag}/share/{share.share_id}")
    _sub(node, "title", title(entry))
    _sub(node, "updated", iso(share.shared_at))
    _sub(node, "published", iso(share.shared_at))
    _sub(_sub(node, "author"), "name", share.sharer)
    page = url(base, f"/g/{group.slug}/item/{entry.ref}", keep)
    _sub(node, "link", rel="alternate", type="text/html", href=page)
    shared = safe_url(share.url)
    if shared:
        _sub(node, "link", rel="related", href=shared)
    _sub(node, "summary", share.quote or GONE)
    _sub(node, "content", content(entry), type="html")
    _sub(node, "category", term=entry.kind)


def atom(group: FanGroup, shares: list[GroupShare], base: str, keep: dict[str, str]) -> bytes:
    ET.register_namespace("", ATOM)
    root = ET.Element(f"{{{ATOM}}}feed")
    tag = f"tag:{_tag_base(base)},2026:fanbridge/{group.slug}"
    _sub(root, "id", tag)
    _sub(root, "title", f"{group.name}: music shared")
    updated = max((s.share.shared_at for s in shares), default=group.created_at)
    _sub(root, "updated", iso(updated))
    _sub(root, "link", rel="self", href=url(base, f"/g/{group.slug}/feed.atom", keep))
    _sub(root, "link", rel="alternate", type="text/html", href=url(base, f"/g/{group.slug}", keep))
    _sub(root, "generator", "fanbridge")
    _sub(_sub(root, "author"), "name", group.name)
    for entry in shares:
        _entry(root, entry, group, base, keep)
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data


@api_errors
async def feed(request: web.Request) -> web.StreamResponse:
    group = await visible_group(request)
    for name in request.query:
        if name != "key":
            raise ApiError(400, name, f"unknown parameter {name[:40]!r}; known: key")
    shares = await store_of(request).recent_shares(group.id, limit=FEED_SIZE)
    keep = access_params(request)
    body = atom(group, shares, base_url(request), keep)
    response = web.Response(body=body, content_type="application/atom+xml", charset="utf-8")
    if keep:
        response.headers["Cache-Control"] = "private, no-store"
    return response


def setup_feed(app: web.Application) -> None:
    app.router.add_get("/g/{slug}/feed.atom", feed)
