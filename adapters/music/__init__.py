"""Music providers behind ``bridge.music.model``'s protocols, and the one guarded HTTP client they
all use (``http.GuardedHttp``). ``registry.build_providers`` wires them; see its table for what
resolves without credentials."""

from __future__ import annotations

from adapters.music.http import GuardedHttp, HttpError, NotFound, Refused
from adapters.music.registry import build_providers, isrc_searchers

__all__ = ["GuardedHttp", "HttpError", "NotFound", "Refused", "build_providers", "isrc_searchers"]
