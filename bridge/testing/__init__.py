"""Test doubles shipped with the core: an in-memory ``Store`` that passes the store contract
suite, a chat adapter that records what it is asked to do, and a manual clock. They import
nothing but ``bridge``, like the core."""

from __future__ import annotations

from bridge.testing.chat import Call, RecordingAdapter
from bridge.testing.clock import ManualClock
from bridge.testing.store import MemoryStore

__all__ = ["Call", "ManualClock", "MemoryStore", "RecordingAdapter"]
