"""The pure half of the guarded HTTP client: which URLs may be fetched, which addresses may be
connected to, and how a real URL maps onto the emulator (no I/O here).

Every URL is checked as a REAL url (https, an allowlisted host name, no userinfo, default port)
before anything is sent, and again at every redirect hop, in real and in emulator mode alike.
"""

from __future__ import annotations

import ipaddress

from yarl import URL

# The music APIs the providers call.
API_HOSTS = frozenset(
    {
        "api.spotify.com",
        "accounts.spotify.com",
        "api.deezer.com",
        "itunes.apple.com",
        "www.youtube.com",
        "soundcloud.com",
        "oembed.tidal.com",
        "musicbrainz.org",
    }
)
# Short-link redirectors: followed hop by hop by ``expand``.
REDIRECTOR_HOSTS = frozenset(
    {
        "spotify.link",
        "link.tospotify.com",
        "deezer.page.link",
        "dzr.page.link",
        "link.deezer.com",
        "on.soundcloud.com",
        "soundcloud.app.goo.gl",
    }
)
# Canonical public pages a redirect may land on (and Bandcamp pages, fetched for Open Graph).
PAGE_HOSTS = frozenset(
    {
        "open.spotify.com",
        "www.deezer.com",
        "deezer.com",
        "soundcloud.com",
        "m.soundcloud.com",
        "music.apple.com",
        "geo.music.apple.com",
        "itunes.apple.com",
        "www.youtube.com",
        "youtube.com",
        "m.youtube.com",
        "music.youtube.com",
        "youtu.be",
        "tidal.com",
        "listen.tidal.com",
        "music.amazon.com",
        "bandcamp.com",
    }
)
ALLOWED_HOSTS = API_HOSTS | REDIRECTOR_HOSTS | PAGE_HOSTS
ALLOWED_SUFFIXES = (".bandcamp.com",)

# (real host, real path prefix, emulator path prefix); anything else allowlisted -> /web/HOST/PATH
EMULATOR_ROUTES: tuple[tuple[str, str, str], ...] = (
    ("api.spotify.com", "/v1", "/spotify/v1"),
    ("accounts.spotify.com", "", "/spotify-accounts"),
    ("api.deezer.com", "", "/deezer"),
    ("itunes.apple.com", "/lookup", "/itunes/lookup"),
    ("itunes.apple.com", "/search", "/itunes/search"),
    ("www.youtube.com", "/oembed", "/youtube/oembed"),
    ("soundcloud.com", "/oembed", "/soundcloud/oembed"),
    ("oembed.tidal.com", "", "/tidal/oembed"),
    ("musicbrainz.org", "/ws/2", "/musicbrainz/ws/2"),
)


class Refused(Exception):
    """The guard refused a URL, an address or a response (never retried)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def normal_host(host: str | None) -> str:
    return (host or "").lower().rstrip(".")


def host_allowed(host: str | None) -> bool:
    """An exact allowlisted name or a Bandcamp subdomain; never an IP literal or a lookalike."""
    name = normal_host(host)
    if name in ALLOWED_HOSTS:
        return True
    if not name.endswith(ALLOWED_SUFFIXES):
        return False
    label = name.removesuffix(".bandcamp.com")
    return bool(label) and "." not in label and label.replace("-", "").isalnum()


def is_redirector(host: str | None) -> bool:
    return normal_host(host) in REDIRECTOR_HOSTS


def check_url(url: str | URL) -> URL:
    """The URL as a yarl URL when it may be fetched; raises :class:`Refused` otherwise."""
    try:
        parsed = url if isinstance(url, URL) else URL(url)
    except (TypeError, ValueError) as exc:
        raise Refused(f"malformed URL: {exc}") from None
    if parsed.scheme != "https":
        raise Refused(f"not https: {parsed.scheme or 'relative'}")
    if parsed.user is not None or parsed.password is not None:
        raise Refused("userinfo in URL")
    if not host_allowed(parsed.host):
        raise Refused(f"host not allowlisted: {parsed.host}")
    if parsed.explicit_port is not None and parsed.explicit_port != 443:
        raise Refused(f"port not allowed: {parsed.explicit_port}")
    return parsed.with_fragment(None)


def next_hop(current: URL, location: str) -> URL:
    """The checked absolute URL a ``Location`` header points to, relative to ``current``."""
    try:
        target = current.join(URL(location))
    except (TypeError, ValueError) as exc:
        raise Refused(f"malformed redirect: {exc}") from None
    return check_url(target)


# -- addresses ------------------------------------------------------------------------------------
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def _embedded_v4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def is_public_address(address: str) -> bool:
    """True for a global unicast address; False for loopback, private, link-local (incl. the cloud
    metadata address), reserved, multicast, unspecified, and IPv6 forms embedding such an IPv4."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_v4(ip)
        if inner is not None:
            return is_public_address(str(inner))
    bad = (
        ip.is_loopback,
        ip.is_private,
        ip.is_link_local,
        ip.is_reserved,
        ip.is_multicast,
        ip.is_unspecified,
    )
    return ip.is_global and not any(bad)


# -- emulator mode --------------------------------------------------------------------------------
def _route(host: str, path: str) -> str | None:
    for real_host, prefix, emulated in EMULATOR_ROUTES:
        if host == real_host and (not prefix or path == prefix or path.startswith(prefix + "/")):
            rest = path[len(prefix) :]
            return emulated + ("" if rest == "/" else rest)
    return None


def to_emulator(url: URL, emulator: str) -> URL:
    """Where a (checked) real URL is served by the emulator at origin ``emulator``."""
    host = normal_host(url.host)
    path = url.raw_path or "/"
    mapped = _route(host, path)
    if mapped is None:
        mapped = f"/web/{host}{path}"
    query = f"?{url.raw_query_string}" if url.raw_query_string else ""
    return URL(emulator.rstrip("/") + mapped + query, encoded=True)
