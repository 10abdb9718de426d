"""Personal links to a private group's pages: ``/g/<slug>?key=<token>``.

A token is ``<payload>.<signature>``, both URL-safe base64 without padding; the payload names the
group's slug, the person (the platform account it was given to and, since bans revoke links, the
member that account belonged to) and the expiry, and the signature is HMAC-SHA256 over the
payload. No storage: the key is ``[web] secret`` or, without it, derived from the bot tokens, so
links survive restarts. Anything that does not verify (tampered, another group, garbage) is
"forged"; a genuine link past its time is "expired"; a genuine link of a person banned from the
group since is "revoked" (``adapters.web.access`` checks that)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote

from adapters.config import Config
from bridge.ids import Platform, UserRef

LABEL = b"fanbridge web links v1\x00"
LINK_TTL = 7 * 24 * 3600.0
PLATFORMS = frozenset(p.value for p in Platform)


@dataclass(frozen=True, slots=True)
class Grant:
    """A verified link: ``user`` (``str(UserRef)``), who was ``member`` when it was made, may read
    group ``slug`` until ``expires_at``. Links made before members were signed have no
    ``member``."""

    slug: str
    user: str
    expires_at: float
    member: int | None = None

    def user_ref(self) -> UserRef | None:
        """The account the link was given to, if ``user`` spells one."""
        platform, _, rest = self.user.partition(":")
        workspace, at, user = rest.rpartition("/@")
        if not (at and workspace and user) or platform not in PLATFORMS:
            return None
        return UserRef(Platform(platform), workspace, user)


@dataclass(frozen=True, slots=True)
class GrantError:
    reason: Literal["expired", "forged", "revoked"]


def web_secret(config: Config) -> bytes:
    """The signing key: ``[web] secret`` if set, else derived from the configured bot tokens
    (the same tokens give the same key after a restart). With neither, a random key: links then
    last until the process stops."""
    configured = config.web.secret or config.web.link_secret
    if configured:
        return hashlib.sha256(LABEL + configured.encode()).digest()
    tokens = [
        config.discord.token if config.discord else "",
        config.slack.bot_token if config.slack else "",
    ]
    if not any(tokens):
        return os.urandom(32)
    return hashlib.sha256(LABEL + b"\x00".join(t.encode() for t in tokens)).digest()


def sign_grant(
    secret: bytes, slug: str, user: str, expires_at: float, member: int | None = None
) -> str:
    fields: dict[str, str | int] = {"s": slug, "u": user, "e": int(expires_at)}
    if member is not None:
        fields["m"] = member
    payload = json.dumps(fields, separators=(",", ":"), sort_keys=True).encode()
    return f"{_b64(payload)}.{_b64(_mac(secret, payload))}"


def verify_grant(secret: bytes, token: str, slug: str, now: float) -> Grant | GrantError:
    payload = _signed_payload(secret, token)
    grant = _parse(payload) if payload is not None else None
    if grant is None or not hmac.compare_digest(grant.slug.encode(), slug.encode()):
        return GrantError("forged")
    if now >= grant.expires_at:
        return GrantError("expired")
    return grant


def _signed_payload(secret: bytes, token: str) -> bytes | None:
    """The payload of a token whose signature is right (compared in constant time)."""
    encoded, dot, signature = token.partition(".")
    if not dot:
        return None
    payload, mac = _unb64(encoded), _unb64(signature)
    if payload is None or mac is None:
        return None
    return payload if hmac.compare_digest(mac, _mac(secret, payload)) else None


def _parse(payload: bytes) -> Grant | None:
    try:
        data = json.loads(payload)
        slug, user, expires, member = data["s"], data["u"], data["e"], data.get("m")
    except (ValueError, TypeError, KeyError):
        return None
    if not (isinstance(slug, str) and isinstance(user, str) and _is_int(expires)):
        return None
    if member is not None and not _is_int(member):
        return None
    return Grant(slug, user, float(expires), member)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _mac(secret: bytes, payload: bytes) -> bytes:
    return hmac.new(secret, payload, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes | None:
    if not text or len(text) > 4096:
        return None
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None
    return data if _b64(data) == text else None  # only the canonical spelling


class GroupLinks:
    """The addresses of groups' pages under ``[web] public_url`` (None without one)."""

    def __init__(self, public_url: str | None, secret: bytes) -> None:
        self.base = public_url.rstrip("/") if public_url else None
        self.secret = secret

    def page(self, slug: str) -> str | None:
        return f"{self.base}/g/{quote(slug, safe='')}" if self.base else None

    def personal(
        self, slug: str, user: UserRef, expires_at: float, member: int | None = None
    ) -> str | None:
        """``user``'s own link to a private group; ``member`` is the person it belongs to, so
        that banning them from the group revokes it."""
        page = self.page(slug)
        if page is None:
            return None
        return f"{page}?key={sign_grant(self.secret, slug, str(user), expires_at, member)}"
