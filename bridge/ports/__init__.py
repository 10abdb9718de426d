"""The ports: what the floors above implement. The core depends on these, never on a concrete
store, SDK or clock."""

from __future__ import annotations

from bridge.ports.chat import (
    Capabilities,
    ChatAdapter,
    DeliveryError,
    PartialDelivery,
    PermanentError,
    RateLimited,
    SentFinder,
    TransientError,
    UserDirectory,
)
from bridge.ports.clock import (
    Clock,
    SystemClock,
)
from bridge.ports.store import (
    EventStore,
    GroupStore,
    IdentityStore,
    LinkCode,
    MemberStore,
    MemberTimeout,
    MessageStore,
    ModAction,
    ModEffect,
    ModerationStore,
    MusicStore,
    OutboxStore,
    ReactionStore,
    SpotifyStore,
    Store,
    TimeoutStore,
)

__all__ = [
    "Capabilities",
    "ChatAdapter",
    "Clock",
    "DeliveryError",
    "EventStore",
    "GroupStore",
    "IdentityStore",
    "LinkCode",
    "MemberStore",
    "MemberTimeout",
    "MessageStore",
    "ModAction",
    "ModEffect",
    "ModerationStore",
    "MusicStore",
    "OutboxStore",
    "PartialDelivery",
    "PermanentError",
    "RateLimited",
    "ReactionStore",
    "SentFinder",
    "SpotifyStore",
    "Store",
    "SystemClock",
    "TimeoutStore",
    "TransientError",
    "UserDirectory",
]
