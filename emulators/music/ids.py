"""Deterministic identifiers in each music platform's real format.

Every id is derived from a seed string with SHA-256, so the seeded catalog is the same on every run
and an item added without ids gets stable ones.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import uuid
from urllib.parse import quote

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
URLSAFE = BASE62 + "-_"
UPPER_ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
BASE62_RE = re.compile(r"^[0-9A-Za-z]{22}$")
ISRC_RE = re.compile(r"^[A-Z]{2}[A-Z0-9]{3}\d{7}$")


def number(seed: str) -> int:
    """A large non-negative integer derived from ``seed``."""
    return int.from_bytes(hashlib.sha256(seed.encode("utf-8")).digest(), "big")


def chars(seed: str, length: int, alphabet: str) -> str:
    value = number(seed)
    out = []
    for _ in range(length):
        value, rest = divmod(value, len(alphabet))
        out.append(alphabet[rest])
        if value < len(alphabet):
            value = number(seed + "".join(out))
    return "".join(out)


def base62(seed: str, length: int = 22) -> str:
    """A Spotify id (22 base62 characters)."""
    return chars(seed, length, BASE62)


def digits(seed: str, length: int) -> str:
    """``length`` decimal digits (at most 70), never starting with 0."""
    return str(number(seed))[:length]


def hex_id(seed: str, length: int = 32) -> str:
    return hashlib.sha256(seed.encode("utf-8")).hexdigest()[:length]


def youtube_id(seed: str) -> str:
    """An 11-character YouTube video id (the last character carries 2 bits only, like real ids)."""
    return chars(seed, 10, URLSAFE) + "AEIMQUYcgkosw048"[number(seed + "#") % 16]


def asin(seed: str) -> str:
    """An Amazon Standard Identification Number for music: B0 + 8 upper-case alphanumerics."""
    return "B0" + chars(seed, 8, UPPER_ALNUM)


def uuid_from(seed: str) -> str:
    """A version-4-shaped UUID (Tidal playlists, MusicBrainz MBIDs)."""
    return str(uuid.UUID(bytes=hashlib.sha256(seed.encode()).digest()[:16], version=4))


def isrc(seed: str, country: str, year: str) -> str:
    """CC-XXX-YY-NNNNN without dashes, e.g. ``USUM72301234``."""
    registrant = chars(seed + "/registrant", 3, UPPER_ALNUM)
    return f"{country.upper()}{registrant}{year[-2:]}{digits(seed + '/n', 5)}"


def upc(seed: str) -> str:
    """A 12-digit UPC-A with a valid check digit."""
    body = "0" + digits(seed, 10) if number(seed) % 2 else "8" + digits(seed, 10)
    odd = sum(int(c) for c in body[0::2])
    even = sum(int(c) for c in body[1::2])
    return body + str((10 - (odd * 3 + even) % 10) % 10)


def slug(text: str, *, ascii_only: bool = False) -> str:
    """A URL slug: lower-case words joined by dashes. Letters without an ASCII form are kept and
    percent-encoded (Apple Music) or, with ``ascii_only``, replaced by a numbered fallback."""
    folded = unicodedata.normalize("NFKD", text)
    if folded.encode("ascii", "ignore").strip(b" -,.'"):
        folded = folded.encode("ascii", "ignore").decode()
    elif ascii_only:
        return "track-" + digits(text, 6)
    words = re.findall(r"\w+", folded.lower().replace("'", "").replace("’", ""))
    return quote("-".join(words) or "untitled")


def handle(text: str) -> str:
    """A user/subdomain name: lower-case ASCII letters and digits only (SoundCloud, Bandcamp)."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]", "", folded) or "artist" + digits(text, 6)
