"""The pacer keeps a platform's global limit before the platform has to answer 429: requests
in flight always count, finished ones count for a window after their end."""

from __future__ import annotations

import asyncio

import pytest

from adapters.pacing import Pacer

pytestmark = pytest.mark.asyncio


async def test_requests_in_flight_keep_counting_past_the_window() -> None:
    pacer = Pacer(limit=2, window=0.05)
    first, second = await pacer.take(), await pacer.take()
    third = asyncio.create_task(pacer.take())
    done, _ = await asyncio.wait({third}, timeout=0.2)  # 4 windows: both still in flight
    assert not done
    Pacer.finish(first)
    assert (await asyncio.wait_for(third, 1.0)).open
    assert second.open and not first.open


async def test_a_finished_request_frees_its_place_one_window_after_its_end() -> None:
    pacer = Pacer(limit=1, window=0.05)
    slot = await pacer.take()
    Pacer.finish(slot)
    loop = asyncio.get_running_loop()
    ended = loop.time()
    await pacer.take()
    assert loop.time() - ended >= 0.049
    assert pacer.waited >= 1
