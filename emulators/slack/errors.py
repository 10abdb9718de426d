"""Slack Web API errors: HTTP 200 ``{"ok": false, "error": "..."}`` (and 429 ``ratelimited``)."""

from __future__ import annotations

from typing import Any


class SlackError(Exception):
    """A Web API call that fails the way Slack fails it."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"ok": False, "error": self.error, **self.extra}


class RateLimited(Exception):
    """HTTP 429 with an integer ``Retry-After``."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"ratelimited, retry after {retry_after}s")
        self.retry_after = retry_after
