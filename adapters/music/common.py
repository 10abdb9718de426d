"""Helpers shared by the keyless providers: one guarded GET with the providers' error policy."""

from __future__ import annotations

import logging
import re
from typing import Any

from adapters.music.http import GuardedHttp, HttpError, NotFound, Refused
from bridge.music.model import ProviderUnavailable

log = logging.getLogger(__name__)
ISRC_RE = re.compile(r"^[A-Z]{2}[A-Z0-9]{3}[0-9]{7}$")
UPC_RE = re.compile(r"^[0-9]{8,14}$")
DIGITS_RE = re.compile(r"^[0-9]{1,20}$")


async def fetch_json(
    http: GuardedHttp,
    url: str,
    params: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> Any | None:
    """JSON, or None when the item does not exist (404/410/400) or the URL is refused; other 4xx
    (403 quota, 401) and outages raise ProviderUnavailable."""
    try:
        return await http.get_json(url, params=params, headers=headers)
    except NotFound:
        return None
    except HttpError as exc:
        if exc.status == 400:
            return None
        raise ProviderUnavailable(str(exc)) from None
    except Refused as exc:
        log.warning("refused %s: %s", url, exc.reason)
        return None


async def fetch_text(http: GuardedHttp, url: str) -> str | None:
    """A page's text, or None when missing or refused (same policy as :func:`fetch_json`)."""
    try:
        return await http.get_text(url)
    except NotFound:
        return None
    except HttpError as exc:
        if exc.status == 400:
            return None
        raise ProviderUnavailable(str(exc)) from None
    except Refused as exc:
        log.warning("refused %s: %s", url, exc.reason)
        return None


def text(value: Any) -> str | None:
    """A non-empty string or None."""
    return value.strip() if isinstance(value, str) and value.strip() else None


def names(rows: Any, key: str = "name") -> tuple[str, ...]:
    """The ``key`` of each dict in a list (artists, contributors), in order, without repeats."""
    out: list[str] = []
    for row in rows if isinstance(rows, list) else []:
        name = text(row.get(key)) if isinstance(row, dict) else None
        if name and name not in out:
            out.append(name)
    return tuple(out)


def seconds_to_ms(value: Any) -> int | None:
    return int(value) * 1000 if isinstance(value, int | float) and value > 0 else None
