"""A group's weekly digests and insights on the web.

``GET /g/<slug>/digests`` is the archive: every digest the group was sent, newest first, each
with the sections it had in the channels. ``GET /g/<slug>/insights`` is the group at a glance
over the last twelve weeks, as charts drawn on the server as SVG (``adapters.web.svg``): shares
per week by the platform they came from, the most shared artists, the top curators, and the
turnout of the last polls when the bridge keeps polls. Both are plain HTML, readable without
JavaScript. Private groups follow the access rule of the other pages (``adapters.web.access``):
without a valid key they look like no group."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

from aiohttp import web
from markupsafe import Markup

from adapters import tab_text
from adapters.web.page_views import with_key
from adapters.web.pages import Pages, PageSettings
from adapters.web.svg import Bar, Column, bar_chart, stacked_columns
from bridge.digests import text
from bridge.digests.gather import GatherStore, insights
from bridge.digests.model import WEEK, Digest, DigestStore, Insights, Ranked

PLATFORMS = ("discord", "slack")


@runtime_checkable
class InsightReads(DigestStore, GatherStore, Protocol):
    """The digests and the counts the insights are drawn from."""


def _day(at: float) -> str:
    day = datetime.fromtimestamp(at, UTC)
    return f"{day:%b} {day.day}"


def digest_view(digest: Digest) -> dict[str, Any] | None:
    content = digest.content
    if content is None:
        return None
    sections = [
        {
            "title": s.title,
            "lines": [
                {"text": ln.text, "url": tab_text.safe_url(ln.url or ""), "note": ln.note}
                for ln in s.lines
            ],
        }
        for s in text.sections(content)
    ]
    return {
        "id": digest.id,
        "week": digest.week,
        "title": text.title(content),
        "period": text.period(content),
        "summary": text.summary(content),
        "sections": sections,
    }


Chart = tuple[str, Markup]  # its visible caption, the SVG


def charts(found: Insights) -> list[Chart]:
    weeks = [found.since + i * WEEK for i in range(round((found.until - found.since) / WEEK))]
    counts = {(w.week_start, w.platform): w.count for w in found.weeks}
    series = list(PLATFORMS) + sorted({w.platform for w in found.weeks} - set(PLATFORMS))
    columns = [
        Column(_day(start), tuple((p.title(), counts.get((start, p), 0)) for p in series))
        for start in weeks
    ]
    names = [p.title() for p in series]
    drawn = [_chart("shares-per-week", "Songs shared per week, by platform", columns, names)]
    drawn.append(_bars("top-artists", "Most shared artists", found.artists, "share"))
    drawn.append(_bars("top-curators", "Top curators", found.curators, "song"))
    if found.turnout is not None:
        bars = [Bar(t.question, t.voters) for t in found.turnout]
        drawn.append(("Poll turnout", bar_chart("poll-turnout", "Poll turnout", bars, "voter")))
    return drawn


def _chart(chart_id: str, title: str, columns: list[Column], series: list[str]) -> Chart:
    return title, stacked_columns(chart_id, title, columns, series, "share")


def _bars(chart_id: str, title: str, ranked: tuple[Ranked, ...], unit: str) -> Chart:
    return title, bar_chart(chart_id, title, [Bar(r.name, r.count) for r in ranked], unit)


class InsightRoutes:
    def __init__(self, pages: Pages, store: InsightReads) -> None:
        self.pages = pages
        self.store = store

    async def digests(self, request: web.Request) -> web.Response:
        viewer = await self.pages.viewer(request)
        if isinstance(viewer, web.Response):
            return viewer
        found = await self.store.group_digests(viewer.group.id)
        views = [v for d in found if (v := digest_view(d)) is not None]
        return self.pages.render(
            "digests.html",
            private=viewer.private,
            group=viewer.group,
            digests=views,
            back_url=with_key(viewer.path, {}, viewer.key),
            insights_url=with_key(f"{viewer.path}/insights", {}, viewer.key),
        )

    async def insights(self, request: web.Request) -> web.Response:
        viewer = await self.pages.viewer(request)
        if isinstance(viewer, web.Response):
            return viewer
        found = await insights(self.store, viewer.group.id, self.pages.settings.now())
        return self.pages.render(
            "insights.html",
            private=viewer.private,
            group=viewer.group,
            charts=charts(found),
            weeks=round((found.until - found.since) / WEEK),
            back_url=with_key(viewer.path, {}, viewer.key),
            digests_url=with_key(f"{viewer.path}/digests", {}, viewer.key),
        )


def setup_insights(app: web.Application, pages: PageSettings, store: InsightReads) -> None:
    """Add the digests' archive and the insights page to ``app``."""
    routes = InsightRoutes(Pages(pages), store)
    app.router.add_get("/g/{slug}/digests", routes.digests)
    app.router.add_get("/g/{slug}/insights", routes.insights)
