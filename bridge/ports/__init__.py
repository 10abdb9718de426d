"""The ports: what the floors above implement. The core depends on these, never on a concrete
store, SDK or clock."""

from __future__ import annotations

from bridge.ports.chat import (
    Capabilities,
    ChatAdapter,
    DeliveryError,
    GuildBans,
    Kicks,
    ModCards,
    PartialDelivery,
    PermanentError,
    RateLimited,
    SentFinder,
    Timeouts,
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
    MessageStore,
    ModAction,
    ModEffect,
    ModerationStore,
    MusicStore,
    OutboxStore,
    ReactionStore,
    SpotifyStore,
    Store,
)

__all__ = [
    "Capabilities",
    "ChatAdapter",
    "Clock",
    "DeliveryError",
    "EventStore",
    "GroupStore",
    "GuildBans",
    "IdentityStore",
    "Kicks",
    "LinkCode",
    "MemberStore",
    "MessageStore",
    "ModAction",
    "ModCards",
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
    "Timeouts",
    "TransientError",
    "UserDirectory",
]
