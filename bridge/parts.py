"""A whole made of parts: each part is its own object, and the whole answers a Protocol by
delegating each method to the part that owns it.

``SqlStore`` (one repository per concern over one database handle) and ``bridge.testing``'s
``MemoryStore`` (one slice per concern over one set of in-memory tables) are built this way::

    class SqlStore(Composite):
        create_group = Delegate(GroupRepo, GroupRepo.create_group)

``Delegate`` keeps the part's exact signature (keyword-only arguments, defaults, return type),
so mypy checks the whole against the Protocol as if the method were written out, and a method
named on the wrong part is a type error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar, overload

P = ParamSpec("P")
T = TypeVar("T")
R = TypeVar("R")


class Composite:
    """Holds the parts, one per type."""

    def __init__(self, *parts: object) -> None:
        self._parts: dict[type, object] = {}
        for part in parts:
            self._parts[type(part)] = part

    def parts(self) -> tuple[object, ...]:
        return tuple(self._parts.values())

    def part(self, kind: type[R]) -> R:
        """The part of type ``kind`` (KeyError when the whole has none)."""
        found = self._parts[kind]
        assert isinstance(found, kind)
        return found


class Delegate(Generic[R, P, T]):
    """A method of a ``Composite`` that calls ``method`` on its part of type ``kind``."""

    def __init__(self, kind: type[R], method: Callable[Concatenate[R, P], T]) -> None:
        self.kind = kind
        self.method = method
        self.name = method.__name__

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self.name = name

    @overload
    def __get__(self, whole: None, owner: type[Any]) -> Delegate[R, P, T]: ...

    @overload
    def __get__(self, whole: Composite, owner: type[Any]) -> Callable[P, T]: ...

    def __get__(
        self, whole: Composite | None, owner: type[Any]
    ) -> Delegate[R, P, T] | Callable[P, T]:
        if whole is None:
            return self
        target = whole.part(self.kind)
        method = self.method

        def call(*args: P.args, **kwargs: P.kwargs) -> T:
            return method(target, *args, **kwargs)

        vars(whole)[self.name] = call  # later lookups find it first: built once per whole
        return call
