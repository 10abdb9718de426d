"""Identifiers in Slack's real formats: ``T…``/``C…``/``U…``/``B…``/``F…``/``V…`` ids, message
``ts`` strings ("1700000000.000100", unique and increasing), ``Ev…`` event ids, trigger ids."""

from __future__ import annotations

import hashlib
import itertools
import secrets
import string
import time
import uuid

_ALPHABET = string.digits + string.ascii_uppercase


def stable_id(prefix: str, *parts: str, length: int = 10) -> str:
    """A deterministic id for world objects (the same world file gives the same ids)."""
    digest = hashlib.sha1("\x1f".join(parts).encode()).digest()
    number = int.from_bytes(digest, "big")
    chars = []
    for _ in range(length):
        number, rem = divmod(number, len(_ALPHABET))
        chars.append(_ALPHABET[rem])
    return prefix + "0" + "".join(chars)[: length - 1]


def random_id(prefix: str, length: int = 10) -> str:
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(length))


def event_id() -> str:
    return random_id("Ev", 10)


def envelope_id() -> str:
    return str(uuid.uuid4())


def client_msg_id() -> str:
    return str(uuid.uuid4())


def trigger_id() -> str:
    return f"{int(time.time())}.{secrets.randbelow(10**12)}.{secrets.token_hex(16)}"


def block_id() -> str:
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(5))


class TsClock:
    """Message timestamps: wall-clock seconds with a 6-digit suffix, strictly increasing."""

    def __init__(self) -> None:
        self._last = 0
        self._serial = itertools.count(1)

    def next(self) -> str:
        micros = max(int(time.time() * 1_000_000), self._last + 1)
        self._last = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def serial(self) -> int:
        return next(self._serial)


def ts_to_permalink_part(ts: str) -> str:
    return "p" + ts.replace(".", "")
