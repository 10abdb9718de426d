"""Music-link resolution against the emulated music services (figures printed, never asserted).

A fresh SQLite store and a ``Resolver`` wired like ``Runtime._build_music`` (no chat platform).
Every catalog link (tracks and albums on every platform, plus the short links) is shared once into
a group and ``drain_once()`` runs until nothing is due (cold cache); the same links are shared
again (warm cache: attached at ``add_shares`` time); then the items are compared with the
catalog's songs. Run 1: emulator rate limits OFF, MusicBrainz spacing lowered to
``--mb-interval``. Run 2: limits ON at ``time_scale=1`` with the default 1 s spacing, bounded
by ``--budget`` seconds.

``python -m bench.resolve [--rate-limits on|off|both] [--budget S] [--mb-interval S]``
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import math
import re
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from sqlmodel import col, func, select

from adapters.music.http import GuardedHttp
from adapters.music.registry import build_providers, isrc_searchers
from bridge.ids import ChannelRef, Platform, UserRef
from bridge.music.keys import link_key
from bridge.music.links import find_music_links
from bridge.music.resolve import Resolver
from bridge.ports import SystemClock
from bridge.records import ShareDraft
from emulators.core import EmulatorOptions
from emulators.server import ThreadedEmulator
from storage.repos import SqlStore
from storage.tables import LinkCacheRow, MusicItemRow, ShareRow

OFF, ON = "limits OFF", "limits ON"
SONG_KINDS = ("track", "album")
URL_PATH = re.compile(r"https?://([^/\s]+)\S*")  # an error's URL, shortened to its host
AUTHOR = UserRef(Platform.DISCORD, "bench-guild", "bench-fan")
ORIGIN = ChannelRef(Platform.DISCORD, "bench-guild", "bench-music")


@dataclass(frozen=True, slots=True)
class Link:
    key: str
    platform: str
    url: str
    song: str  # the catalog item id (the "song" this link is one copy of)


@dataclass
class Run:
    label: str
    note: str
    links: int = 0
    rows: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    requests: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)


class TimedResolver(Resolver):
    """The real Resolver; each ``resolve`` (as called by ``drain_once``) is timed, and links
    are left pending once the run's deadline has passed."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.deadline = math.inf
        self.timings: list[tuple[float, bool]] = []  # (seconds, resolved to an item)

    async def resolve(self, key: str, url: str, attempts: int = 0) -> int | None:
        if time.perf_counter() >= self.deadline:
            return None
        started = time.perf_counter()
        item_id = await super().resolve(key, url, attempts)
        self.timings.append((time.perf_counter() - started, item_id is not None))
        return item_id


@dataclass
class Rig:
    emulator: ThreadedEmulator
    store: SqlStore
    http: GuardedHttp
    resolver: TimedResolver
    group_id: int
    links: list[Link]
    messages: int = 0


# -- the catalog ----------------------------------------------------------------------------------
def catalog_links(catalog: dict[str, Any]) -> list[Link]:
    """One Link per distinct link key: every track/album on every platform, plus short links."""
    found: dict[str, Link] = {}
    for item in catalog["items"]:
        if item["kind"] not in SONG_KINDS:
            continue
        urls = [ref["url"] for ref in item["platforms"].values()]
        for url in urls + [short["url"] for short in item.get("short_links", [])]:
            for music in find_music_links(url)[:1]:
                key = link_key(music)
                found.setdefault(key, Link(key, music.platform, url, item["id"]))
    return list(found.values())


async def control_get(url: str) -> Any:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        response.raise_for_status()
        return await response.json()


# -- the rig --------------------------------------------------------------------------------------
@contextlib.asynccontextmanager
async def rig(options: EmulatorOptions, mb_interval: float, workdir: Path) -> AsyncIterator[Rig]:
    emulator = ThreadedEmulator(options=options).start()
    try:
        world = await control_get(emulator.url + "/_emu/world")
        catalog = await control_get(emulator.url + "/_emu/music/catalog")
        store = await SqlStore.open(f"sqlite:///{workdir / f'resolve-{id(options)}.db'}")
        http = GuardedHttp(emulator.url)
        creds = (world["spotify"]["client_id"], world["spotify"]["client_secret"])
        providers = build_providers(http, emulator=emulator.url, spotify=creds)
        resolver = TimedResolver(
            store=store,
            providers=providers,
            searchers=isrc_searchers(providers, http, musicbrainz_interval=mb_interval),
            expander=http,
            clock=SystemClock(),
        )
        group = await store.create_group(slug="bench-music", name="Bench music")
        try:
            yield Rig(emulator, store, http, resolver, group.id, catalog_links(catalog))
        finally:
            await http.close()
            await store.close()
    finally:
        emulator.stop()


async def share_all(rig: Rig) -> tuple[float, float, int]:
    """Each link in its own message. Returns (total s, add_shares s, shares left pending)."""
    started, in_shares, pending = time.perf_counter(), 0.0, 0
    for link in rig.links:
        rig.messages += 1
        message, _ = await rig.store.record_message(
            group_id=rig.group_id,
            author=AUTHOR,
            origin=ORIGIN,
            origin_message_id=f"m{rig.messages}",
            text=f"listen {link.url}",
        )
        before = time.perf_counter()
        left = await rig.store.add_shares(
            group_id=rig.group_id,
            message_id=message.id,
            shared_by=AUTHOR,
            shared_by_name="Bench Fan",
            drafts=[ShareDraft(link.key, link.platform, link.url)],
        )
        in_shares += time.perf_counter() - before
        pending += len(left)
    return time.perf_counter() - started, in_shares, pending


async def drain(rig: Rig, budget: float) -> tuple[float, bool]:
    """drain_once() until nothing is due (failed links are retried when the resolver would
    retry them) or the budget is spent. Returns (seconds, finished)."""
    started = time.perf_counter()
    deadline = rig.resolver.deadline = started + budget
    while True:
        if await rig.resolver.drain_once():
            if time.perf_counter() >= deadline:
                return time.perf_counter() - started, False
            continue
        due = await rig.store.next_link_due()
        if due is None:
            return time.perf_counter() - started, True
        wait = due - time.time()
        if time.perf_counter() + wait >= deadline:
            return time.perf_counter() - started, False
        await asyncio.sleep(max(wait, 0.0))  # until the resolver's own retry time


# -- reading the results --------------------------------------------------------------------------
async def cache_rows(store: SqlStore) -> dict[str, LinkCacheRow]:
    async with store.session() as s:
        return {row.link_key: row for row in (await s.exec(select(LinkCacheRow))).all()}


async def count(store: SqlStore, table: Any, *where: Any) -> int:
    async with store.session() as s:
        return int((await s.exec(select(func.count()).select_from(table).where(*where))).one())


def request_log(rig: Rig) -> list[tuple[str, int]]:
    emu = rig.emulator.emu
    return list(rig.emulator.call(lambda: [(r.path, r.status) for r in emu.requests]))


def service(path: str) -> str:
    parts = path.split("/")
    name = parts[1] if len(parts) > 1 else path
    return f"web:{parts[2]}" if name == "web" and len(parts) > 2 else name


def ms(values: Sequence[float]) -> str:
    """Nearest-rank p50 / p95, in milliseconds."""
    ordered = sorted(values)
    ranks = (max(1, math.ceil(q * len(ordered))) - 1 for q in (0.5, 0.95))
    return " / ".join(f"{ordered[r] * 1000:.1f}" for r in ranks) if ordered else "n/a"


def rate(count: float, seconds: float) -> str:
    return f"{count / seconds:.1f}" if seconds > 0 else "n/a"


# -- the phases -----------------------------------------------------------------------------------
async def cold(rig: Rig, run: Run, budget: float) -> None:
    shared_s, _, pending = await share_all(rig)
    seconds, finished = await drain(rig, budget)
    run.links = len(rig.links)
    run.rows |= {
        "links shared (1 message each)": f"{len(rig.links)} in {shared_s:.2f} s",
        "  left pending by add_shares": str(pending),
        "drain finished": "yes" if finished else f"NO (budget {budget:.0f} s spent)",
        "drain time (s)": f"{seconds:.2f}",
    }
    await cold_outcome(rig, run, seconds)


async def cold_outcome(rig: Rig, run: Run, seconds: float) -> None:
    rows = await cache_rows(rig.store)
    status = Counter(row.status for row in rows.values())
    ok, items, resolver = status["ok"], await count(rig.store, MusicItemRow), rig.resolver
    done = [s for s, good in resolver.timings if good]
    run.rows |= {
        "links resolved to an item": f"{ok} of {len(rig.links)}",
        "resolved links / s": rate(ok, seconds),
        "per link p50 / p95 (ms, resolved)": ms(done),
        "resolve attempts (ok / not ok)": f"{len(done)} / {len(resolver.timings) - len(done)}",
        "link_only/missing/refused/failed/pending": "/".join(
            str(status[s]) for s in ("link_only", "missing", "refused", "failed", "pending")
        ),
        "provider lookups (Resolver)": str(resolver.provider_calls),
        "items created": str(items),
        "links folded into existing items": str(ok - items),
        "  known via cross-links (no lookup)": str(resolver.cache_hits),
        "  matched after a lookup": str(ok - resolver.cache_hits - items),
    }
    waiting = Counter(_cause(r.last_error) for r in rows.values() if r.status == "failed")
    if waiting:
        run.notes.append(
            "failed links (waiting for their retry time) by cause: " + _counts(waiting)
        )


def _counts(counter: Counter[str]) -> str:
    return ", ".join(f"{name} {n}" for name, n in counter.most_common())


def _cause(error: str | None) -> str:
    return URL_PATH.sub(r"\1", (error or "?").split(" (")[0])


async def warm(rig: Rig, run: Run) -> None:
    calls, before = rig.resolver.provider_calls, len(request_log(rig))
    ok = sum(1 for row in (await cache_rows(rig.store)).values() if row.status == "ok")
    first = rig.messages
    seconds, in_shares, pending = await share_all(rig)
    shares = col(ShareRow.message_id) > first, col(ShareRow.item_id).is_not(None)
    attached = await count(rig.store, ShareRow, *shares)
    due = len(await rig.store.due_links(now=time.time(), limit=1000))
    run.rows |= {
        "warm: shares attached at add_shares": f"{attached} of {len(rig.links)} ({ok} resolvable)",
        "warm: shares / s (add_shares only)": rate(len(rig.links), in_shares),
        "warm: shares / s (incl. record_message)": rate(len(rig.links), seconds),
        "warm: left pending / due afterwards": f"{pending} / {due}",
        "warm: provider lookups / HTTP requests": (
            f"{rig.resolver.provider_calls - calls} / {len(request_log(rig)) - before}"
        ),
    }


def split_platforms(links: dict[str, dict[int, set[str]]]) -> Counter[str]:
    """Per platform: the songs whose link on it landed outside the song's main item."""
    outside: Counter[str] = Counter()
    for items in links.values():
        main = max(items, key=lambda i: len(items[i]))
        outside.update(set().union(*(p for i, p in items.items() if i != main)) - items[main])
    return outside


async def songs(rig: Rig, run: Run) -> None:
    rows = await cache_rows(rig.store)
    by_song: dict[str, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    for link in rig.links:
        row = rows.get(link.key)
        if row is not None and row.item_id is not None:
            by_song[link.song][row.item_id].add(link.platform)
    owners: dict[int, set[str]] = defaultdict(set)
    for song, items in by_song.items():
        for item in items:
            owners[item].add(song)
    counts = [len(items) for items in by_song.values()]
    platforms = [len(set().union(*items.values())) for items in by_song.values()]
    total = len({link.song for link in rig.links})
    run.rows |= {
        "songs (tracks+albums) / with an item": f"{total} / {len(counts)}",
        "platforms resolved per song (mean)": f"{sum(platforms) / max(len(platforms), 1):.1f}",
        "distinct items for those songs": str(len(owners)),
        "songs -> exactly 1 item": str(counts.count(1)),
        "songs split over >1 item": str(len(counts) - counts.count(1)),
        "items merging >1 song": str(sum(1 for s in owners.values() if len(s) > 1)),
    }
    stray = split_platforms(by_song)
    if stray:
        run.notes.append("split off from the song's main item, by platform: " + _counts(stray))


def tally_requests(rig: Rig, run: Run) -> None:
    for path, status in request_log(rig):
        run.requests[service(path)] += 1
        if status >= 400:
            run.errors[service(path)] += 1
    run.rows["HTTP requests to music services"] = str(sum(run.requests.values()))
    run.rows["  answered >= 400 (429/403/503...)"] = str(sum(run.errors.values()))


async def run_once(limits: bool, args: argparse.Namespace, workdir: Path) -> Run:
    if limits:
        options = EmulatorOptions(rate_limits=True, time_scale=1.0)
        run, interval = Run(ON, "real windows (time_scale 1), MusicBrainz spacing 1 s"), 1.0
    else:
        options, interval = EmulatorOptions(rate_limits=False), args.mb_interval
        run = Run(OFF, f"no 429/403/503; MusicBrainz spacing lowered to {interval:g} s")
    async with rig(options, interval, workdir) as r:
        await cold(r, run, args.budget if limits else args.budget_off)
        tally_requests(r, run)
        await songs(r, run)
        if not limits:
            await warm(r, run)
    return run


# -- output ---------------------------------------------------------------------------------------
# the emulator's windows: (requests, seconds); the floor is the time n requests need at least
LIMITS = {"deezer": (50, 5.0), "itunes": (20, 60.0), "spotify": (100, 30.0), "musicbrainz": (1, 1)}


def floor(name: str, requests: int) -> str:
    if name not in LIMITS or not requests:
        return ""
    limit, window = LIMITS[name]
    return f"{max(0, math.ceil(requests / limit) - 1) * window:.0f} s"


def grid(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    table = [head, *rows]
    widths = [max(len(r[i]) for r in table) + 3 for i in range(len(head))]
    pairs = [zip(r, widths, strict=True) for r in table]
    lines = ["".join(c.rjust(w) if k else c.ljust(w) for k, (c, w) in enumerate(p)) for p in pairs]
    return "\n".join([lines[0], "-" * len(lines[0]), *lines[1:]])


def report(runs: Sequence[Run]) -> None:
    print(f"\nMusic-link resolution: {runs[0].links} distinct links, SQLite, sequential Resolver")
    for run in runs:
        print(f"  {run.label}: {run.note}")
    print("  warm-cache and same-song rows: limits-OFF run only (no provider is called)\n")
    names = list(dict.fromkeys(name for run in runs for name in run.rows))
    table = [[n, *(r.rows.get(n, "-") for r in runs)] for n in names]
    print(grid(["", *(r.label for r in runs)], table))
    for run in runs:
        for note in run.notes:
            print(f"{run.label}: {note}")
    services = sorted({s for run in runs for s in run.requests})
    head = ["requests by service", *(f"{r.label} (req / >=400)" for r in runs)]
    rows = [[s, *(f"{r.requests[s]} / {r.errors[s]}" for r in runs)] for s in services]
    rows = [[*row, floor(s, runs[0].requests[s])] for row, s in zip(rows, services, strict=True)]
    print("\n" + grid([*head, "floor at real limits"], rows))
    print(
        "\nEmulated limits: Deezer 50 / 5 s, iTunes 20 / 60 s (HTTP 403), Spotify 100 / 30 s"
        " (429 + Retry-After), MusicBrainz 1 / s (503). A failed link is due again after"
        " Retry-After or 30 s x 2^attempts; the limits-ON drain waits for those retry times."
        f" Floor: the least time the {runs[0].label} request count needs within that window."
    )


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.resolve", description=__doc__)
    parser.add_argument("--rate-limits", choices=("on", "off", "both"), default="both")
    parser.add_argument("--budget", type=float, default=60.0, help="limits-ON drain, seconds")
    parser.add_argument("--budget-off", type=float, default=40.0, help="limits-OFF drain, s")
    parser.add_argument("--mb-interval", type=float, default=0.0, help="MusicBrainz spacing, OFF")
    parser.add_argument("--verbose", action="store_true")
    return parser.parse_args(argv)


async def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.ERROR)
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="bench-resolve-") as tmp:
        for limits in {"off": [False], "on": [True], "both": [False, True]}[args.rate_limits]:
            started = time.perf_counter()
            runs.append(await run_once(limits, args, Path(tmp)))
            print(f"{runs[-1].label}: done in {time.perf_counter() - started:.1f} s", flush=True)
    report(runs)
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
