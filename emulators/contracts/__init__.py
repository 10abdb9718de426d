"""Checks every request the product makes against the platforms' official machine-readable specs.

``Contracts.load()`` finds the specs (see :mod:`emulators.contracts.sources`), compiles them once,
and answers, per request, a list of short human-readable violations (``[]`` when valid):

- Discord REST v10 (OpenAPI 3.1): route and method, snowflake path parameters, typed query
  parameters, the JSON body against the operation's ``requestBody`` schema;
- Slack Web API (Swagger 2.0, stale): required and typed arguments of the methods it lists;
  methods it does not list are allowed;
- Spotify Web API (OpenAPI 3.0.3, the "fixed" copy): route and method, required and typed query
  parameters within their bounds.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from emulators.contracts import sources
from emulators.contracts.openapi import OpenApi
from emulators.contracts.slack import SlackSpec

log = logging.getLogger(__name__)


class Contracts:
    """The compiled specs; a platform whose spec file is missing is not validated."""

    def __init__(
        self,
        *,
        discord: OpenApi | None = None,
        slack: SlackSpec | None = None,
        spotify: OpenApi | None = None,
        directory: Path | None = None,
    ) -> None:
        self._discord = discord
        self._slack = slack
        self._spotify = spotify
        self.directory = directory
        self.load_seconds = 0.0

    @classmethod
    def load(cls, directory: str | None = None) -> Contracts | None:
        """None when the specs are absent; logs one warning saying requests run unvalidated."""
        started = time.perf_counter()
        where = sources.contracts_dir(directory)
        files = _files(where)
        if not any(files.values()):
            log.warning("no platform specs found in %s: requests run unvalidated", where)
            return None
        missing = sorted(name for name, path in files.items() if path is None)
        if missing:
            log.warning("specs missing in %s for %s: unvalidated", where, ", ".join(missing))
        contracts = cls(**_compile(files), directory=where)
        contracts.load_seconds = time.perf_counter() - started
        log.debug("platform specs loaded in %.3f s from %s", contracts.load_seconds, where)
        return contracts

    def discord(self, method: str, path: str, query: Mapping[str, str], body: Any) -> list[str]:
        """Violations of a request to ``/api/v10{path}``."""
        return self._discord.check(method, path, query, body) if self._discord else []

    def slack(self, api_method: str, args: Mapping[str, Any]) -> list[str]:
        """Violations of a Web API call (``chat.postMessage``) with its merged arguments."""
        return self._slack.check(api_method, args) if self._slack else []

    def spotify(self, method: str, path: str, query: Mapping[str, str], body: Any) -> list[str]:
        """Violations of a request to ``/v1{path}``."""
        return self._spotify.check(method, path, query, body) if self._spotify else []


def _files(where: Path) -> dict[str, Path | None]:
    if not where.is_dir():
        return {"discord": None, "slack": None, "spotify": None}
    return {
        "discord": sources.find(where, sources.DISCORD_SPEC),
        "slack": sources.find(where, sources.SLACK_SPEC),
        "spotify": sources.find(where, sources.SPOTIFY_SPEC),
    }


_compiled: dict[tuple[str, Path], Any] = {}
_compile_lock = threading.Lock()


def _compile(files: dict[str, Path | None]) -> dict[str, Any]:
    """The compiled spec per platform (compiled once per file and process)."""
    out: dict[str, Any] = {}
    for name, path in files.items():
        if path is not None:
            key = (name, path.resolve())
            with _compile_lock:
                if key not in _compiled:
                    _compiled[key] = _COMPILERS[name](sources.read(path))
                out[name] = _compiled[key]
    return out


def _discord(document: Mapping[str, Any]) -> OpenApi:
    return OpenApi(sources.apply_discord_fixes(document), "Discord")


def _spotify(document: Mapping[str, Any]) -> OpenApi:
    return OpenApi(document, "Spotify")


_COMPILERS: dict[str, Callable[[Mapping[str, Any]], Any]] = {
    "discord": _discord,
    "slack": SlackSpec,
    "spotify": _spotify,
}

__all__ = ["Contracts"]
