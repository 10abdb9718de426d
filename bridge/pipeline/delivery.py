"""What performs an outbox action: one handler per action type. The outbox worker holds the
table; each feature module builds its part (moderation, reports, gates) and the composition root
(adapters/runtime.py) registers them all, so the worker imports no feature package."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from bridge.actions import OutboxAction
from bridge.ports.chat import ChatAdapter
from bridge.records import OutboxItem

A = TypeVar("A", bound=OutboxAction)
Handler = Callable[[A, OutboxItem, ChatAdapter], Awaitable[None]]
Perform = Callable[[OutboxItem, ChatAdapter], Awaitable[None]]


class Skipped(Exception):
    """An action that no longer applies (a ban lifted before it took effect): done, skipped."""


class DeliveryHandlers:
    """Action type -> the handler that performs it (``handler(action, item, adapter)``). Each
    type has one handler; a handler raises a DeliveryError subclass or Skipped to tell the
    outbox what became of it."""

    def __init__(self) -> None:
        self._by_type: dict[type[OutboxAction], Callable[..., Awaitable[None]]] = {}

    def add(self, kind: type[A], handler: Handler[A]) -> DeliveryHandlers:
        if kind in self._by_type:
            raise ValueError(f"two handlers for {kind.__name__}")
        self._by_type[kind] = handler
        return self

    def include(self, other: DeliveryHandlers) -> DeliveryHandlers:
        for kind, handler in other._by_type.items():
            self.add(kind, handler)
        return self

    def kinds(self) -> frozenset[type[OutboxAction]]:
        return frozenset(self._by_type)

    def find(self, action: OutboxAction) -> Perform | None:
        """The delivery of ``action``: None when no handler performs its type."""
        handler: Callable[..., Awaitable[Any]] | None = self._by_type.get(type(action))
        return None if handler is None else functools.partial(handler, action)
