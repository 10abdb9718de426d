"""The one guarded HTTP client every music provider uses (aiohttp).

- Only https URLs on allowlisted host names (``guard.ALLOWED_HOSTS``), no userinfo, default port.
- Redirects are followed by hand (``allow_redirects=False``): every hop is re-checked against the
  allowlist BEFORE it is requested; at most ``max_redirects``; a loop is refused.
- Real mode: host names are resolved by :class:`PublicOnlyResolver`, which refuses loopback,
  private, link-local, reserved and multicast addresses; aiohttp connects only to checked ones.
- Emulator mode (``emulator`` = the "[network] emulator" origin): each checked real URL is mapped
  onto the emulator (``guard.to_emulator``); the emulator origin is the only peer.
- Bodies are streamed and cut at ``max_bytes``; all hops of one call share one ``timeout``.
- 429 (with Retry-After), 5xx, timeouts and connection errors raise ``ProviderUnavailable``;
  refusals raise :class:`Refused`; 404/410 raise :class:`NotFound`, other 4xx :class:`HttpError`.
- Request headers (tokens) are never logged.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import aiohttp
from multidict import CIMultiDictProxy
from yarl import URL

from adapters.music.guard import Refused, check_url, is_redirector, next_hop, to_emulator
from adapters.music.resolver import PublicOnlyResolver
from bridge.music.model import ProviderUnavailable

__all__ = ["USER_AGENT", "Answer", "GuardedHttp", "HttpError", "NotFound", "Refused"]

log = logging.getLogger(__name__)
USER_AGENT = "fanbridge/0.1 (+https://github.com/fanbridge)"
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
CHUNK = 64 * 1024


class HttpError(Exception):
    """A 4xx answer other than 429 (the provider decides what it means)."""

    def __init__(self, status: int, url: str) -> None:
        super().__init__(f"HTTP {status} from {url}")
        self.status = status


class NotFound(HttpError):
    """404 or 410."""


@dataclass(frozen=True, slots=True)
class Answer:
    url: URL  # the REAL url that answered
    status: int
    headers: CIMultiDictProxy[str]
    body: bytes

    def text(self) -> str:
        charset = "utf-8"
        content_type = self.headers.get("Content-Type", "")
        if "charset=" in content_type:
            charset = content_type.split("charset=", 1)[1].split(";")[0].strip() or charset
        try:
            return self.body.decode(charset, errors="replace")
        except LookupError:
            return self.body.decode("utf-8", errors="replace")


def retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        return max(parsedate_to_datetime(value).timestamp() - time.time(), 0.0)
    except (TypeError, ValueError):
        return None


class GuardedHttp:
    def __init__(
        self,
        emulator: str | None,
        *,
        user_agent: str = USER_AGENT,
        max_bytes: int = 2 * 1024 * 1024,
        timeout: float = 10.0,
        max_redirects: int = 5,
        resolver: aiohttp.abc.AbstractResolver | None = None,
    ) -> None:
        self.emulator = emulator.rstrip("/") if emulator else None
        self.user_agent = user_agent
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.max_redirects = max_redirects
        self._resolver = resolver
        self._session: aiohttp.ClientSession | None = None

    # -- public API -------------------------------------------------------------------------------
    async def get_json(
        self,
        url: str,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        answer = await self.fetch(url, params=params, headers=headers)
        try:
            return json.loads(answer.body)
        except ValueError:
            raise ProviderUnavailable(f"invalid JSON from {answer.url.host}") from None

    async def get_text(self, url: str, headers: dict[str, str] | None = None) -> str:
        return (await self.fetch(url, headers=headers)).text()

    async def expand(self, url: str) -> str | None:
        """The real URL a short link leads to, or None when refused or broken (ShortLinkExpander).
        An outage of the redirector raises ProviderUnavailable (try again later)."""
        try:
            return await self.follow(url)
        except Refused as exc:
            log.warning("short link refused: %s (%s)", url, exc.reason)
        except HttpError as exc:
            log.info("short link broken: %s (HTTP %s)", url, exc.status)
        return None

    async def follow(self, url: str) -> str:
        """Follow a redirector hop by hop until a URL on a non-redirector host; the final page
        itself is not fetched. Raises Refused, HttpError or ProviderUnavailable."""
        current = check_url(url)
        try:
            async with asyncio.timeout(self.timeout):
                return await self._follow(current)
        except TimeoutError:
            raise ProviderUnavailable(f"timeout expanding {current.host}") from None

    async def fetch(
        self,
        url: str,
        *,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        """GET a URL (following checked redirects); a 2xx answer or an exception."""
        current = check_url(url)
        if params:
            current = current.update_query(params)
        try:
            async with asyncio.timeout(self.timeout):
                answer = await self._fetch(current, headers)
        except TimeoutError:
            raise ProviderUnavailable(f"timeout fetching {current.host}") from None
        if answer.status >= 400:
            error = NotFound if answer.status in (404, 410) else HttpError
            raise error(answer.status, str(answer.url.with_query(None)))
        return answer

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    # -- internals --------------------------------------------------------------------------------
    async def _fetch(self, current: URL, headers: dict[str, str] | None) -> Answer:
        seen = {current}
        for _ in range(self.max_redirects + 1):
            answer = await self._request(current, headers)
            location = answer.headers.get("Location")
            if answer.status not in REDIRECT_STATUSES or not location:
                return answer
            current = self._hop(current, location, seen)
        raise Refused(f"more than {self.max_redirects} redirects")

    async def _follow(self, current: URL) -> str:
        seen = {current}
        for _ in range(self.max_redirects + 1):
            if not is_redirector(current.host):
                return str(current)
            answer = await self._request(current, None, read_body=False)
            location = answer.headers.get("Location")
            if answer.status >= 400:
                raise HttpError(answer.status, str(current))
            if answer.status not in REDIRECT_STATUSES or not location:
                raise Refused(f"no redirect from {current.host} (HTTP {answer.status})")
            current = self._hop(current, location, seen)
        raise Refused(f"more than {self.max_redirects} redirects")

    @staticmethod
    def _hop(current: URL, location: str, seen: set[URL]) -> URL:
        target = next_hop(current, location)  # checked before it is ever requested
        if target in seen:
            raise Refused(f"redirect loop at {target.host}")
        seen.add(target)
        return target

    def _target(self, url: URL) -> URL:
        return to_emulator(url, self.emulator) if self.emulator else url

    async def _request(
        self, url: URL, headers: dict[str, str] | None, *, read_body: bool = True
    ) -> Answer:
        session = self._client()
        log.debug("=> GET %s", url.with_query(None))
        try:
            async with session.get(
                self._target(url), headers=headers, allow_redirects=False
            ) as response:
                _raise_for_outage(response, url)
                body = await self._read(response) if read_body else b""
                return Answer(url, response.status, response.headers, body)
        except aiohttp.ClientError as exc:
            raise ProviderUnavailable(f"{url.host}: {type(exc).__name__}") from None

    async def _read(self, response: aiohttp.ClientResponse) -> bytes:
        if response.status in REDIRECT_STATUSES:
            return b""
        declared = response.content_length
        if declared is not None and declared > self.max_bytes:
            raise Refused(f"response too large ({declared} bytes)")
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.content.iter_chunked(CHUNK):
            size += len(chunk)
            if size > self.max_bytes:
                raise Refused(f"response larger than {self.max_bytes} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            if self.emulator:
                connector = aiohttp.TCPConnector(limit=20)
            else:
                resolver = self._resolver or PublicOnlyResolver()
                connector = aiohttp.TCPConnector(limit=20, resolver=resolver)
            self._session = aiohttp.ClientSession(
                connector=connector,
                headers={"User-Agent": self.user_agent},
                timeout=aiohttp.ClientTimeout(total=self.timeout),
                cookie_jar=aiohttp.DummyCookieJar(),
                trust_env=False,
            )
        return self._session


def _raise_for_outage(response: aiohttp.ClientResponse, url: URL) -> None:
    if response.status == 429:
        wait = retry_after(response.headers.get("Retry-After"))
        raise ProviderUnavailable(f"{url.host}: rate limited (429)", retry_after=wait)
    if response.status >= 500:
        wait = retry_after(response.headers.get("Retry-After"))
        raise ProviderUnavailable(f"{url.host}: HTTP {response.status}", retry_after=wait)
