"""Music links in chat text (pure, no network): ``find_music_links``, with one module of link
rules per platform (``spotify``, ``youtube``, ``apple``, ``deezer``, ``tidal``, ``amazon``,
``soundcloud``, ``bandcamp``), the candidates in chat text (``text``) and URL parts (``url``)."""

from __future__ import annotations

from bridge.music.links.find import find_music_links

__all__ = ["find_music_links"]
