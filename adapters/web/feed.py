"""A group's new shares as an Atom feed: ``/g/{slug}/feed.atom``.

One entry per item, newest share first (``FEED_SIZE`` entries). An entry's id names the item
and the time of its latest share, so sharing an item again makes a new entry in feed readers.
Links are absolute: ``[web] public_url`` when set, else the host the request came to.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

from aiohttp import web

from adapters.web.api import (
    ApiError,
    access_params,
    api_errors,
    base_url,
    iso,
    store_of,
    url,
    visible_group,
)
from bridge.music.tab_query import TabItem, TabQuery
from bridge.records import FanGroup

ATOM = "http://www.w3.org/2005/Atom"
FEED_SIZE = 50
XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


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


def _label(item: TabItem) -> str:
    return " – ".join(x for x in (", ".join(item.artists), item.title) if x)


def _summary(item: TabItem) -> str:
    times = "once" if item.shares == 1 else f"{item.shares} times"
    reactions = f", {item.reactions} reactions" if item.reactions else ""
    return f"Shared {times} by {', '.join(item.sharers)}{reactions}."


def atom(group: FanGroup, items: list[TabItem], base: str, keep: dict[str, str]) -> bytes:
    ET.register_namespace("", ATOM)
    root = ET.Element(f"{{{ATOM}}}feed")
    tag = _tag_base(base)
    _sub(root, "id", f"tag:{tag},2026:fanbridge/{group.slug}")
    _sub(root, "title", f"{group.name}: music shared")
    updated = max((i.last_shared_at for i in items), default=group.created_at)
    _sub(root, "updated", iso(updated))
    _sub(root, "link", rel="self", href=url(base, f"/g/{group.slug}/feed.atom", keep))
    _sub(root, "link", rel="alternate", type="text/html", href=url(base, f"/g/{group.slug}", keep))
    _sub(root, "generator", "fanbridge")
    _sub(_sub(root, "author"), "name", group.name)
    for item in items:
        entry = _sub(root, "entry")
        stamp = int(item.last_shared_at)
        _sub(entry, "id", f"tag:{tag},2026:fanbridge/{group.slug}/item/{item.ref}/{stamp}")
        _sub(entry, "title", _label(item))
        _sub(entry, "updated", iso(item.last_shared_at))
        _sub(entry, "published", iso(item.last_shared_at))
        for name in item.sharers[-1:]:
            _sub(_sub(entry, "author"), "name", name)
        page = url(base, f"/g/{group.slug}/item/{item.ref}", keep)
        _sub(entry, "link", rel="alternate", type="text/html", href=page)
        for platform, link in item.links:
            _sub(entry, "link", rel="related", href=link, title=platform)
        _sub(entry, "summary", _summary(item))
        _sub(entry, "category", term=item.kind)
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data


@api_errors
async def feed(request: web.Request) -> web.StreamResponse:
    group = await visible_group(request)
    for name in request.query:
        if name != "key":
            raise ApiError(400, name, f"unknown parameter {name[:40]!r}; known: key")
    page = await store_of(request).tab_items(group.id, TabQuery(per_page=FEED_SIZE))
    keep = access_params(request)
    body = atom(group, list(page.items), base_url(request), keep)
    response = web.Response(body=body, content_type="application/atom+xml", charset="utf-8")
    if keep:
        response.headers["Cache-Control"] = "private, no-store"
    return response


def setup_feed(app: web.Application) -> None:
    app.router.add_get("/g/{slug}/feed.atom", feed)
