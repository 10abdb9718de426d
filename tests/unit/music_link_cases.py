"""Real-world music link forms for ``find_music_links``, each with where it comes from.

Sources: the platform's own share sheet / copy-link output, its documented URL scheme, or a
public GitHub issue or pull request (named "owner/repo#n") in which users pasted that form.
Expected values are exact MusicLink values (platform, kind, id, short_link, url).
"""

from __future__ import annotations

from dataclasses import dataclass

from bridge.music.model import MusicLink


@dataclass(frozen=True)
class Case:
    text: str
    links: tuple[MusicLink, ...]
    source: str


def link(platform: str, kind: str, ident: str, url: str) -> MusicLink:
    return MusicLink(platform, kind, ident, False, url)


def short(platform: str, url: str) -> MusicLink:
    return MusicLink(platform, None, None, True, url)


def group(platform: str, source: str, rows: list[tuple[str, str, str]]) -> list[Case]:
    """Cases whose text is exactly one URL: (url, kind, id)."""
    return [Case(url, (link(platform, kind, ident, url),), source) for url, kind, ident in rows]


def shorts(platform: str, source: str, urls: list[str]) -> list[Case]:
    return [Case(url, (short(platform, url),), source) for url in urls]


def nothing(source: str, texts: list[str]) -> list[Case]:
    return [Case(text, (), source) for text in texts]


def wrapped(source: str, texts: list[str], *links: MusicLink) -> list[Case]:
    """The same links, found in each of several texts."""
    return [Case(text, links, source) for text in texts]


SP_TRACK = "4uLU6hMCjMI75M1A2tKUQC"
SP_ALBUM = "4LH4d3cOWNNsVw41Gqt2kv"
SP_ARTIST = "0gxyHStUsqpMadRV0Di1Qt"
SP_LIST = "37i9dQZF1DXcBWIGoYBM5M"
OS = "https://open.spotify.com"
YT = "dQw4w9WgXcQ"
OLAK = "OLAK5uy_mSV5pwwlGTMxNiX7MOkRj5eaYvkXXeTJg"
PL = "PLMgLYyo3mS5w4zkIIeFPAMWSIr_wJ5STx"
UC = "UC_7s69e1mDS3lgcTMJEPjCg"
AM = "https://music.apple.com"
TIDAL_PL = "36ea71a8-445e-41a4-82ab-6628c581535d"
DZ = "https://www.deezer.com/track/3135556"
YTL = link("youtube", "track", YT, f"https://youtu.be/{YT}")
SPL = link("spotify", "track", SP_TRACK, f"{OS}/track/{SP_TRACK}")
DZL = link("deezer", "track", "3135556", DZ)

# fmt: off
CASES: list[Case] = [
    # --- Spotify -------------------------------------------------------------------------
    *group("spotify", "Spotify share sheet, Copy Song/Album/Artist/Playlist Link (?si=)", [
        (f"{OS}/track/{SP_TRACK}?si=4e1b609f1b12403c", "track", SP_TRACK),
        (f"{OS}/album/{SP_ALBUM}?si=x7XZq3KtQ9mC2k", "album", SP_ALBUM),
        (f"{OS}/artist/{SP_ARTIST}?si=Ab12Cd34", "artist", SP_ARTIST),
        (f"{OS}/playlist/{SP_LIST}?si=136778db78d64e28", "playlist", SP_LIST),
        (f"{OS}/track/{SP_TRACK}", "track", SP_TRACK),
    ]),
    *group("spotify", "intl- segment: play-dl/play-dl#358, hrkfdn/ncspot#1455, deemix#149", [
        (f"{OS}/intl-fr/track/2SCP5oOX5OSp5RT83h2rs0?si=4e1b609f1b12403c", "track",
         "2SCP5oOX5OSp5RT83h2rs0"),
        (f"{OS}/intl-de/track/47JnKvBQFj4kFNs3sancVJ", "track", "47JnKvBQFj4kFNs3sancVJ"),
        (f"{OS}/intl-pt/album/{SP_ALBUM}", "album", SP_ALBUM),
        (f"{OS}/intl-ja/artist/{SP_ARTIST}", "artist", SP_ARTIST),
    ]),
    *group("spotify", "Spotify embed player URLs (developer embed generator, old embed host)", [
        (f"{OS}/embed/track/{SP_TRACK}?utm_source=generator", "track", SP_TRACK),
        (f"{OS}/embed/playlist/{SP_LIST}?utm_source=generator&theme=0", "playlist", SP_LIST),
        (f"https://embed.spotify.com/?uri=spotify:track:{SP_TRACK}", "track", SP_TRACK),
    ]),
    *group("spotify", "embed code copied from a localized open.spotify.com page (intl- kept "
           "before or after embed/): play-dl/play-dl#358 forms with the embed generator's path", [
        (f"{OS}/intl-fr/embed/track/{SP_TRACK}?utm_source=generator", "track", SP_TRACK),
        (f"{OS}/embed/intl-fr/track/{SP_TRACK}", "track", SP_TRACK),
    ]),
    *group("spotify", "legacy forms: pimusicbox/pimusicbox#227, jodal/pyspotify#74, "
           "ariamckinley/gatsby-remark-embed-spotify#3", [
        (f"http://open.spotify.com/user/nameofuser/playlist/{SP_LIST}", "playlist", SP_LIST),
        (f"https://open.spotify.com/user/spotify/playlist/{SP_LIST}?si=a", "playlist", SP_LIST),
        ("http://open.spotify.com/track/635Ojc3MUZ0IHdFIdaPL5W", "track",
         "635Ojc3MUZ0IHdFIdaPL5W"),
        (f"https://play.spotify.com/album/{SP_ALBUM}", "album", SP_ALBUM),
        (f"https://play.spotify.com/user/x/playlist/{SP_LIST}", "playlist", SP_LIST),
        (f"{OS}/artist/{SP_ARTIST}/discography/all", "artist", SP_ARTIST),
        (f"HTTPS://OPEN.SPOTIFY.COM/track/{SP_TRACK}", "track", SP_TRACK),
    ]),
    *group("spotify", "Spotify URIs (Copy Spotify URI): pimmerks/SpotifyWebApi#25, "
           "olejon/spotcommander#134", [
        (f"spotify:track:{SP_TRACK}", "track", SP_TRACK),
        (f"spotify:album:{SP_ALBUM}", "album", SP_ALBUM),
        (f"spotify:artist:{SP_ARTIST}", "artist", SP_ARTIST),
        ("spotify:playlist:6XbZD7guSDJ6QC3edZRKlM", "playlist", "6XbZD7guSDJ6QC3edZRKlM"),
        ("spotify:user:greenbeltfestival:playlist:6XbZD7guSDJ6QC3edZRKlM", "playlist",
         "6XbZD7guSDJ6QC3edZRKlM"),
    ]),
    *shorts("spotify", "spotify.link mobile share: TooTallNate/spotify-uri#34, "
            "rinukkusu/spotify-dart#154, microlinkhq/spotify-url-info#120; link.tospotify.com: "
            "s9e/TextFormatter#223; open.spotify.com/s/: topi314/LavaSrc#346", [
        "https://spotify.link/U1CqAwCm3Cb",
        "https://spotify.link/74vFi7E2yDb",
        "https://spotify.link/hRkBrwub9xb",
        "https://link.tospotify.com/jMOB2J5UTyb",
        "https://open.spotify.com/s/2czejYu",
    ]),
    *nothing("Spotify non-catalog pages (podcasts, audiobooks, profiles, search, concerts)", [
        f"{OS}/episode/{SP_TRACK}", f"{OS}/show/053vsnz2gfWX1bMeLto2QW",
        f"{OS}/audiobook/{SP_TRACK}", f"{OS}/user/spotify", f"{OS}/search/never%20gonna",
        f"{OS}/genre/0JQ5DAqbMKFEC4WFtoNRpw", f"{OS}/concert/{SP_TRACK}",
        f"{OS}/collection/tracks", f"{OS}/", f"spotify:episode:{SP_TRACK}",
        f"spotify:show:{SP_TRACK}", "https://www.spotify.com/us/premium/",
        f"{OS}/embed-podcast/show/{SP_TRACK}",
    ]),
    *nothing("Spotify malformed ids (spotify-to-plex#71 pasted a URI into a URL)", [
        "https://open.spotify.com/track/spotify:track:79u0bfuSYHh8QVqNCDXu99",
        f"{OS}/track/{SP_TRACK[:21]}", f"{OS}/track/{SP_TRACK}X", f"{OS}/track/{SP_TRACK[:21]}-",
        f"spotify:track:{SP_TRACK[:21]}", f"spotify:track:{SP_TRACK}X",
        f"{OS}/track/{SP_TRACK}/x",
    ]),
    *nothing("Spotify lookalike hosts and wrapped redirects (phishing shapes)", [
        f"https://open.spotify.com.evil.example/track/{SP_TRACK}",
        f"https://spotify.com.evil/track/{SP_TRACK}", f"https://evilspotify.com/track/{SP_TRACK}",
        f"https://open-spotify.com/track/{SP_TRACK}", f"https://open.spotify.co/track/{SP_TRACK}",
        f"https://user@evil.example/open.spotify.com/track/{SP_TRACK}",
        f"https://open.spotify.com@evil.example/track/{SP_TRACK}",
        f"https://evil.example\\@open.spotify.com/track/{SP_TRACK}",
        f"https://open.spotify.com:8443/track/{SP_TRACK}", "https://spotify.link.evil.example/a",
        f"https://www.google.com/url?q=https://open.spotify.com/track/{SP_TRACK}",
    ]),
    # --- YouTube ---------------------------------------------------------------------------
    *group("youtube", "YouTube share sheet and address bar (watch, youtu.be, m., no www)", [
        (f"https://www.youtube.com/watch?v={YT}", "track", YT),
        (f"https://youtube.com/watch?v={YT}&feature=shared", "track", YT),
        (f"https://m.youtube.com/watch?v={YT}&pp=ygUEcmljaw%3D%3D", "track", YT),
        (f"https://youtu.be/{YT}?si=0ZKkeLcPgnLJ9oJ_", "track", YT),
        (f"https://youtu.be/{YT}?t=43", "track", YT),
        ("https://www.youtube.com/watch?v=Rm6q_3WGy9M", "track", "Rm6q_3WGy9M"),
        (f"https://www.youtube.com/watch?app=desktop&v={YT}", "track", YT),
        (f"https://www.youtube.com/watch?v={YT}&list=RD{YT}&start_radio=1", "track", YT),
        (f"https://www.youtube.com/embed/{YT}?autoplay=1", "track", YT),
        (f"https://www.youtube-nocookie.com/embed/{YT}", "track", YT),
        (f"https://www.youtube.com/v/{YT}", "track", YT),
        (f"https://www.youtube.com/live/{YT}?si=abc", "track", YT),
    ]),
    *group("youtube", "Shorts (decision: a Short is a video, so a track): "
           "open-chat-labs/open-chat#2402, sarbagyastha/youtube_player_flutter#634", [
        ("https://youtube.com/shorts/u1I0Z8ePtKM?feature=share", "track", "u1I0Z8ePtKM"),
        ("https://www.youtube.com/shorts/K7kO0zUeVUk", "track", "K7kO0zUeVUk"),
    ]),
    *group("youtube", "YouTube playlists; OLAK5uy_ lists are albums: mps-youtube/pafy#226", [
        (f"https://www.youtube.com/playlist?list={PL}", "playlist", PL),
        ("https://www.youtube.com/playlist?list=OLAK5uy_llf_BmriM2TWt0gsrdcnUH_qmGg3--1pU",
         "album", "OLAK5uy_llf_BmriM2TWt0gsrdcnUH_qmGg3--1pU"),
        (f"https://www.youtube.com/embed/videoseries?list={PL}", "playlist", PL),
        (f"https://www.youtube.com/watch?v={YT}&list={OLAK}&index=2", "track", YT),
    ]),
    *nothing("YouTube channels are not artists; search, feeds, private lists, malformed ids", [
        f"https://www.youtube.com/channel/{UC}", "https://www.youtube.com/@RickAstleyYT",
        "https://www.youtube.com/c/RickAstley", "https://www.youtube.com/user/RickAstleyVEVO",
        "https://www.youtube.com/results?search_query=never+gonna",
        "https://www.youtube.com/feed/trending", "https://www.youtube.com/playlist?list=WL",
        "https://www.youtube.com/playlist?list=LL", f"https://www.youtube.com/watch?v={YT[:10]}",
        f"https://www.youtube.com/watch?v={YT}x", "https://www.youtube.com/watch",
        f"https://youtu.be/{YT}/extra", "https://youtu.be/", f"https://www.youtube.com/watch?list={PL}",
        f"https://youtube.com.evil.example/watch?v={YT}", f"https://www.youtube.co/watch?v={YT}",
        f"https://www.youtube.com/shorts/{YT[:9]}",
    ]),
    # --- YouTube Music ---------------------------------------------------------------------
    *group("youtube_music", "YouTube Music share sheet and web player: ytdl-org/youtube-dl#27731, "
           "#25100, emresenyuva/youtube-music-api#1, fast4x/RiMusic#2147, "
           "TeamNewPipe/NewPipeExtractor#670, baptisteArno/node-youtube-music#22", [
        (f"https://music.youtube.com/watch?v=5zZLsvbO1nI&list={OLAK}", "track", "5zZLsvbO1nI"),
        (f"https://music.youtube.com/watch?v={YT}&si=Ab-Cd_Ef", "track", YT),
        (f"https://music.youtube.com/playlist?list={OLAK}", "album", OLAK),
        (f"https://music.youtube.com/playlist?list={PL}&si=x", "playlist", PL),
        ("https://music.youtube.com/browse/MPREb_l82nzciIrWt", "album", "MPREb_l82nzciIrWt"),
        ("https://music.youtube.com/browse/MPREb_YVn9rqpXxhm", "album", "MPREb_YVn9rqpXxhm"),
        (f"https://music.youtube.com/browse/VL{PL}", "playlist", PL),
        (f"https://music.youtube.com/browse/VL{OLAK}", "album", OLAK),
        (f"https://music.youtube.com/channel/{UC}", "artist", UC),
        ("https://music.youtube.com/browse/UCzVb0SIXp9q9PeKCcFjsBtA", "artist",
         "UCzVb0SIXp9q9PeKCcFjsBtA"),
        (f"https://music.youtube.com/channel/{UC}?si=abc", "artist", UC),
    ]),
    *nothing("YouTube Music pages that are not catalog items, malformed ids", [
        "https://music.youtube.com/search?q=never+gonna", "https://music.youtube.com/explore",
        "https://music.youtube.com/browse/FEmusic_home", "https://music.youtube.com/library",
        "https://music.youtube.com/browse/MPREb_", "https://music.youtube.com/channel/UCshort",
        "https://music.youtube.com/browse/VLWL", "https://music.youtube.com/",
        "https://music.youtube.com/browse/MPADUCKRnq8aBOCanYlffje7HyvA",
    ]),
    # --- Apple Music -----------------------------------------------------------------------
    *group("apple_music", "Apple Music Share > Copy Link (album, ?i= song, song, playlist, "
           "artist): sleepyfran/itunespy#13, miraclx/freyr-js#403", [
        (f"{AM}/us/album/stories/1440834059", "album", "1440834059"),
        (f"{AM}/gb/album/tragic-feat-youngboy-never-broke-again-internet-money/1538646756"
         "?i=1538647031", "track", "1538647031"),
        (f"{AM}/de/album/1581087024?l=en", "album", "1581087024"),
        (f"{AM}/us/album/1989-taylors-version/1708532833?i=1708532852&ls", "track", "1708532852"),
        (f"{AM}/us/song/anti-hero/1645937263", "track", "1645937263"),
        (f"{AM}/jp/song/1645937263", "track", "1645937263"),
        (f"{AM}/us/playlist/todays-hits/pl.f4d106fed2bd41149aaacabb233eb5eb", "playlist",
         "pl.f4d106fed2bd41149aaacabb233eb5eb"),
        (f"{AM}/us/playlist/road-trip/pl.u-76oNlKqTv2xG2d", "playlist", "pl.u-76oNlKqTv2xG2d"),
        (f"{AM}/us/artist/taylor-swift/159260351", "artist", "159260351"),
        (f"{AM}/album/stories/1440834059", "album", "1440834059"),
        (f"{AM}/us/album/%E6%97%A5%E6%9C%AC/1440834059", "album", "1440834059"),
    ]),
    *group("apple_music", "Apple legacy hosts: iTunes Link Maker, geo. links (id-prefixed ids)", [
        ("https://itunes.apple.com/us/album/stories/id1440834059?i=1440834528&uo=4", "track",
         "1440834528"),
        ("https://itunes.apple.com/album/id1440834059", "album", "1440834059"),
        ("https://itunes.apple.com/us/artist/avicii/id298496035", "artist", "298496035"),
        ("https://geo.music.apple.com/us/album/_/1440834059?i=1440834528&mt=1&app=music",
         "track", "1440834528"),
        ("https://geo.itunes.apple.com/us/album/stories/id1440834059?mt=1&app=music", "album",
         "1440834059"),
        ("https://embed.music.apple.com/us/album/stories/1440834059", "album", "1440834059"),
    ]),
    *nothing("Apple non-catalog pages, other Apple stores, malformed ids", [
        f"{AM}/us/station/apple-music-1/ra.978194965",
        f"{AM}/us/curator/apple-music-pop/976439548", f"{AM}/us/browse",
        f"{AM}/us/search?term=avicii", f"{AM}/us/music-video/x/1445700493",
        "https://podcasts.apple.com/us/podcast/the-daily/id1200361736",
        "https://books.apple.com/us/audiobook/x/id1440834059",
        f"{AM}/library/playlist/p.ZOAXx9JsGgBGkN", "https://itunes.apple.com/us/app/x/id284882215",
        f"{AM}/us/album/stories/1440834059?i=abc", f"{AM}/us/album/stories/abc",
        f"{AM}/us/album/stories/abc?i=1440834528", f"{AM}/us/playlist/x/1440834059",
        f"{AM}/us/album/a/b/1440834059",
        "https://music.apple.com.evil.example/us/album/x/1440834059",
    ]),
    # --- Deezer ----------------------------------------------------------------------------
    *group("deezer", "Deezer web links, with and without language: openwhyd/openwhyd#458, "
           "9dogs/tg-odesli-bot#15, RemixDev/DRemixIssues#44, SoCo/SoCo#858", [
        ("https://www.deezer.com/track/599022112", "track", "599022112"),
        ("https://www.deezer.com/fr/track/115996896", "track", "115996896"),
        ("https://www.deezer.com/en/album/79333", "album", "79333"),
        ("https://www.deezer.com/en/playlist/5390258182", "playlist", "5390258182"),
        ("https://deezer.com/artist/27", "artist", "27"),
        ("https://www.deezer.com/us/track/3135556?utm_source=deezer&utm_content=track-3135556"
         "&utm_medium=web", "track", "3135556"),
    ]),
    *shorts("deezer", "Deezer app share links: nathom/streamrip#887, #92, "
            "9dogs/tg-odesli-bot#56, acszo/Redomi#39", [
        "https://deezer.page.link/qfomS8twgYA35mgQ7",
        "https://deezer.page.link/aXUq1xjzF8s2AZje9",
        "https://dzr.page.link/vmwdqP72fgErpPhM6",
        "https://link.deezer.com/s/319MrRotHC7J6de6Ziseq",
    ]),
    *nothing("Deezer non-catalog pages and malformed ids", [
        "https://www.deezer.com/fr/show/1234", "https://www.deezer.com/en/episode/5678",
        "https://www.deezer.com/fr/profile/2476790924/loved",
        "https://www.deezer.com/search/avicii", "https://www.deezer.com/track/abc",
        "https://www.deezer.com/track/0", "https://link.deezer.com/other/x",
        "https://link.deezer.com/s/", "https://deezer.page.link/",
        "https://www.deezer.com/play?query={track:'x'}",
    ]),
    # --- Tidal -----------------------------------------------------------------------------
    *group("tidal", "Tidal share links: EbbLabs/python-tidal#266, redsudo/RedSea#45, #64, "
           "nickpwhite/Beatnik#16, museofficial/muse#1222, Nokse22/high-tide#65", [
        ("https://tidal.com/browse/track/108381278", "track", "108381278"),
        ("https://tidal.com/browse/track/97874144", "track", "97874144"),
        ("https://tidal.com/track/73386152", "track", "73386152"),
        ("https://tidal.com/artist/5448076", "artist", "5448076"),
        ("https://tidal.com/browse/album/73386149", "album", "73386149"),
        ("https://tidal.com/browse/track/387614030?u", "track", "387614030"),
        ("https://tidal.com/track/387614030/u", "track", "387614030"),
        ("https://listen.tidal.com/album/73386149/track/73386152", "track", "73386152"),
        ("https://listen.tidal.com/album/73386149", "album", "73386149"),
        (f"https://tidal.com/browse/playlist/{TIDAL_PL}", "playlist", TIDAL_PL),
        (f"https://listen.tidal.com/playlist/{TIDAL_PL}", "playlist", TIDAL_PL),
    ]),
    *nothing("Tidal mixes, videos, malformed ids: michaelherger/lms-plugin-tidal#95", [
        "https://tidal.com/browse/mix/0013c6b9072d410ea7ed0fc72a2b54",
        "https://tidal.com/browse/video/1234567", "https://tidal.com/browse/playlist/1234567",
        "https://tidal.com/browse/track/abc", f"https://tidal.com/browse/track/{TIDAL_PL}",
        "https://tidal.com/", "https://tidal.com/browse/search?q=x",
    ]),
    # --- Amazon Music ----------------------------------------------------------------------
    *group("amazon_music", "Amazon Music share links: metabrainz/musicbrainz-server#3366, "
           "hklages/node-red-contrib-sonos-plus#170, jiftechnify/nostatus#81 (other TLDs)", [
        ("https://music.amazon.com/tracks/B0D3QS9NCT", "track", "B0D3QS9NCT"),
        ("https://music.amazon.com/albums/B0D3QV7HNL?trackAsin=B0D3QS9NCT", "track",
         "B0D3QS9NCT"),
        ("https://music.amazon.de/albums/B0916RJW6M?marketplaceId=A1PA6795UKMFR9"
         "&musicTerritory=DE&ref=dm_sh_YHJDGDJ33YBqNEI5RIufBokFs", "album", "B0916RJW6M"),
        ("https://music.amazon.co.uk/artists/B000QJQS5A/rick-astley", "artist", "B000QJQS5A"),
        ("https://music.amazon.co.jp/playlists/B07H8SXM2P", "playlist", "B07H8SXM2P"),
        ("https://www.amazon.com/music/player/albums/B0916RJW6M", "album", "B0916RJW6M"),
        ("https://amazon.de/music/player/tracks/B0D3QS9NCT", "track", "B0D3QS9NCT"),
    ]),
    *nothing("Amazon pages that are not music catalog links (StarCitizenWiki EmbedVideo#145 "
             "embeds carry no kind), malformed ASINs", [
        "https://music.amazon.com/search/avicii", "https://music.amazon.com/podcasts/x",
        "https://music.amazon.com/user-playlists/3c9f8a1b2c3d4e5f",
        "https://www.amazon.com/dp/B0916RJW6M", "https://music.amazon.com/albums/B0916",
        "https://music.amazon.com/albums/B0D3QV7HNL?trackAsin=bad",
        "https://music.amazon.com/embed/B09726942J", "https://www.amazon.com/music/unlimited",
    ]),
    # --- SoundCloud ------------------------------------------------------------------------
    *group("soundcloud", "SoundCloud permalinks (Copy Link; the API docs' forss examples); "
           "sets are playlists, albums too: scdl-org/scdl#546, soundcloud.ts URL patterns", [
        ("https://soundcloud.com/forss/flickermood", "track", "forss/flickermood"),
        ("https://soundcloud.com/forss/sets/soulhack", "playlist", "forss/sets/soulhack"),
        ("https://soundcloud.com/forss", "artist", "forss"),
        ("https://soundcloud.com/forss/", "artist", "forss"),
        ("https://soundcloud.com/forss/tracks", "artist", "forss"),
        ("https://m.soundcloud.com/forss/flickermood", "track", "forss/flickermood"),
        ("https://www.soundcloud.com/forss/flickermood", "track", "forss/flickermood"),
        ("https://soundcloud.com/forss/flickermood/s-AbCdEf123", "track",
         "forss/flickermood/s-AbCdEf123"),
        ("https://soundcloud.com/forss/sets/soulhack/s-XyZ987", "playlist",
         "forss/sets/soulhack/s-XyZ987"),
        # a private link's Copy Link output: the token is what lets anyone else open it
        ("https://soundcloud.com/forss/flickermood/s-AbCdE?si=0f1e2d3c4b5a&utm_source=clipboard",
         "track", "forss/flickermood/s-AbCdE"),
        ("https://soundcloud.com/forss/flickermood?in=forss/sets/soulhack", "track",
         "forss/flickermood"),
        ("https://soundcloud.com/forss/flickermood?utm_source=clipboard&utm_medium=text"
         "&utm_campaign=social_sharing", "track", "forss/flickermood"),
        ("https://soundcloud.com/muhamed-rahoof/best-songs-of-enrique-iglesias", "track",
         "muhamed-rahoof/best-songs-of-enrique-iglesias"),
    ]),
    *shorts("soundcloud", "SoundCloud app share links: TeamNewPipe/NewPipeExtractor#1178, "
            "scdl-org/scdl#546, soundcloud/api#41, TeamNewPipe/NewPipe#5025", [
        "https://on.soundcloud.com/a8QmYdMnmxnsSTEp9",
        "https://on.soundcloud.com/jSPcrMemAGzRcU4M6",
        "https://soundcloud.app.goo.gl/WQpB",
        "https://soundcloud.app.goo.gl/oHaE9jAAhVbuAB7g8",
    ]),
    *nothing("SoundCloud reserved paths, listener pages, API/embed hosts, lookalikes", [
        "https://soundcloud.com/discover", "https://soundcloud.com/search?q=forss",
        "https://soundcloud.com/you/library", "https://soundcloud.com/stream",
        "https://soundcloud.com/upload", "https://soundcloud.com/pages/contact",
        "https://soundcloud.com/charts/top", "https://soundcloud.com/forss/likes",
        "https://soundcloud.com/forss/flickermood/recommended", "https://soundcloud.com/",
        "https://soundcloud.com@evil.example/forss/flickermood",
        "https://api.soundcloud.com/tracks/293", "https://on.soundcloud.com/",
        "https://w.soundcloud.com/player/?url=https%3A//api.soundcloud.com/tracks/293",
        "https://soundcloud.com/forss/sets/soulhack/extra/more",
    ]),
    # --- Bandcamp --------------------------------------------------------------------------
    *group("bandcamp", "Bandcamp pages: snejus/beetcamp#12, sedmelluq/lavaplayer#1", [
        ("https://3six.bandcamp.com/track/mist-2020-remaster", "track",
         "3six/track/mist-2020-remaster"),
        ("https://cysmix.bandcamp.com/album/escapism/", "album", "cysmix/album/escapism"),
        ("https://cysmix.bandcamp.com/album/escapism?from=embed", "album",
         "cysmix/album/escapism"),
        ("https://cysmix.bandcamp.com", "artist", "cysmix"),
        ("https://cysmix.bandcamp.com/music", "artist", "cysmix"),
        ("https://CYSMIX.bandcamp.com/album/escapism#lyrics", "album", "cysmix/album/escapism"),
    ]),
    *nothing("Bandcamp custom domains (snejus/beetcamp#12, Evolution0/bandcamp-dl#25), "
             "editorial, fan pages, lookalikes", [
        "https://3six.net/track/mist-2020-remaster", "https://bandcamp.com/search?q=cysmix",
        "https://daily.bandcamp.com/features/best-of-2024", "https://bandcamp.com/somefan",
        "https://cysmix.bandcamp.com/merch", "https://www.bandcamp.com/album/x",
        "https://cysmix.bandcamp.com.evil.example/album/escapism",
        "https://evilbandcamp.com/album/escapism", "https://a.b.bandcamp.com/album/escapism",
        "https://cysmix.bandcamp.com/album/", "https://cysmix.bandcamp.com/album/bad%20slug",
    ]),
    # --- Unsupported services --------------------------------------------------------------
    *nothing("unsupported services, plain web pages, no scheme", [
        "https://www.pandora.com/artist/rick-astley/ARxxx", "https://audiomack.com/x/song/y",
        "https://music.yandex.ru/album/123/track/456", "https://www.qobuz.com/us-en/album/x/y",
        "https://www.last.fm/music/Rick+Astley", "https://genius.com/Rick-astley-lyrics",
        "https://vimeo.com/123456789", "https://song.link/s/4uLU6hMCjMI75M1A2tKUQC",
        "https://en.wikipedia.org/wiki/Never_Gonna_Give_You_Up", "just text, no links at all",
        f"ftp://open.spotify.com/track/{SP_TRACK}", f"open.spotify.com/track/{SP_TRACK}",
    ]),
]

TEXT_CASES: list[Case] = [
    Case(f"Check out this song on Spotify: {OS}/track/{SP_TRACK}?si=5f1c2d",
         (link("spotify", "track", SP_TRACK, f"{OS}/track/{SP_TRACK}?si=5f1c2d"),),
         "Spotify share sheet sentence (Android 'Share to...')"),
    Case("Hör dir Pink Pony Club von Chappell Roan auf jeder bekannten Musik-App an, wenn du "
         "diesen Link nutzt 🎧 https://link.deezer.com/s/313s0ezMqFTZ1bJmPjJPA",
         (short("deezer", "https://link.deezer.com/s/313s0ezMqFTZ1bJmPjJPA"),),
         "Deezer app share text, German: acszo/Redomi#39"),
    Case(f"<{AM}/us/album/stories/1440834059?i=1440834528&amp;l=en|music.apple.com/us/album/…>",
         (link("apple_music", "track", "1440834528",
               f"{AM}/us/album/stories/1440834059?i=1440834528&l=en"),),
         "Slack message text: <url|label> with & escaped as &amp; (Slack formatting docs)"),
    Case(f"<http://open.spotify.com/track/{SP_TRACK}|open.spotify.com/track/{SP_TRACK}>",
         (link("spotify", "track", SP_TRACK, f"http://open.spotify.com/track/{SP_TRACK}"),),
         "Slack auto-links a scheme-less URL as <http://…|…>"),
    Case(f"<https://www.youtube.com/watch?v={YT}&amp;list={PL}|this banger> 🔥",
         (link("youtube", "track", YT, f"https://www.youtube.com/watch?v={YT}&list={PL}"),),
         "Slack <url|label> with a custom label and &amp;"),
    Case(f"<https://youtu.be/{YT}|https://open.spotify.com/track/{SP_TRACK}>", (YTL,),
         "Slack label is display text only: the link goes to the URL part"),
    Case(f"https://www.youtube.com/watch?v={YT}&amp;t=42s",
         (link("youtube", "track", YT, f"https://www.youtube.com/watch?v={YT}&t=42s"),),
         "Slack-escaped text without angle brackets"),
    Case(f"https://youtu.be/{YT}&gt; quoted", (YTL,), "Slack escapes '>' after a URL as &gt;"),
    Case(f"<spotify:track:{SP_TRACK}>",
         (link("spotify", "track", SP_TRACK, f"spotify:track:{SP_TRACK}"),),
         "a Spotify URI in angle brackets (Discord/Slack)"),
    *wrapped("Discord: <url> suppresses the embed; ||spoilers||", [
        f"<{DZ}>", f"||{DZ}||", f"||<{DZ}>||", f"listen <{DZ}> now",
    ], DZL),
    *wrapped("Markdown links (Discord masked links, Slack markdown blocks)", [
        f"[my jam]({DZ})", f"[my jam](<{DZ}>)", f"[{DZ}]({DZ})", f'[my jam]({DZ} "title")',
    ], DZL),
    *wrapped("links in code, quotes and brackets", [
        f"`{DZ}`", f"```\n{DZ}\n```", f"> {DZ}", f"&gt; {DZ}", f"({DZ})", f"[{DZ}]",
        f"{{{DZ}}}", f'<a href="{DZ}">x</a>', f"'{DZ}'", f"«{DZ}»", f"“{DZ}”",
    ], DZL),
    *wrapped("trailing punctuation in prose", [
        f"{DZ}!", f"{DZ}…", f"{DZ}?!", f"{DZ}).", f"({DZ}).", f"{DZ},", f"{DZ};", f"{DZ}:",
        f"{DZ}...", f"{DZ}。", f"{DZ}！", f"🎵{DZ}🎵", f"{DZ}\u200bnice", f"{DZ}\u00a0!",
    ], DZL),
    *wrapped("Markdown emphasis around a link (Discord **bold**, __underline__, ~~strike~~; "
             "Slack *bold*, _italic_)", [
        f"**{DZ}**", f"__{DZ}__", f"~~{DZ}~~", f"*<{DZ}>*", f"_<{DZ}>_", f"***{DZ}***",
    ], DZL),
    Case("__https://youtu.be/abcdefghij___",
         (link("youtube", "track", "abcdefghij_", "https://youtu.be/abcdefghij_"),),
         "__underline__ around an id that ends in '_'"),
    Case(f"(see {AM}/us/album/stories-(deluxe)/1440834059)",
         (link("apple_music", "album", "1440834059",
               f"{AM}/us/album/stories-(deluxe)/1440834059"),),
         "balanced parentheses inside a URL are kept"),
    Case(f"https://youtu.be/{YT}这首歌太好听了", (YTL,),
         "a URL run into CJK text without a space: its ASCII prefix"),
    Case(f"two: https://youtu.be/{YT}\nand {DZ} and spotify:artist:{SP_ARTIST}",
         (YTL, DZL, link("spotify", "artist", SP_ARTIST, f"spotify:artist:{SP_ARTIST}")),
         "several links in one message, in order of appearance"),
    Case(f"{DZ} {OS}/track/{SP_TRACK} https://youtu.be/{YT}", (DZL, SPL, YTL),
         "order of appearance across platforms"),
    Case(f"{OS}/track/{SP_TRACK} again {OS}/track/{SP_TRACK}?si=abc and spotify:track:{SP_TRACK}",
         (SPL,), "the same item three ways in one message is listed once"),
    Case("https://spotify.link/U1CqAwCm3Cb https://spotify.link/U1CqAwCm3Cb "
         "https://spotify.link/74vFi7E2yDb",
         (short("spotify", "https://spotify.link/U1CqAwCm3Cb"),
          short("spotify", "https://spotify.link/74vFi7E2yDb")),
         "short links are deduplicated by URL"),
    Case(f"https://youtu.be/{YT} https://music.youtube.com/watch?v={YT}",
         (YTL, link("youtube_music", "track", YT, f"https://music.youtube.com/watch?v={YT}")),
         "the same video on YouTube and YouTube Music: two platforms, two links"),
    Case(f"{AM}/us/album/stories/1440834059 {AM}/us/album/stories/1440834059?i=1440834528",
         (link("apple_music", "album", "1440834059", f"{AM}/us/album/stories/1440834059"),
          link("apple_music", "track", "1440834528",
               f"{AM}/us/album/stories/1440834059?i=1440834528")),
         "an album and one of its songs are different items"),
    Case(f"HTTPS://youtu.be/{YT}\r\n\tok",
         (link("youtube", "track", YT, f"HTTPS://youtu.be/{YT}"),),
         "upper-case scheme, CRLF and tab"),
    Case(f"(spotify:album:{SP_ALBUM}). xspotify:track:{SP_TRACK} spotify:track:{SP_TRACK}.",
         (link("spotify", "album", SP_ALBUM, f"spotify:album:{SP_ALBUM}"),
          link("spotify", "track", SP_TRACK, f"spotify:track:{SP_TRACK}")),
         "Spotify URIs in prose; one glued to a word is not a URI"),
    Case(f"[Spotify](https://evil.example/?{OS}/track/{SP_TRACK}) mail fan@open.spotify.com",
         (), "a masked link to another site, and an address without scheme"),
    Case("lol " * 500 + DZ, (DZL,), "a long message with the link at the end"),
]
# fmt: on
