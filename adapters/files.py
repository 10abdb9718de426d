"""Fetching attachment bytes for re-upload: only from the platforms' own file hosts (or, against
the configured emulator, only from its emulated file paths: never its control API ``/_emu/...``,
whose answers hold the world's tokens), with a size cap, and with a Slack bot token only for
Slack's host: the token of the file's workspace (named in its path, ``files-pri/<team>-<file>``),
or the configured one."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Mapping

import aiohttp
import yarl

from bridge.actions import OutgoingMessage
from bridge.events import Attachment

log = logging.getLogger(__name__)

FILE_HOSTS = {"cdn.discordapp.com", "media.discordapp.net", "files.slack.com"}
SLACK_FILE_HOSTS = {"files.slack.com"}
# the emulator's file paths (under its base URL): Discord attachments and Slack files
EMULATED_FILES = re.compile(
    r"/discord/attachments/\d+/\d+/[^/]+|/slack/files/(?:download/)?[A-Za-z0-9]+/[^/]+"
    r"|/slack/files-pri/[A-Za-z0-9]+-[A-Za-z0-9]+/(?:download/)?[^/]+"
)
# a Slack file's path names its workspace: /files-pri/T0123-F0456/name (url_private)
SLACK_FILE_TEAM = re.compile(r"/files-pri/([A-Z0-9]+)-[A-Za-z0-9]+/")
# the bot token for a workspace: its install's (Add to Slack), None when the app was removed
TeamToken = Callable[[str], Awaitable[str | None]]


class FileFetcher:
    def __init__(
        self,
        *,
        emulator: str | None = None,
        slack_token: str | None = None,
        team_token: TeamToken | None = None,
        timeout: float = 20.0,
    ) -> None:
        """``slack_token``: the configured bot token; ``team_token``: each workspace's own
        (with Add to Slack), for the files whose path names their workspace."""
        self._emulator = yarl.URL(emulator) if emulator else None
        self._slack_token = slack_token
        self._team_token = team_token
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    def allowed(self, url: str) -> bool:
        try:
            parsed = yarl.URL(url)
        except ValueError:
            return False
        if not parsed.absolute:
            return False
        if self._emulator is not None and parsed.origin() == self._emulator.origin():
            return self._emulated_file(parsed)
        return parsed.scheme == "https" and parsed.host in FILE_HOSTS

    def _emulated_file(self, parsed: yarl.URL) -> bool:
        """A file path of an emulated platform, as sent (``raw_path``) and as routed (``path``:
        an encoded ``/`` or ``..`` cannot lead elsewhere)."""
        assert self._emulator is not None
        base = self._emulator.path.rstrip("/")
        raw_base = self._emulator.raw_path.rstrip("/")
        paths = ((parsed.path, base), (parsed.raw_path, raw_base))
        return all(
            path.startswith(prefix + "/")
            and EMULATED_FILES.fullmatch(path.removeprefix(prefix)) is not None
            for path, prefix in paths
        )

    async def _headers(self, url: str) -> Mapping[str, str] | None:
        """The request's headers: a Slack file's carry its workspace's token (None: there is
        none, as in a workspace the app was removed from; Slack would answer its sign-in page)."""
        parsed = yarl.URL(url)
        emulated = self._emulator is not None and parsed.origin() == self._emulator.origin()
        slack_path = "/slack/files/" in parsed.path or "/slack/files-pri/" in parsed.path
        if parsed.host not in SLACK_FILE_HOSTS and not (emulated and slack_path):
            return {}
        token = await self._slack_token_for(parsed.path)
        return {"Authorization": f"Bearer {token}"} if token else None

    async def _slack_token_for(self, path: str) -> str | None:
        """The token of the file's workspace, else the configured one."""
        team = SLACK_FILE_TEAM.search(path)
        if team is None or self._team_token is None:
            return self._slack_token
        return await self._team_token(team.group(1))

    async def fetch(self, url: str, *, max_bytes: int) -> bytes | None:
        """The file's bytes, or None when it is larger than ``max_bytes``, not on an allowed
        host, or cannot be fetched (the caller then relays a link instead)."""
        if not self.allowed(url):
            log.warning("attachment host not allowed: %s", yarl.URL(url).host)
            return None
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        try:
            headers = await self._headers(url)
            if headers is None:
                return None
            async with self._session.get(url, headers=headers, allow_redirects=False) as response:
                if response.status != 200:
                    return None
                if (response.content_length or 0) > max_bytes:
                    return None
                data = await response.content.read(max_bytes + 1)
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("attachment fetch failed: %r", exc)
            return None
        return data if len(data) <= max_bytes else None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


async def gather_attachments(
    fetcher: FileFetcher | None,
    message: OutgoingMessage,
    link_line: Callable[[Attachment], str],
) -> tuple[list[tuple[str, bytes]], list[str]]:
    """The message's files small enough to re-upload, and a link line for each of the rest."""
    files: list[tuple[str, bytes]] = []
    links: list[str] = []
    for attachment in message.attachments:
        data = None
        if fetcher is not None and attachment.size <= message.max_attachment_bytes:
            data = await fetcher.fetch(attachment.url, max_bytes=message.max_attachment_bytes)
        if data is None:
            links.append(link_line(attachment))
        else:
            files.append((attachment.filename, data))
    return files, links
