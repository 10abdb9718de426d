"""``find_music_links`` over a table of real-world link forms (tests/unit/music_link_cases.py),
plus properties: it never raises on junk, stays linear on adversarial text, and what it returns
is consistent (valid values, stable when re-read, composable across messages)."""

from __future__ import annotations

import random
import string

import pytest

from bridge.music.links import find_music_links
from bridge.music.model import PLATFORMS, MusicLink
from tests.unit.music_link_cases import CASES, TEXT_CASES, Case

ALL = CASES + TEXT_CASES
KINDS = {"track", "album", "playlist", "artist"}


def case_id(case: Case) -> str:
    return case.text[:70]


@pytest.mark.parametrize("case", ALL, ids=case_id)
def test_table(case: Case) -> None:
    assert find_music_links(case.text) == list(case.links), case.source


def test_table_is_broad() -> None:
    assert len(ALL) >= 150
    assert all(case.source.strip() for case in ALL)
    negatives = [case for case in ALL if not case.links]
    assert len(negatives) >= 60
    found = {lk.platform for case in ALL for lk in case.links}
    assert found == set(PLATFORMS)
    shorts = {lk.url.split("/")[2] for case in ALL for lk in case.links if lk.short_link}
    assert shorts >= {
        "spotify.link", "link.tospotify.com", "deezer.page.link", "dzr.page.link",
        "link.deezer.com", "on.soundcloud.com", "soundcloud.app.goo.gl",
    }  # fmt: skip


def test_every_kind_of_every_catalog_platform_is_covered() -> None:
    seen = {(lk.platform, lk.kind) for case in ALL for lk in case.links if not lk.short_link}
    # YouTube channels are not artists; SoundCloud albums are sets (playlists); Bandcamp has
    # no playlists
    impossible = {("youtube", "artist"), ("soundcloud", "album"), ("bandcamp", "playlist")}
    wanted = {(platform, kind) for platform in PLATFORMS for kind in KINDS} - impossible
    assert wanted <= seen


def test_all_positive_cases_in_one_message_keep_order_and_dedupe() -> None:
    positives = [case for case in ALL if case.links]
    random.Random(5).shuffle(positives)
    text = "\n".join(case.text for case in positives)
    expected: list[MusicLink] = []
    keys: set[object] = set()
    for case in positives:
        for lk in case.links:
            key = lk.url if lk.short_link else (lk.platform, lk.kind, lk.id)
            if key not in keys:
                keys.add(key)
                expected.append(lk)
    assert find_music_links(text) == expected


# --- properties --------------------------------------------------------------------------

ALPHABET = string.printable + "…。«»“”()[]<>|&;_*~`\u200b\u00a0é🔥"
FRAGMENTS = [
    "https://", "http://", "spotify:", "track:", "open.spotify.com/", "youtu.be/", "watch?v=",
    "&amp;", "&lt;", "&gt;", "<", ">", "|", "||", "(", ")", "[", "](", "`", "_", "**", "@",
    "\\", "/", "?", "&", "=", "%", ".", " ", "\n", "bandcamp.com", "soundcloud.com/", "sets/",
    "music.apple.com/us/album/x/1?i=", "www.deezer.com/track/", "list=OLAK5uy_", "browse/VL",
]  # fmt: skip


def junk(rng: random.Random, size: int) -> str:
    parts: list[str] = []
    while sum(map(len, parts)) < size:
        if rng.random() < 0.5:
            parts.append(rng.choice(FRAGMENTS))
        else:
            parts.append("".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 12))))
    return "".join(parts)


def mutate(rng: random.Random, text: str) -> str:
    chars = list(text)
    for _ in range(rng.randint(1, 4)):
        at = rng.randrange(len(chars) + 1)
        action = rng.random()
        if action < 0.4 and chars:
            del chars[min(at, len(chars) - 1)]
        elif action < 0.8:
            chars.insert(at, rng.choice(ALPHABET))
        else:
            chars.insert(at, rng.choice(FRAGMENTS))
    return "".join(chars)


def check_valid(links: list[MusicLink], text: str) -> None:
    for lk in links:
        assert lk.platform in PLATFORMS
        assert lk.short_link is (lk.kind is None) is (lk.id is None)
        assert lk.kind is None or lk.kind in KINDS
        assert lk.url and not any(c.isspace() for c in lk.url)
        # stable: the URL alone is read as the same item (a URL that came in <angle brackets>
        # may hold characters that end a bare URL, so only the identity is compared)
        again = find_music_links(lk.url)
        assert [identity(x) for x in again] == [identity(lk)], (text, lk)


def identity(lk: MusicLink) -> tuple[object, ...]:
    return (lk.platform, lk.short_link) if lk.short_link else (lk.platform, lk.kind, lk.id)


def test_random_junk_never_raises() -> None:
    rng = random.Random(20240501)
    for _ in range(1500):
        text = junk(rng, rng.randint(0, 300))
        check_valid(find_music_links(text), text)


def test_mutated_real_links_never_raise_and_stay_valid() -> None:
    rng = random.Random(7)
    for _ in range(3000):
        text = mutate(rng, rng.choice(ALL).text)
        check_valid(find_music_links(text), text)


ADVERSARIAL = {
    "long junk": junk(random.Random(1), 100_000),
    "nested brackets": "[(<" * 20_000 + "https://youtu.be/dQw4w9WgXcQ" + ">)]" * 20_000,
    "unclosed slack links": "<https://a|" * 10_000,
    "closing parens": "https://youtu.be/dQw4w9WgXcQ" + ")" * 100_000,
    "opening parens": "https://youtu.be/(" + "(" * 100_000,
    "one huge url": "https://open.spotify.com/track/" + "a" * 100_000,
    "underscore wrappers": "_" * 50_000 + "https://youtu.be/dQw4w9WgXcQ" + "_" * 50_000,
    "uri prefixes": "spotify:user:" * 8_000,
    "schemes": "https://" * 12_500,
    "escapes": "https://youtu.be/?" + "&amp;" * 20_000,
    "trailing dots": "https://youtu.be/dQw4w9WgXcQ" + "." * 100_000,
    "emoji": "https://youtu.be/" + "🔥" * 50_000,
    "many links": " ".join(f"https://www.deezer.com/track/{n}" for n in range(1, 3_000)),
}


@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
def test_adversarial_100kb_texts_complete(name: str) -> None:
    text = ADVERSARIAL[name]
    links = find_music_links(text)
    assert isinstance(links, list)
    for lk in links[:5]:
        assert lk.platform in PLATFORMS


def test_many_distinct_links_are_all_listed() -> None:
    assert len(find_music_links(ADVERSARIAL["many links"])) == 2_999


def test_text_without_links_is_empty() -> None:
    assert find_music_links("") == []
    assert find_music_links("no links here: just a colon") == []
