"""At most once: what a platform needs to post an outbox item's card or notice once, however
often the item is delivered.

An item is claimed, its handler posts, then records what it posted. A worker killed between the
two (or an answer lost on the way back) leaves the post made but unrecorded, and the item is
delivered again. A platform that can mark its posts (Slack's message metadata) marks each with
a marker that is the same on every delivery of the item, and on a redelivery looks for it
before posting: the post found is the one the handler records. A platform with another way
(Discord's enforced nonce) may ignore it."""

from __future__ import annotations

from dataclasses import dataclass

from bridge.records import OutboxItem


@dataclass(frozen=True, slots=True)
class PostOnce:
    """One outbox item's post: its marker (stable across the item's deliveries), when the item
    was queued (no earlier delivery posted before it), and whether an earlier delivery may have
    posted unrecorded (a retry or a resumed item): only then is it worth a look first."""

    marker: str
    since: float
    retry: bool

    @classmethod
    def of(cls, item: OutboxItem, kind: str) -> PostOnce:
        """The post of ``kind`` (``card``, ``notice``, ...) that ``item`` makes."""
        return cls(f"{kind}:{item.id}", item.created_at, item.attempts > 0 or item.resumed)
