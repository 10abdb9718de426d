"""Discord's error bodies: ``{"message", "code"}`` (+ ``errors`` for 50035) and the 429 shape."""

from __future__ import annotations

import math
from typing import Any

from aiohttp import web

from emulators.core import json_response

_UNKNOWN = {
    "channel": 10003,
    "guild": 10004,
    "member": 10007,
    "message": 10008,
    "role": 10011,
    "user": 10013,
    "emoji": 10014,
    "webhook": 10015,
    "ban": 10026,
    "interaction": 10062,
    "application command": 10063,
    "overwrite": 10009,
}


class ApiError(Exception):
    """An error the real API would answer with; handlers raise it, the route wrapper renders it."""

    def __init__(
        self, status: int, code: int, message: str, errors: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors is not None:
            body["errors"] = self.errors
        return body

    @classmethod
    def unknown(cls, kind: str) -> ApiError:
        label = kind if kind == "interaction" else kind.title()
        return cls(404, _UNKNOWN[kind], f"Unknown {label}")

    @classmethod
    def missing_permissions(cls) -> ApiError:
        return cls(403, 50013, "Missing Permissions")

    @classmethod
    def missing_access(cls) -> ApiError:
        return cls(403, 50001, "Missing Access")

    @classmethod
    def unauthorized(cls) -> ApiError:
        return cls(401, 0, "401: Unauthorized")

    @classmethod
    def invalid_form(cls, field: str, code: str, message: str) -> ApiError:
        errors = _nest(field.split("."), {"_errors": [{"code": code, "message": message}]})
        return cls(400, 50035, "Invalid Form Body", errors)


def _nest(path: list[str], leaf: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = leaf
    for part in reversed(path):
        out = {part: out}
    return out


def rate_limited_response(
    *, retry_after: float, is_global: bool, scope: str, headers: dict[str, str] | None = None
) -> web.Response:
    """A 429 discord.py honours: JSON body with a float retry_after, and a ``Via`` header."""
    body = {
        "message": "You are being rate limited.",
        "retry_after": round(retry_after, 3),
        "global": is_global,
    }
    out = {
        "Via": "1.1 google",
        "Retry-After": str(max(1, math.ceil(retry_after))),
        "X-RateLimit-Scope": scope,
        **(headers or {}),
    }
    if is_global:
        out["X-RateLimit-Global"] = "true"
    return json_response(body, status=429, headers=out)


def render_error(*, status: int, message: str, retry_after: float | None = None) -> web.Response:
    """The Platform's error renderer (faults and contract violations)."""
    if status == 429:
        return rate_limited_response(
            retry_after=retry_after if retry_after is not None else 1.0,
            is_global=False,
            scope="user",
        )
    if status == 400:
        return json_response({"message": message, "code": 50035, "errors": {}}, status=400)
    return json_response({"message": message, "code": 0}, status=status)
