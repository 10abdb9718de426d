"""The music tab renderers (pure): the Discord embed and buttons, the Slack blocks and App Home,
within each platform's limits, and hostile titles shown as typed."""

from __future__ import annotations

import json
from typing import Any

from adapters.discord.tab import parse_custom_id, tab_embed, tab_view
from adapters.slack.home import home_view
from adapters.slack.tab import (
    entry_blocks,
    fallback_text,
    music_args,
    parse_value,
    response,
    tab_blocks,
)
from bridge.music.tab_query import TabPage
from bridge.outcome import HomeTabs
from bridge.records import ItemLink, MusicItem, TabEntry

SPOTIFY = "https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC"
DEEZER = "https://www.deezer.com/track/3135556"
YOUTUBE = "https://www.youtube.com/watch?v=dQw4w9WgXcQ&list=PL1"
HOSTILE = "<!channel> & *bold* @everyone <@123>"


def item(title: str = "Neon Rivers", artists: tuple[str, ...] = ("Lumen Twins",)) -> MusicItem:
    links = (
        ItemLink("deezer", "track", "3135556", DEEZER),
        ItemLink("spotify", "track", "4uLU6hMCjMI75M1A2tKUQC", SPOTIFY),
        ItemLink("youtube", "track", "dQw4w9WgXcQ", YOUTUBE),
    )
    return MusicItem(
        1, "track", title, artists, None, 201_000, None, None, "https://i.scdn.co/a.jpg", links
    )


def entry(music: MusicItem | None = None, **changes: Any) -> TabEntry:
    base: dict[str, Any] = {
        "key": "item:1",
        "item": music if music is not None else item(),
        "url": SPOTIFY,
        "platform": "spotify",
        "shares": 3,
        "reactions": 2,
        "first_shared_at": 1.0,
        "last_shared_at": 2.0,
        "sharers": ("Alice", "erin"),
    }
    return TabEntry(**(base | changes))


def page(*entries: TabEntry, number: int = 1, pages: int = 2, name: str = "Indie Fans") -> TabPage:
    return TabPage("indie-fans", name, "recent", number, pages, 7, tuple(entries))


def unresolved() -> TabEntry:
    return TabEntry(
        "deezer:track:9", None, "https://www.deezer.com/track/9", "deezer", 1, 0, 1.0, 1.0, ("Bo",)
    )


# -- Discord -----------------------------------------------------------------------------------
def test_embed_has_a_field_per_entry_with_links_counts_and_sharers() -> None:
    data = tab_embed(page(entry(), unresolved())).to_dict()
    assert data["title"] == "🎧 Indie Fans — music tab"
    first, second = data["fields"]
    assert first["name"] == "1. Neon Rivers — Lumen Twins"
    assert f"[Spotify]({SPOTIFY})" in first["value"] and f"[Deezer]({DEEZER})" in first["value"]
    assert first["value"].index("Spotify") < first["value"].index("Deezer")  # a fixed order
    assert "shared 3× · 2 reactions · by Alice, erin" in first["value"]
    assert second["name"] == "2. https://www.deezer.com/track/9"  # not resolved: its link
    assert "[Deezer](https://www.deezer.com/track/9)" in second["value"]
    assert data["thumbnail"]["url"] == "https://i.scdn.co/a.jpg"
    assert data["footer"]["text"] == "page 1/2 · Recent · 7 items"


def test_buttons_page_and_sort_with_unique_custom_ids() -> None:
    [row] = tab_view(page(entry(), number=1, pages=2)).to_components()
    buttons = {b["label"]: b for b in row["components"]}
    assert buttons["◀"]["disabled"] and not buttons["▶"]["disabled"]
    assert parse_custom_id(buttons["▶"]["custom_id"]) is not None
    request = parse_custom_id(buttons["▶"]["custom_id"])
    assert request is not None and (request.slug, request.sort, request.page) == (
        "indie-fans",
        "recent",
        2,
    )
    top = parse_custom_id(buttons["Top"]["custom_id"])
    assert top is not None and (top.sort, top.page) == ("top", 1)
    ids = [b["custom_id"] for b in row["components"]]
    assert len(set(ids)) == len(ids) and all(len(i) <= 100 for i in ids)
    assert parse_custom_id("other:thing") is None


def test_discord_output_defuses_hostile_titles_and_names() -> None:
    hostile = entry(item(title=HOSTILE, artists=("@here",)), sharers=("@everyone",))
    data = tab_embed(page(hostile, name="@everyone party")).to_dict()
    text = json.dumps(data, ensure_ascii=False)
    assert "@everyone" not in text and "@here" not in text
    assert "<@123>" not in text
    assert "\\\\*bold\\\\*" in text  # markdown escaped (JSON-encoded backslash)


def test_discord_limits_hold_for_huge_entries() -> None:
    huge = entry(
        item(title="x" * 5000, artists=tuple(f"Artist {n}" for n in range(300))),
        sharers=tuple(f"fan{n}" * 20 for n in range(200)),
    )
    data = tab_embed(page(*[huge] * 5, name="g" * 400)).to_dict()
    assert len(data["title"]) <= 256 and len(data["fields"]) <= 25
    for field in data["fields"]:
        assert len(field["name"]) <= 256 and len(field["value"]) <= 1024
    many = tuple(
        ItemLink(p, "track", "1", f"https://{p}.example/{'x' * 300}")
        for p in ("spotify", "deezer", "apple_music", "youtube", "tidal", "bandcamp")
    )
    long_links = entry(
        MusicItem(2, "track", "y" * 900, ("z" * 900,), None, 1, None, None, None, many)
    )
    data = tab_embed(page(*[long_links] * 5, name="g" * 400)).to_dict()
    total = sum(len(f["name"]) + len(f["value"]) for f in data["fields"])
    assert total + len(data["title"]) + len(data["footer"]["text"]) <= 6000
    assert all(len(f["value"]) <= 1024 for f in data["fields"])


def test_empty_tab_explains_itself() -> None:
    data = tab_embed(TabPage("g", "G", "top", 1, 1, 0, ())).to_dict()
    assert "Nothing shared yet" in data["description"] and "fields" not in data
    blocks = tab_blocks(TabPage("g", "G", "top", 1, 1, 0, ()))
    assert "Nothing shared yet" in json.dumps(blocks)


# -- Slack -------------------------------------------------------------------------------------
def test_blocks_show_entries_with_links_artwork_counts_and_buttons() -> None:
    blocks = tab_blocks(page(entry(), unresolved(), number=2, pages=3))
    assert blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "🎧 Indie Fans — music tab", "emoji": True},
    }
    section = blocks[2]
    assert section["text"]["text"].startswith("*6.* Neon Rivers — Lumen Twins\n")
    assert f"<{SPOTIFY}|Spotify>" in section["text"]["text"]
    assert "<https://www.youtube.com/watch?v=dQw4w9WgXcQ&amp;list=PL1|YouTube>" in str(section)
    assert section["accessory"]["image_url"] == "https://i.scdn.co/a.jpg"
    assert "shared 3× · 2 reactions · by Alice, erin" in blocks[3]["elements"][0]["text"]
    assert "accessory" not in blocks[4]  # no artwork for a link not resolved
    actions = blocks[-1]["elements"]
    by_id = {a["action_id"]: a for a in actions}
    assert by_id["fbtab_prev"]["value"] == "indie-fans|recent|1"
    assert by_id["fbtab_next"]["value"] == "indie-fans|recent|3"
    assert by_id["fbtab_sort_recent"]["style"] == "primary"
    assert by_id["fbtab_sort_reacted"]["value"] == "indie-fans|reacted|1"
    assert len(blocks) <= 50


def test_first_and_last_pages_have_no_dead_buttons() -> None:
    first = {a["action_id"] for a in tab_blocks(page(entry(), number=1, pages=2))[-1]["elements"]}
    last = {a["action_id"] for a in tab_blocks(page(entry(), number=2, pages=2))[-1]["elements"]}
    assert "fbtab_prev" not in first and "fbtab_next" in first
    assert "fbtab_prev" in last and "fbtab_next" not in last


def test_slack_output_escapes_hostile_text() -> None:
    hostile = entry(item(title=HOSTILE, artists=("<@U123>",)), sharers=("<!here>", "@channel"))
    tab = page(hostile, name="<!everyone>")
    rendered = json.dumps([tab_blocks(tab), fallback_text(tab)], ensure_ascii=False)
    assert "<!" not in rendered and "<@" not in rendered
    assert "&lt;!channel&gt; &amp; *bold*" in rendered
    assert "@channel" not in rendered.replace("@\u200bchannel", "")
    assert all(
        b["text"].get("verbatim") for b in tab_blocks(tab) if b["type"] == "section"
    )  # Slack must not auto-parse names


def test_slack_limits_hold_for_huge_entries() -> None:
    huge = entry(
        item(title="<" * 5000, artists=("&" * 3000,)), sharers=tuple("x" * 90 for _ in range(80))
    )
    blocks = tab_blocks(page(*[huge] * 5, name="n" * 400))
    assert len(blocks) <= 50 and len(blocks[0]["text"]["text"]) <= 150
    for block in blocks:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
            assert len(block["accessory"]["alt_text"]) <= 2000
        if block["type"] == "context":
            assert all(len(e["text"]) <= 3000 for e in block["elements"])
    assert len(fallback_text(page(*[huge] * 5))) <= 3000
    many = tuple(
        ItemLink(p, "track", "1", f"https://{p}.example/{'&' * 350}")
        for p in ("spotify", "deezer", "apple_music", "youtube", "tidal", "bandcamp", "soundcloud")
    )
    long_links = entry(MusicItem(2, "track", "<" * 900, (), None, 1, None, None, None, many))
    [section, _] = entry_blocks(long_links, 1)
    assert len(section["text"]["text"]) <= 3000 and "Spotify" in section["text"]["text"]


def test_command_words_and_button_values() -> None:
    assert music_args(["top", "2"]) == {"sort": "top", "page": "2"}
    assert music_args(["3"]) == {"page": "3"}
    assert music_args(["REACTED"]) == {"sort": "reacted"}
    assert music_args(["bogus"]) == {}
    assert parse_value("indie-fans|top|2") == {"sort": "top", "page": "2"}
    assert parse_value("nonsense") is None
    answer = response(page(entry()))
    assert answer["response_type"] == "ephemeral" and answer["blocks"]
    assert "Neon Rivers" in answer["text"]
    public = TabPage("g", "G", "top", 1, 1, 1, (entry(),), ephemeral=False)
    assert response(public)["response_type"] == "in_channel"


def test_home_view_lists_each_group_without_buttons_within_100_blocks() -> None:
    tabs = tuple(page(entry(), entry(), entry(), entry(), entry(), name=f"G{n}") for n in range(12))
    view = home_view(HomeTabs(tabs))
    assert view["type"] == "home" and len(view["blocks"]) <= 100
    text = json.dumps(view, ensure_ascii=False)
    assert "G0 — music tab" in text and "more groups" in text
    assert all(b["type"] != "actions" for b in view["blocks"])
    empty = home_view(HomeTabs(()))
    assert "No Fan Group" in json.dumps(empty)
