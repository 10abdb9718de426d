"""discord.py and network failures mapped onto the outbox's retry policy (a leaf: every part
that calls Discord for the outbox uses it)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import aiohttp
import discord

from bridge.ports import PermanentError, RateLimited, TransientError


@contextlib.asynccontextmanager
async def platform_errors() -> AsyncIterator[None]:
    """Map discord.py and network failures onto the outbox's retry policy."""
    try:
        yield
    except discord.RateLimited as exc:
        raise RateLimited(exc.retry_after) from exc
    except (discord.Forbidden, discord.NotFound) as exc:
        raise PermanentError(f"{exc.status} {exc.text}") from exc
    except discord.HTTPException as exc:
        if exc.status == 429:
            retry = float(getattr(exc.response, "headers", {}).get("Retry-After", 1))
            raise RateLimited(retry) from exc
        if exc.status >= 500:
            raise TransientError(f"{exc.status} {exc.text}") from exc
        raise PermanentError(f"{exc.status} {exc.text}") from exc
    except (aiohttp.ClientError, OSError, TimeoutError) as exc:
        raise TransientError(repr(exc)) from exc
