"""Both stores are wholes made of parts (bridge/parts.py): every method a part offers is a
method of the whole, so a method added to a repository or a memory slice cannot be forgotten
in the store, and the two stores offer the same methods."""

from __future__ import annotations

import inspect

from bridge.parts import Composite, Delegate
from bridge.testing import MemoryStore
from storage.base import RepoBase
from storage.repos import SqlStore

OWN = {"close", "open", "part"}  # the stores' own methods, not a part's


def _public_methods(kind: type) -> set[str]:
    return {
        name
        for name, member in inspect.getmembers(kind, inspect.iscoroutinefunction)
        if not name.startswith("_")
    }


def _delegated(whole: type[Composite]) -> dict[str, Delegate[object, ..., object]]:
    return {n: d for n, d in vars(whole).items() if isinstance(d, Delegate)}


def _parts(whole: Composite) -> list[type]:
    return [type(part) for part in whole.parts()]


async def test_every_repository_method_is_a_method_of_the_sql_store(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = await SqlStore.open(f"sqlite+aiosqlite:///{tmp_path / 'parts.db'}")
    try:
        delegated = _delegated(SqlStore)
        for part in _parts(store):
            missing = _public_methods(part) - _public_methods(RepoBase) - set(delegated)
            assert not missing, f"{part.__name__}: {sorted(missing)} not on SqlStore"
        for name, delegate in delegated.items():
            assert delegate.method.__name__ == name, f"{name} calls {delegate.method.__name__}"
    finally:
        await store.close()


def test_every_memory_slice_method_is_a_method_of_the_memory_store() -> None:
    delegated = _delegated(MemoryStore)
    for part in _parts(MemoryStore()):
        missing = _public_methods(part) - set(delegated)
        assert not missing, f"{part.__name__}: {sorted(missing)} not on MemoryStore"


def test_the_memory_store_offers_what_the_sql_store_offers() -> None:
    sql = set(_delegated(SqlStore)) - OWN
    memory = set(_delegated(MemoryStore)) - OWN
    assert sql - memory == set(), "missing in bridge/testing"
