"""The fallback identity of a song across services (no ISRC/UPC known)."""

from __future__ import annotations

import pytest

from bridge.music.keys import link_key, match_key, parse_key
from bridge.music.links import find_music_links


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ((["Lumen Twins"], "Neon Rivers"), (["LUMEN TWINS"], "Neon Rivers (Official Video)")),
        ((["Beyoncé"], "Halo"), (["Beyonce"], "Halo")),
        ((["DJ Solenne, Nadia Okafor"], "Night Drive"), (["DJ Solenne"], "Night Drive")),
        ((["Marlow Vance"], "Glass Harbor - 2021 Remaster"), (["Marlow Vance"], "Glass Harbor")),
        ((["Aiko & The Tides"], "東京ナイトライン"), (["Aiko and The Tides"], "東京ナイトライン")),
        ((["A"], "Song (feat. B)"), (["A"], "Song")),
    ],
)
def test_same_song_same_key(a: tuple[list[str], str], b: tuple[list[str], str]) -> None:
    assert match_key(*a) == match_key(*b) is not None


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ((["Lumen Twins"], "Neon Rivers"), (["Lumen Twins"], "Neon Rivers Part II")),
        ((["Lumen Twins"], "Neon Rivers"), (["Other Band"], "Neon Rivers")),
        ((["Aiko"], "東京ナイトライン"), (["Aiko"], "大阪ナイトライン")),
    ],
)
def test_different_songs_different_keys(a: tuple[list[str], str], b: tuple[list[str], str]) -> None:
    assert match_key(*a) != match_key(*b)


def test_no_key_without_artist_or_title() -> None:
    assert match_key([], "Song") is None and match_key(["A"], "") is None


def test_link_keys_round_trip() -> None:
    [link] = find_music_links("https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC?si=x")
    assert link_key(link) == "spotify:track:4uLU6hMCjMI75M1A2tKUQC"
    assert parse_key(link_key(link)) == ("spotify", "track", "4uLU6hMCjMI75M1A2tKUQC")
    [short] = find_music_links("https://spotify.link/A3JyN2yVxKQ")
    assert link_key(short) == "short:https://spotify.link/A3JyN2yVxKQ"
    assert parse_key(link_key(short)) is None
