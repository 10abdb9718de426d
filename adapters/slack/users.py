"""A small cache of Slack user profiles (display name, avatar, admin flag) via users.info, and
whether a user id names anyone at all."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bridge.text import repair_text

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Profile:
    user_id: str
    name: str
    avatar_url: str | None
    is_admin: bool
    is_bot: bool
    tz: str = ""  # the person's time zone from their Slack profile (e.g. Europe/Berlin)


class UserCache:
    def __init__(self, client: AsyncWebClient, ttl: float = 600.0) -> None:
        self.client = client
        self.ttl = ttl
        self._cache: dict[str, tuple[float, Profile]] = {}

    async def get(self, user_id: str) -> Profile:
        hit = self._cache.get(user_id)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        profile = await self._fetch(user_id)
        ttl = self.ttl if profile.name != user_id else 30.0  # a fallback is retried soon
        self._cache[user_id] = (time.monotonic() + ttl, profile)
        return profile

    async def _fetch(self, user_id: str) -> Profile:
        try:
            response = await self.client.users_info(user=user_id)
        except SlackApiError as exc:
            log.warning("slack: users.info %s failed: %s", user_id, exc.response.get("error"))
            return Profile(user_id, user_id, None, False, False)
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            # the message still goes through, under the user id, rather than being lost
            log.warning("slack: users.info %s unreachable: %r", user_id, exc)
            return Profile(user_id, user_id, None, False, False)
        user = response.get("user") or {}
        profile = user.get("profile") or {}
        name = (
            profile.get("display_name")
            or profile.get("real_name")
            or user.get("real_name")
            or user.get("name")
            or user_id
        )
        return Profile(
            user_id=user_id,
            name=repair_text(str(name)),
            avatar_url=profile.get("image_192") or profile.get("image_72"),
            is_admin=bool(user.get("is_admin") or user.get("is_owner")),
            is_bot=bool(user.get("is_bot")),
            tz=str(user.get("tz") or ""),
        )


async def user_exists(client: AsyncWebClient, user_id: str) -> bool | None:
    """users.info: False when Slack answers ``user_not_found``; None when it cannot tell now
    (an outage, a rate limit, any other error)."""
    try:
        response = await client.users_info(user=user_id)
    except SlackApiError as exc:
        error = exc.response.get("error")
        log.info("slack: users.info %s: %s", user_id, error)
        return False if error == "user_not_found" else None
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        log.warning("slack: users.info %s unreachable: %r", user_id, exc)
        return None
    return bool(response.get("user"))
