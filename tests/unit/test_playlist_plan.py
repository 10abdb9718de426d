"""The "Play all on Spotify" planner: the playlist as it is → the tab's order, with few requests."""

from __future__ import annotations

import random

import pytest

from bridge.music.playlist import Insert, Move, Remove, apply, plan


def uris(*names: str) -> list[str]:
    return [f"spotify:track:{n}" for n in names]


def test_a_new_playlist_gets_every_track_in_one_request() -> None:
    ops = plan(uris("c", "b", "a"), []).ops
    assert ops == (Insert(tuple(uris("c", "b", "a")), 0),)


def test_a_new_share_goes_to_the_top_in_one_request() -> None:
    current = uris("b", "a")
    ops = plan(uris("c", "b", "a"), current).ops
    assert ops == (Insert(tuple(uris("c")), 0),)


def test_a_removed_share_is_removed() -> None:
    ops = plan(uris("c", "a"), uris("c", "b", "a")).ops
    assert ops == (Remove(tuple(uris("b"))),)


def test_a_reshared_song_moves_to_the_top_in_one_move() -> None:
    current = uris("d", "c", "b", "a")
    desired = uris("a", "d", "c", "b")
    ops = plan(desired, current).ops
    assert ops == (Move(3, 0),)
    assert apply(ops, current) == desired


def test_nothing_to_do_when_in_sync() -> None:
    assert plan(uris("a", "b"), uris("a", "b")).empty


def test_duplicates_are_collapsed_to_one() -> None:
    current = uris("a", "b", "a")
    desired = uris("a", "b", "a")  # the tab lists a track once; a repeat keeps the first place
    result = apply(plan(desired, current).ops, current)
    assert result == uris("a", "b")


def test_more_than_100_tracks_are_sent_in_batches_of_100() -> None:
    desired = uris(*(f"t{i:03d}" for i in range(250)))
    ops = plan(desired, []).ops
    assert [len(op.uris) for op in ops if isinstance(op, Insert)] == [100, 100, 50]
    assert apply(ops, []) == desired
    gone = plan([], desired).ops
    assert [len(op.uris) for op in gone if isinstance(op, Remove)] == [100, 100, 50]


@pytest.mark.parametrize("seed", range(40))
def test_any_playlist_becomes_the_tab_with_the_fewest_moves(seed: int) -> None:
    rng = random.Random(seed)
    pool = uris(*(f"s{i}" for i in range(30)))
    current = rng.sample(pool, rng.randint(0, 20)) + rng.sample(pool, rng.randint(0, 3))
    desired = rng.sample(pool, rng.randint(0, 25))
    ops = plan(desired, current).ops
    assert apply(ops, current) == desired
    moves = [op for op in ops if isinstance(op, Move)]
    kept = [u for u in current if u in desired and current.count(u) == 1]
    assert len(moves) <= len(kept)
