"""An aiohttp resolver that resolves a host itself and refuses it when ANY of its addresses is not
a global unicast address, so a public name pointing at 127.0.0.1, 10.x or 169.254.169.254 (or a
DNS answer that changes between check and use) never gets a connection: aiohttp connects only to
the addresses this resolver returned, all of which were checked."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp.abc import AbstractResolver, ResolveResult

from adapters.music.guard import Refused, is_public_address

AddrInfo = list[tuple[Any, Any, int, str, tuple[Any, ...]]]
GetAddrInfo = Callable[..., Awaitable[AddrInfo]]


class PublicOnlyResolver(AbstractResolver):
    """``getaddrinfo`` (the loop's, or an injected one for tests) + an address check."""

    def __init__(self, getaddrinfo: GetAddrInfo | None = None) -> None:
        self._getaddrinfo = getaddrinfo

    async def _lookup(self, host: str, port: int, family: int) -> AddrInfo:
        lookup = self._getaddrinfo or asyncio.get_running_loop().getaddrinfo
        try:
            return await lookup(
                host, port, type=socket.SOCK_STREAM, family=family, flags=socket.AI_ADDRCONFIG
            )
        except socket.gaierror as exc:
            raise OSError(exc.errno, f"cannot resolve {host}: {exc.strerror}") from None

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        infos = await self._lookup(host, port, family)
        results: list[ResolveResult] = []
        for fam, _, proto, _, sockaddr in infos:
            address = str(sockaddr[0])
            if not is_public_address(address):
                raise Refused(f"{host} resolves to a non-public address")
            results.append(
                ResolveResult(
                    hostname=host,
                    host=address,
                    port=int(sockaddr[1]),
                    family=int(fam),
                    proto=int(proto),
                    flags=socket.AI_NUMERICHOST | socket.AI_NUMERICSERV,
                )
            )
        if not results:
            raise OSError(f"no address for {host}")
        return results

    async def close(self) -> None:
        return None
