"""Per-route and global rate limits with Discord's real headers and 429 bodies.

Windows come from ``emu.limiter`` (which applies ``time_scale`` and the on/off switch). Buckets
are keyed like Discord's: route bucket + top-level resource (channel, guild or webhook).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from aiohttp import web

from emulators.core import Emulator
from emulators.discord.errors import rate_limited_response


@dataclass(frozen=True)
class Limit:
    limit: int
    window: float  # seconds at time_scale 1


# Observed/typical limits; the client must read them from the headers, never hard-code them.
LIMITS: dict[str, Limit] = {
    "messages.create": Limit(5, 5.0),
    "messages.edit": Limit(5, 5.0),
    "messages.delete": Limit(5, 1.0),
    "messages.bulk": Limit(1, 1.0),
    "reactions": Limit(1, 0.25),
    "webhooks.execute": Limit(5, 2.0),
    "moderation": Limit(5, 5.0),
    "commands": Limit(5, 20.0),
    "scheduled_events": Limit(10, 10.0),  # creating, modifying, deleting: per guild
    "default": Limit(50, 1.0),
}
GLOBAL = Limit(50, 1.0)
WEBHOOK_PER_CHANNEL = Limit(30, 60.0)


def bucket_hash(bucket: str) -> str:
    return hashlib.md5(bucket.encode(), usedforsecurity=False).hexdigest()


@dataclass
class Verdict:
    """Either headers to add to a normal response, or a ready 429."""

    headers: dict[str, str]
    refusal: web.Response | None = None


def check(
    emu: Emulator,
    *,
    bucket: str,
    major: str,
    identity: str | None,
    sub_key: str | None = None,
) -> Verdict:
    if identity is not None:
        ok, _, reset_after = emu.limiter.take(
            f"discord:global:{identity}", limit=GLOBAL.limit, window=GLOBAL.window
        )
        if not ok:
            return Verdict(
                {}, rate_limited_response(retry_after=reset_after, is_global=True, scope="global")
            )
    limit = LIMITS.get(bucket, LIMITS["default"])
    ok, remaining, reset_after = emu.limiter.take(
        f"discord:{bucket}:{major}", limit=limit.limit, window=limit.window
    )
    headers = _headers(bucket, limit.limit, remaining, reset_after)
    if not ok:
        refusal = rate_limited_response(
            retry_after=reset_after, is_global=False, scope="user", headers=headers
        )
        return Verdict(headers, refusal)
    if sub_key is not None:
        return _sub_limit(emu, sub_key, headers)
    return Verdict(headers)


def _sub_limit(emu: Emulator, key: str, headers: dict[str, str]) -> Verdict:
    """A shared per-resource limit (webhooks per channel): 429 while Remaining is still > 0."""
    sub = WEBHOOK_PER_CHANNEL
    ok, _, reset_after = emu.limiter.take(
        f"discord:shared:{key}", limit=sub.limit, window=sub.window
    )
    if ok:
        return Verdict(headers)
    body = rate_limited_response(
        retry_after=reset_after, is_global=False, scope="shared", headers=headers
    )
    return Verdict(headers, body)


def _headers(bucket: str, limit: int, remaining: int, reset_after: float) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
        "X-RateLimit-Reset-After": f"{reset_after:.3f}",
        "X-RateLimit-Bucket": bucket_hash(bucket),
    }
