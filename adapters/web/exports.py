"""A group's tab as a playlist or a table: ``/g/{slug}/export.m3u8|xspf|csv|json``.

The tab in its order with the same parameters as the page (sort, filters, search). Without
``page``/``per_page`` the export holds the whole view, up to ``EXPORT_MAX`` entries; with them,
that one page. Each entry's link is its link on ``platform`` when that filter is set, else the
first platform it is known on. Errors answer like the API (JSON, 400/404).
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import replace

from aiohttp import web

from adapters.web.shapes import iso, item_json
from adapters.web.tab_request import (
    ApiError,
    access_params,
    api_errors,
    base_url,
    store_of,
    tab_query,
    url,
    visible_group,
)
from bridge.music.tab_query import TabItem, TabQuery
from bridge.records import FanGroup

EXPORT_MAX = 1000
FORMATS = {
    "m3u8": "application/vnd.apple.mpegurl",
    "xspf": "application/xspf+xml",
    "csv": "text/csv",
    "json": "application/json",
}
XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")
CSV_FORMULA = ("=", "+", "-", "@", "\t", "\r")
CSV_HEADER = (
    "position",
    "ref",
    "kind",
    "title",
    "artists",
    "album",
    "duration_ms",
    "shares",
    "reactions",
    "sharers",
    "first_shared_at",
    "last_shared_at",
    "url",
    "links",
)


async def entries(request: web.Request, group: FanGroup, query: TabQuery) -> list[TabItem]:
    """The items to export: one page when the request names one, else the whole view."""
    store = store_of(request)
    if "page" in request.query or "per_page" in request.query:
        return list((await store.tab_items(group.id, query)).items)
    whole = replace(query, page=1, per_page=EXPORT_MAX)  # one query, past the page limit
    return list((await store.tab_items(group.id, whole)).items)


def link_of(item: TabItem, platform: str | None) -> str:
    links = dict(item.links)
    if platform and platform in links:
        return links[platform]
    return item.links[0][1] if item.links else ""


def one_line(text: str) -> str:
    return LINE_BREAKS.sub(" ", text).strip()


def xml_text(text: str) -> str:
    return XML_BAD.sub("", text)


def m3u8(group: FanGroup, items: Sequence[TabItem], platform: str | None) -> str:
    lines = ["#EXTM3U", f"#PLAYLIST:{one_line(group.name)}"]
    for item in items:
        seconds = round(item.duration_ms / 1000) if item.duration_ms else -1
        label = " - ".join(x for x in (", ".join(item.artists), item.title) if x)
        lines += [f"#EXTINF:{seconds},{one_line(label)}", one_line(link_of(item, platform))]
    return "\n".join(lines) + "\n"


def xspf(
    group: FanGroup, items: Sequence[TabItem], platform: str | None, base: str, page_url: str
) -> bytes:
    ns = "http://xspf.org/ns/0/"
    ET.register_namespace("", ns)
    root = ET.Element(f"{{{ns}}}playlist", {"version": "1"})

    def add(parent: ET.Element, tag: str, text: str | None) -> None:
        if text:
            ET.SubElement(parent, f"{{{ns}}}{tag}").text = xml_text(text)

    add(root, "title", group.name)
    add(root, "location", page_url)
    tracks = ET.SubElement(root, f"{{{ns}}}trackList")
    for item in items:
        track = ET.SubElement(tracks, f"{{{ns}}}track")
        add(track, "location", link_of(item, platform))
        add(track, "title", item.title)
        add(track, "creator", ", ".join(item.artists))
        add(track, "info", f"{base}/g/{group.slug}/item/{item.ref}")
        add(track, "image", item.artwork_url)
        add(track, "album", item.album)
        add(track, "duration", str(item.duration_ms) if item.duration_ms else None)
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data


def _cell(text: str) -> str:
    """Spreadsheets run a cell that starts like a formula: quote it."""
    return "'" + text if text.startswith(CSV_FORMULA) else text


def table(items: Sequence[TabItem], platform: str | None) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for n, item in enumerate(items, start=1):
        writer.writerow(
            [
                n,
                item.ref,
                item.kind,
                _cell(item.title),
                _cell("; ".join(item.artists)),
                _cell(item.album or ""),
                item.duration_ms or "",
                item.shares,
                item.reactions,
                _cell("; ".join(item.sharers)),
                iso(item.first_shared_at),
                iso(item.last_shared_at),
                link_of(item, platform),
                " ".join(u for _, u in item.links),
            ]
        )
    return out.getvalue()


@api_errors
async def export(request: web.Request) -> web.StreamResponse:
    group = await visible_group(request)
    fmt = request.match_info["format"]
    if fmt not in FORMATS:
        raise ApiError(404, "format", f"no export .{fmt[:20]}; formats: {', '.join(FORMATS)}")
    query = tab_query(request)
    items = await entries(request, group, query)
    base, keep = base_url(request), access_params(request)
    page_url = url(base, f"/g/{group.slug}", {**query.params(), **keep})
    body: str | bytes
    if fmt == "m3u8":
        body = m3u8(group, items, query.platform)
    elif fmt == "xspf":
        body = xspf(group, items, query.platform, base, page_url)
    elif fmt == "csv":
        body = table(items, query.platform)
    else:
        document = {
            "group": {"slug": group.slug, "name": group.name, "web_url": page_url},
            "query": query.params(),
            "count": len(items),
            "items": [item_json(i, group, base, keep) for i in items],
        }
        body = json.dumps(document, ensure_ascii=False, indent=1)
    response = web.Response(
        body=body.encode("utf-8") if isinstance(body, str) else body,
        content_type=FORMATS[fmt],
        charset="utf-8",
    )
    response.headers["Content-Disposition"] = f'attachment; filename="{group.slug}.{fmt}"'
    if keep:
        response.headers["Cache-Control"] = "private, no-store"
    return response


def setup_exports(app: web.Application) -> None:
    app.router.add_get("/g/{slug}/export.{format}", export)
